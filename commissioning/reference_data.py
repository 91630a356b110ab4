"""Reference data seeded by data migrations is also re-seeded after every ``migrate`` and
every test-database flush (``post_migrate``), idempotently, so a transactional test that
empties the tables leaves the question set, portfolios, checklists and programmes in
place for the tests after it."""

from __future__ import annotations

import importlib

from django.apps import apps as global_apps
from django.db.models.signals import post_migrate


def reseed_after_migrate(app_config, migration_module: str) -> None:
    """Connect ``migration_module``'s ``load(apps, schema_editor)`` to post_migrate."""
    module = importlib.import_module(f"{app_config.name}.migrations.{migration_module}")

    def reseed(sender, **kwargs):
        module.load(global_apps, None)

    post_migrate.connect(reseed, sender=app_config, weak=False)
