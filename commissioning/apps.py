from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CommissioningConfig(AppConfig):
    name = "commissioning"
    verbose_name = "Commissioning (core)"

    def ready(self):
        from . import (
            freshness,
            panels,
            sessions,  # noqa: F401 - ends a deactivated user's sessions (post_save)
        )
        from .roles import sync_role_groups_after_migrate

        panels.register()
        freshness.install()
        post_migrate.connect(sync_role_groups_after_migrate, sender=self)
