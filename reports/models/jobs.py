"""Report jobs: a PDF asked for, built by Celery, stored and downloadable.

A job is asked for with a kind and its parameters (``{"year": 2025}``,
``{"contract": 12}``); while one is queued or building, asking again for the same kind
and parameters answers with that job (a partial unique constraint on the parameters'
hash makes a double-click one job). The file is written only once the PDF is fully
rendered, and a job's file is downloadable only when the job is ready.
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.urls import reverse

from commissioning.uploads import RandomUploadPath

__all__ = ["LIVE_STATUSES", "ReportJob", "ReportKind", "ReportStatus", "params_hash"]


class ReportKind(models.TextChoices):
    DECISION_RECORD = "decision_record", "Decision record"
    WORKSTREAM_SUMMARY = "workstream_summary", "Workstream summary"
    CONTRACT_REVIEW_PACK = "contract_review_pack", "Contract review pack"
    FORWARD_PLAN = "forward_plan", "Forward plan"
    FUNDING_AWARDED = "funding_awarded", "Funding awarded"
    ANNUAL_REPORT = "annual_report", "Annual commissioning report"


class ReportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    BUILDING = "building", "Being prepared"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


#: A job in one of these is still being worked on: asking again returns it.
LIVE_STATUSES = (ReportStatus.QUEUED, ReportStatus.BUILDING)


def params_hash(kind: str, params: dict) -> str:
    """A stable fingerprint of a kind and its parameters (key order does not matter)."""
    canonical = json.dumps({"kind": kind, "params": params}, sort_keys=True, cls=DjangoJSONEncoder)
    return hashlib.sha256(canonical.encode()).hexdigest()


class ReportJob(models.Model):
    kind = models.CharField(max_length=30, choices=ReportKind.choices)
    params = models.JSONField("parameters", default=dict, blank=True, encoder=DjangoJSONEncoder)
    params_hash = models.CharField(
        max_length=64, editable=False, help_text="params_hash(kind, params), set by the service."
    )
    title = models.CharField(max_length=255, help_text="The report's title, as printed on it.")
    organisation = models.ForeignKey(
        "commissioning.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="report_jobs",
        help_text="The organisation the report is about (its agreement's holder), whose "
        "users may download it.",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="report_jobs",
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=20, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error_message = models.TextField(blank=True)
    file = models.FileField(upload_to=RandomUploadPath("reports"), blank=True, max_length=255)
    file_name = models.CharField("download name", max_length=255, blank=True)
    size = models.PositiveBigIntegerField("size in bytes", null=True, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "params_hash"],
                condition=Q(status__in=["queued", "building"]),
                name="one_live_report_job_per_request",
                violation_error_message="This report is already being prepared.",
            ),
            models.CheckConstraint(
                name="ready_report_job_has_its_file",
                condition=~Q(status="ready") | (~Q(file="") & Q(finished_at__isnull=False)),
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "-requested_at"]),
            models.Index(fields=["organisation", "-requested_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display().lower()})"

    def get_absolute_url(self) -> str:
        return reverse("report-job-detail", kwargs={"pk": self.pk})

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def is_ready(self) -> bool:
        return self.status == ReportStatus.READY and bool(self.file)

    @property
    def is_failed(self) -> bool:
        return self.status == ReportStatus.FAILED
