from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self):
        from . import jobs_setup, public_setup

        public_setup.register()
        jobs_setup.register()
