from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_healthz_answers_json_for_database_broker_and_worker_when_eager(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert set(body["checks"]) == {"database", "broker", "worker"}


@pytest.mark.django_db
def test_healthz_answers_503_when_the_broker_is_unreachable(client, celery_conf):
    # Nothing listens on port 1: the broker check must fail fast and say so.
    celery_conf(task_always_eager=False, broker_url="redis://127.0.0.1:1/0")

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_healthz_says_degraded_when_no_worker_answers(client, redis_url, celery_conf, settings):
    settings.HEALTHZ_WORKER_TIMEOUT = 0.3
    # A Redis database no worker listens on.
    celery_conf(task_always_eager=False, broker_url=redis_url.rsplit("/", 1)[0] + "/13")

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["worker"] == {"ok": False, "detail": "no worker answered", "workers": 0}
