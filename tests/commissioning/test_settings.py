"""Settings come from the environment: each check runs Django in a fresh process with
exactly the variables an operator would set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "EMAIL_URL",
    "CSRF_TRUSTED_ORIGINS",
    "DJANGO_SETTINGS_MODULE",
)
PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "cache": settings.CACHES["default"]["BACKEND"],
    "broker": settings.CELERY_BROKER_URL,
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "email": settings.EMAIL_BACKEND,
    "debug": settings.DEBUG,
    "hosts": settings.ALLOWED_HOSTS,
    "office": settings.OFFICE_NAME,
    "prefix": settings.OPEN_DATA_360G_PREFIX,
}))
"""


def _run(args, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    clean.setdefault("DJANGO_SETTINGS_MODULE", "commissioning.settings.local")
    clean.update(env)
    return subprocess.run(  # noqa: S603 - fixed argument list
        [sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def _settings(**env) -> dict:
    result = _run(["-c", PRINT_SETTINGS], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_with_nothing_set_the_portal_uses_sqlite_eager_celery_and_console_email():
    found = _settings()
    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["db_name"].endswith("db.sqlite3")
    assert found["eager"] is True
    assert found["cache"].endswith("LocMemCache")
    assert found["email"] == "django.core.mail.backends.console.EmailBackend"
    assert found["debug"] is True
    assert found["office"].endswith("Avon and Somerset")


def test_database_url_switches_to_postgresql():
    found = _settings(DATABASE_URL="postgres://portal:secret@db.example:5432/portal")
    assert found["engine"] == "django.db.backends.postgresql"
    assert found["db_name"] == "portal"


def test_redis_url_puts_celery_and_the_cache_on_redis():
    found = _settings(REDIS_URL="redis://cache.example:6379/2")
    assert found["broker"] == "redis://cache.example:6379/2"
    assert found["eager"] is False
    assert found["cache"] == "django.core.cache.backends.redis.RedisCache"


def test_email_url_and_allowed_hosts_come_from_the_environment():
    found = _settings(
        EMAIL_URL="smtp://mailer:pw@smtp.example:587", ALLOWED_HOSTS="a.example,b.example"
    )
    assert found["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert found["hosts"] == ["a.example", "b.example"]


def test_office_identifiers_are_settings():
    found = _settings(OPEN_DATA_360G_PREFIX="360G-EXAMPLE")
    assert found["prefix"] == "360G-EXAMPLE"


def test_production_without_secret_key_stops_with_a_clear_message():
    result = _run(
        ["manage.py", "check"], DJANGO_SETTINGS_MODULE="commissioning.settings.production"
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize("key", ["", "too-short"])
def test_production_refuses_an_empty_or_short_secret_key(key):
    result = _run(
        ["manage.py", "check"],
        DJANGO_SETTINGS_MODULE="commissioning.settings.production",
        SECRET_KEY=key,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_mode_passes_the_deployment_checklist():
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_SETTINGS_MODULE="commissioning.settings.production",
        SECRET_KEY="k" * 20 + "-production-like-secret-key-for-the-check-0123456789",
        ALLOWED_HOSTS="portal.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
