from django.core.management.base import BaseCommand, CommandError

from audit import writer


class Command(BaseCommand):
    help = (
        "Delete audit events older than the retention period (AUDIT_RETENTION_DAYS, "
        "730 days unless set). The daily beat task 'audit.prune_events' does the same."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Keep this many days instead of AUDIT_RETENTION_DAYS.",
        )

    def handle(self, *args, days=None, **options):
        try:
            deleted = writer.prune(days=days)
        except ValueError as error:
            raise CommandError(str(error)) from error
        kept = days if days is not None else writer.retention_days()
        self.stdout.write(f"Deleted {deleted} audit events older than {kept} days.")
