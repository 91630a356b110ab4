"""``manage.py load_demo``: the demo data of every app, in one transaction.

The loaders come from ``commissioning.demo``: the core's own, plus whatever the apps
above it register in their ``AppConfig.ready()``. Running it again changes nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from commissioning.demo import DEMO_PASSWORD, DEMO_USERS, demo_loaders


class Command(BaseCommand):
    help = "Load the Avon and Somerset demo data (idempotent: a second run changes nothing)."

    def handle(self, *args, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                "Demo data creates sign-ins whose password is published in the README, so "
                "it is refused with production settings. To load it into a trial "
                "installation, set DEMO_DATA_ALLOWED=true."
            )
        with transaction.atomic():
            for item in demo_loaders():
                messages: list[str] = []
                item.loader(messages.append)
                self.stdout.write(f"{item.name}: {'; '.join(messages) or 'done'}")

        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write("")
        self.stdout.write(f"Demo sign-ins (every password is {DEMO_PASSWORD}):")
        width = max(len(email) for _key, email, *_rest in DEMO_USERS)
        for _key, email, full_name, role, _job_title in DEMO_USERS:
            self.stdout.write(f"  {role.label:<22} {email:<{width}}  {full_name}")
