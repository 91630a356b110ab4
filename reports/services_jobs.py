"""Changes to report jobs: asking for a report, and the steps of building it (start,
finish, fail). The Celery task in ``tasks_jobs.py`` calls these; the rendering itself is
``reports.pdf.render_report``.

Asking twice for the same report while it is queued or being built gives the same job:
the partial unique constraint ``one_live_report_job_per_request`` makes that hold even
for two requests at the same moment (the loser's insert fails and it answers with the
winner's job). A built PDF is written to storage only once it is fully rendered, and a
job becomes ready in the same step, so a failed build never leaves a file to download.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from commissioning.models import Organisation, User

from .models import LIVE_STATUSES, ReportJob, ReportStatus, params_hash
from .pdf import RenderedReport

logger = logging.getLogger(__name__)

#: A job queued or building for longer than this was lost (a worker killed by its hard
#: time limit, say): asking again replaces it rather than waiting for it for ever.
STALE_AFTER = datetime.timedelta(minutes=15)
STALE_MESSAGE = (
    "The report took too long to prepare and was stopped. Ask for it again; if it fails "
    "again, contact the commissioning team."
)


@dataclass(frozen=True)
class ReportRequest:
    """A report someone may ask for: what it is, its parameters, its title and the
    organisation it is about (whose users may download it), if any."""

    kind: str
    params: dict
    title: str
    organisation: Organisation | None = None


def _live_job(kind: str, fingerprint: str) -> ReportJob | None:
    return (
        ReportJob.objects.filter(kind=kind, params_hash=fingerprint, status__in=LIVE_STATUSES)
        .order_by("-requested_at", "-pk")
        .first()
    )


def _is_stale(job: ReportJob, now: datetime.datetime) -> bool:
    return (job.started_at or job.requested_at) < now - STALE_AFTER


@transaction.atomic
def report_job_request(*, request: ReportRequest, by: User) -> tuple[ReportJob, bool]:
    """The job building this report: the one already queued or building for the same
    kind and parameters, or a new one queued for the worker once this transaction
    commits. Returns ``(job, created)``."""
    from .tasks_jobs import build_report_job

    fingerprint = params_hash(request.kind, request.params)
    now = timezone.now()
    existing = _live_job(request.kind, fingerprint)
    if existing is not None:
        if not _is_stale(existing, now):
            return existing, False
        _fail(existing, STALE_MESSAGE)
    job = ReportJob(
        kind=request.kind,
        params=request.params,
        params_hash=fingerprint,
        title=request.title,
        organisation=request.organisation,
        requested_by=by,
    )
    # The unique constraint is left to the database: checking it here first would only
    # narrow the race, and the insert below settles it.
    job.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            job.save()
    except IntegrityError:
        # Someone asked for the same report a moment ago: theirs is the one.
        winner = _live_job(request.kind, fingerprint)
        if winner is None:
            raise
        return winner, False
    transaction.on_commit(lambda: build_report_job.delay(job.pk))
    return job, True


def report_job_start(*, job_id: int) -> ReportJob | None:
    """Mark a queued job as building and count the attempt. None when there is nothing
    to build (the job is gone, ready or failed already): running a task twice builds a
    report once."""
    with transaction.atomic():
        job = ReportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status not in LIVE_STATUSES:
            return None
        job.status = ReportStatus.BUILDING
        job.started_at = timezone.now()
        job.attempts += 1
        job.error_message = ""
        job.save(update_fields=["status", "started_at", "attempts", "error_message"])
    return job


def report_job_complete(*, job: ReportJob, rendered: RenderedReport) -> ReportJob:
    """Store a fully rendered PDF and mark the job ready. If the job was finished
    meanwhile (failed as stale, say), the file is removed again and the job is left as
    it is."""
    storage_field = job.file
    storage_field.save(rendered.file_name, ContentFile(rendered.content), save=False)
    stored_name = storage_field.name
    try:
        with transaction.atomic():
            current = ReportJob.objects.select_for_update().get(pk=job.pk)
            if current.status != ReportStatus.BUILDING:
                storage_field.storage.delete(stored_name)
                return current
            current.file.name = stored_name
            current.file_name = rendered.file_name
            current.size = len(rendered.content)
            current.pages = rendered.pages
            current.status = ReportStatus.READY
            current.finished_at = timezone.now()
            current.error_message = ""
            current.save(
                update_fields=[
                    "file",
                    "file_name",
                    "size",
                    "pages",
                    "status",
                    "finished_at",
                    "error_message",
                ]
            )
            return current
    except BaseException:
        storage_field.storage.delete(stored_name)
        raise


def _fail(job: ReportJob, message: str) -> ReportJob:
    job.status = ReportStatus.FAILED
    job.error_message = message
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error_message", "finished_at"])
    return job


def report_job_fail(*, job_id: int, message: str) -> ReportJob | None:
    """Mark a job as failed with a message for the person who asked. A job that is
    ready already stays ready."""
    with transaction.atomic():
        job = ReportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status == ReportStatus.READY:
            return job
        return _fail(job, message)


def report_job_requeue(*, job_id: int) -> None:
    """Put a job whose build hit a passing problem back in the queue for its retry."""
    ReportJob.objects.filter(pk=job_id, status=ReportStatus.BUILDING).update(
        status=ReportStatus.QUEUED
    )
