"""Fault tests: real processes, real services, real failures.

Each test starts its OWN throwaway Redis (and, for the database outage, its own
PostgreSQL cluster) on a free port, so killing or restarting them disturbs nothing
else. The test database itself is the suite's PostgreSQL (DATABASE_URL); Celery workers
are real ``celery worker`` processes started here, so they can be killed with SIGKILL.

Without PostgreSQL or the server binaries the tests skip with the reason; under CI=true
a missing service fails the run instead (``tests.conftest.require``).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import require, uses_postgres


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "faults: kills and restarts real services (PostgreSQL, Redis, workers)"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, what: str, seconds: float = 60, state=None) -> None:
    """Poll until ``condition()`` is true; fail with ``what`` (and ``state()``, what
    was seen) after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {seconds}s" + (f": {state()}" if state else ""))
        time.sleep(0.1)


# --- An own Redis --------------------------------------------------------------------


@dataclass
class RedisServer:
    port: int
    directory: Path
    persistent: bool
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)

    def start(self) -> None:
        persistence = (
            ["--appendonly", "yes", "--appendfsync", "always"]
            if self.persistent
            else ["--appendonly", "no"]
        )
        self.process = subprocess.Popen(  # noqa: S603 - fixed argument list
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--dir",
                str(self.directory),
                *persistence,
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_for(self._answers, "the test's Redis did not start", 30)

    def _answers(self) -> bool:
        try:
            return bool(self.client().ping())
        except Exception:  # noqa: BLE001 - not up yet
            return False

    def restart(self) -> None:
        """Stop Redis (SHUTDOWN, as a restart does) and start it again on the same
        port and directory."""
        with contextlib.suppress(Exception):
            self.client().shutdown(nosave=True)
        self.process.wait(timeout=30)
        self.start()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


def _redis_server(tmp_path_factory, persistent: bool):
    require(shutil.which("redis-server") is not None, "needs redis-server installed")
    server = RedisServer(
        port=free_port(), directory=tmp_path_factory.mktemp("redis"), persistent=persistent
    )
    server.start()
    return server


@pytest.fixture
def own_redis(tmp_path_factory):
    """A Redis of this test's own that keeps nothing on disk."""
    server = _redis_server(tmp_path_factory, persistent=False)
    yield server
    server.stop()


@pytest.fixture
def own_persistent_redis(tmp_path_factory):
    """A Redis of this test's own with the append-only file on, as docker-compose.yml."""
    server = _redis_server(tmp_path_factory, persistent=True)
    yield server
    server.stop()


# --- Real Celery workers --------------------------------------------------------------


def test_database_url() -> str:
    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


test_database_url.__test__ = False  # a helper, not a test


@dataclass
class Workers:
    """Starts real ``celery worker`` processes (each its own process group, so one can
    be killed with all its pool processes) against the test database and a Redis."""

    base_dir: Path
    media_root: Path
    started: list[subprocess.Popen] = field(default_factory=list)

    def start(self, redis_url: str, *, env: dict | None = None, concurrency: int = 2, app=None):
        node = f"fault-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
        worker_env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "commissioning.settings.local",
            "DEBUG": "false",
            "DATABASE_URL": test_database_url(),
            "REDIS_URL": redis_url,
            "MEDIA_ROOT": str(self.media_root),
            **(env or {}),
        }
        process = subprocess.Popen(  # noqa: S603 - fixed argument list
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "commissioning",
                "worker",
                "--pool=prefork",
                f"--concurrency={concurrency}",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=" + os.environ.get("FAULT_WORKER_LOGLEVEL", "WARNING"),
                "-n",
                node,
            ],
            env=worker_env,
            cwd=self.base_dir,
            start_new_session=True,
        )
        self.started.append(process)
        if app is not None:
            deadline = time.monotonic() + 60
            while not app.control.ping(destination=[node], timeout=0.5):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("The Celery worker did not start")
        process.node = node
        return process

    @staticmethod
    def kill_9(process: subprocess.Popen) -> None:
        """SIGKILL the worker and its pool processes at once: no warm shutdown, no
        message handed back to the broker."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=30)


@pytest.fixture
def workers(transactional_db, settings, tmp_path):
    require(uses_postgres(), "needs PostgreSQL so worker processes share the test database")
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = media
    pool = Workers(base_dir=Path(settings.BASE_DIR), media_root=media)
    yield pool
    pool.stop_all()


@pytest.fixture
def on_broker(settings, celery_conf):
    """Switch this process's Celery app from eager mode to a given broker URL."""

    def switch(url: str):
        from commissioning.celery import app

        settings.CELERY_TASK_ALWAYS_EAGER = False
        celery_conf(task_always_eager=False, broker_url=url)
        return app

    return switch


# --- An own PostgreSQL cluster --------------------------------------------------------


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


@dataclass
class PostgresCluster:
    directory: Path
    port: int

    @property
    def as_owner(self) -> list[str]:
        # initdb and postgres refuse to run as root: run them as the postgres user.
        return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_owner, *args], check=True, capture_output=True)  # noqa: S603

    def init(self) -> None:
        self.directory.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run(_pg_bin("initdb"), "-D", str(self.directory), "-U", "postgres", "-A", "trust")

    def start(self) -> None:
        self._run(
            _pg_bin("pg_ctl"),
            "-D",
            str(self.directory),
            "-l",
            str(self.directory / "server.log"),
            "-o",
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1",
            "-w",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(_pg_bin("pg_ctl"), "-D", str(self.directory), "-m", mode, "-w", "stop")

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def psql(self, database: str, sql: str) -> str:
        result = subprocess.run(  # noqa: S603
            [_pg_bin("psql"), self.url(database), "-tAc", sql],
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout.strip()


@pytest.fixture
def own_postgres():
    """A PostgreSQL cluster of this test's own, in a temporary directory."""
    require(
        _pg_bin("initdb") is not None and _pg_bin("pg_ctl") is not None,
        "needs the PostgreSQL server binaries (initdb, pg_ctl)",
    )
    root = Path(f"/tmp/portal-fault-pg-{uuid.uuid4().hex[:8]}")  # noqa: S108 - own dir
    cluster = PostgresCluster(directory=root / "data", port=free_port())
    root.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    cluster.init()
    cluster.start()
    yield cluster
    with contextlib.suppress(subprocess.CalledProcessError):
        cluster.stop("immediate")
    shutil.rmtree(root, ignore_errors=True)
