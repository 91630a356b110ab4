"""The six-question decision framework applied before the office commits, and the
manager's decision on it. A decided assessment is never edited, only superseded;
declined ones stay on the record."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from commissioning.uploads import RandomUploadPath
from workstreams.models import CommissioningRole


class QuestionSet(models.Model):
    """One wording of the framework's six questions. A new wording is a new version, so
    an assessment always shows the questions it was answered against."""

    version = models.PositiveSmallIntegerField(unique=True)
    introduced_on = models.DateField()
    is_current = models.BooleanField(default=False)
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="one_current_question_set"
            )
        ]

    def __str__(self) -> str:
        return f"Decision framework, version {self.version}"


class Question(models.Model):
    question_set = models.ForeignKey(
        QuestionSet, on_delete=models.PROTECT, related_name="questions"
    )
    number = models.PositiveSmallIntegerField()
    heading = models.CharField(max_length=60)  # Rationale, Budget, ...
    text = models.TextField()
    guidance = models.TextField(blank=True)

    class Meta:
        ordering = ["question_set", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["question_set", "number"], name="question_number_unique_in_set"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.heading}"


class DecisionType(models.TextChoices):
    NEW_WORKSTREAM = "new_workstream", "New workstream"
    FUNDING_AWARD = "funding_award", "Funding award"
    CONTRACT_AWARD = "contract_award", "Contract award"
    VARIATION = "variation", "Variation or extension"
    TERMINATION = "termination", "Termination"


class Recommendation(models.TextChoices):
    PROCEED = "proceed", "Proceed"
    DECLINE = "decline", "Decline"


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    RETURNED = "returned", "Returned for changes"


EDITABLE_STATUSES = (AssessmentStatus.DRAFT, AssessmentStatus.RETURNED)
DECIDED_STATUSES = (AssessmentStatus.APPROVED, AssessmentStatus.DECLINED)


class Rating(models.TextChoices):
    MET = "met", "Met"
    PARTLY_MET = "partly_met", "Partly met"
    NOT_MET = "not_met", "Not met"


class DecisionAssessment(models.Model):
    reference = models.CharField(max_length=30, unique=True, editable=False)
    title = models.CharField(max_length=255)
    decision_type = models.CharField(max_length=30, choices=DecisionType.choices)
    workstream = models.ForeignKey(
        "workstreams.Workstream", on_delete=models.PROTECT, related_name="assessments"
    )
    question_set = models.ForeignKey(QuestionSet, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(
        "amount involved (£)", max_digits=14, decimal_places=2, null=True, blank=True
    )
    recommendation = models.CharField(max_length=20, choices=Recommendation.choices, blank=True)
    recommended_role = models.CharField(
        "role to take", max_length=20, choices=CommissioningRole.choices, blank=True
    )
    summary = models.TextField("summary of the recommendation", blank=True)
    justification = models.TextField("why proceed although a question is not met", blank=True)
    status = models.CharField(
        max_length=20, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_assessments"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decided_assessments",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="decided_assessment_records_who_and_when",
                condition=~Q(status__in=["approved", "declined"])
                | (Q(decided_by__isnull=False) & Q(decided_at__isnull=False)),
            ),
            models.CheckConstraint(
                name="assessment_not_decided_by_author",
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("author")),
            ),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("assessment-detail", kwargs={"pk": self.pk})

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def is_decided(self) -> bool:
        return self.status in DECIDED_STATUSES

    def clean(self):
        if self.amount is not None and self.amount < 0:
            raise ValidationError({"amount": "Enter an amount of £0 or more"})


class Answer(models.Model):
    assessment = models.ForeignKey(
        DecisionAssessment, on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    rating = models.CharField(max_length=20, choices=Rating.choices, blank=True)
    narrative = models.TextField(blank=True)
    evidence_url = models.URLField("evidence link", max_length=500, blank=True)
    evidence_file = models.FileField(
        upload_to=RandomUploadPath("decision-evidence"), blank=True, max_length=255
    )
    evidence_name = models.CharField(max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment", "question__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "question"], name="one_answer_per_question"
            )
        ]

    def __str__(self) -> str:
        return f"{self.assessment.reference} / {self.question}"

    @property
    def is_complete(self) -> bool:
        return bool(self.rating and self.narrative.strip())


class AssessmentEvent(models.Model):
    """Every transition of an assessment: who moved it from what to what, when, why."""

    assessment = models.ForeignKey(
        DecisionAssessment, on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(max_length=20, choices=AssessmentStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=AssessmentStatus.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.assessment.reference}: {self.from_status or 'new'} -> {self.to_status}"
