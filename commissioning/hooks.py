"""Named events that apps above announce and apps higher still act on, so the lower app
never imports the higher one. A grant becoming active is announced by the grants app;
the monitoring app, which sits above it, listens and makes the return schedule.

    listen("agreement-changed", monitoring.services.schedule_sync_for)
    announce("agreement-changed", agreement=grant, by=user)

Listeners run at once, inside the announcer's transaction: they are part of the change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

_LISTENERS: dict[str, list[Callable]] = defaultdict(list)

#: A grant or contract became active, or its dates or reporting frequency changed.
AGREEMENT_CHANGED = "agreement-changed"


def listen(event: str, listener: Callable) -> None:
    if listener not in _LISTENERS[event]:
        _LISTENERS[event].append(listener)


def announce(event: str, **kwargs) -> None:
    for listener in _LISTENERS[event]:
        listener(**kwargs)
