"""Read queries over workstreams and milestones, shared by pages, feeds and exports."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import groupby

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from commissioning.dates import add_months

from .models import (
    ChecklistItem,
    ChecklistStatus,
    Milestone,
    MilestoneKind,
    Workstream,
    WorkstreamStatus,
)

# --- Workstreams ------------------------------------------------------------------------


def _count(rows: QuerySet) -> Coalesce:
    """How many ``rows`` (a queryset with an OuterRef), as a scalar subquery."""
    counted = rows.order_by().values("workstream").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)


def workstream_list(*, queryset: QuerySet | None = None) -> QuerySet:
    """Workstreams with what a list row shows, in a constant number of queries: the
    current stage's checklist progress and the next milestone's date."""
    queryset = Workstream.objects.all() if queryset is None else queryset
    today = timezone.localdate()
    next_milestone = (
        Milestone.objects.filter(workstream=OuterRef("pk"), date__gte=today)
        .order_by("date")
        .values("date")[:1]
    )
    # Counted by correlated subqueries, not a join with GROUP BY: with a join, every
    # workstream's checklist rows were grouped before the page's 25 were chosen (and the
    # paginator's COUNT grouped them again); a subquery runs for the 25 rows shown only,
    # so the list costs the same at 50 workstreams or 50,000 (benchmarks/README.md).
    in_stage = ChecklistItem.objects.filter(workstream=OuterRef("pk"), stage=OuterRef("stage"))
    return (
        queryset.select_related("portfolio", "lead_officer", "lead_commissioner")
        .annotate(
            stage_items=_count(in_stage),
            stage_items_complete=_count(in_stage.exclude(status=ChecklistStatus.TO_DO)),
            next_milestone_date=Subquery(next_milestone),
        )
        .order_by("title", "pk")
    )


def checklist_by_stage(workstream: Workstream) -> list[tuple[str, list]]:
    """The workstream's checklist grouped by stage in cycle order."""
    from .models import Stage

    items = list(workstream.checklist_items.select_related("completed_by").order_by("order", "pk"))
    return [(stage, [item for item in items if item.stage == stage.value]) for stage in Stage]


# --- Forward plan -----------------------------------------------------------------------


@dataclass(frozen=True)
class MonthOfMilestones:
    month: datetime.date  # the first of the month
    milestones: list
    continued: bool = False  # the month began on the page before


def continued(month: MonthOfMilestones, previous: Milestone) -> MonthOfMilestones:
    """``month`` marked as continued if ``previous`` (the milestone before it, on the
    page before) is in the same month."""
    return replace(month, continued=previous.date.replace(day=1) == month.month)


