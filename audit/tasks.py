from celery import shared_task

from . import writer


@shared_task(name="audit.prune_events", time_limit=600, soft_time_limit=540)
def prune_events() -> int:
    """Daily: delete audit events older than AUDIT_RETENTION_DAYS (idempotent)."""
    return writer.prune()
