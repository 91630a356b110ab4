"""``manage.py restore BACKUP_DIRECTORY --database-url URL --media-root DIR``.

Restores a backup made by ``manage.py backup`` into a NEW, empty database and an empty
media directory, then checks every table's row count and every file's SHA-256 against
the backup's manifest; any difference fails the command. Point the portal's
DATABASE_URL and MEDIA_ROOT at them once it succeeds.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from commissioning.backup import BackupError, restore
from commissioning.freshness import forget_all


class Command(BaseCommand):
    help = "Restore a backup into a new database and media directory, and verify it."

    def add_arguments(self, parser):
        parser.add_argument("source", type=Path, help="the backup's directory")
        parser.add_argument(
            "--database-url", required=True, help="the new, empty database to restore into"
        )
        parser.add_argument(
            "--media-root", type=Path, required=True, help="the empty directory for the files"
        )

    def handle(self, *args, source, database_url, media_root, **options):
        try:
            result = restore(source=source, database_url=database_url, media_root=media_root)
        except BackupError as error:
            raise CommandError(str(error)) from error
        if result.problems:
            for problem in result.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"The restore does not match the backup ({len(result.problems)} problems)"
            )
        forget_all()  # the figures cached from the old database are not the restored one's
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored and verified {result.tables} tables ({result.rows} rows) and "
                f"{result.files} files"
            )
        )
