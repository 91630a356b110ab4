from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "decisions"

    def ready(self):
        from commissioning.reference_data import reseed_after_migrate

        reseed_after_migrate(self, "0002_question_set_v1")
        from commissioning.models import STAFF_ROLES
        from commissioning.navigation import register_nav

        from . import demo, panels

        register_nav(label="Decisions", url_name="assessment-list", roles=STAFF_ROLES, order=30)
        panels.register()
        demo.register()
