"""Workstreams: the office's work under one of the four commissioning roles, moving
through the Understand -> Plan -> Do -> Review cycle, with the milestones that make up
the forward plan."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from commissioning.uploads import RandomUploadPath


class CommissioningRole(models.TextChoices):
    FACILITATING = "facilitating", "Facilitating commissioner"
    LEAD = "lead", "Lead commissioner"
    CO_COMMISSIONER = "co_commissioner", "Co-commissioner"
    INFLUENCING = "influencing", "Influencing commissioner"


class Stage(models.TextChoices):
    UNDERSTAND = "understand", "Understand"
    PLAN = "plan", "Plan"
    DO = "do", "Do"
    REVIEW = "review", "Review"

    @classmethod
    def after(cls, stage: str) -> Stage | None:
        order = list(cls)
        index = order.index(cls(stage))
        return order[index + 1] if index + 1 < len(order) else None


class WorkstreamStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"
    DECLINED = "declined", "Declined"


class PartnerPart(models.TextChoices):
    LEAD_COMMISSIONER = "lead_commissioner", "Lead commissioner"
    CO_COMMISSIONER = "co_commissioner", "Co-commissioner"
    DELIVERY_PARTNER = "delivery_partner", "Delivery partner"
    FUNDER = "funder", "Funder"
    BOARD_MEMBER = "board_member", "Board member"


class Portfolio(models.Model):
    """Reference data an administrator can extend: victim services, serious violence…"""

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=100)
    is_active = models.BooleanField("in use", default=True)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Workstream(models.Model):
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    portfolio = models.ForeignKey(Portfolio, on_delete=models.PROTECT, related_name="workstreams")
    lead_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="led_workstreams"
    )
    status = models.CharField(
        max_length=20, choices=WorkstreamStatus.choices, default=WorkstreamStatus.PROPOSED
    )
    role = models.CharField("commissioning role", max_length=20, choices=CommissioningRole.choices)
    stage = models.CharField(
        "cycle stage", max_length=20, choices=Stage.choices, default=Stage.UNDERSTAND
    )
    lead_commissioner = models.ForeignKey(
        "commissioning.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_workstreams",
        help_text="The body that leads a co-commissioned workstream (NHS England, a local "
        "authority, an integrated care board…).",
    )
    predecessor = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="successors",
        help_text="The workstream this one re-commissions, if any.",
    )
    closed_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                name="co_commissioned_workstream_names_lead_commissioner",
                condition=~Q(role=CommissioningRole.CO_COMMISSIONER)
                | Q(lead_commissioner__isnull=False),
                violation_error_message="Select the lead commissioner: a co-commissioned "
                "workstream is led by another body.",
            ),
        ]
        indexes = [models.Index(fields=["status", "role", "stage"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("workstream-detail", kwargs={"pk": self.pk})

    def clean(self):
        if self.role == CommissioningRole.CO_COMMISSIONER and not self.lead_commissioner_id:
            raise ValidationError(
                {
                    "lead_commissioner": "Select the lead commissioner: a co-commissioned "
                    "workstream is led by another body"
                }
            )
        if self.predecessor_id and self.predecessor_id == self.pk:
            raise ValidationError({"predecessor": "A workstream cannot re-commission itself"})

    @property
    def next_stage(self) -> Stage | None:
        return Stage.after(self.stage)


class WorkstreamPartner(models.Model):
    workstream = models.ForeignKey(Workstream, on_delete=models.CASCADE, related_name="partners")
    organisation = models.ForeignKey(
        "commissioning.Organisation", on_delete=models.PROTECT, related_name="workstream_parts"
    )
    part = models.CharField(max_length=30, choices=PartnerPart.choices)
    note = models.CharField(max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["part", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["workstream", "organisation", "part"],
                name="workstream_partner_unique",
                violation_error_message="This organisation already has that part in the "
                "workstream.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_part_display()})"


class ChecklistTemplateItem(models.Model):
    """One step of the cycle for one commissioning role, as the strategy lists them.
    Administrators edit these; a workstream copies them when it is created or changes
    role, so editing a template never rewrites an existing workstream's checklist."""

    role = models.CharField(max_length=20, choices=CommissioningRole.choices)
    stage = models.CharField(max_length=20, choices=Stage.choices)
    order = models.PositiveSmallIntegerField(default=10)
    title = models.CharField(max_length=255)
    guidance = models.TextField(blank=True)
    required = models.BooleanField(
        default=True, help_text="Required items must be done before the stage can close."
    )
    is_active = models.BooleanField("in use", default=True)

    class Meta:
        ordering = ["role", "stage", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["role", "stage", "title"], name="checklist_template_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} / {self.get_stage_display()}: {self.title}"


class ChecklistStatus(models.TextChoices):
    TO_DO = "to_do", "To do"
    DONE = "done", "Done"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class ChecklistItem(models.Model):
    workstream = models.ForeignKey(
        Workstream, on_delete=models.CASCADE, related_name="checklist_items"
    )
    template = models.ForeignKey(
        ChecklistTemplateItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    role = models.CharField(max_length=20, choices=CommissioningRole.choices)
    stage = models.CharField(max_length=20, choices=Stage.choices)
    order = models.PositiveSmallIntegerField(default=10)
    title = models.CharField(max_length=255)
    guidance = models.TextField(blank=True)
    required = models.BooleanField(default=True)
    status = models.CharField(
        max_length=20, choices=ChecklistStatus.choices, default=ChecklistStatus.TO_DO
    )
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    evidence_url = models.URLField("evidence link", max_length=500, blank=True)
    evidence_file = models.FileField(
        upload_to=RandomUploadPath("checklist-evidence"), blank=True, max_length=255
    )
    evidence_name = models.CharField(max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["workstream", "stage", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["workstream", "template"],
                condition=Q(template__isnull=False),
                name="checklist_item_once_per_template",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_complete(self) -> bool:
        return self.status != ChecklistStatus.TO_DO


class StageChange(models.Model):
    """A move of a workstream from one cycle stage to the next."""

    workstream = models.ForeignKey(
        Workstream, on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.CharField(max_length=20, choices=Stage.choices)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    overridden = models.BooleanField(
        default=False, help_text="Moved on by a manager with required items still to do."
    )
    reason = models.TextField(blank=True)
    outstanding = models.TextField(
        blank=True, help_text="The required items still to do when a manager moved it on."
    )

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.workstream}: {self.from_stage} -> {self.to_stage}"


class MilestoneKind(models.TextChoices):
    CONTRACT_END = "contract_end", "Contract ends"
    NEW_CONTRACT_DUE = "new_contract_due", "New contract due"
    FUNDING_END = "funding_end", "Grant or funding settlement ends"
    NEW_FUNDING_DUE = "new_funding_due", "New grant or funding due"
    AGREEMENT_END = "agreement_end", "Agreement ends"
    REVIEW = "review", "Review"
    ELECTION = "election", "PCC election"
    OTHER = "other", "Other"


class Milestone(models.Model):
    """A dated event on the forward plan; office-wide when it has no workstream (a PCC
    election, say)."""

    workstream = models.ForeignKey(
        Workstream, on_delete=models.CASCADE, null=True, blank=True, related_name="milestones"
    )
    kind = models.CharField(max_length=30, choices=MilestoneKind.choices)
    date = models.DateField()
    title = models.CharField(max_length=255)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["date", "title"]
        indexes = [models.Index(fields=["date", "kind"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.date:%d %B %Y})"


class VoiceKind(models.TextChoices):
    ENGAGEMENT_EVENT = "engagement_event", "Engagement event"
    CONSULTATION = "consultation", "Consultation"
    FEEDBACK = "feedback", "Service-user feedback"
    SURVEY = "survey", "Survey"
    LIVED_EXPERIENCE_PANEL = "lived_experience_panel", "Lived-experience panel"
    OTHER = "other", "Other"


class ServiceUserVoice(models.Model):
    """How lived experience informed a workstream: the strategy commits to it."""

    workstream = models.ForeignKey(
        Workstream, on_delete=models.CASCADE, related_name="voice_entries"
    )
    date = models.DateField()
    kind = models.CharField(max_length=30, choices=VoiceKind.choices)
    title = models.CharField(max_length=255)
    participants = models.PositiveIntegerField(
        null=True, blank=True, help_text="How many people took part, if known."
    )
    summary = models.TextField("what we heard")
    influence = models.TextField("how it informed the work", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = "service-user voice entry"
        verbose_name_plural = "service-user voice entries"

    def __str__(self) -> str:
        return self.title


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A user's secret iCalendar address for the forward plan. Revoking deletes it; the
    user can then ask for a new one at a new address."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Calendar feed for {self.user}"
