"""Reads of monitoring data shared by pages, dashboard panels, exports and reports. Each
list costs the same number of queries however many rows it has."""

from __future__ import annotations

import datetime
import functools
from decimal import Decimal

from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from contracts.models import Contract
from grants.models import Grant

from .models import (
    OUTSTANDING_STATUSES,
    KPIResult,
    MonitoringReturn,
    OutcomeResult,
    ReturnSchedule,
    ReturnStatus,
    UnderspendFlag,
)

ZERO = Decimal("0.00")


def return_list(queryset: QuerySet | None = None) -> QuerySet:
    """Returns with their agreement and organisation, for lists and exports."""
    queryset = MonitoringReturn.objects.all() if queryset is None else queryset
    return queryset.select_related(
        "organisation",
        "schedule",
        "schedule__grant",
        "schedule__contract",
    ).order_by("due_date", "pk")


def return_detail(queryset: QuerySet | None = None) -> QuerySet:
    """One return's page: everything it shows, fetched up front."""
    from .models import EvidenceFile, ReturnSubmission

    return (
        return_list(queryset)
        .select_related("schedule__framework")
        .prefetch_related(
            Prefetch("kpi_results", queryset=KPIResult.objects.select_related("kpi")),
            Prefetch("outcome_results", queryset=OutcomeResult.objects.select_related("measure")),
            Prefetch("evidence_files", queryset=EvidenceFile.objects.select_related("uploaded_by")),
            Prefetch(
                "submissions",
                queryset=ReturnSubmission.objects.select_related(
                    "submitted_by", "reviewed_by"
                ).order_by("-number"),
            ),
            "underspend_flags",
            "reminders",
        )
    )


def outstanding(queryset: QuerySet | None = None) -> QuerySet:
    queryset = MonitoringReturn.objects.all() if queryset is None else queryset
    return queryset.filter(status__in=OUTSTANDING_STATUSES)


def overdue_q(today: datetime.date | None = None) -> Q:
    """Outstanding returns past their due date."""
    return Q(status__in=OUTSTANDING_STATUSES, due_date__lt=today or timezone.localdate())


def overdue(queryset: QuerySet | None = None, *, today: datetime.date | None = None) -> QuerySet:
    queryset = MonitoringReturn.objects.all() if queryset is None else queryset
    return queryset.filter(overdue_q(today))


AWAITING_REVIEW = Q(status=ReturnStatus.SUBMITTED)


def awaiting_review(queryset: QuerySet | None = None) -> QuerySet:
    queryset = MonitoringReturn.objects.all() if queryset is None else queryset
    return queryset.filter(AWAITING_REVIEW)


def lead_officer_q(user, prefix: str = "") -> Q:
    """Rows whose agreement ``user`` looks after (its responsible officer or its
    workstream's lead officer); ``prefix`` reaches the return from another model."""
    q = Q()
    for kind in ("grant", "contract"):
        q |= Q(**{f"{prefix}schedule__{kind}__responsible_officer": user})
        q |= Q(**{f"{prefix}schedule__{kind}__workstream__lead_officer": user})
    return q


def your_schedules(user) -> QuerySet:
    """The ids of the return schedules of the agreements ``user`` looks after (as
    ``lead_officer_q``): a handful of rows, each part found through an index."""
    user_id = getattr(user, "pk", user)

    def looked_after(model) -> QuerySet:
        return (
            model.objects.filter(responsible_officer_id=user_id)
            .order_by()
            .values("pk")
            .union(
                model.objects.filter(workstream__lead_officer_id=user_id).order_by().values("pk")
            )
        )

    return (
        ReturnSchedule.objects.filter(grant__in=looked_after(Grant))
        .order_by()
        .values("pk")
        .union(
            ReturnSchedule.objects.filter(contract__in=looked_after(Contract))
            .order_by()
            .values("pk")
        )
    )


@functools.cache
def _your_schedules_sql(vendor: str) -> tuple[str, int]:
    """``your_schedules``' SQL and how many times the user's id is a parameter of it:
    the same for every user, so built once. Building and compiling the four-part
    union took ~3 ms a request, a tenth of the dashboard's budget (issue 11)."""
    sql, params = your_schedules(0).query.sql_with_params()
    if any(param != 0 for param in params):
        raise RuntimeError("your_schedules() has a parameter other than the user's id")
    return sql, len(params)


