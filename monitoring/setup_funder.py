"""Registrations for the monitoring app's funder part: the concerns log in the office's
navigation and on grant and contract pages, funder-return links on a funding stream's
page, and the monitoring demo loader."""

from __future__ import annotations

from django.urls import reverse

from commissioning.models import STAFF_ROLES

from . import selectors
from .forms_funder import QUARTER_CHOICES

#: Concerns shown on an agreement's page; the log has the rest.
SECTION_LIMIT = 20


def _concerns_context(agreement, user) -> dict | None:
    """An agreement's concerns, for office staff only: the log is the office's own."""
    if not user.is_staff_role:
        return None
    kind = agreement._meta.model_name
    concerns = selectors.concern_list(agreement.concerns.all())
    shown = list(concerns[: SECTION_LIMIT + 1])
    return {
        "concerns": shown[:SECTION_LIMIT],
        "more": len(shown) > SECTION_LIMIT,
        "agreement": agreement,
        "noun": kind,
        "add_url": (
            reverse(f"concern-create-{kind}", kwargs={f"{kind}_pk": agreement.pk})
            if user.can_edit
            else ""
        ),
    }


def _funder_return_context(stream, user) -> dict | None:
    if not user.is_staff_role:
        return None
    base = reverse("funder-return")
    return {
        "stream": stream,
        "quarters": [
            (label, f"{base}?stream={stream.pk}&quarter={number}#figures")
            for number, label in QUARTER_CHOICES
        ],
    }


def _load_demo(log) -> None:
    from .demo import load_monitoring

    load_monitoring(log)


def register() -> None:
    from commissioning.demo import register_demo_loader
    from commissioning.navigation import register_nav
    from commissioning.sections import register_section

    register_nav(label="Concerns", url_name="concern-list", roles=STAFF_ROLES, order=65)
    for page in ("grant", "contract"):
        register_section(
            page,
            key="concerns",
            title="Concerns and complaints",
            template="monitoring/sections/concerns.html",
            context=_concerns_context,
            order=80,
        )
    register_section(
        "funding-stream",
        key="funder-returns",
        title="Funder returns",
        template="monitoring/funder/stream_section.html",
        context=_funder_return_context,
        order=90,
    )
    register_demo_loader("monitoring", 50, _load_demo)
