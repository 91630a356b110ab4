"""Issue 10, point 12: PostgreSQL stopped for a few seconds under requests.

The portal (gunicorn, as in production) runs against a PostgreSQL cluster of the
test's own. While the cluster is down every page answers the styled 503 page; once it
is back the same gunicorn process answers normally again, with no restart; and a
service call cut off by the outage has written nothing at all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from django.conf import settings

from tests.faults.conftest import _pg_bin, free_port, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.postgres]

PAGES = ["/funding-awarded/", "/account/sign-in/", "/opportunities/"]


def get(url: str) -> tuple[int, str, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - local
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def answers(url: str) -> bool:
    try:
        return get(url)[0] == 200
    except OSError:
        return False


@pytest.fixture
def portal_env(own_postgres):
    own_postgres.psql("postgres", "CREATE DATABASE portal")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "commissioning.settings.local",
        "DEBUG": "false",
        "SECRET_KEY": "fault-test-only-not-secret-" + "x" * 30,
        "DATABASE_URL": own_postgres.url("portal"),
        "REDIS_URL": "",
        "ALLOWED_HOSTS": "127.0.0.1",
        "CONN_MAX_AGE": "60",
    }
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "migrate", "--noinput"],
        env=env,
        cwd=settings.BASE_DIR,
        check=True,
        capture_output=True,
    )
    return env


@pytest.fixture
def gunicorn(portal_env):
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "commissioning.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            "--workers=2",
            "--threads=2",
        ],
        env=portal_env,
        cwd=settings.BASE_DIR,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    wait_for(lambda: answers(base + PAGES[0]), "the portal did not start", seconds=60)
    yield base, process
    process.terminate()
    process.wait(timeout=30)


def test_the_portal_answers_503_while_postgres_is_down_and_recovers_without_a_restart(
    own_postgres, gunicorn
):
    base, server = gunicorn
    for page in PAGES:  # every gunicorn worker holds a live connection
        for _ in range(4):
            assert get(base + page)[0] == 200

    own_postgres.stop("fast")
    for page in PAGES * 2:
        status, body, headers = get(base + page)
        assert status == 503, page
        assert "Sorry, the service is unavailable" in body
        assert "govuk-header" in body  # the styled page, not a bare error
        assert headers["Retry-After"] == "30"
    assert get(base + "/healthz")[0] == 503

    own_postgres.start()
    for page in PAGES * 2:
        status, body, _ = get(base + page)
        assert status == 200, page
    assert get(base + "/healthz")[0] == 200
    assert server.poll() is None  # the same gunicorn, never restarted


def test_a_service_call_cut_off_by_the_outage_writes_nothing(own_postgres, portal_env):
    stop = [
        *own_postgres.as_owner,
        _pg_bin("pg_ctl"),
        "-D",
        str(own_postgres.directory),
        "-m",
        "fast",
        "-w",
        "stop",
    ]
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "tests.faults.outage_write"],
        env={**portal_env, "FAULT_STOP_COMMAND": json.dumps(stop)},
        cwd=settings.BASE_DIR,
        check=True,
        capture_output=True,
        text=True,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["inserts"] == 1  # the call had begun writing when PostgreSQL stopped
    assert report["outcome"] in {"OperationalError", "InterfaceError"}

    own_postgres.start()
    grant = int(report["grant"])

    # All or nothing: the grant is still only awarded, no history of it becoming
    # active, and no return schedule or returns were made.
    def ask(sql: str) -> str:
        return own_postgres.psql("portal", sql.format(grant=grant))

    assert ask("SELECT status FROM grants_grant WHERE id = {grant}") == "awarded"
    history = "SELECT COUNT(*) FROM grants_historicalgrant WHERE id = {grant} AND status = 'active'"
    assert ask(history) == "0"
    assert ask("SELECT COUNT(*) FROM monitoring_returnschedule WHERE grant_id = {grant}") == "0"
