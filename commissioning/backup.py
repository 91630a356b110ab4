"""Backing up and restoring the portal: its database and its uploaded files.

A backup is one directory holding:

- ``database.dump``: ``pg_dump --format=custom`` of the PostgreSQL database, or
  ``database.sqlite3``: a consistent copy of an SQLite database (SQLite's backup API,
  safe while the portal runs);
- ``media.tar.gz``: every file under MEDIA_ROOT (evidence files, signed agreements,
  generated reports);
- ``manifest.json``: when it was made, the database vendor, the number of rows in every
  table and the SHA-256 of every media file.

``restore`` loads a backup into a NEW, empty database (given by URL) and an empty media
directory, then checks both against the manifest: every table's row count and every
file's checksum. Anything that differs is reported and the restore counts as failed.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

import environ
from django.conf import settings
from django.db import connection

MANIFEST = "manifest.json"
MEDIA_ARCHIVE = "media.tar.gz"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
FORMAT_VERSION = 1


class BackupError(Exception):
    """A backup or restore that could not be made or did not verify."""


# --- Looking at what there is ---------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def count_rows(cursor, tables) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 - quoted name
        counts[table] = cursor.fetchone()[0]
    return counts


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def media_checksums(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``root``, by its path relative to ``root``."""
    if not root.exists():
        return {}
    return {
        path.relative_to(root).as_posix(): sha256_of(path)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


# --- PostgreSQL connection details ----------------------------------------------------


def _pg_env(db: dict) -> tuple[list[str], dict]:
    """libpq arguments and environment (the password never on the command line)."""
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = ["--dbname", str(db["NAME"])]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client tools")
    return found


def _run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")


# --- Backup ---------------------------------------------------------------------------


@dataclass
class BackupResult:
    directory: Path
    manifest: dict


def backup(*, destination: Path, media_root: Path | None = None) -> BackupResult:
    """Back up the default database and MEDIA_ROOT into a new directory under
    ``destination``; returns it and its manifest."""
    media_root = Path(media_root or settings.MEDIA_ROOT)
    stamp = datetime.datetime.now(tz=datetime.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    directory = Path(destination) / f"portal-backup-{stamp}"
    directory.mkdir(parents=True)
    db = connection.settings_dict
    vendor = connection.vendor

    if vendor == "postgresql":
        tables = _dump_postgres(db, directory / PG_DUMP)
        database_file = PG_DUMP
    elif vendor == "sqlite":
        source = sqlite3.connect(str(db["NAME"]))
        target = sqlite3.connect(str(directory / SQLITE_COPY))
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        database_file = SQLITE_COPY
    else:
        raise BackupError(f"Backing up a {vendor} database is not supported")

    with tarfile.open(directory / MEDIA_ARCHIVE, "w:gz") as archive:
        if media_root.exists():
            archive.add(media_root, arcname=".")

    manifest = {
        "format": FORMAT_VERSION,
        "created_at": datetime.datetime.now(tz=datetime.UTC).isoformat(),
        "vendor": vendor,
        "database_file": database_file,
        "media_archive": MEDIA_ARCHIVE,
        "tables": tables if vendor == "postgresql" else _count_sqlite(directory / SQLITE_COPY),
        "media": media_checksums(media_root),
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return BackupResult(directory=directory, manifest=manifest)


def _pg_connect(db: dict):
    import psycopg

    return psycopg.connect(
        dbname=db["NAME"],
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
    )


def _dump_postgres(db: dict, path: Path) -> dict[str, int]:
    """Dump the database and count its rows in ONE snapshot: a repeatable-read
    transaction exports its snapshot, counts every table in it and holds it open while
    pg_dump dumps exactly the same data (``--snapshot``), so the counts match the dump
    even while the portal is writing."""
    import psycopg

    with _pg_connect(db) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            counts = count_rows(cursor, [row[0] for row in cursor.fetchall()])
            args, env = _pg_env(db)
            _run(
                [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-acl"]
                + [f"--snapshot={snapshot}", *args, "--file", str(path)],
                env,
            )
        conn.rollback()
    return counts


def _count_sqlite(path: Path) -> dict[str, int]:
    copy = sqlite3.connect(str(path))
    try:
        tables = [
            row[0]
            for row in copy.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return count_rows(copy.cursor(), tables)
    finally:
        copy.close()


# --- Restore --------------------------------------------------------------------------


@dataclass
class RestoreResult:
    tables: int
    rows: int
    files: int
    problems: list[str]


def _safe_members(archive: tarfile.TarFile):
    for member in archive.getmembers():
        path = Path(member.name)
        if path.is_absolute() or ".." in path.parts or not (member.isfile() or member.isdir()):
            raise BackupError(f"The media archive holds an unsafe entry: {member.name}")
        yield member


def restore(*, source: Path, database_url: str, media_root: Path) -> RestoreResult:
    """Restore the backup in ``source`` into the (new, empty) database at
    ``database_url`` and the media directory ``media_root``, then verify both against
    the manifest."""
    source = Path(source)
    manifest = json.loads((source / MANIFEST).read_text())
    target = environ.Env.db_url_config(database_url)
    engine = target["ENGINE"]
    media_root = Path(media_root)
    if media_root.exists() and any(media_root.iterdir()):
        raise BackupError(f"The media directory {media_root} is not empty")

    if manifest["vendor"] == "postgresql":
        if "postgresql" not in engine:
            raise BackupError("A PostgreSQL backup restores into a PostgreSQL database")
        args, env = _pg_env(target)
        _run(
            [_tool("pg_restore"), "--no-owner", "--no-acl", "--exit-on-error", *args]
            + [str(source / manifest["database_file"])],
            env,
        )
    else:
        if "sqlite" not in engine:
            raise BackupError("An SQLite backup restores into an SQLite database")
        path = Path(target["NAME"])
        if path.exists():
            raise BackupError(f"The database file {path} already exists")
        shutil.copyfile(source / manifest["database_file"], path)

    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / manifest["media_archive"], "r:gz") as archive:
        archive.extractall(media_root, members=_safe_members(archive))  # noqa: S202

    return verify(manifest=manifest, target=target, media_root=media_root)


def _target_counts(target: dict, tables) -> dict[str, int]:
    if "sqlite" in target["ENGINE"]:
        db = sqlite3.connect(str(target["NAME"]))
        try:
            return count_rows(db.cursor(), tables)
        finally:
            db.close()
    with _pg_connect(target) as db, db.cursor() as cursor:
        return count_rows(cursor, tables)


def verify(*, manifest: dict, target: dict, media_root: Path) -> RestoreResult:
    """Compare the restored database and media with the manifest."""
    problems = []
    expected_rows = manifest["tables"]
    try:
        counts = _target_counts(target, expected_rows)
    except Exception as error:  # noqa: BLE001 - reported as a problem, not a traceback
        counts = {}
        problems.append(f"The restored database could not be counted: {error}")
    for table, expected in sorted(expected_rows.items()):
        if table in counts and counts[table] != expected:
            problems.append(f"Table {table}: {counts[table]} rows, the backup had {expected}")
    files = media_checksums(media_root)
    for name, digest in sorted(manifest["media"].items()):
        if name not in files:
            problems.append(f"File {name} is missing")
        elif files[name] != digest:
            problems.append(f"File {name} differs from the backup (checksum)")
    return RestoreResult(
        tables=len(counts),
        rows=sum(counts.values()),
        files=len(files),
        problems=problems,
    )
