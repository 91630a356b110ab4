"""The audit log's writer, for every app: ``record(event, *, user=None, request=None,
target=None, **details)``. The log itself is the ``audit`` app, which depends on nothing
but Django, so importing it from here is not an import "up"."""

from audit import events
from audit.writer import client_ip, record

__all__ = ["client_ip", "events", "record"]
