"""Monitoring: what each grant or contract owes the office, period by period.

A ``ReturnSchedule`` belongs to one agreement (a grant or a contract) and holds its
returns, one per financial-year quarter (or per half year). A provider fills in a
``MonitoringReturn`` section by section — finance, performance (KPI results),
outcomes, narrative, evidence — and submits it; an officer accepts it or asks for
changes. Every submission is kept as a ``ReturnSubmission`` so a resubmission never
hides the one before. ``UnderspendFlag`` marks money not spent as planned, and
``Reminder`` records each reminder sent (once, by its key).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from commissioning.uploads import RandomUploadPath

ZERO = Decimal("0.00")


class Frequency(models.TextChoices):
    QUARTERLY = "quarterly", "Quarterly"
    HALF_YEARLY = "half_yearly", "Mid-year and year-end"


class MeasureDirection(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class FunderReturn(models.TextChoices):
    NONE = "", "None"
    MOJ_VICTIMS = "moj_victims", "Ministry of Justice victims grant return"
    HOME_OFFICE_VRU = "home_office_vru", "Home Office Violence Reduction Unit return"


class OutcomeFramework(models.Model):
    """Reference data: the outputs and outcomes a programme's providers report (victim
    services; the Violence Reduction Unit's success measures; …)."""

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    programmes = models.ManyToManyField(
        "grants.Programme",
        blank=True,
        related_name="outcome_frameworks",
        help_text="Grants in these programmes report this framework's measures.",
    )
    funder_return = models.CharField(
        "funder's return",
        max_length=30,
        choices=FunderReturn.choices,
        blank=True,
        help_text="The return to a funder that these measures feed.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OutcomeMeasure(models.Model):
    """An output or outcome reported each period (referrals received, victims
    supported, a funder's success measure, …)."""

    framework = models.ForeignKey(
        OutcomeFramework, on_delete=models.CASCADE, related_name="measures"
    )
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    unit = models.CharField(max_length=40, default="people")
    direction = models.CharField(
        max_length=10, choices=MeasureDirection.choices, default=MeasureDirection.HIGHER
    )
    funder_code = models.CharField(
        "funder's code",
        max_length=60,
        blank=True,
        help_text="How the funder names this measure in its own return.",
    )
    is_active = models.BooleanField("in use", default=True)
    order = models.PositiveSmallIntegerField(default=100)

    history = HistoricalRecords()

    class Meta:
        ordering = ["framework", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "name"], name="measure_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ReturnSchedule(models.Model):
    """How often one agreement reports, and when each return is due."""

    grant = models.OneToOneField(
        "grants.Grant",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="return_schedule",
    )
    contract = models.OneToOneField(
        "contracts.Contract",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="return_schedule",
    )
    organisation = models.ForeignKey(
        "commissioning.Organisation", on_delete=models.PROTECT, related_name="return_schedules"
    )
    framework = models.ForeignKey(
        OutcomeFramework,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="schedules",
        help_text="The outputs and outcomes this agreement reports.",
    )
    frequency = models.CharField(max_length=20, choices=Frequency.choices)
    due_days = models.PositiveSmallIntegerField(
        "days after the period ends that a return is due",
        validators=[MinValueValidator(0), MaxValueValidator(180)],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="schedule_for_exactly_one_agreement",
                condition=(Q(grant__isnull=False) & Q(contract__isnull=True))
                | (Q(grant__isnull=True) & Q(contract__isnull=False)),
            )
        ]

    def __str__(self) -> str:
        return f"Returns for {self.agreement}"

    @property
    def agreement(self):
        return self.grant if self.grant_id else self.contract

    @property
    def agreement_kind(self) -> str:
        return "grant" if self.grant_id else "contract"


