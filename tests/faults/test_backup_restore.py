"""Issue 10, point 14: ``manage.py backup`` and ``manage.py restore`` on PostgreSQL.

A populated database (grants, contracts, returns with evidence files, decisions) is
backed up, restored into a new database and an empty media directory, and every
table's row count and every file's checksum are compared with the original."""

from __future__ import annotations

import json
import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from commissioning.backup import MANIFEST, media_checksums, verify
from tests.conftest import require, uses_postgres
from tests.factories import ContractFactory, DecisionAssessmentFactory, GrantFactory
from tests.monitoring.factories import EvidenceFileFactory

pytestmark = [pytest.mark.faults, pytest.mark.postgres]


@pytest.fixture
def new_database(transactional_db):
    require(uses_postgres(), "needs PostgreSQL")
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    db = connection.settings_dict
    yield (
        name,
        (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{name}"
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def live_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - from the catalogue
            counts[table] = cursor.fetchone()[0]
    return counts


def test_a_backup_restored_into_a_new_database_has_every_row_and_file(
    new_database, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    evidence = [EvidenceFileFactory() for _ in range(3)]
    GrantFactory.create_batch(2)
    ContractFactory()
    DecisionAssessmentFactory()
    originals = media_checksums(settings.MEDIA_ROOT)
    assert len(originals) == len(evidence)
    counts = live_counts()
    assert counts["monitoring_evidencefile"] == 3

    out = StringIO()
    call_command("backup", tmp_path / "backups", stdout=out)
    (backup_dir,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((backup_dir / MANIFEST).read_text())
    assert manifest["tables"] == counts
    assert manifest["media"] == originals
    assert "Backed up" in out.getvalue()

    name, url = new_database
    restored_media = tmp_path / "restored-media"
    out = StringIO()
    call_command("restore", backup_dir, database_url=url, media_root=restored_media, stdout=out)
    assert "Restored and verified" in out.getvalue()

    # Independently of the command's own check: the new database has the same rows in
    # every table, and the files are the same bytes.
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        original_db = cursor.fetchone()[0]
    assert original_db != name
    import psycopg

    db = connection.settings_dict
    with (
        psycopg.connect(
            dbname=name, host=db["HOST"] or None, port=db["PORT"] or None, user=db["USER"]
        ) as restored,
        restored.cursor() as cursor,
    ):
        for table, expected in counts.items():
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - from the catalogue
            assert cursor.fetchone()[0] == expected, table
    assert media_checksums(restored_media) == originals

    # A restored file that was changed is caught by the verification.
    changed = next(p for p in restored_media.rglob("*") if p.is_file())
    changed.write_bytes(b"not the evidence")
    result = verify(
        manifest=manifest,
        target={
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "HOST": db["HOST"],
            "PORT": db["PORT"],
            "USER": db["USER"],
            "PASSWORD": db["PASSWORD"],
        },
        media_root=restored_media,
    )
    assert result.problems == [
        f"File {changed.relative_to(restored_media).as_posix()} differs from the backup (checksum)"
    ]


def test_restore_refuses_a_media_directory_that_is_not_empty(new_database, tmp_path):
    call_command("backup", tmp_path / "backups", stdout=StringIO())
    (backup_dir,) = (tmp_path / "backups").iterdir()
    media = tmp_path / "media-in-use"
    media.mkdir()
    (media / "someone-elses.pdf").write_bytes(b"%PDF-1.4")
    with pytest.raises(CommandError, match="is not empty"):
        call_command("restore", backup_dir, database_url=new_database[1], media_root=media)
