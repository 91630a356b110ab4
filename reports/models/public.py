"""Published commissioning opportunities and stakeholder subscriptions.

An officer drafts an opportunity and publishes it; published and not yet closed, it is
listed on the public opportunities page, and each confirmed subscriber is emailed about
it once (``OpportunityEmail`` records every send, one row per opportunity and
subscriber, claimed before the email goes). Subscribers sign up with an email address
only and confirm by an emailed link (double opt-in); every email carries a one-click
unsubscribe link. A subscriber's address is personal data: it is never shown publicly.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

__all__ = [
    "Opportunity",
    "OpportunityEmail",
    "OpportunityStatus",
    "Subscriber",
    "SubscriberStatus",
    "new_token",
]


def new_token() -> str:
    """A random, unguessable token for a subscriber's confirm and unsubscribe links."""
    return secrets.token_urlsafe(32)


class OpportunityStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Opportunity(models.Model):
    """A commissioning opportunity the office invites organisations to take part in."""

    title = models.CharField(max_length=255)
    summary = models.TextField(help_text="What the office wants to commission, and why.")
    estimated_value = models.DecimalField(
        "estimated value (£)",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Leave blank if the value is not yet known.",
    )
    closing_date = models.DateField(help_text="The last day to take part.")
    how_to_take_part = models.TextField(
        help_text="How to register interest, where the documents are and who to contact."
    )
    status = models.CharField(
        max_length=20, choices=OpportunityStatus.choices, default=OpportunityStatus.DRAFT
    )
    published_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["closing_date", "title", "pk"]
        verbose_name_plural = "opportunities"
        constraints = [
            models.CheckConstraint(
                name="opportunity_value_not_negative",
                condition=Q(estimated_value__isnull=True) | Q(estimated_value__gte=0),
            ),
            models.CheckConstraint(
                name="published_opportunity_has_publication_time",
                condition=~Q(status="published") | Q(published_at__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["status", "closing_date"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        """The public page (drafts answer 404 there; staff use the manage page)."""
        return reverse("opportunity-detail", kwargs={"pk": self.pk})

    def get_manage_url(self) -> str:
        return reverse("opportunity-manage-detail", kwargs={"pk": self.pk})

    def clean(self):
        if self.estimated_value is not None and self.estimated_value < 0:
            raise ValidationError({"estimated_value": "The estimated value can't be negative"})

    @property
    def is_open(self) -> bool:
        """Published and still taking part: the closing date is today or later."""
        return (
            self.status == OpportunityStatus.PUBLISHED and self.closing_date >= timezone.localdate()
        )

    @property
    def is_closed(self) -> bool:
        return self.status == OpportunityStatus.PUBLISHED and not self.is_open


class SubscriberStatus(models.TextChoices):
    PENDING = "pending", "Waiting for confirmation"
    CONFIRMED = "confirmed", "Confirmed"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"


class Subscriber(models.Model):
    """A stakeholder who asked to be emailed about new opportunities."""

    email = models.EmailField("email address", unique=True)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    status = models.CharField(
        max_length=20, choices=SubscriberStatus.choices, default=SubscriberStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(
                name="confirmed_subscriber_has_confirmation_time",
                condition=~Q(status="confirmed") | Q(confirmed_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def confirm_url(self) -> str:
        return reverse("subscription-confirm", kwargs={"token": self.token})

    def unsubscribe_url(self) -> str:
        return reverse("subscription-unsubscribe", kwargs={"token": self.token})


class OpportunityEmail(models.Model):
    """One opportunity emailed to one subscriber. The row is made (claimed) before the
    email is sent, so two workers never both send it; ``sent_at`` is set once it went."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="emails")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="emails")
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["opportunity", "subscriber"]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "subscriber"], name="opportunity_emailed_once_per_subscriber"
            )
        ]

    def __str__(self) -> str:
        return f"{self.opportunity} to subscriber {self.subscriber_id}"