class MeasureTarget(models.Model):
    """The figure an agreement aims for on one outcome measure, each period."""

    schedule = models.ForeignKey(ReturnSchedule, on_delete=models.CASCADE, related_name="targets")
    measure = models.ForeignKey(OutcomeMeasure, on_delete=models.CASCADE, related_name="+")
    target = models.DecimalField("target each period", max_digits=12, decimal_places=2)

    history = HistoricalRecords()

    class Meta:
        ordering = ["schedule", "measure__order"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "measure"], name="one_target_per_measure"),
            models.CheckConstraint(name="measure_target_not_negative", condition=Q(target__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.measure}: {self.target}"


class ReturnStatus(models.TextChoices):
    DUE = "due", "Not started"
    DRAFT = "draft", "In progress"
    SUBMITTED = "submitted", "Submitted"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    ACCEPTED = "accepted", "Accepted"


#: The provider still owes something for a return in these states.
OUTSTANDING_STATUSES = (ReturnStatus.DUE, ReturnStatus.DRAFT, ReturnStatus.CHANGES_REQUESTED)
#: The provider may change a return in these states.
EDITABLE_STATUSES = OUTSTANDING_STATUSES


class Section(models.TextChoices):
    FINANCE = "finance", "Finance"
    PERFORMANCE = "performance", "Performance against targets"
    OUTCOMES = "outcomes", "Outputs and outcomes"
    NARRATIVE = "narrative", "Narrative"
    EVIDENCE = "evidence", "Evidence"


class MonitoringReturn(models.Model):
    schedule = models.ForeignKey(ReturnSchedule, on_delete=models.CASCADE, related_name="returns")
    # Copied from the schedule so a provider's list is one indexed filter.
    organisation = models.ForeignKey(
        "commissioning.Organisation", on_delete=models.PROTECT, related_name="returns"
    )
    period_key = models.CharField(
        max_length=20, help_text="The financial-year period: 2025-Q1, 2025-H2, …"
    )
    period_label = models.CharField(max_length=60)
    period_start = models.DateField()
    period_end = models.DateField()
    due_date = models.DateField()
    status = models.CharField(max_length=20, choices=ReturnStatus.choices, default=ReturnStatus.DUE)
    # Finance. Totals (variance, cumulative spend, forecast underspend) are computed.
    budget = models.DecimalField(
        "budget for the period (£)", max_digits=14, decimal_places=2, null=True, blank=True
    )
    actual_spend = models.DecimalField(
        "actual spend in the period (£)", max_digits=14, decimal_places=2, null=True, blank=True
    )
    forecast_year_end = models.DecimalField(
        "forecast spend for the whole financial year (£)",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
    )
    year_budget = models.DecimalField(
        "budget for the financial year (£)",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Set from the agreement when the return is made.",
    )
    underspend_explanation = models.TextField(blank=True)
    # Narrative.
    went_well = models.TextField("what went well", blank=True)
    challenges = models.TextField(blank=True)
    service_user_feedback = models.TextField("service-user feedback", blank=True)
    equality_monitoring = models.TextField(blank=True)
    # Sections the provider has marked as complete (the GOV.UK task list).
    finance_complete = models.BooleanField(default=False)
    performance_complete = models.BooleanField(default=False)
    outcomes_complete = models.BooleanField(default=False)
    narrative_complete = models.BooleanField(default=False)
    evidence_complete = models.BooleanField(default=False)
    # Workflow.
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_comments = models.TextField(blank=True)
    #: Bumped by every change; an edit made from an older version is refused.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "period_key"], name="one_return_per_period"
            ),
            models.CheckConstraint(
                name="return_period_in_order", condition=Q(period_end__gte=F("period_start"))
            ),
            models.CheckConstraint(
                name="return_money_not_negative",
                condition=(Q(budget__isnull=True) | Q(budget__gte=0))
                & (Q(actual_spend__isnull=True) | Q(actual_spend__gte=0))
                & (Q(forecast_year_end__isnull=True) | Q(forecast_year_end__gte=0)),
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "due_date"]),
            models.Index(fields=["status", "due_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.period_label} return for {self.schedule.agreement}"

    def get_absolute_url(self) -> str:
        return reverse("return-detail", kwargs={"pk": self.pk})

    def clean(self):
        errors = {}
        for name in ("budget", "actual_spend", "forecast_year_end"):
            value = getattr(self, name)
            if value is not None and value < 0:
                errors[name] = "Enter an amount of £0 or more"
        if errors:
            raise ValidationError(errors)

    # --- Derived -----------------------------------------------------------------------

    @property
    def is_outstanding(self) -> bool:
        return self.status in OUTSTANDING_STATUSES

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_outstanding and self.due_date < timezone.localdate()

    @property
    def display_status(self) -> str:
        return "Overdue" if self.is_overdue else self.get_status_display()

    @property
    def variance(self) -> Decimal | None:
        """Budget less actual spend for the period: positive is an underspend."""
        if self.budget is None or self.actual_spend is None:
            return None
        return self.budget - self.actual_spend

    @property
    def forecast_underspend(self) -> Decimal | None:
        """What the year's budget will not be spent, on the provider's forecast."""
        if self.year_budget is None or self.forecast_year_end is None:
            return None
        return max(self.year_budget - self.forecast_year_end, ZERO)

    def section_complete(self, section: str) -> bool:
        return getattr(self, f"{section}_complete")


class KPIResult(models.Model):
    """A contract KPI's figure for one return."""

    monitoring_return = models.ForeignKey(
        MonitoringReturn, on_delete=models.CASCADE, related_name="kpi_results"
    )
    kpi = models.ForeignKey("contracts.KPI", on_delete=models.CASCADE, related_name="results")
    target = models.DecimalField(max_digits=12, decimal_places=2, help_text="As it was then.")
    actual = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    note = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["monitoring_return", "kpi_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["monitoring_return", "kpi"], name="one_result_per_kpi_per_return"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kpi}: {self.actual}"

    @property
    def met(self) -> bool | None:
        if self.actual is None:
            return None
        if self.kpi.direction == "lower":
            return self.actual <= self.target
        return self.actual >= self.target


class OutcomeResult(models.Model):
    """An outcome measure's figure for one return, with the target agreed, if any."""

    monitoring_return = models.ForeignKey(
        MonitoringReturn, on_delete=models.CASCADE, related_name="outcome_results"
    )
    measure = models.ForeignKey(OutcomeMeasure, on_delete=models.PROTECT, related_name="results")
    target = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    note = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["monitoring_return", "measure__order", "measure__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["monitoring_return", "measure"], name="one_result_per_measure_per_return"
            ),
            models.CheckConstraint(
                name="outcome_value_not_negative",
                condition=Q(value__isnull=True) | Q(value__gte=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure}: {self.value}"


class EvidenceFile(models.Model):
    monitoring_return = models.ForeignKey(
        MonitoringReturn, on_delete=models.CASCADE, related_name="evidence_files"
    )
    file = models.FileField(upload_to=RandomUploadPath("return-evidence"), max_length=255)
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    description = models.CharField(max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["monitoring_return", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class SubmissionOutcome(models.TextChoices):
    AWAITING = "awaiting", "Awaiting review"
    ACCEPTED = "accepted", "Accepted"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"


class ReturnSubmission(models.Model):
    """One submission of a return as it was sent, and what the office made of it."""

    monitoring_return = models.ForeignKey(
        MonitoringReturn, on_delete=models.CASCADE, related_name="submissions"
    )
    number = models.PositiveSmallIntegerField()
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    snapshot = models.JSONField(help_text="The return's answers as submitted.")
    outcome = models.CharField(
        max_length=20, choices=SubmissionOutcome.choices, default=SubmissionOutcome.AWAITING
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    comments = models.TextField(blank=True)

    class Meta:
        ordering = ["monitoring_return", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["monitoring_return", "number"], name="submission_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"Submission {self.number} of {self.monitoring_return}"


class UnderspendKind(models.TextChoices):
    REPORTED = "reported", "Underspend forecast for the year"
    BELOW_PROFILE = "below_profile", "Spend below profile"


class UnderspendFlag(models.Model):
    monitoring_return = models.ForeignKey(
        MonitoringReturn, on_delete=models.CASCADE, related_name="underspend_flags"
    )
    kind = models.CharField(max_length=20, choices=UnderspendKind.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    percentage = models.DecimalField(
        "percentage of the budget", max_digits=6, decimal_places=1, null=True, blank=True
    )
    explanation = models.TextField(blank=True)
    flagged_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution = models.TextField(blank=True)
    underspend_return = models.ForeignKey(
        "grants.UnderspendReturn",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The money to be returned, when it was recorded against the grant.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-flagged_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["monitoring_return", "kind"], name="one_flag_per_kind_per_return"
            ),
            models.CheckConstraint(name="underspend_flag_positive", condition=Q(amount__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.amount}"


class ReminderKind(models.TextChoices):
    RETURN = "return", "Monitoring return"
    MEETING = "meeting", "Contract meeting"
    DECISION = "decision", "Decision awaiting approval"
    NOTICE = "notice", "Procurement Act notice"


class Reminder(models.Model):
    """A reminder that has been sent. Its ``key`` names what, for which record and which
    step (``return:42:due-in-14``), and is unique: a reminder is made once, ever."""

    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    step = models.CharField(max_length=40)
    title = models.CharField(max_length=255)
    monitoring_return = models.ForeignKey(
        MonitoringReturn, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class ReminderDelivery(models.Model):
    """One recipient's email of a reminder: claimed by one worker, then marked sent.
    A claim older than the lease is taken to belong to a worker that died."""

    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="deliveries")
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["reminder", "email"]
        constraints = [
            models.UniqueConstraint(fields=["reminder", "email"], name="one_delivery_per_email")
        ]
        indexes = [models.Index(fields=["sent_at", "claimed_at"])]

    def __str__(self) -> str:
        return f"{self.reminder} → {self.email}"


class ConcernKind(models.TextChoices):
    CONCERN = "concern", "Concern"
    COMPLAINT = "complaint", "Complaint"


class Escalation(models.TextChoices):
    NONE = "", "Not escalated"
    MANAGER = "manager", "Escalated to the manager"
    PCC = "pcc", "Escalated to the Police and Crime Commissioner"


class Concern(models.Model):
    """A concern or complaint about a funded service, and what became of it."""

    grant = models.ForeignKey(
        "grants.Grant", on_delete=models.CASCADE, null=True, blank=True, related_name="concerns"
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="concerns",
    )
    kind = models.CharField(max_length=20, choices=ConcernKind.choices)
    received_on = models.DateField()
    raised_by = models.CharField(
        "from whom",
        max_length=200,
        help_text="A role or organisation (for example 'service user', 'Avon CSP'); "
        "avoid recording a private individual's name.",
    )
    summary = models.TextField()
    escalated_to = models.CharField(max_length=20, choices=Escalation.choices, blank=True)
    escalated_on = models.DateField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    closed_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="concern_about_exactly_one_agreement",
                condition=(Q(grant__isnull=False) & Q(contract__isnull=True))
                | (Q(grant__isnull=True) & Q(contract__isnull=False)),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} received {self.received_on}"

    def get_absolute_url(self) -> str:
        return reverse("concern-detail", kwargs={"pk": self.pk})

    @property
    def agreement(self):
        return self.grant if self.grant_id else self.contract

    def clean(self):
        errors = {}
        today = timezone.localdate()
        if self.received_on and self.received_on > today:
            errors["received_on"] = "The date received must be today or in the past"
        if self.escalated_to and not self.escalated_on:
            errors["escalated_on"] = "Enter the date it was escalated"
        if self.closed_on and not self.outcome.strip():
            errors["outcome"] = "Enter the outcome before closing it"
        if errors:
            raise ValidationError(errors)
