"""``manage.py backup DIRECTORY``: back up the database and the uploaded files.

Makes ``DIRECTORY/portal-backup-<UTC time>/`` with the database (pg_dump custom format,
or a copy of an SQLite file), ``media.tar.gz`` and ``manifest.json`` (row counts per
table, SHA-256 per file). See commissioning/backup.py and the README.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from commissioning.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database and the uploaded files (MEDIA_ROOT) into a new directory."

    def add_arguments(self, parser):
        parser.add_argument("destination", type=Path, help="where to put the backup")
        parser.add_argument(
            "--media-root", type=Path, default=None, help="default: the MEDIA_ROOT setting"
        )

    def handle(self, *args, destination, media_root, **options):
        try:
            result = backup(destination=destination, media_root=media_root)
        except BackupError as error:
            raise CommandError(str(error)) from error
        manifest = result.manifest
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up {len(manifest['tables'])} tables "
                f"({sum(manifest['tables'].values())} rows) and {len(manifest['media'])} "
                f"files to {result.directory}"
            )
        )
