"""Sections that apps above the core add to the core's pages (a funding stream's grants
and contracts, say), so the core never imports them.

    register_section("funding-stream", key="grants", title="Grants",
                     template="grants/sections/funding_stream_grants.html",
                     context=lambda stream, user: {...}, order=10)

Pages with sections: "funding-stream", "grant", "contract". A context function that
returns None hides its section from that user.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    page: str
    key: str
    title: str
    template: str
    context: Callable  # (obj, user) -> dict for the template, given as `section`
    order: int


_SECTIONS: dict[tuple[str, str], Section] = {}


def register_section(
    page: str, *, key: str, title: str, template: str, context: Callable, order: int = 100
) -> None:
    _SECTIONS[(page, key)] = Section(page, key, title, template, context, order)


def sections_for(page: str, obj, user) -> list[dict]:
    """The page's sections in order; a section whose context function answers None is
    not shown to this user (a provider, say)."""
    sections = sorted(
        (s for s in _SECTIONS.values() if s.page == page), key=lambda s: (s.order, s.key)
    )
    shown = []
    for section in sections:
        context = section.context(obj, user)
        if context is not None:
            shown.append({"section": section, "context": context})
    return shown
