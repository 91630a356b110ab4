from django.apps import AppConfig


class WorkstreamsConfig(AppConfig):
    name = "workstreams"

    def ready(self):
        from commissioning.models import STAFF_ROLES
        from commissioning.navigation import register_nav

        from . import demo, panels

        register_nav(label="Workstreams", url_name="workstream-list", roles=STAFF_ROLES, order=10)
        register_nav(label="Forward plan", url_name="forward-plan", roles=STAFF_ROLES, order=20)
        panels.register()
        demo.register()
