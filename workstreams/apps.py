from django.apps import AppConfig


class WorkstreamsConfig(AppConfig):
    name = "workstreams"

    def ready(self):
        from commissioning.reference_data import reseed_after_migrate

        reseed_after_migrate(self, "0002_reference_data")
        from commissioning.models import STAFF_ROLES
        from commissioning.navigation import register_nav

        from . import demo, panels

        register_nav(label="Workstreams", url_name="workstream-list", roles=STAFF_ROLES, order=10)
        register_nav(label="Forward plan", url_name="forward-plan", roles=STAFF_ROLES, order=20)
        panels.register()
        demo.register()
