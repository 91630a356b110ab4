"""The core of the portal: users and their roles, organisations and funding streams."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from simple_history.models import HistoricalRecords

from .dates import FinancialYear
from .identifiers import IDENTIFIER_HELP, validate_org_id
from .money import ZERO, with_money


class Role(models.TextChoices):
    OFFICER = "officer", "Commissioning officer"
    MANAGER = "manager", "Manager"
    PROVIDER = "provider", "Provider"
    VIEWER = "viewer", "Viewer"
    ADMIN = "admin", "Administrator"


STAFF_ROLES = frozenset({Role.OFFICER, Role.MANAGER, Role.VIEWER, Role.ADMIN})
EDITOR_ROLES = frozenset({Role.OFFICER, Role.MANAGER, Role.ADMIN})


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("Users must have an email address")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in. Their email address is their login."""

    username = None
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=200)
    job_title = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.OFFICER)
    organisation = models.ForeignKey(
        "commissioning.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text="Provider users only: the organisation whose records they see.",
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    objects = UserManager()
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        ordering = ["full_name"]
        constraints = [
            models.CheckConstraint(
                name="provider_users_have_exactly_one_organisation",
                condition=(Q(role=Role.PROVIDER) & Q(organisation__isnull=False))
                | (~Q(role=Role.PROVIDER) & Q(organisation__isnull=True)),
                violation_error_message=(
                    "A provider user must belong to one organisation, and only provider "
                    "users belong to an organisation."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_provider(self) -> bool:
        return self.role == Role.PROVIDER

    @property
    def is_manager(self) -> bool:
        return self.role in {Role.MANAGER, Role.ADMIN}

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def can_edit(self) -> bool:
        return self.role in EDITOR_ROLES


class OrganisationKind(models.TextChoices):
    PROVIDER = "provider", "Provider (VCSE)"
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    COMMUNITY_SAFETY_PARTNERSHIP = "csp", "Community safety partnership"
    INTEGRATED_CARE_BOARD = "icb", "Integrated care board"
    NHS_ENGLAND = "nhs_england", "NHS England"
    CONSTABULARY = "constabulary", "Constabulary"
    GOVERNMENT_DEPARTMENT = "government", "Government department"
    NATIONAL_BODY = "national_body", "National body"
    COMMUNITY_FOUNDATION = "community_foundation", "Community foundation"
    PROCUREMENT_SERVICE = "procurement_service", "Procurement service"


class Organisation(models.Model):
    """A partner, funder or provider the office works with."""

    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=30, choices=OrganisationKind.choices)
    identifier = models.CharField(
        "org-id identifier",
        max_length=60,
        blank=True,
        validators=[validate_org_id],
        help_text=IDENTIFIER_HELP,
    )
    website = models.URLField(blank=True)
    email = models.EmailField("contact email", blank=True)
    telephone = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["identifier"],
                condition=~Q(identifier=""),
                name="organisation_identifier_unique",
                violation_error_message="Another organisation already has this identifier.",
            ),
        ]
        indexes = [models.Index(Lower("name"), name="organisation_name_lower")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("organisation-detail", kwargs={"pk": self.pk})


class OrganisationContact(models.Model):
    """A named person at an organisation: who to write to about agreements and returns."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(max_length=200)
    job_title = models.CharField(max_length=200, blank=True)
    email = models.EmailField()
    telephone = models.CharField(max_length=40, blank=True)
    is_primary = models.BooleanField("main contact", default=False)
    receives_reminders = models.BooleanField("receives return reminders", default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_primary", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email"], name="organisation_contact_email_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"


class FundingSource(models.TextChoices):
    MOJ_VICTIMS_FORMULA = "moj_victims_formula", "Ministry of Justice victims grant (formula)"
    MOJ_VICTIMS_GENERAL = "moj_victims_general", "Ministry of Justice victims grant (general)"
    HOME_OFFICE_VRU = "home_office_vru", "Home Office Violence Reduction Unit grant"
    OTHER_GOVERNMENT = "other_government", "Other government grant"
    OPCC_BUDGET = "opcc_budget", "OPCC commissioning budget"
    PARTNER_CONTRIBUTION = "partner_contribution", "Partner contribution"


class FundingStreamQuerySet(models.QuerySet):
    def with_money(self) -> FundingStreamQuerySet:
        return with_money(self)


class FundingStream(models.Model):
    """A budget line for one financial year. What is committed, spent and left is
    derived from the grants and contracts charged to it, never typed in."""

    name = models.CharField(max_length=255)
    reference = models.CharField(max_length=50, blank=True)
    source = models.CharField(max_length=30, choices=FundingSource.choices)
    funder = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="funding_streams"
    )
    financial_year = models.PositiveSmallIntegerField(
        help_text="The year the financial year starts: 2025 is April 2025 to March 2026."
    )
    amount = models.DecimalField(
        max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    conditions = models.TextField("grant-agreement conditions", blank=True)
    reporting_requirements = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FundingStreamQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-financial_year", "name"]
        constraints = [
            models.CheckConstraint(
                name="funding_stream_amount_positive", condition=Q(amount__gt=0)
            ),
            models.UniqueConstraint(
                fields=["name", "financial_year"],
                name="funding_stream_name_year_unique",
                violation_error_message="A funding stream with this name already exists "
                "for this financial year.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"

    def get_absolute_url(self) -> str:
        return reverse("funding-stream-detail", kwargs={"pk": self.pk})

    @property
    def year(self) -> FinancialYear:
        return FinancialYear(self.financial_year)

    def _money(self, name: str) -> Decimal:
        if not hasattr(self, name):
            if self.pk is None:
                return ZERO if name != "headroom_total" else self.amount
            row = (
                FundingStream.objects.with_money()
                .filter(pk=self.pk)
                .values("committed_total", "spent_total", "headroom_total")
                .get()
            )
            for key, value in row.items():
                setattr(self, key, value)
        return getattr(self, name)

    @property
    def committed(self) -> Decimal:
        return self._money("committed_total")

    @property
    def spent(self) -> Decimal:
        return self._money("spent_total")

    @property
    def headroom(self) -> Decimal:
        return self._money("headroom_total")


class Notification(models.Model):
    """Something a user should know: shown in the portal and, usually, emailed.

    ``key`` names the event (for example ``decision-submitted:42``); a user gets one
    notification per key however many times the event is announced, so repeated or
    retried work never notifies twice.
    """

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    key = models.CharField(max_length=200)
    title = models.CharField(max_length=255)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True, help_text="A page in the portal.")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email_wanted = models.BooleanField(default=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"], name="notification_once_per_recipient_and_key"
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return f"{self.title} (to {self.recipient})"
