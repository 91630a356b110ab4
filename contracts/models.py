"""Procurement and contracts: the route, supplier suitability, tender evaluation, and
the live contract with its KPIs, meetings, Procurement Act notices, variations,
extensions and termination."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from commissioning.dates import add_months


class ProcurementRoute(models.TextChoices):
    PROCUREMENT_SERVICE = (
        "procurement_service",
        ("South West Police Procurement competitive process"),
    )
    FRAMEWORK = "framework", "Framework call-off"
    DIRECT_AWARD = "direct_award", "Direct award"


class ProcurementStatus(models.TextChoices):
    PLANNING = "planning", "Planning"
    TENDERING = "tendering", "Out to tender"
    EVALUATING = "evaluating", "Evaluating"
    AWARDED = "awarded", "Awarded"
    CANCELLED = "cancelled", "Cancelled"


class Procurement(models.Model):
    workstream = models.ForeignKey(
        "workstreams.Workstream", on_delete=models.PROTECT, related_name="procurements"
    )
    title = models.CharField(max_length=255)
    route = models.CharField(max_length=30, choices=ProcurementRoute.choices)
    direct_award_justification = models.TextField(blank=True)
    light_touch = models.BooleanField(
        "light-touch regime",
        default=False,
        help_text="A light-touch contract (formerly the Light Touch Regime).",
    )
    estimated_annual_value = models.DecimalField(max_digits=14, decimal_places=2)
    estimated_whole_life_value = models.DecimalField(max_digits=14, decimal_places=2)
    exception_decision = models.ForeignKey(
        "decisions.DecisionAssessment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="An approved decision recording why a procurement over the annual "
        "threshold does not use the procurement-service route.",
    )
    early_market_engagement = models.TextField(blank=True)
    # Timetable.
    engagement_date = models.DateField("early market engagement", null=True, blank=True)
    tender_notice_date = models.DateField("tender notice", null=True, blank=True)
    clarification_deadline = models.DateField(null=True, blank=True)
    submission_deadline = models.DateField(null=True, blank=True)
    evaluation_date = models.DateField("evaluation", null=True, blank=True)
    award_date = models.DateField("award", null=True, blank=True)
    standstill_end = models.DateField("end of standstill", null=True, blank=True)
    mobilisation_start = models.DateField("mobilisation", null=True, blank=True)
    go_live_date = models.DateField("go-live", null=True, blank=True)
    # Evaluation design.
    quality_weight = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(60))
    price_weight = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(30))
    social_value_weight = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(10))
    score_scale_max = models.PositiveSmallIntegerField(
        "highest score on the scale",
        default=5,
        help_text="Panel members score each quality question from 0 to this.",
    )
    status = models.CharField(
        max_length=20, choices=ProcurementStatus.choices, default=ProcurementStatus.PLANNING
    )
    awarded_bid = models.ForeignKey(
        "contracts.Bid", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="procurement_weights_total_100",
                condition=Q(
                    quality_weight=Decimal(100) - F("price_weight") - F("social_value_weight")
                ),
                violation_error_message="The quality, price and social value weights must "
                "add up to 100%.",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("procurement-detail", kwargs={"pk": self.pk})

    def clean(self):
        errors = {}
        weights = [self.quality_weight, self.price_weight, self.social_value_weight]
        if all(w is not None for w in weights):
            if any(w < 0 for w in weights):
                errors["quality_weight"] = "Weights can't be negative"
            elif sum(weights) != 100:
                errors["quality_weight"] = (
                    f"The quality, price and social value weights add up to {sum(weights)}%: "
                    "they must add up to 100%"
                )
        if self.route == ProcurementRoute.DIRECT_AWARD and not self.direct_award_justification:
            errors["direct_award_justification"] = "Explain why this is a direct award"
        if (
            self.estimated_annual_value is not None
            and self.estimated_annual_value > settings.PROCUREMENT_SERVICE_THRESHOLD
            and self.route != ProcurementRoute.PROCUREMENT_SERVICE
        ):
            decision = self.exception_decision
            if decision is None or decision.status != "approved":
                errors["route"] = (
                    f"Over £{settings.PROCUREMENT_SERVICE_THRESHOLD:,.0f} a year the "
                    "procurement-service route is required unless an approved decision "
                    "records the exception"
                )
        if errors:
            raise ValidationError(errors)


class QualityQuestion(models.Model):
    procurement = models.ForeignKey(Procurement, on_delete=models.CASCADE, related_name="questions")
    number = models.PositiveSmallIntegerField()
    text = models.TextField()
    weight = models.DecimalField("weight within quality (%)", max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["procurement", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["procurement", "number"], name="quality_question_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"Q{self.number}"


class SuitabilityGround(models.TextChoices):
    ENVIRONMENTAL = "environmental", "Environmental obligations"
    SOCIAL = "social", "Social obligations"
    LABOUR_LAW = "labour_law", "Labour-law obligations"
    PRIOR_PERFORMANCE = (
        "prior_performance",
        "Significant deficiencies in prior contract performance",
    )
    MISREPRESENTATION = "misrepresentation", "Misrepresentation"
    FINANCIAL_STANDING = "financial_standing", "Economic and financial standing"
    SUPPLY_CHAIN = "supply_chain", "Supply-chain transparency"


class Bid(models.Model):
    procurement = models.ForeignKey(Procurement, on_delete=models.CASCADE, related_name="bids")
    supplier = models.ForeignKey(
        "commissioning.Organisation", on_delete=models.PROTECT, related_name="bids"
    )
    price = models.DecimalField("bid price (£)", max_digits=14, decimal_places=2)
    social_value_score = models.DecimalField(
        "moderated social value score", max_digits=5, decimal_places=2, null=True, blank=True
    )
    modern_slavery_applies = models.BooleanField(
        "section 54 Modern Slavery Act applies",
        default=False,
        help_text="Organisations with a turnover of £36 million or more must publish a statement.",
    )
    modern_slavery_statement_url = models.URLField(blank=True)
    modern_slavery_statement_date = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["procurement", "supplier__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["procurement", "supplier"], name="one_bid_per_supplier"
            ),
            models.CheckConstraint(name="bid_price_positive", condition=Q(price__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.supplier} ({self.procurement})"


class SuitabilityCheck(models.Model):
    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="suitability")
    ground = models.CharField(max_length=30, choices=SuitabilityGround.choices)
    passed = models.BooleanField(null=True, help_text="Unset until assessed.")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["bid", "ground"]
        constraints = [
            models.UniqueConstraint(fields=["bid", "ground"], name="one_check_per_ground")
        ]

    def __str__(self) -> str:
        return f"{self.bid}: {self.get_ground_display()}"


class PanelScore(models.Model):
    """One panel member's score for one bid on one quality question."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="panel_scores")
    question = models.ForeignKey(QualityQuestion, on_delete=models.CASCADE, related_name="+")
    panel_member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    score = models.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["bid", "question", "panel_member"], name="one_score_per_member"
            )
        ]

    def __str__(self) -> str:
        return f"{self.bid} {self.question}: {self.score}"


