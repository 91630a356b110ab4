"""Read queries over grants, shared by the list and its export, the grant page, the
dashboard panels and the sections grants add to funding stream and workstream pages.
Each costs the same number of queries for 5 grants or 5,000."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    F,
    Func,
    Max,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from commissioning.freshness import cached
from commissioning.models import FundingStream

from .models import (
    COMMITTED_STATUSES,
    Grant,
    GrantCharge,
    GrantStatus,
    OnwardGrant,
    Payment,
    PaymentStatus,
    UnderspendReturn,
)

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)
#: Grants whose scheduled payments are due to be made.
PAYABLE_STATUSES = (GrantStatus.AWARDED, GrantStatus.ACTIVE)


def _sum_of(queryset: QuerySet, group: str = "grant"):
    """A correlated subquery summing the ``amount`` of ``queryset`` (already filtered on
    the outer row through ``group``), or £0.00 when there are no rows."""
    subquery = queryset.order_by().values(group).annotate(total=Sum("amount")).values("total")[:1]
    return Coalesce(Subquery(subquery, output_field=MONEY), Value(ZERO, output_field=MONEY))


def _sum_all(queryset: QuerySet):
    """An uncorrelated scalar subquery: the sum of ``amount`` over every row of
    ``queryset`` (NULL when there are none). ``Func`` rather than ``Sum`` so that Django
    adds no GROUP BY: one row whatever the table holds."""
    total = Func(F("amount"), function="SUM", output_field=MONEY)
    return Subquery(queryset.order_by().annotate(total=total).values("total"), output_field=MONEY)


def grant_list(*, queryset: QuerySet | None = None) -> QuerySet:
    """Grants with everything a list row shows: recipient, programme, area, officer and
    workstream joined; the funding streams charged prefetched (one query for the page);
    the amount paid and the amount passed on through onward grants annotated."""
    queryset = Grant.objects.all() if queryset is None else queryset
    return (
        queryset.select_related(
            "recipient", "programme", "beneficiary_area", "responsible_officer", "workstream"
        )
        .prefetch_related(
            Prefetch(
                "charges",
                queryset=GrantCharge.objects.select_related("funding_stream").order_by(
                    "funding_stream__name", "pk"
                ),
            )
        )
        .annotate(
            paid_total=_sum_of(
                Payment.objects.filter(grant=OuterRef("pk"), status=PaymentStatus.PAID)
            ),
            passed_on_total=_sum_of(
                OnwardGrant.objects.filter(parent=OuterRef("pk")), group="parent"
            ),
        )
        .order_by("-start_date", "reference")
    )


def grant_rows(ids: list[int]) -> list[Grant]:
    """The ``grant_list`` rows of the grants ``ids`` names, in that order: a list page
    pages through ids alone and loads only its own rows with their joins and sums.
    A cached figure (``commissioning.freshness``) until one of their tables changes; the
    prefetched charges' tables are named, as they are not in the rows' SQL."""
    queryset = grant_list(queryset=Grant.objects.filter(pk__in=ids))
    rows = cached(
        "grant-rows",
        lambda: {grant.pk: grant for grant in queryset},
        reads=[queryset, GrantCharge, FundingStream],
    )
    return [rows[pk] for pk in ids if pk in rows]


@dataclass(frozen=True)
class GrantTotals:
    count: int
    amount: Decimal
    paid: Decimal
    passed_on: Decimal


def grant_totals(queryset: QuerySet) -> GrantTotals:
    """Count and money of every grant in ``queryset`` (a filtered ``grant_list``), in one
    aggregate query. Onward grants are part of their parent's amount, so they are counted
    once: ``passed_on`` says how much of ``amount`` an intermediary has passed on."""
    # Paid and passed-on money are each one sum over payments / onward grants whose grant
    # is among the filtered ones, not a sum of the rows' per-grant subqueries: at 50,000
    # grants those ran a correlated subquery per grant (about 150 ms); this reads the
    # payments once through a hash join (issue 11). Each sum is an uncorrelated scalar
    # subquery, which PostgreSQL and SQLite evaluate once; Max() only lifts it into the
    # aggregate (it is the same value on every row, NULL when no grant matches).
    ids = queryset.order_by().values("pk")
    paid = _sum_all(Payment.objects.filter(grant__in=ids, status=PaymentStatus.PAID))
    passed_on = _sum_all(OnwardGrant.objects.filter(parent__in=ids))
    row = queryset.order_by().aggregate(
        count=Count("pk"),
        amount=Coalesce(Sum("amount"), Value(ZERO, output_field=MONEY)),
        paid=Coalesce(Max(paid), Value(ZERO, output_field=MONEY)),
        passed_on=Coalesce(Max(passed_on), Value(ZERO, output_field=MONEY)),
    )
    return GrantTotals(**row)


# --- One grant --------------------------------------------------------------------------


@dataclass
class ChargeRow:
    charge: GrantCharge
    stream: FundingStream  # annotated with its money: headroom, committed, spent


def charges_with_headroom(grant: Grant) -> list[ChargeRow]:
    """The grant's charges, each with its funding stream's current headroom (two
    queries however many streams)."""
    charges = list(grant.charges.select_related("funding_stream").order_by("funding_stream__name"))
    streams = FundingStream.objects.with_money().in_bulk([c.funding_stream_id for c in charges])
    return [ChargeRow(charge, streams[charge.funding_stream_id]) for charge in charges]


@dataclass
class Schedule:
    payments: list[Payment]
    total: Decimal
    paid: Decimal
    outstanding: Decimal
    matches_award: bool


def payment_schedule(grant: Grant) -> Schedule:
    """The grant's payments in due-date order with totals (cancelled payments are listed
    but not counted)."""
    payments = list(
        grant.payments.select_related("charge__funding_stream").order_by(
            "due_date", "instalment", "charge__funding_stream__name", "pk"
        )
    )
    live = [p for p in payments if p.status != PaymentStatus.CANCELLED]
    total = sum((p.amount for p in live), ZERO)
    paid = sum((p.amount for p in live if p.status == PaymentStatus.PAID), ZERO)
    return Schedule(
        payments=payments,
        total=total,
        paid=paid,
        outstanding=total - paid,
        matches_award=bool(live) and total == grant.amount,
    )


# --- Payments due -----------------------------------------------------------------------


def overdue_payments(*, queryset: QuerySet | None = None, today: datetime.date | None = None):
    """Scheduled payments past their due date on awarded or active grants, oldest first."""
    queryset = Payment.objects.all() if queryset is None else queryset
    today = today or timezone.localdate()
    return (
        queryset.filter(
            status=PaymentStatus.SCHEDULED,
            due_date__lt=today,
            grant__status__in=PAYABLE_STATUSES,
        )
        .select_related("grant", "grant__recipient", "charge__funding_stream")
        .order_by("due_date", "grant__reference", "instalment", "pk")
    )


def grants_with_next_payment(queryset: QuerySet) -> QuerySet:
    """Grants annotated with the due date and amount of their next scheduled payment."""
    scheduled = Payment.objects.filter(
        grant=OuterRef("pk"), status=PaymentStatus.SCHEDULED
    ).order_by("due_date", "instalment", "pk")
    return (
        queryset.select_related("programme")
        .annotate(
            next_due=Subquery(scheduled.values("due_date")[:1]),
            next_amount=Subquery(scheduled.values("amount")[:1], output_field=MONEY),
        )
        .order_by("-start_date", "reference")
    )


# --- Sections on other apps' pages ------------------------------------------------------


@dataclass
class StreamCharges:
    charges: list[GrantCharge]
    total: Decimal
    committed: Decimal
    returned: Decimal


def funding_stream_charges(stream: FundingStream) -> StreamCharges:
    """The grants charged to a funding stream, with the amount charged to it, the money
    returned to it as underspends, and totals: one query. ``committed`` is the grants'
    part of the stream's committed money: charges of awarded, active and closed grants,
    less underspends returned and the instalments a closed grant will never pay."""
    charges = list(
        GrantCharge.objects.filter(funding_stream=stream)
        .select_related("grant", "grant__recipient")
        .annotate(
            returned_total=_sum_of(
                UnderspendReturn.objects.filter(charge=OuterRef("pk")), group="charge"
            ),
            released_total=_sum_of(
                Payment.objects.filter(
                    charge=OuterRef("pk"),
                    status=PaymentStatus.CANCELLED,
                    grant__status=GrantStatus.CLOSED,
                ),
                group="charge",
            ),
        )
        .order_by("grant__start_date", "grant__reference")
    )
    committed = [c for c in charges if c.grant.status in COMMITTED_STATUSES]
    returned = sum((c.returned_total for c in committed), ZERO)
    released = sum((c.released_total for c in committed), ZERO)
    return StreamCharges(
        charges=charges,
        total=sum((c.amount for c in charges), ZERO),
        committed=sum((c.amount for c in committed), ZERO) - returned - released,
        returned=returned,
    )
