"""``manage.py sync_return_schedules``: make the return schedule of every active grant
and live contract that has none (imported ones, say). Safe to run again."""

from django.core.management.base import BaseCommand

from monitoring.tasks_office import sync_missing_schedules


class Command(BaseCommand):
    help = "Make return schedules for active grants and live contracts that have none."

    def handle(self, *args, **options):
        result = sync_missing_schedules()
        for name in result.made:
            self.stdout.write(f"Made the return schedule for {name}")
        for name in result.failed:
            self.stderr.write(f"Could not make the return schedule for {name}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(result.made)} return schedule{'s' if len(result.made) != 1 else ''} made"
            )
        )
