"""Read queries over decisions, shared by the register, the approval queue, the
workstream tab and the context shown beside the questions."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from commissioning.dates import FinancialYear, add_months
from commissioning.models import FundingStream
from workstreams.models import Milestone, Workstream, WorkstreamStatus

from .models import AssessmentStatus, DecisionAssessment


def assessment_list(*, queryset: QuerySet | None = None) -> QuerySet:
    queryset = DecisionAssessment.objects.all() if queryset is None else queryset
    return queryset.select_related(
        "workstream", "workstream__lead_officer", "author", "decided_by", "superseded_by"
    ).order_by("-created_at", "-pk")


def approval_queue(*, for_user=None) -> QuerySet:
    """Submitted assessments waiting for a decision, oldest first; a manager's own are
    left out (someone else must decide them)."""
    queryset = assessment_list().filter(status=AssessmentStatus.SUBMITTED)
    if for_user is not None:
        queryset = queryset.exclude(author=for_user)
    return queryset.order_by("submitted_at", "pk")


def budget_context() -> QuerySet:
    """Funding streams of this financial year and the next, with their headroom: shown
    beside the Budget question."""
    year = FinancialYear.current().start_year
    return (
        FundingStream.objects.filter(financial_year__in=[year, year + 1])
        .select_related("funder")
        .with_money()
        .order_by("financial_year", "name")
    )


def capacity_context(officer) -> dict:
    """The lead officer's current workstreams and the office's next 12 months of the
    forward plan: shown beside the Capacity question."""
    today = timezone.localdate()
    workstreams = (
        Workstream.objects.filter(
            lead_officer=officer,
            status__in=[WorkstreamStatus.ACTIVE, WorkstreamStatus.PROPOSED],
        )
        .select_related("portfolio")
        .order_by("title")
    )
    milestones = (
        Milestone.objects.filter(date__gte=today, date__lte=add_months(today, 12))
        .select_related("workstream")
        .order_by("date", "title")
    )
    return {"officer": officer, "workstreams": workstreams, "milestones": milestones}
