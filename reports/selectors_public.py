"""Read queries behind the public pages and the open data.

Only what the office has published is ever read here: grants that are awarded, active or
closed (never a draft or a withdrawn one), the contracts it holds, and opportunities
once published. Each query costs the same for 10 rows or 50,000: the open-data ones are
meant to be iterated in chunks (``.iterator(chunk_size=…)``), and their prefetches run
once per chunk.
"""

from __future__ import annotations

import datetime
import itertools
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    CharField,
    Count,
    DecimalField,
    F,
    Max,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from commissioning.dates import FinancialYear
from commissioning.models import FundingStream
from commissioning.policies import ModelPolicy
from contracts.models import Contract, ContractMeeting, ExtensionOption, Variation
from grants.models import (
    COMMITTED_STATUSES,
    Area,
    Grant,
    GrantCharge,
    OnwardGrant,
    Payment,
    PaymentStatus,
    Programme,
)

from .models import (
    Opportunity,
    OpportunityEmail,
    OpportunityStatus,
    Subscriber,
    SubscriberStatus,
)

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)
#: How many rows the open-data downloads read (and prefetch for) at a time.
CHUNK_SIZE = 500


# --- What is published ------------------------------------------------------------------


def published_grants() -> QuerySet:
    """Grants the office has awarded: awarded, active or closed."""
    return Grant.objects.filter(status__in=COMMITTED_STATUSES)


def published_contracts() -> QuerySet:
    """Every contract the office holds (a contract is recorded once it is let)."""
    return Contract.objects.all()


# --- Open data --------------------------------------------------------------------------


def _paid_payments() -> QuerySet:
    return Payment.objects.filter(status=PaymentStatus.PAID).order_by(
        "paid_date", "instalment", "pk"
    )


def _onward_grants() -> QuerySet:
    return OnwardGrant.objects.select_related("recipient", "area").order_by("award_date", "pk")


def _open_data_grants(*, payments: bool) -> QuerySet:
    lookups = []
    if payments:
        lookups.append(Prefetch("onward_grants", queryset=_onward_grants()))
        lookups.append(Prefetch("payments", queryset=_paid_payments(), to_attr="paid_payments"))
        lookups.append(
            Prefetch(
                "charges",
                queryset=GrantCharge.objects.select_related("funding_stream").order_by(
                    "funding_stream__name", "pk"
                ),
            )
        )
    return (
        published_grants()
        .select_related("recipient", "programme", "beneficiary_area")
        .prefetch_related(*lookups)
        .order_by("reference", "pk")
    )


def open_data_grants() -> QuerySet:
    """Published grants with everything the 360Giving file needs (``paid_payments`` and
    the charges among it), in a stable order."""
    return _open_data_grants(payments=True)


#: The grant columns the open-data files write (and the relations they join).
OPEN_DATA_GRANT_FIELDS = (
    "reference",
    "title",
    "purpose",
    "amount",
    "award_date",
    "start_date",
    "end_date",
    "award_route",
    "updated_at",
    "recipient__name",
    "recipient__identifier",
    "recipient__website",
    "programme__code",
    "programme__name",
    "beneficiary_area__name",
    "beneficiary_area__geo_code",
)


@dataclass(frozen=True)
class PaidPayment:
    """What the 360Giving file says of a payment made."""

    paid_date: datetime.date
    instalment: int
    payment_reference: str
    amount: Decimal


def open_data_grant_stream(chunk_size: int = CHUNK_SIZE) -> Iterator[Grant]:
    """``open_data_grants()`` read a chunk at a time, for the files: constant memory.

    Each chunk's paid payments and charges are read as plain rows in one query each,
    not as prefetched model instances, and the funding streams charged are read once:
    at national scale there are 176,000 payments and 60,000 charges, and building a
    model for each took about half of the 360Giving file's time (issue 11); onward
    grants (few) are read a chunk at a time without the prefetch machinery, and only
    the columns the files use. Each grant gets ``paid_payments``, ``charged_streams``
    and ``onward_list``."""
    streams = FundingStream.objects.in_bulk()
    grants = (
        _open_data_grants(payments=False)
        .only(*OPEN_DATA_GRANT_FIELDS)
        .iterator(chunk_size=chunk_size)
    )
    while chunk := list(itertools.islice(grants, chunk_size)):
        ids = [grant.pk for grant in chunk]
        onward: dict[int, list[OnwardGrant]] = defaultdict(list)
        for grant in _onward_grants().filter(parent__in=ids):
            onward[grant.parent_id].append(grant)
        paid: dict[int, list[PaidPayment]] = defaultdict(list)
        rows = (
            _paid_payments()
            .filter(grant__in=ids)
            .values_list("grant_id", "paid_date", "instalment", "payment_reference", "amount")
        )
        for grant_id, *payment in rows:
            paid[grant_id].append(PaidPayment(*payment))
        charged: dict[int, list[FundingStream]] = defaultdict(list)
        charges = (
            GrantCharge.objects.filter(grant__in=ids)
            .order_by("funding_stream__name", "pk")
            .values_list("grant_id", "funding_stream_id")
        )
        for grant_id, stream_id in charges:
            charged[grant_id].append(streams[stream_id])
        for grant in chunk:
            grant.paid_payments = paid.get(grant.pk, [])
            grant.charged_streams = charged.get(grant.pk, [])
            grant.onward_list = onward.get(grant.pk, [])
            yield grant


