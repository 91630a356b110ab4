"""The dashboard is assembled from panels that each app registers in its
``AppConfig.ready()``, so the core never imports the apps above it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .models import Role


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    template: str
    roles: frozenset[Role]
    context: Callable  # (user) -> dict for the template
    order: int = 100


_PANELS: dict[str, Panel] = {}


def register_panel(
    *,
    key: str,
    title: str,
    template: str,
    roles: Iterable[Role],
    context: Callable,
    order: int = 100,
) -> None:
    _PANELS[key] = Panel(key, title, template, frozenset(roles), context, order)


def panels_for(user) -> list[dict]:
    """The panels this user's role sees, in order, each with its context computed."""
    panels = sorted(
        (panel for panel in _PANELS.values() if user.role in panel.roles),
        key=lambda panel: (panel.order, panel.key),
    )
    return [{"panel": panel, "template": panel.template, **panel.context(user)} for panel in panels]
