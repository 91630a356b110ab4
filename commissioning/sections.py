"""Sections that apps above the core add to the core's pages (a funding stream's grants
and contracts, say), so the core never imports them.

    register_section("funding-stream", key="grants", title="Grants",
                     template="grants/sections/funding_stream_grants.html",
                     context=lambda stream, user: {...}, order=10)
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
    sections = sorted(
        (s for s in _SECTIONS.values() if s.page == page), key=lambda s: (s.order, s.key)
    )
    return [{"section": s, "context": s.context(obj, user)} for s in sections]