def open_data_contracts() -> QuerySet:
    """Contracts with everything the OCDS file needs, in a stable order. Iterate with
    ``.iterator(chunk_size=CHUNK_SIZE)``."""
    return (
        published_contracts()
        .select_related("supplier", "lead_commissioner", "procurement")
        .prefetch_related(
            "kpis",
            Prefetch("meetings", queryset=ContractMeeting.objects.order_by("due_date", "pk")),
            Prefetch("variations", queryset=Variation.objects.order_by("effective_on", "pk")),
            Prefetch("extensions", queryset=ExtensionOption.objects.order_by("pk")),
        )
        .order_by("reference", "pk")
    )


@dataclass(frozen=True)
class OpenDataSummary:
    grant_count: int
    grants_updated: datetime.datetime | None
    contract_count: int
    contracts_updated: datetime.datetime | None

    @property
    def last_updated(self) -> datetime.datetime | None:
        times = [t for t in (self.grants_updated, self.contracts_updated) if t]
        return max(times) if times else None


def open_data_summary() -> OpenDataSummary:
    """How many records each file holds and when they last changed (two queries)."""
    grants = published_grants().aggregate(count=Count("pk"), updated=Max("updated_at"))
    contracts = published_contracts().aggregate(count=Count("pk"), updated=Max("updated_at"))
    return OpenDataSummary(
        grant_count=grants["count"],
        grants_updated=grants["updated"],
        contract_count=contracts["count"],
        contracts_updated=contracts["updated"],
    )


# --- Funding awarded ----------------------------------------------------------------------

#: The columns of one row of the funding-awarded table (grants and contracts alike).
AWARD_COLUMNS = (
    "kind",
    "reference",
    "title",
    "recipient_name",
    "recipient_identifier",
    "programme_name",
    "area_name",
    "awarded_on",
    "start_date",
    "end_date",
    "value",
)


def awarded_grants(
    *,
    financial_year: int | None = None,
    area: Area | None = None,
    programme: Programme | None = None,
) -> QuerySet:
    """Published grants awarded in ``financial_year`` (by award date), for ``area`` and
    ``programme`` when given."""
    queryset = published_grants().annotate(awarded_on=Coalesce("award_date", "start_date"))
    if financial_year is not None:
        year = FinancialYear(financial_year)
        queryset = queryset.filter(awarded_on__gte=year.start, awarded_on__lte=year.end)
    if area is not None:
        queryset = queryset.filter(beneficiary_area=area)
    if programme is not None:
        queryset = queryset.filter(programme=programme)
    return queryset


def awarded_contracts(
    *,
    financial_year: int | None = None,
    area: Area | None = None,
    programme: Programme | None = None,
) -> QuerySet:
    """Contracts let in ``financial_year`` (by the procurement's award date, or the
    start date). Contracts have no programme or beneficiary area, so filtering by
    either leaves them all out. Their value is the office's contribution when the
    contract is co-commissioned, else its whole-life value."""
    queryset = published_contracts().annotate(
        awarded_on=Coalesce("procurement__award_date", "start_date"),
        value=Coalesce("office_contribution", "whole_life_value"),
    )
    if area is not None or programme is not None:
        return queryset.none()
    if financial_year is not None:
        year = FinancialYear(financial_year)
        queryset = queryset.filter(awarded_on__gte=year.start, awarded_on__lte=year.end)
    return queryset


def _text(value: str) -> Value:
    return Value(value, output_field=CharField())


