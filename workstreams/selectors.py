"""Read queries over workstreams and milestones, shared by pages, feeds and exports."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
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
    successor = Exists(
        Workstream.objects.filter(predecessor=OuterRef("workstream")).exclude(
            status=WorkstreamStatus.DECLINED
        )
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


def recommissioning_warnings(today: datetime.date | None = None) -> list[RecommissioningWarning]:
    """Contract ends within 18 months that nothing yet re-commissions, nearest first."""
    today = today or timezone.localdate()
    limits = [(months, add_months(today, months)) for months in WARNING_HORIZONS]
    milestones = (
        milestone_list()
        .filter(
            kind=MilestoneKind.CONTRACT_END,
            date__gte=today,
            date__lte=limits[-1][1],
            workstream__isnull=False,
        )
        .exclude(workstream__status__in=[WorkstreamStatus.DECLINED])
        .exclude(_covered())
    )
    return [
        RecommissioningWarning(
            milestone, next(months for months, limit in limits if milestone.date <= limit)
        )
        for milestone in milestones
    ]
