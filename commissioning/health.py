"""Reachability of the database, the Celery broker and the workers, for ``/healthz``."""

from __future__ import annotations

from django.conf import settings
from django.db import connection


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any failure means "unreachable"
        return {"ok": False, "detail": type(error).__name__}
    return {"ok": True, "detail": connection.vendor}


def check_broker(celery_app) -> dict:
    if celery_app.conf.task_always_eager:
        return {"ok": True, "detail": "eager: tasks run in the web process, no broker used"}
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as error:  # noqa: BLE001
        return {"ok": False, "detail": type(error).__name__}
    return {"ok": True, "detail": "reachable"}


def check_workers(celery_app) -> dict:
    if celery_app.conf.task_always_eager:
        return {"ok": True, "detail": "eager: no worker needed", "workers": 0}
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            replies = (
                celery_app.control.ping(timeout=settings.HEALTHZ_WORKER_TIMEOUT, connection=conn)
                or []
            )
    except Exception as error:  # noqa: BLE001
        return {"ok": False, "detail": type(error).__name__, "workers": 0}
    if not replies:
        return {"ok": False, "detail": "no worker answered", "workers": 0}
    return {"ok": True, "detail": "answering", "workers": len(replies)}


def health_report(celery_app) -> tuple[dict, int]:
    """The report and its HTTP status: 503 when the database or broker is unreachable
    (the web process cannot do its work); an absent worker is reported but the web
    process can still serve pages, so it stays 200 with status "degraded"."""
    checks = {
        "database": check_database(),
        "broker": check_broker(celery_app),
        "worker": check_workers(celery_app),
    }
    if not (checks["database"]["ok"] and checks["broker"]["ok"]):
        return {"status": "unavailable", "checks": checks}, 503
    status = "ok" if checks["worker"]["ok"] else "degraded"
    return {"status": status, "checks": checks}, 200
