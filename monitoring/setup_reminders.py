"""Registrations for the monitoring app's reminders part."""


def register() -> None:
    pass