def milestone_list(*, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Milestone.objects.all() if queryset is None else queryset
    return queryset.select_related(
        "workstream", "workstream__portfolio", "workstream__lead_officer"
    ).order_by("date", "title", "pk")


def forward_plan(milestones) -> list[MonthOfMilestones]:
    """Milestones grouped by month, in date order (already filtered and ordered)."""
    return [
        MonthOfMilestones(month, list(group))
        for month, group in groupby(milestones, key=lambda m: m.date.replace(day=1))
    ]


# --- Re-commissioning warnings ----------------------------------------------------------

#: How far ahead (in months) a contract end without a successor is flagged.
WARNING_HORIZONS = (6, 12, 18)

CoverFactory = Callable[[], Exists]
_EXTRA_COVER: list[CoverFactory] = []


def register_recommissioning_cover(factory: CoverFactory) -> None:
    """Let a later app (contracts: a procurement under way) say that a contract end is
    already being re-commissioned. ``factory()`` returns an ``Exists`` correlated to a
    Milestone row through ``OuterRef``."""
    if factory not in _EXTRA_COVER:
        _EXTRA_COVER.append(factory)


def _covered() -> Q:
    # "predecessor IS NOT NULL" says nothing new (the milestone's workstream is never
    # null here) but lets PostgreSQL hash just the workstreams that have a predecessor,
    # through their index, instead of reading all of them (~2.5 ms at 5,400).
    successor = Exists(
        Workstream.objects.filter(
            predecessor=OuterRef("workstream"), predecessor__isnull=False
        ).exclude(status=WorkstreamStatus.DECLINED)
    )
    # A new contract due on the workstream itself or on a successor: two EXISTS, not one
    # with an OR across the join. With the OR, PostgreSQL could use no index and hashed
    # every workstream once per contract end (about 470 ms on the dashboard at 5,000
    # workstreams, issue 11); each half is an index lookup (milestone.workstream_id,
    # workstream.predecessor_id).
    due = {"kind": MilestoneKind.NEW_CONTRACT_DUE, "date__gte": OuterRef("date")}
    new_contract_due = Exists(Milestone.objects.filter(workstream=OuterRef("workstream"), **due))
    successor_contract_due = Exists(
        Milestone.objects.filter(workstream__predecessor=OuterRef("workstream"), **due)
    )
    cover = Q(successor) | Q(new_contract_due) | Q(successor_contract_due)
    for factory in _EXTRA_COVER:
        cover |= Q(factory())
    return cover


@dataclass(frozen=True)
class RecommissioningWarning:
    milestone: Milestone
    horizon_months: int  # 6, 12 or 18: the nearest horizon the end falls within


def not_recommissioned(queryset: QuerySet | None = None) -> QuerySet:
    """Contract ends of workstreams still in hand that nothing yet re-commissions (no
    successor workstream, new contract due or procurement under way)."""
    queryset = Milestone.objects.all() if queryset is None else queryset
    return (
        queryset.filter(kind=MilestoneKind.CONTRACT_END, workstream__isnull=False)
        .exclude(workstream__status__in=[WorkstreamStatus.DECLINED])
        .exclude(_covered())
    )


def warning_horizons(today: datetime.date | None = None) -> list[tuple[int, datetime.date]]:
    """Each horizon (in months) and the last day it reaches."""
    today = today or timezone.localdate()
    return [(months, add_months(today, months)) for months in WARNING_HORIZONS]


@dataclass(frozen=True)
class WarningRow:
    """A contract end as the dashboard lists it."""

    date: datetime.date
    title: str
    workstream_id: int
    workstream_title: str
    lead_officer: str


@dataclass(frozen=True)
class HorizonWarnings:
    months: int
    start: datetime.date
    end: datetime.date
    rows: list[WarningRow]  # the nearest ``limit`` of them
    total: int


def recommissioning_by_horizon(
    limit: int, today: datetime.date | None = None
) -> list[HorizonWarnings]:
    """For each horizon, the nearest ``limit`` contract ends that nothing re-commissions
    yet and how many there are, in one query.

    The query reads only the few columns a row shows (no model instances) for every
    such end within 18 months, and they are counted and cut here. Ranking and counting
    them in SQL (a window per horizon) cost more to build than the rows cost to read:
    at national scale ~450 ends, ~11 ms of Python a request against ~6 (issue 11)."""
    today = today or timezone.localdate()
    horizons, start = [], today
    for months, end in warning_horizons(today):
        horizons.append(HorizonWarnings(months, start, end, [], 0))
        start = end + datetime.timedelta(days=1)
    ends = (
        not_recommissioned()
        .filter(date__gte=today, date__lte=horizons[-1].end)
        .order_by("date", "title", "pk")
        .values_list(
            "date",
            "title",
            "workstream_id",
            "workstream__title",
            "workstream__lead_officer__full_name",
            "workstream__lead_officer__email",
        )
    )
    totals = dict.fromkeys(range(len(horizons)), 0)
    for date, title, workstream_id, workstream_title, officer_name, officer_email in ends:
        index = next(i for i, horizon in enumerate(horizons) if date <= horizon.end)
        totals[index] += 1
        if totals[index] <= limit:
            horizons[index].rows.append(
                WarningRow(
                    date, title, workstream_id, workstream_title, officer_name or officer_email
                )
            )
    return [replace(horizon, total=totals[i]) for i, horizon in enumerate(horizons)]


def recommissioning_warnings(today: datetime.date | None = None) -> list[RecommissioningWarning]:
    """Contract ends within 18 months that nothing yet re-commissions, nearest first."""
    today = today or timezone.localdate()
    limits = warning_horizons(today)
    milestones = not_recommissioned(milestone_list()).filter(
        date__gte=today, date__lte=limits[-1][1]
    )
    return [
        RecommissioningWarning(
            milestone, next(months for months, limit in limits if milestone.date <= limit)
        )
        for milestone in milestones
    ]
