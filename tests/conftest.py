from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid

import pytest
from django.db import connection
from django.test import Client

from commissioning.models import Role
from tests.factories import OrganisationFactory, UserFactory


@pytest.fixture
def make_user(db):
    def make(role: Role = Role.OFFICER, **kwargs):
        return UserFactory(role=role, **kwargs)

    return make


@pytest.fixture
def officer(make_user):
    return make_user(Role.OFFICER, full_name="Olive Officer")


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER, full_name="Maya Manager")


@pytest.fixture
def viewer(make_user):
    return make_user(Role.VIEWER, full_name="Vic Viewer")


@pytest.fixture
def admin_user(make_user):
    return make_user(Role.ADMIN, full_name="Ada Admin")


@pytest.fixture
def provider_organisation(db):
    return OrganisationFactory(name="Safe Haven Trust")


@pytest.fixture
def provider(make_user, provider_organisation):
    return make_user(Role.PROVIDER, full_name="Pat Provider", organisation=provider_organisation)


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def officer_client(officer):
    return _client_for(officer)


@pytest.fixture
def manager_client(manager):
    return _client_for(manager)


@pytest.fixture
def viewer_client(viewer):
    return _client_for(viewer)


@pytest.fixture
def provider_client(provider):
    return _client_for(provider)


@pytest.fixture
def admin_client_user(admin_user):
    return _client_for(admin_user)


def authenticator_code(user) -> str:
    """The current code of ``user``'s authenticator app (confirmed on first use), for
    tests that sign a manager or administrator in through the real two-step sign-in
    (commissioning/mfa.py). force_login skips sign-in altogether and needs no code."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


# --- Real services -------------------------------------------------------------------
# Tests that need PostgreSQL, Redis or a Celery worker use the real thing. CI provides
# them (DATABASE_URL, REDIS_URL); on a laptop without them such a test is skipped with
# the reason, but under CI=true a missing service fails the run instead.


def require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"{reason}: CI must provide it")
    pytest.skip(reason)


def uses_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL", "")
    require(bool(url), "needs Redis (set REDIS_URL)")
    return url


@pytest.fixture
def celery_conf():
    """Change the Celery app's configuration for one test; restored afterwards."""
    from commissioning.celery import app

    saved: dict = {}

    def reset_pool():
        # The app caches pools made with the old broker URL; drop them (not close them:
        # kombu shares producer pools between apps by URL).
        app._pool = None
        app.amqp._producer_pool = None

    def change(**values):
        for key, value in values.items():
            saved.setdefault(key, app.conf.get(key))
            app.conf[key] = value
        reset_pool()

    yield change
    for key, value in saved.items():
        app.conf[key] = value
    reset_pool()


@pytest.fixture
def celery_worker_env():
    """Extra environment for the worker process of ``celery_worker_process``; a test
    module overrides this fixture to set, say, ``EMAIL_URL``."""
    return {}


@pytest.fixture
def celery_worker_process(transactional_db, redis_url, settings, celery_conf, celery_worker_env):
    """A real Celery worker in its own process, on the real broker and the test database.

    Yields the Celery app switched from eager mode to that broker for the test's duration.
    """
    require(uses_postgres(), "needs PostgreSQL so a worker process can share the test database")
    from commissioning.celery import app

    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "commissioning.settings.local",
        "DEBUG": "false",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        # Files the worker writes (report PDFs) land where the test process reads them.
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        **celery_worker_env,
    }
    node = f"test-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
    worker = subprocess.Popen(  # noqa: S603 - fixed argument list
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "commissioning",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
            "-n",
            node,
        ],
        env=env,
        cwd=settings.BASE_DIR,
    )
    settings.CELERY_TASK_ALWAYS_EAGER = False
    try:
        celery_conf(task_always_eager=False, broker_url=redis_url)
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[node], timeout=0.5):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("The Celery worker did not start")
        yield app
    finally:
        worker.terminate()
        worker.wait(timeout=30)
