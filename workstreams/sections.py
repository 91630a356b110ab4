"""Sections that later apps add to a workstream's tabs.

The decisions tab and the money tab belong to the workstream, but what fills them
(decision assessments, grants, contracts) lives in apps above this one, which may not
be imported from here. Each of those apps registers a section from its
``AppConfig.ready()``::

    register_workstream_section(
        key="decisions",
        label="Decision assessments",
        template="decisions/workstream_section.html",
        context=lambda workstream, user: {"assessments": ...},
        order=10,
    )

``key`` names the tab the section appears on (``"decisions"`` or ``"money"``); a tab
shows its sections in ``order``, each under its ``label``, and a clear empty state
while nothing is registered. The section's template is included with ``section`` set
to its context (``section.assessments`` above), as dashboard panels are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

#: The tabs sections may fill.
SECTION_TABS = ("decisions", "money")


@dataclass(frozen=True)
class WorkstreamSection:
    key: str  # the tab: "decisions" or "money"
    label: str  # the section's heading
    template: str
    context: Callable  # (workstream, user) -> dict for the template
    order: int = 100


_SECTIONS: dict[tuple[str, str], WorkstreamSection] = {}


def register_workstream_section(
    key: str, label: str, template: str, context: Callable, order: int = 100
) -> None:
    """Add (or replace, when registered again) the section ``label`` on tab ``key``."""
    if key not in SECTION_TABS:
        raise ValueError(f"A workstream section goes on one of {SECTION_TABS}, not {key!r}")
    _SECTIONS[(key, label)] = WorkstreamSection(key, label, template, context, order)


def unregister_workstream_section(key: str, label: str) -> None:
    _SECTIONS.pop((key, label), None)


def sections_for(key: str, workstream, user) -> list[dict]:
    """The sections of tab ``key`` in order, each with its context computed."""
    sections = sorted(
        (section for section in _SECTIONS.values() if section.key == key),
        key=lambda section: (section.order, section.label),
    )
    return [
        {
            **section.context(workstream, user),
            "key": section.key,
            "label": section.label,
            "template": section.template,
        }
        for section in sections
    ]