class ModeratedScore(models.Model):
    """The panel's consensus score for one bid on one question."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="moderated_scores")
    question = models.ForeignKey(QualityQuestion, on_delete=models.CASCADE, related_name="+")
    score = models.DecimalField(max_digits=5, decimal_places=2)
    reason = models.TextField(
        blank=True, help_text="Why the consensus differs from the panel's average."
    )

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bid", "question"], name="one_moderated_score")
        ]

    def __str__(self) -> str:
        return f"{self.bid} {self.question}: {self.score} (moderated)"


class Contract(models.Model):
    reference = models.CharField(max_length=40, unique=True)
    title = models.CharField(max_length=255)
    supplier = models.ForeignKey(
        "commissioning.Organisation", on_delete=models.PROTECT, related_name="contracts"
    )
    workstream = models.ForeignKey(
        "workstreams.Workstream", on_delete=models.PROTECT, related_name="contracts"
    )
    procurement = models.ForeignKey(
        Procurement, on_delete=models.PROTECT, null=True, blank=True, related_name="contracts"
    )
    annual_value = models.DecimalField(max_digits=14, decimal_places=2)
    whole_life_value = models.DecimalField(max_digits=14, decimal_places=2)
    start_date = models.DateField()
    end_date = models.DateField()
    light_touch = models.BooleanField("light-touch contract", default=False)
    lead_commissioner = models.ForeignKey(
        "commissioning.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="co_commissioned_contracts",
        help_text="For a co-commissioned contract: the body that holds it.",
    )
    office_contribution = models.DecimalField(
        "the office's contribution (£)",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
    )
    responsible_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contracts"
    )
    approving_decision = models.ForeignKey(
        "decisions.DecisionAssessment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contracts",
    )
    end_milestone = models.OneToOneField(
        "workstreams.Milestone",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ending_contract",
        help_text="The forward plan's contract-end milestone, kept in step with the end date.",
    )
    monitoring_frequency = models.CharField(
        "monitoring returns",
        max_length=20,
        choices=[("quarterly", "Quarterly"), ("half_yearly", "Mid-year and year-end")],
        default="quarterly",
    )
    went_live_on = models.DateField(null=True, blank=True)
    risk_flagged = models.BooleanField("service risk flagged", default=False)
    risk_note = models.TextField(blank=True)
    terminated_on = models.DateField(null=True, blank=True)
    termination_reason = models.TextField(blank=True)
    termination_clause = models.CharField(max_length=100, blank=True)
    termination_notice_given_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["end_date", "reference"]
        constraints = [
            models.CheckConstraint(
                name="contract_ends_after_it_starts", condition=Q(end_date__gte=F("start_date"))
            ),
            models.CheckConstraint(
                name="contract_values_positive",
                condition=Q(annual_value__gt=0) & Q(whole_life_value__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("contract-detail", kwargs={"pk": self.pk})

    def clean(self):
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = "The end date must be the same as or after the start date"
        for name in ("annual_value", "whole_life_value"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                errors[name] = "Enter an amount greater than £0"
        if errors:
            raise ValidationError(errors)

    @property
    def status(self) -> str:
        """Derived from the dates: terminated, ended, mobilising, ending soon or live."""
        today = timezone.localdate()
        if self.terminated_on and self.terminated_on <= today:
            return "terminated"
        if self.end_date < today:
            return "ended"
        if not self.went_live_on or self.start_date > today:
            return "mobilising"
        if self.end_date <= add_months(today, 6):
            return "ending_soon"
        return "live"

    STATUS_LABELS = {
        "terminated": "Terminated",
        "ended": "Ended",
        "mobilising": "Mobilising",
        "ending_soon": "Ending within 6 months",
        "live": "Live",
    }

    @property
    def status_label(self) -> str:
        return self.STATUS_LABELS[self.status]

    @property
    def needs_three_kpis(self) -> bool:
        return self.whole_life_value > settings.KPI_RULE_THRESHOLD and not self.light_touch

    @property
    def first_year_ends(self) -> datetime.date:
        return add_months(self.went_live_on or self.start_date, 12)


class ContractCharge(models.Model):
    """The part of a contract's value charged to one funding stream (its commitment)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="charges")
    funding_stream = models.ForeignKey(
        "commissioning.FundingStream", on_delete=models.PROTECT, related_name="contract_charges"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "funding_stream"], name="one_charge_per_stream_per_contract"
            ),
            models.CheckConstraint(name="contract_charge_positive", condition=Q(amount__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.contract.reference} → {self.funding_stream}"


class ExtensionOption(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="extensions")
    months = models.PositiveSmallIntegerField()
    exercised_on = models.DateField(null=True, blank=True)
    new_end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["contract", "pk"]

    def __str__(self) -> str:
        return f"{self.contract.reference}: {self.months}-month extension"


class KPIDirection(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class KPIFrequency(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    HALF_YEARLY = "half_yearly", "Six-monthly"
    ANNUALLY = "annually", "Annually"


class KPI(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="kpis")
    name = models.CharField(max_length=255)
    measure = models.TextField()
    target = models.DecimalField(max_digits=12, decimal_places=2)
    unit = models.CharField(max_length=40, help_text="For example %, people, days.")
    direction = models.CharField(max_length=10, choices=KPIDirection.choices)
    frequency = models.CharField(max_length=20, choices=KPIFrequency.choices)

    history = HistoricalRecords()

    class Meta:
        ordering = ["contract", "pk"]
        verbose_name = "KPI"

    def __str__(self) -> str:
        return self.name


class RAG(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class ContractMeeting(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="meetings")
    due_date = models.DateField()
    held_on = models.DateField(null=True, blank=True)
    minutes = models.TextField(blank=True)
    rag = models.CharField("RAG rating", max_length=10, choices=RAG.choices, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["contract", "due_date"]
        indexes = [
            # The dashboard's overdue meetings, oldest first: only the few not yet held
            # are in it, so its first rows and its count read a few pages (issue 11).
            models.Index(
                fields=["due_date"],
                condition=Q(held_on__isnull=True),
                name="meeting_due_not_held",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contract.reference} meeting due {self.due_date}"


class MeetingAction(models.Model):
    meeting = models.ForeignKey(ContractMeeting, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    owner = models.CharField(max_length=200)
    due_date = models.DateField()
    done_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["meeting", "due_date"]

    def __str__(self) -> str:
        return self.description[:60]


class NoticeKind(models.TextChoices):
    CONTRACT_DETAILS = "contract_details", "Contract details notice"
    CONTRACT_CHANGE = "contract_change", "Contract change notice"
    PERFORMANCE = "performance", "Contract performance assessment"
    TERMINATION = "termination", "Contract termination notice"


class PerformanceRating(models.TextChoices):
    GOOD = "good", "Good"
    APPROACHING = "approaching", "Approaching target"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate"
    OTHER = "other", "Other"


class ContractNotice(models.Model):
    """A Procurement Act 2023 duty: what must be published, by when, and when it was."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=30, choices=NoticeKind.choices)
    due_date = models.DateField()
    published_on = models.DateField(null=True, blank=True)
    rating = models.CharField(
        max_length=30,
        choices=PerformanceRating.choices,
        blank=True,
        help_text="Performance assessments only.",
    )
    note = models.TextField(blank=True)
    key = models.CharField(max_length=100, help_text="Identifies the duty, so it is made once.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["contract", "due_date"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "key"], name="one_notice_per_duty")
        ]
        indexes = [
            # The dashboard's overdue notices, as the overdue meetings above.
            models.Index(
                fields=["due_date"],
                condition=Q(published_on__isnull=True),
                name="notice_due_unpublished",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} due {self.due_date}"


class Variation(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="variations")
    description = models.TextField("what changed")
    value_effect = models.DecimalField(
        "effect on the whole-life value (£)", max_digits=14, decimal_places=2, default=0
    )
    effective_on = models.DateField()
    approving_decision = models.ForeignKey(
        "decisions.DecisionAssessment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["contract", "effective_on"]

    def __str__(self) -> str:
        return f"{self.contract.reference} variation from {self.effective_on}"