def with_yours(queryset: QuerySet, user) -> QuerySet:
    """Marks each return whose agreement ``user`` looks after (``is_yours``).

    As ``schedule_id IN (<your_schedules>)``, not ``lead_officer_q``'s OR across four
    joins: to put yours first, every overdue return is marked before the first few are
    chosen, and with the joins PostgreSQL hashed all 53,000 schedules, grants and
    contracts to mark ~900 returns (~100 ms at national scale, issue 11). The subquery
    runs once (a hashed SubPlan, well under 1 ms).
    """
    sql, count = _your_schedules_sql(connections[queryset.db].vendor)
    # SQL the ORM compiled, with the user's id as its only parameters.
    yours = RawSQL(sql, [user.pk] * count, output_field=IntegerField())  # noqa: S611
    return queryset.annotate(
        is_yours=Case(
            When(schedule_id__in=yours, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def review_queue(queryset: QuerySet | None, user) -> QuerySet:
    """Returns awaiting review, those ``user`` looks after first, then the longest
    waiting; each with how many times it has been submitted."""
    return (
        with_yours(return_list(awaiting_review(queryset)), user)
        .annotate(submission_count=Count("submissions"))
        .order_by("-is_yours", "submitted_at", "pk")
    )


def open_underspends(queryset: QuerySet | None = None) -> QuerySet:
    queryset = UnderspendFlag.objects.all() if queryset is None else queryset
    return (
        queryset.filter(resolved_at__isnull=True)
        .select_related(
            "monitoring_return",
            "monitoring_return__organisation",
            "monitoring_return__schedule__grant",
            "monitoring_return__schedule__contract",
        )
        .order_by("-flagged_at", "-pk")
    )


def underspend_list(queryset: QuerySet | None = None) -> QuerySet:
    """Underspend flags, open or dealt with, with their return, agreement and who dealt
    with them: the ones to act on first, then the newest."""
    queryset = UnderspendFlag.objects.all() if queryset is None else queryset
    return queryset.select_related(
        "monitoring_return",
        "monitoring_return__organisation",
        "monitoring_return__schedule__grant",
        "monitoring_return__schedule__contract",
        "resolved_by",
        "underspend_return__charge__funding_stream",
    ).order_by(F("resolved_at").desc(nulls_first=True), "-flagged_at", "-pk")


def agreement_returns(agreement) -> QuerySet:
    """A grant's or a contract's returns, oldest period first."""
    schedule = ReturnSchedule.objects.filter(**{agreement._meta.model_name: agreement}).first()
    if schedule is None:
        return MonitoringReturn.objects.none()
    return return_list(schedule.returns.all()).order_by("period_start")


def status_counts(queryset: QuerySet | None = None, *, today: datetime.date | None = None):
    """How many returns are in each state, with overdue counted on its own."""
    today = today or timezone.localdate()
    queryset = MonitoringReturn.objects.all() if queryset is None else queryset
    counts = queryset.aggregate(
        overdue=Count("pk", filter=Q(status__in=OUTSTANDING_STATUSES, due_date__lt=today)),
        **{status: Count("pk", filter=Q(status=status)) for status in ReturnStatus.values},
    )
    return counts


def kpi_results_over_time(contract) -> dict:
    """For each KPI of a contract: its target and the actual of each reported period,
    oldest first — ``{kpi: [(period_label, period_end, target, actual), …]}``."""
    results = (
        KPIResult.objects.filter(monitoring_return__schedule__contract=contract)
        .exclude(monitoring_return__status__in=(ReturnStatus.DUE,))
        .select_related("kpi", "monitoring_return")
        .order_by("kpi_id", "monitoring_return__period_start")
    )
    series: dict = {kpi: [] for kpi in contract.kpis.all()}
    for result in results:
        series.setdefault(result.kpi, []).append(
            (
                result.monitoring_return.period_label,
                result.monitoring_return.period_end,
                result.target,
                result.actual,
            )
        )
    return series


def spend_against_profile(agreement) -> list[dict]:
    """Each period's budget (the profile) and reported spend, with the running totals."""
    rows, budget_total, spend_total = [], ZERO, ZERO
    for monitoring_return in agreement_returns(agreement):
        budget = monitoring_return.budget or ZERO
        budget_total += budget
        if monitoring_return.actual_spend is not None and monitoring_return.status != "due":
            spend_total += monitoring_return.actual_spend
        rows.append(
            {
                "return": monitoring_return,
                "period": monitoring_return.period_label,
                "budget": budget,
                "spend": monitoring_return.actual_spend,
                "cumulative_budget": budget_total,
                "cumulative_spend": spend_total,
            }
        )
    return rows


def cumulative_spend(monitoring_return: MonitoringReturn) -> Decimal:
    """Spend reported by this return and the ones before it on the same agreement."""
    total = (
        MonitoringReturn.objects.filter(
            schedule_id=monitoring_return.schedule_id,
            period_start__lt=monitoring_return.period_start,
        ).aggregate(total=Sum("actual_spend"))["total"]
        or ZERO
    )
    return total + (monitoring_return.actual_spend or ZERO)


def outcomes_reported(*, start: datetime.date, end: datetime.date, queryset=None) -> list[dict]:
    """Accepted outcome figures for periods ending between ``start`` and ``end``,
    summed per measure: ``[{"framework", "measure", "unit", "total", "returns"}]``."""
    queryset = OutcomeResult.objects.all() if queryset is None else queryset
    rows = (
        queryset.filter(
            monitoring_return__status=ReturnStatus.ACCEPTED,
            monitoring_return__period_end__range=(start, end),
        )
        .values("measure__framework__name", "measure__name", "measure__unit", "measure__order")
        .annotate(total=Sum("value"), returns=Count("monitoring_return", distinct=True))
        .order_by("measure__framework__name", "measure__order", "measure__name")
    )
    return [
        {
            "framework": row["measure__framework__name"],
            "measure": row["measure__name"],
            "unit": row["measure__unit"],
            "total": row["total"] or ZERO,
            "returns": row["returns"],
        }
        for row in rows
    ]


def concern_list(queryset: QuerySet | None = None) -> QuerySet:
    """Concerns and complaints with their agreement and its organisation, newest first."""
    from .models import Concern

    queryset = Concern.objects.all() if queryset is None else queryset
    return queryset.select_related(
        "grant", "grant__recipient", "contract", "contract__supplier", "recorded_by"
    ).order_by("-received_on", "-pk")
