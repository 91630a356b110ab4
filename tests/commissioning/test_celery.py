"""Background work on the real broker and a real worker (CI provides Redis and PostgreSQL)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from commissioning.celery import app
from commissioning.tasks import clear_expired_sessions


def _make_session(expire_in: timedelta) -> str:
    store = SessionStore()
    store["note"] = "kept"
    store.create()
    Session.objects.filter(pk=store.session_key).update(expire_date=timezone.now() + expire_in)
    return store.session_key


def test_tasks_of_every_app_are_autodiscovered():
    app.loader.import_default_modules()
    assert "commissioning.clear_expired_sessions" in app.tasks


@pytest.mark.django_db
def test_clearing_sessions_removes_only_expired_ones_and_is_idempotent():
    expired = _make_session(timedelta(days=-1))
    live = _make_session(timedelta(days=1))

    assert clear_expired_sessions() == 1
    assert clear_expired_sessions() == 0
    assert not Session.objects.filter(pk=expired).exists()
    assert Session.objects.filter(pk=live).exists()


@pytest.mark.django_db(transaction=True)  # the scheduler closes old DB connections
def test_beat_schedule_is_kept_in_django_celery_beat():
    from django_celery_beat.schedulers import DatabaseScheduler

    DatabaseScheduler(app=app, lazy=False).setup_schedule()
    task = PeriodicTask.objects.get(name="clear-expired-sessions")
    assert task.task == "commissioning.clear_expired_sessions"
    assert (task.crontab.hour, task.crontab.minute) == ("3", "30")


def test_a_real_worker_runs_a_task_sent_through_redis(celery_worker_process):
    expired = _make_session(timedelta(days=-1))

    clear_expired_sessions.delay()

    deadline = time.monotonic() + 30
    while Session.objects.filter(pk=expired).exists():
        assert time.monotonic() < deadline, "the worker did not run the task within 30s"
        time.sleep(0.1)


def test_healthz_reports_the_broker_and_a_running_worker(client, celery_worker_process):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["broker"] == {"ok": True, "detail": "reachable"}
    assert body["checks"]["worker"]["ok"] is True
    assert body["checks"]["worker"]["workers"] >= 1
