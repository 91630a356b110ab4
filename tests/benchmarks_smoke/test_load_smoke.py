"""The load benchmark at a tiny scale: CI's proof that ``benchmarks/load.py`` still
seeds, serves every key page through gunicorn with its cache in Redis, and prints its
table (the full-scale figures are in benchmarks/README.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.db import connection

from tests.conftest import require, uses_postgres

BASE_DIR = Path(__file__).resolve().parents[2]


def test_load_benchmark_smoke_run_answers_every_page(redis_url):
    require(uses_postgres(), "needs PostgreSQL (the benchmark seeds a database of its own)")
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}_load"
    cache_url = urlunsplit(urlsplit(redis_url)._replace(path="/12"))
    done = subprocess.run(  # noqa: S603 - this interpreter, the project's own script
        [sys.executable, "benchmarks/load.py", "--smoke", "--redis", cache_url],
        cwd=BASE_DIR,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    table = [line for line in done.stdout.splitlines() if line.startswith("| ")]
    pages = [line.split(" | ")[0].removeprefix("| ") for line in table[2:]]
    assert pages[:2] == ["floor", "floor, signed in"]
    for page in ("officer dashboard", "grants list with totals", "return detail"):
        assert page in pages
