"""Grants: awards from draft to closure, charged to funding streams, paid by schedule,
split across areas by population and crime, and passed on by intermediaries."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from commissioning.dates import months_covered
from commissioning.uploads import RandomUploadPath

PENNY = Decimal("0.01")


class Programme(models.Model):
    """Reference data: Police and Crime Grant, Small Grants, VRU, MoJ IDVA, …"""

    name = models.CharField(max_length=120, unique=True)
    code = models.SlugField(max_length=40, unique=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField("in use", default=True)
    order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Area(models.Model):
    """A local authority area with the population and recorded-crime figures local
    allocations are weighted by (each figure with its year and source)."""

    name = models.CharField(max_length=120, unique=True)
    local_authority = models.ForeignKey(
        "commissioning.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    allocation_recipient = models.ForeignKey(
        "commissioning.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who receives this area's share of a local allocation (often the "
        "community safety partnership's accountable body).",
    )
    geo_code = models.CharField(
        "ONS area code", max_length=20, blank=True, help_text="For example E06000023."
    )
    population = models.PositiveIntegerField()
    population_year = models.PositiveSmallIntegerField()
    population_source = models.CharField(max_length=255)
    recorded_crime = models.PositiveIntegerField()
    crime_year = models.CharField(max_length=20, help_text="For example 2023/24.")
    crime_source = models.CharField(max_length=255)
    is_active = models.BooleanField("in use", default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class GrantStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    AWARDED = "awarded", "Awarded"
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"
    WITHDRAWN = "withdrawn", "Withdrawn"


#: Grants whose money is committed against their funding streams.
COMMITTED_STATUSES = (GrantStatus.AWARDED, GrantStatus.ACTIVE, GrantStatus.CLOSED)


class AwardRoute(models.TextChoices):
    OPEN_CALL = "open_call", "Open call for applications"
    DIRECT = "direct", "Direct award"


class MonitoringFrequency(models.TextChoices):
    QUARTERLY = "quarterly", "Quarterly"
    HALF_YEARLY = "half_yearly", "Mid-year and year-end"


class PaymentTiming(models.TextChoices):
    ADVANCE = "advance", "In advance"
    ARREARS = "arrears", "In arrears"


class FraudRisk(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Grant(models.Model):
    reference = models.CharField(max_length=40, unique=True)
    title = models.CharField(max_length=255)
    purpose = models.TextField()
    workstream = models.ForeignKey(
        "workstreams.Workstream", on_delete=models.PROTECT, related_name="grants"
    )
    recipient = models.ForeignKey(
        "commissioning.Organisation", on_delete=models.PROTECT, related_name="grants"
    )
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="grants")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    award_date = models.DateField(null=True, blank=True)
    start_date = models.DateField()
    end_date = models.DateField()
    beneficiary_area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grants",
        help_text="Leave blank when the grant benefits the whole force area.",
    )
    award_route = models.CharField(max_length=20, choices=AwardRoute.choices)
    direct_award_justification = models.TextField(blank=True)
    procurement_route_justification = models.TextField(
        "why a grant rather than the procurement-service route",
        blank=True,
        help_text="Needed when the grant is over the annual threshold above which the "
        "strategy expects South West Police Procurement to be used.",
    )
    conditions = models.TextField(blank=True)
    signed_agreement = models.FileField(
        upload_to=RandomUploadPath("grant-agreements"), blank=True, max_length=255
    )
    signed_agreement_name = models.CharField(max_length=255, blank=True)
    responsible_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grants"
    )
    monitoring_frequency = models.CharField(
        max_length=20, choices=MonitoringFrequency.choices, default=MonitoringFrequency.QUARTERLY
    )
    payment_timing = models.CharField(
        max_length=20, choices=PaymentTiming.choices, default=PaymentTiming.ADVANCE
    )
    instalments = models.PositiveSmallIntegerField(
        default=4, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    # Due diligence.
    dd_organisation_checked = models.BooleanField(
        "organisation's registration and status checked", default=False
    )
    dd_accounts_date = models.DateField("date of the latest accounts seen", null=True, blank=True)
    dd_safeguarding_policy = models.BooleanField("safeguarding policy seen", default=False)
    dd_fraud_risk = models.CharField(
        "fraud risk rating", max_length=10, choices=FraudRisk.choices, blank=True
    )
    approving_decision = models.ForeignKey(
        "decisions.DecisionAssessment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grants",
    )
    allocation = models.ForeignKey(
        "grants.LocalAllocation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="grants",
    )
    status = models.CharField(max_length=20, choices=GrantStatus.choices, default=GrantStatus.DRAFT)
    withdrawn_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date", "reference"]
        constraints = [
            models.CheckConstraint(name="grant_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="grant_ends_after_it_starts", condition=Q(end_date__gte=F("start_date"))
            ),
        ]
        indexes = [
            models.Index(fields=["status", "start_date"]),
            # The grants list's order: its page is found by reading this index rather than
            # sorting every grant (about 30 ms at 50,000 grants; issue 11).
            models.Index(fields=["-start_date", "reference"], name="grant_list_order"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("grant-detail", kwargs={"pk": self.pk})

    def clean(self):
        errors = {}
        if self.amount is not None and self.amount <= 0:
            errors["amount"] = "Enter an amount greater than £0"
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = "The end date must be the same as or after the start date"
        if self.award_route == AwardRoute.DIRECT and not self.direct_award_justification.strip():
            errors["direct_award_justification"] = "Explain why the grant is a direct award"
        if errors:
            raise ValidationError(errors)

    @property
    def is_editable(self) -> bool:
        return self.status == GrantStatus.DRAFT

    @property
    def months(self) -> int:
        """The grant period in months, a part month counting as one."""
        return months_covered(self.start_date, self.end_date)

    @property
    def annual_value(self) -> Decimal:
        return (self.amount * 12 / Decimal(self.months)).quantize(PENNY)


class GrantCharge(models.Model):
    """The part of a grant charged to one funding stream."""

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="charges")
    funding_stream = models.ForeignKey(
        "commissioning.FundingStream", on_delete=models.PROTECT, related_name="grant_charges"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    history = HistoricalRecords()

    class Meta:
        ordering = ["grant", "funding_stream__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["grant", "funding_stream"], name="one_charge_per_stream_per_grant"
            ),
            models.CheckConstraint(name="grant_charge_positive", condition=Q(amount__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.grant.reference} → {self.funding_stream}"


class PaymentStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    PAID = "paid", "Paid"
    CANCELLED = "cancelled", "Cancelled"


class Payment(models.Model):
    """One instalment's money from one funding stream (a grant charged to two streams
    has two rows per instalment, sharing the payment reference when paid)."""

    charge = models.ForeignKey(GrantCharge, on_delete=models.CASCADE, related_name="payments")
    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="payments")
    instalment = models.PositiveSmallIntegerField()
    due_date = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    status = models.CharField(
        max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.SCHEDULED
    )
    paid_date = models.DateField(null=True, blank=True)
    payment_reference = models.CharField(max_length=100, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["grant", "due_date", "instalment", "charge_id"]
        constraints = [
            models.CheckConstraint(name="payment_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="paid_payment_has_date_and_reference",
                condition=~Q(status="paid")
                | (Q(paid_date__isnull=False) & ~Q(payment_reference="")),
            ),
        ]
        indexes = [models.Index(fields=["status", "due_date"])]

    def __str__(self) -> str:
        return f"{self.grant.reference} instalment {self.instalment}"


class UnderspendReturn(models.Model):
    """Money a recipient gives back at year end, credited to the stream it came from."""

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="underspends")
    charge = models.ForeignKey(GrantCharge, on_delete=models.PROTECT, related_name="underspends")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    recorded_on = models.DateField()
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["grant", "recorded_on"]
        constraints = [
            models.CheckConstraint(name="underspend_positive", condition=Q(amount__gt=0))
        ]

    def __str__(self) -> str:
        return f"{self.grant.reference} underspend {self.amount}"


class LocalAllocation(models.Model):
    """A fund split across areas by weighted population and crime shares."""

    title = models.CharField(max_length=255)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    population_weight = models.DecimalField("population weight (%)", max_digits=5, decimal_places=2)
    crime_weight = models.DecimalField("crime weight (%)", max_digits=5, decimal_places=2)
    funding_stream = models.ForeignKey(
        "commissioning.FundingStream",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allocations",
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, null=True, blank=True, related_name="allocations"
    )
    workstream = models.ForeignKey(
        "workstreams.Workstream",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allocations",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(name="allocation_total_positive", condition=Q(total__gt=0)),
            models.CheckConstraint(
                name="allocation_weights_total_100",
                condition=Q(population_weight__gte=0)
                & Q(crime_weight__gte=0)
                & Q(population_weight=Decimal(100) - F("crime_weight")),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("allocation-detail", kwargs={"pk": self.pk})


class AllocationShare(models.Model):
    """One area's share, with the figures it was worked out from (kept as they were)."""

    allocation = models.ForeignKey(LocalAllocation, on_delete=models.CASCADE, related_name="shares")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    population = models.PositiveIntegerField()
    population_year = models.PositiveSmallIntegerField()
    population_source = models.CharField(max_length=255, blank=True)
    recorded_crime = models.PositiveIntegerField()
    crime_year = models.CharField(max_length=20)
    crime_source = models.CharField(max_length=255, blank=True)
    weight = models.DecimalField(
        "weighted share",
        max_digits=12,
        decimal_places=10,
        help_text="The area's weighted share of the total, between 0 and 1.",
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["allocation", "area__name"]
        constraints = [
            models.UniqueConstraint(fields=["allocation", "area"], name="one_share_per_area")
        ]

    def __str__(self) -> str:
        return f"{self.area}: {self.amount}"


class OnwardGrant(models.Model):
    """A grant an intermediary (a community foundation) made from a parent grant: counted
    in totals once, through the parent, and published as a regrant."""

    parent = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="onward_grants")
    recipient_name = models.CharField(max_length=255)
    recipient = models.ForeignKey(
        "commissioning.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="onward_grants",
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    purpose = models.TextField()
    area = models.ForeignKey(Area, on_delete=models.PROTECT, null=True, blank=True)
    award_date = models.DateField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["parent", "award_date", "recipient_name"]
        constraints = [
            models.CheckConstraint(name="onward_grant_positive", condition=Q(amount__gt=0))
        ]

    def __str__(self) -> str:
        return f"{self.recipient_name} ({self.amount})"

    def clean(self):
        if self.amount is not None and self.amount <= 0:
            raise ValidationError({"amount": "Enter an amount greater than £0"})
