"""One row per audited event. Rows are written, read and (after the retention period)
deleted; never changed."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from . import events


class AuditEvent(models.Model):
    at = models.DateTimeField("when", default=timezone.now, db_index=True, editable=False)
    event = models.CharField(max_length=60, db_index=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        help_text="The signed-in user who did it, if any.",
    )
    user_label = models.CharField(
        "who",
        max_length=255,
        blank=True,
        editable=False,
        help_text="The user's email address at the time, or the one typed at a failed sign-in.",
    )
    ip_address = models.GenericIPAddressField("from", null=True, blank=True, editable=False)
    method = models.CharField(max_length=10, blank=True, editable=False)
    path = models.CharField(max_length=500, blank=True, editable=False)
    target_type = models.CharField(
        max_length=100, blank=True, editable=False, help_text="The record's model, as app.Model."
    )
    target_id = models.CharField(max_length=64, blank=True, editable=False)
    target_label = models.CharField("record", max_length=255, blank=True, editable=False)
    details = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder, editable=False)

    class Meta:
        ordering = ["-at", "-pk"]
        # Nobody adds, changes or deletes audit events by hand (the admin page is
        # read-only; the retention sweep deletes old ones).
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
            models.Index(fields=["user", "at"], name="audit_user_at"),
        ]

    def __str__(self) -> str:
        who = self.user_label or "Someone"
        return f"{self.at:%Y-%m-%d %H:%M:%S} {who}: {self.event_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Audit events are never changed once written.")
        super().save(*args, **kwargs)

    @property
    def event_label(self) -> str:
        return events.label(self.event)
