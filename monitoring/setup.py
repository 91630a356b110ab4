"""The monitoring app's navigation, dashboard panels, page sections and demo loader,
registered from ``MonitoringConfig.ready()`` (each part of the app registers its own)."""


def register() -> None:
    from . import setup_funder, setup_office, setup_reminders, setup_returns

    setup_returns.register()
    setup_office.register()
    setup_funder.register()
    setup_reminders.register()
