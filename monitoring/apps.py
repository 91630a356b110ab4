"""Monitoring returns from providers, review, underspends and reminders."""

from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"

    def ready(self):
        from commissioning.hooks import AGREEMENT_CHANGED, listen
        from commissioning.reference_data import reseed_after_migrate

        reseed_after_migrate(self, "0002_reference_frameworks")

        from . import services, setup

        # A grant or contract becoming active (or its dates changing) keeps its return
        # schedule in step.
        listen(AGREEMENT_CHANGED, services.schedule_sync_listener)
        setup.register()