def award_rows(*, grants: QuerySet, contracts: QuerySet) -> QuerySet:
    """Grants and contracts as one list of plain rows (``AWARD_COLUMNS``), newest award
    first: one query for a page of them, whatever its size."""
    grant_rows = grants.annotate(
        kind=_text("Grant"),
        recipient_name=F("recipient__name"),
        recipient_identifier=F("recipient__identifier"),
        programme_name=F("programme__name"),
        area_name=Coalesce("beneficiary_area__name", _text("")),
        value=F("amount"),
    ).values(*AWARD_COLUMNS)
    contract_rows = contracts.annotate(
        kind=_text("Contract"),
        recipient_name=F("supplier__name"),
        recipient_identifier=F("supplier__identifier"),
        programme_name=_text(""),
        area_name=_text(""),
    ).values(*AWARD_COLUMNS)
    return (
        grant_rows.order_by()
        .union(contract_rows.order_by(), all=True)
        .order_by("-awarded_on", "reference")
    )


@dataclass(frozen=True)
class AwardTotals:
    grant_count: int
    grant_value: Decimal
    contract_count: int
    contract_value: Decimal

    @property
    def count(self) -> int:
        return self.grant_count + self.contract_count

    @property
    def value(self) -> Decimal:
        return self.grant_value + self.contract_value


def award_totals(*, grants: QuerySet, contracts: QuerySet) -> AwardTotals:
    """Counts and money of every row ``award_rows`` lists (two aggregate queries)."""
    zero = Value(ZERO, output_field=MONEY)
    # (An aggregate must not share its name with the annotation it sums.)
    g = grants.order_by().aggregate(count=Count("pk"), total=Coalesce(Sum("amount"), zero))
    c = contracts.order_by().aggregate(count=Count("pk"), total=Coalesce(Sum("value"), zero))
    return AwardTotals(
        grant_count=g["count"],
        grant_value=g["total"],
        contract_count=c["count"],
        contract_value=c["total"],
    )


# --- Opportunities ----------------------------------------------------------------------


def public_opportunities() -> QuerySet:
    """Opportunities the public may open: published ones, and ones withdrawn after they
    were published (their page says so). Drafts never."""
    return Opportunity.objects.filter(
        status__in=(OpportunityStatus.PUBLISHED, OpportunityStatus.WITHDRAWN),
        published_at__isnull=False,
    )


def open_opportunities(today: datetime.date | None = None) -> QuerySet:
    """Published opportunities still open: closing today or later, soonest first."""
    today = today or timezone.localdate()
    return Opportunity.objects.filter(
        status=OpportunityStatus.PUBLISHED, closing_date__gte=today
    ).order_by("closing_date", "title", "pk")


def closed_opportunities(today: datetime.date | None = None) -> QuerySet:
    """Published opportunities whose closing date has passed, most recently closed first."""
    today = today or timezone.localdate()
    return Opportunity.objects.filter(
        status=OpportunityStatus.PUBLISHED, closing_date__lt=today
    ).order_by("-closing_date", "title", "pk")


class OpportunityPolicy(ModelPolicy):
    """Office staff see every opportunity, drafts included (only editors reach the
    manage pages); providers see none there (the public pages are open to all)."""

    model = Opportunity


opportunity_policy = OpportunityPolicy()


def opportunities_for_staff(*, queryset: QuerySet | None = None) -> QuerySet:
    """Every opportunity, newest first, with how many subscribers were emailed about it."""
    queryset = Opportunity.objects.all() if queryset is None else queryset
    return queryset.annotate(
        emails_sent=Count("emails", filter=Q(emails__sent_at__isnull=False))
    ).order_by("-created_at", "-pk")


def subscribers_due(opportunity: Opportunity) -> QuerySet:
    """Confirmed subscribers who have not been emailed about ``opportunity`` and who
    subscribed before it was published (an opportunity is news only once)."""
    already = OpportunityEmail.objects.filter(opportunity=opportunity).values("subscriber_id")
    queryset = Subscriber.objects.filter(status=SubscriberStatus.CONFIRMED).exclude(pk__in=already)
    if opportunity.published_at is not None:
        queryset = queryset.filter(confirmed_at__lte=opportunity.published_at)
    return queryset.order_by("pk")


def opportunities_to_announce(today: datetime.date | None = None) -> QuerySet:
    """The opportunities the beat's sweep looks at: the open ones (each is checked for
    subscribers still to be told about it)."""
    return open_opportunities(today)


__all__ = [
    "AWARD_COLUMNS",
    "CHUNK_SIZE",
    "AwardTotals",
    "OpenDataSummary",
    "OpportunityPolicy",
    "award_rows",
    "award_totals",
    "awarded_contracts",
    "awarded_grants",
    "closed_opportunities",
    "open_data_contracts",
    "open_data_grants",
    "open_data_summary",
    "open_opportunities",
    "opportunities_for_staff",
    "opportunities_to_announce",
    "opportunity_policy",
    "public_opportunities",
    "published_contracts",
    "published_grants",
    "subscribers_due",
]
