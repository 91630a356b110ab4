"""The figures behind each PDF report: one function per report, each returning a plain
dataclass (strings, dates, Decimals and lists of rows) that the report's template prints
and the tests compare the PDF's text against.

Every function costs a fixed number of queries however much data there is: totals and
breakdowns are aggregated in the database (``values().annotate(Sum(...))``), never
summed in Python over every row, so the annual report builds in seconds at a hundred
times the demo data.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, Max, Min, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from commissioning.dates import FinancialYear, add_months
from commissioning.models import FundingSource, FundingStream
from contracts.models import (
    KPI,
    Contract,
    ContractCharge,
    ContractMeeting,
    ExtensionOption,
    MeetingAction,
    Variation,
)
from decisions.models import (
    Answer,
    AssessmentEvent,
    AssessmentStatus,
    DecisionAssessment,
    DecisionType,
    Rating,
)
from decisions.views import recommendation_text
from grants.models import COMMITTED_STATUSES, Grant, GrantCharge, OnwardGrant
from monitoring import selectors as monitoring_selectors
from monitoring.models import MonitoringReturn, ReturnStatus
from workstreams.models import (
    ChecklistStatus,
    CommissioningRole,
    Milestone,
    MilestoneKind,
    Stage,
    Workstream,
)
from workstreams.selectors import milestone_list, recommissioning_warnings

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)
#: What a breakdown calls grants that benefit the whole force area.
WHOLE_AREA = "Whole force area"


def _money_sum(expression: str):
    return Coalesce(Sum(expression), Value(ZERO, output_field=MONEY))


def _share(part: Decimal, whole: Decimal) -> Decimal:
    """``part`` as a percentage of ``whole``, to one place (0.0 when the whole is 0)."""
    if not whole:
        return Decimal("0.0")
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class GroupRow:
    """One line of a breakdown: what it is, how many, how much, and its share."""

    label: str
    count: int
    amount: Decimal
    share: Decimal = Decimal("0.0")


def _with_shares(rows: list[GroupRow]) -> list[GroupRow]:
    total = sum((row.amount for row in rows), ZERO)
    return [GroupRow(row.label, row.count, row.amount, _share(row.amount, total)) for row in rows]


# --- Decision record --------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerRow:
    number: int
    heading: str
    question: str
    rating: str  # the label: "Met", "Partly met", "Not met", or "Not rated"
    narrative: str
    evidence: str  # the evidence document's name and/or link, or ""


@dataclass(frozen=True)
class EventRow:
    at: datetime.datetime
    by: str
    what: str
    reason: str


@dataclass(frozen=True)
class DecisionRecord:
    reference: str
    title: str
    decision_type: str
    status: str
    workstream: str
    workstream_lead: str
    amount: Decimal | None
    author: str
    started: datetime.datetime
    submitted: datetime.datetime | None
    question_set_version: int
    answers: list[AnswerRow]
    rating_counts: list[tuple[str, int]]
    recommendation: str
    summary: str
    justification: str
    decided: bool
    decided_by: str
    decided_at: datetime.datetime | None
    decision_reason: str
    supersedes: str
    superseded_by: str
    events: list[EventRow]


def decision_record(assessment_id: int) -> DecisionRecord:
    """The six questions with their answers and ratings, the recommendation, the outcome
    and every step of the workflow: four queries."""
    assessment = DecisionAssessment.objects.select_related(
        "workstream__lead_officer",
        "author",
        "decided_by",
        "question_set",
        "supersedes",
        "superseded_by",
    ).get(pk=assessment_id)
    answers = list(
        Answer.objects.filter(assessment=assessment)
        .select_related("question")
        .order_by("question__number")
    )
    events = list(
        AssessmentEvent.objects.filter(assessment=assessment)
        .select_related("by")
        .order_by("at", "pk")
    )
    rating_labels = dict(Rating.choices)
    answer_rows = [
        AnswerRow(
            number=answer.question.number,
            heading=answer.question.heading,
            question=answer.question.text,
            rating=rating_labels.get(answer.rating, "Not rated"),
            narrative=answer.narrative,
            evidence=" ".join(part for part in (answer.evidence_name, answer.evidence_url) if part),
        )
        for answer in answers
    ]
    counts = Counter(row.rating for row in answer_rows)
    rating_counts = [
        (label, counts[label])
        for label in [*rating_labels.values(), "Not rated"]
        if counts[label] or label != "Not rated"
    ]
    status_labels = dict(AssessmentStatus.choices)
    successor = getattr(assessment, "superseded_by", None)
    return DecisionRecord(
        reference=assessment.reference,
        title=assessment.title,
        decision_type=assessment.get_decision_type_display(),
        status=assessment.get_status_display(),
        workstream=assessment.workstream.title,
        workstream_lead=str(assessment.workstream.lead_officer),
        amount=assessment.amount,
        author=str(assessment.author),
        started=assessment.created_at,
        submitted=assessment.submitted_at,
        question_set_version=assessment.question_set.version,
        answers=answer_rows,
        rating_counts=rating_counts,
        recommendation=recommendation_text(assessment),
        summary=assessment.summary,
        justification=assessment.justification,
        decided=assessment.is_decided,
        decided_by=str(assessment.decided_by) if assessment.decided_by_id else "",
        decided_at=assessment.decided_at,
        decision_reason=assessment.decision_reason,
        supersedes=assessment.supersedes.reference if assessment.supersedes_id else "",
        superseded_by=successor.reference if successor else "",
        events=[
            EventRow(
                at=event.at,
                by=str(event.by),
                what=(
                    f"{status_labels.get(event.from_status, event.from_status)} to "
                    f"{status_labels.get(event.to_status, event.to_status).lower()}"
                    if event.from_status
                    else f"Started as a {status_labels.get(event.to_status, '').lower()}"
                ),
                reason=event.reason,
            )
            for event in events
        ],
    )


# --- Workstream summary -----------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistRow:
    title: str
    status: str
    required: bool
    completed_by: str
    completed_at: datetime.datetime | None


@dataclass(frozen=True)
class StageProgress:
    stage: str
    done: int
    total: int
    current: bool
    items: list[ChecklistRow]


@dataclass(frozen=True)
class WorkstreamDecisionRow:
    reference: str
    title: str
    decision_type: str
    status: str
    decided_at: datetime.datetime | None


@dataclass(frozen=True)
class WorkstreamGrantRow:
    reference: str
    recipient: str
    programme: str
    amount: Decimal
    status: str
    start_date: datetime.date
    end_date: datetime.date


@dataclass(frozen=True)
class WorkstreamContractRow:
    reference: str
    title: str
    supplier: str
    annual_value: Decimal
    whole_life_value: Decimal
    start_date: datetime.date
    end_date: datetime.date
    status: str


@dataclass(frozen=True)
class MilestoneRow:
    date: datetime.date
    kind: str
    title: str
    workstream: str = ""


@dataclass(frozen=True)
class WorkstreamSummary:
    title: str
    role: str
    status: str
    stage: str
    portfolio: str
    lead_officer: str
    lead_commissioner: str
    predecessor: str
    description: str
    partners: list[tuple[str, str]]
    stages: list[StageProgress]
    milestones: list[MilestoneRow]
    decisions: list[WorkstreamDecisionRow]
    grants: list[WorkstreamGrantRow]
    grants_committed: Decimal
    contracts: list[WorkstreamContractRow]
    contracts_whole_life: Decimal
    voice: list[tuple[datetime.date, str, str, int | None]]


def workstream_summary(workstream_id: int) -> WorkstreamSummary:
    """The workstream's role, stage and checklist progress, partners, milestones,
    decisions, grants and contracts: a fixed number of queries."""
    workstream = Workstream.objects.select_related(
        "portfolio", "lead_officer", "lead_commissioner", "predecessor"
    ).get(pk=workstream_id)
    items = list(workstream.checklist_items.select_related("completed_by").order_by("order", "pk"))
    stages = []
    for stage in Stage:
        in_stage = [item for item in items if item.stage == stage.value]
        stages.append(
            StageProgress(
                stage=stage.label,
                done=sum(1 for item in in_stage if item.status != ChecklistStatus.TO_DO),
                total=len(in_stage),
                current=workstream.stage == stage.value,
                items=[
                    ChecklistRow(
                        title=item.title,
                        status=item.get_status_display(),
                        required=item.required,
                        completed_by=str(item.completed_by) if item.completed_by_id else "",
                        completed_at=item.completed_at,
                    )
                    for item in in_stage
                ],
            )
        )
    partners = [
        (partner.organisation.name, partner.get_part_display())
        for partner in workstream.partners.select_related("organisation").order_by(
            "part", "organisation__name"
        )
    ]
    milestones = [
        MilestoneRow(m.date, m.get_kind_display(), m.title)
        for m in workstream.milestones.order_by("date", "title")
    ]
    decisions = [
        WorkstreamDecisionRow(
            a.reference,
            a.title,
            a.get_decision_type_display(),
            a.get_status_display(),
            a.decided_at,
        )
        for a in workstream.assessments.order_by("created_at", "pk")
    ]
    grants = list(
        workstream.grants.select_related("recipient", "programme").order_by(
            "start_date", "reference"
        )
    )
    contracts = list(workstream.contracts.select_related("supplier").order_by("start_date"))
    totals = workstream.grants.filter(status__in=COMMITTED_STATUSES).aggregate(
        total=_money_sum("amount")
    )
    contract_total = workstream.contracts.aggregate(total=_money_sum("whole_life_value"))
    return WorkstreamSummary(
        title=workstream.title,
        role=workstream.get_role_display(),
        status=workstream.get_status_display(),
        stage=workstream.get_stage_display(),
        portfolio=workstream.portfolio.name,
        lead_officer=str(workstream.lead_officer),
        lead_commissioner=(
            workstream.lead_commissioner.name if workstream.lead_commissioner_id else ""
        ),
        predecessor=workstream.predecessor.title if workstream.predecessor_id else "",
        description=workstream.description,
        partners=partners,
        stages=stages,
        milestones=milestones,
        decisions=decisions,
        grants=[
            WorkstreamGrantRow(
                g.reference,
                g.recipient.name,
                g.programme.name,
                g.amount,
                g.get_status_display(),
                g.start_date,
                g.end_date,
            )
            for g in grants
        ],
        grants_committed=totals["total"],
        contracts=[
            WorkstreamContractRow(
                c.reference,
                c.title,
                c.supplier.name,
                c.annual_value,
                c.whole_life_value,
                c.start_date,
                c.end_date,
                c.status_label,
            )
            for c in contracts
        ],
        contracts_whole_life=contract_total["total"],
        voice=[
            (entry.date, entry.get_kind_display(), entry.title, entry.participants)
            for entry in workstream.voice_entries.order_by("date", "pk")
        ],
    )


# --- Contract review pack ---------------------------------------------------------------


@dataclass(frozen=True)
class KPIRow:
    name: str
    measure: str
    target: Decimal
    unit: str
    direction: str
    frequency: str
    #: (period label, target then, figure reported) in period order, from the returns.
    history: list[tuple[str, Decimal, Decimal | None]] = field(default_factory=list)
    latest: Decimal | None = None
    on_target: bool | None = None

    @property
    def actuals(self) -> list[tuple[str, Decimal | None]]:
        return [(period, actual) for period, _target, actual in self.history]


@dataclass(frozen=True)
class MeetingRow:
    due_date: datetime.date
    held_on: datetime.date | None


@dataclass(frozen=True)
class ActionRow:
    description: str
    owner: str
    due_date: datetime.date
    meeting_due: datetime.date
    overdue: bool


@dataclass(frozen=True)
class SpendRow:
    """Spend against the profile for one period of monitoring returns."""

    period: str
    profile: Decimal
    actual: Decimal | None
    variance: Decimal | None


@dataclass(frozen=True)
class ReturnRow:
    period: str
    due_date: datetime.date
    status: str
    submitted_on: datetime.date | None


@dataclass(frozen=True)
class ContractReviewPack:
    reference: str
    title: str
    supplier: str
    workstream: str
    responsible_officer: str
    annual_value: Decimal
    whole_life_value: Decimal
    start_date: datetime.date
    end_date: datetime.date
    went_live_on: datetime.date | None
    status: str
    light_touch: bool
    lead_commissioner: str
    office_contribution: Decimal | None
    kpis: list[KPIRow]
    meetings: list[MeetingRow]
    next_meeting: datetime.date | None
    last_meeting: datetime.date | None
    open_actions: list[ActionRow]
    variations: list[tuple[datetime.date, str, Decimal]]
    extensions: list[tuple[int, datetime.date | None, datetime.date | None]]
    #: From the monitoring returns: spend against profile and the returns' status.
    spend: list[SpendRow] = field(default_factory=list)
    spend_profile_total: Decimal = ZERO
    spend_actual_total: Decimal = ZERO
    returns: list[ReturnRow] = field(default_factory=list)


def _kpi_row(kpi: KPI, history) -> KPIRow:
    """A KPI with its reported figures: ``history`` is monitoring's
    ``(period_label, period_end, target, actual)`` for each period, oldest first."""
    rows = [(label, target, actual) for label, _end, target, actual in history]
    reported = [(target, actual) for _label, target, actual in rows if actual is not None]
    latest_target, latest = reported[-1] if reported else (kpi.target, None)
    on_target = None
    if latest is not None:
        on_target = latest <= latest_target if kpi.direction == "lower" else latest >= latest_target
    return KPIRow(
        name=kpi.name,
        measure=kpi.measure,
        target=kpi.target,
        unit=kpi.unit,
        direction=kpi.get_direction_display(),
        frequency=kpi.get_frequency_display(),
        history=rows,
        latest=latest,
        on_target=on_target,
    )


def contract_review_pack(
    contract_id: int, today: datetime.date | None = None
) -> ContractReviewPack:
    """What a six-monthly contract meeting looks at: the contract, its KPIs against
    target over time, spend against profile, the returns' status and the actions still
    open. The pack is shared with the supplier, so it leaves out the office's own notes
    (service risk, budget lines, RAG ratings and minutes). A fixed number of queries."""
    today = today or timezone.localdate()
    contract = Contract.objects.select_related(
        "supplier", "workstream", "responsible_officer", "lead_commissioner"
    ).get(pk=contract_id)
    kpi_history = monitoring_selectors.kpi_results_over_time(contract)
    kpis = sorted(kpi_history, key=lambda kpi: kpi.pk)
    meetings = list(ContractMeeting.objects.filter(contract=contract).order_by("due_date"))
    actions = list(
        MeetingAction.objects.filter(meeting__contract=contract, done_on__isnull=True)
        .select_related("meeting")
        .order_by("due_date", "pk")
    )
    spend = [
        SpendRow(
            period=row["period"],
            profile=row["budget"],
            actual=row["spend"],
            variance=row["budget"] - row["spend"] if row["spend"] is not None else None,
        )
        for row in monitoring_selectors.spend_against_profile(contract)
        if row["return"].period_start <= today  # periods begun so far
    ]
    returns = [
        ReturnRow(
            period=r.period_label,
            due_date=r.due_date,
            status="Overdue" if r.is_outstanding and r.due_date < today else r.get_status_display(),
            submitted_on=timezone.localtime(r.submitted_at).date() if r.submitted_at else None,
        )
        for r in monitoring_selectors.agreement_returns(contract)
    ]
    held = [m.held_on for m in meetings if m.held_on]
    upcoming = [m.due_date for m in meetings if not m.held_on and m.due_date >= today]
    return ContractReviewPack(
        reference=contract.reference,
        title=contract.title,
        supplier=contract.supplier.name,
        workstream=contract.workstream.title,
        responsible_officer=str(contract.responsible_officer),
        annual_value=contract.annual_value,
        whole_life_value=contract.whole_life_value,
        start_date=contract.start_date,
        end_date=contract.end_date,
        went_live_on=contract.went_live_on,
        status=contract.status_label,
        light_touch=contract.light_touch,
        lead_commissioner=(
            contract.lead_commissioner.name if contract.lead_commissioner_id else ""
        ),
        office_contribution=contract.office_contribution,
        kpis=[_kpi_row(kpi, kpi_history[kpi]) for kpi in kpis],
        meetings=[MeetingRow(m.due_date, m.held_on) for m in meetings],
        next_meeting=min(upcoming) if upcoming else None,
        last_meeting=max(held) if held else None,
        open_actions=[
            ActionRow(
                description=action.description,
                owner=action.owner,
                due_date=action.due_date,
                meeting_due=action.meeting.due_date,
                overdue=action.due_date < today,
            )
            for action in actions
        ],
        variations=[
            (v.effective_on, v.description, v.value_effect)
            for v in Variation.objects.filter(contract=contract).order_by("effective_on", "pk")
        ],
        extensions=[
            (option.months, option.exercised_on, option.new_end_date)
            for option in ExtensionOption.objects.filter(contract=contract).order_by("pk")
        ],
        spend=spend,
        spend_profile_total=sum((row.profile for row in spend), ZERO),
        spend_actual_total=sum((row.actual for row in spend if row.actual is not None), ZERO),
        returns=returns,
    )


# --- Forward plan -----------------------------------------------------------------------

#: How far ahead the printed forward plan looks.
FORWARD_PLAN_MONTHS = 24


@dataclass(frozen=True)
class MonthRow:
    month: datetime.date  # the first of the month
    milestones: list[MilestoneRow]


@dataclass(frozen=True)
class WarningRow:
    date: datetime.date
    title: str
    workstream: str
    horizon_months: int


@dataclass(frozen=True)
class ForwardPlan:
    start: datetime.date
    end: datetime.date
    month_starts: list[datetime.date]
    months: list[MonthRow]
    total: int
    by_kind: list[tuple[str, int]]
    #: Milestones per month for each kind: (kind label, [count for each month]).
    kind_series: list[tuple[str, list[int]]]
    warnings: list[WarningRow]


def forward_plan(today: datetime.date | None = None) -> ForwardPlan:
    """Every milestone from the start of this month for the next 24 months, by month,
    with contract ends that nothing yet re-commissions."""
    today = today or timezone.localdate()
    start = today.replace(day=1)
    end = add_months(start, FORWARD_PLAN_MONTHS) - datetime.timedelta(days=1)
    milestones = list(milestone_list().filter(date__gte=start, date__lte=end))
    kind_labels = dict(MilestoneKind.choices)
    by_month: dict[datetime.date, list[MilestoneRow]] = {}
    for milestone in milestones:
        by_month.setdefault(milestone.date.replace(day=1), []).append(
            MilestoneRow(
                milestone.date,
                kind_labels.get(milestone.kind, milestone.kind),
                milestone.title,
                milestone.workstream.title if milestone.workstream_id else "Office-wide",
            )
        )
    month_starts = [add_months(start, n) for n in range(FORWARD_PLAN_MONTHS)]
    counts = Counter((m.date.replace(day=1), m.kind) for m in milestones)
    kinds_present = [kind for kind in MilestoneKind if any(k == kind for _d, k in counts)]
    return ForwardPlan(
        start=start,
        end=end,
        month_starts=month_starts,
        months=[MonthRow(month, by_month[month]) for month in month_starts if month in by_month],
        total=len(milestones),
        by_kind=[
            (kind.label, sum(n for (_d, k), n in counts.items() if k == kind))
            for kind in kinds_present
        ],
        kind_series=[
            (kind.label, [counts[(month, kind.value)] for month in month_starts])
            for kind in kinds_present
        ],
        warnings=[
            WarningRow(
                w.milestone.date,
                w.milestone.title,
                w.milestone.workstream.title,
                w.horizon_months,
            )
            for w in recommissioning_warnings(today)
        ],
    )


# --- Financial years --------------------------------------------------------------------


def report_years() -> list[int]:
    """The financial years a report can be asked for, newest first: every year the office
    has a funding stream for or awarded a grant in. Two queries."""
    years = set(FundingStream.objects.values_list("financial_year", flat=True).distinct())
    span = Grant.objects.filter(award_date__isnull=False).aggregate(
        first=Min("award_date"), last=Max("award_date")
    )
    if span["first"]:
        first = FinancialYear.containing(span["first"]).start_year
        last = FinancialYear.containing(span["last"]).start_year
        years.update(range(first, last + 1))
    return sorted(years, reverse=True)


# --- Funding awarded --------------------------------------------------------------------


@dataclass(frozen=True)
class FundingAwarded:
    year: FinancialYear
    count: int
    amount: Decimal
    passed_on: Decimal
    recipients: int
    by_programme: list[GroupRow]
    by_area: list[GroupRow]
    by_recipient: list[GroupRow]


def _awarded_in(year: FinancialYear):
    return Grant.objects.filter(
        status__in=COMMITTED_STATUSES, award_date__gte=year.start, award_date__lte=year.end
    )


def _breakdown(queryset, label: str, *, blank: str = "", amount: str = "amount") -> list[GroupRow]:
    rows = (
        queryset.order_by()
        .values(label)
        .annotate(count=Count("pk"), total=_money_sum(amount))
        .order_by("-total", label)
    )
    return _with_shares([GroupRow(row[label] or blank, row["count"], row["total"]) for row in rows])


def funding_awarded(start_year: int) -> FundingAwarded:
    """Grants awarded in the financial year (by award date; withdrawn and draft grants
    left out), by programme, beneficiary area and recipient: five aggregate queries."""
    year = FinancialYear(start_year)
    grants = _awarded_in(year)
    totals = grants.aggregate(
        count=Count("pk"), amount=_money_sum("amount"), recipients=Count("recipient", distinct=True)
    )
    passed_on = OnwardGrant.objects.filter(parent__in=grants).aggregate(total=_money_sum("amount"))
    return FundingAwarded(
        year=year,
        count=totals["count"],
        amount=totals["amount"],
        passed_on=passed_on["total"],
        recipients=totals["recipients"],
        by_programme=_breakdown(grants, "programme__name"),
        by_area=_breakdown(grants, "beneficiary_area__name", blank=WHOLE_AREA),
        by_recipient=_breakdown(grants, "recipient__name"),
    )


# --- Annual commissioning report --------------------------------------------------------


@dataclass(frozen=True)
class SourceRow:
    source: str
    streams: int
    budget: Decimal
    committed: Decimal
    spent: Decimal
    headroom: Decimal


@dataclass(frozen=True)
class SplitRow:
    """Money charged to the year's funding streams for one group, grants and contracts."""

    label: str
    grants: Decimal
    contracts: Decimal

    @property
    def total(self) -> Decimal:
        return self.grants + self.contracts


@dataclass(frozen=True)
class DecisionCountRow:
    decision_type: str
    approved: int
    declined: int

    @property
    def total(self) -> int:
        return self.approved + self.declined


@dataclass(frozen=True)
class DeclinedRow:
    reference: str
    title: str
    workstream: str
    decided_at: datetime.datetime
    reason: str


@dataclass(frozen=True)
class OutcomeRow:
    """An output or outcome measure, totalled over the year's accepted returns."""

    framework: str
    outcome: str
    unit: str
    figure: Decimal
    returns: int


@dataclass(frozen=True)
class AnnualReport:
    year: FinancialYear
    by_source: list[SourceRow]
    budget: Decimal
    committed: Decimal
    spent: Decimal
    headroom: Decimal
    by_role: list[SplitRow]
    by_area: list[SplitRow]
    by_programme: list[SplitRow]
    charged_grants: Decimal
    charged_contracts: Decimal
    grants_awarded: int
    grants_awarded_amount: Decimal
    decision_counts: list[DecisionCountRow]
    approved: int
    declined: int
    declined_list: list[DeclinedRow]
    next_year: FinancialYear
    forward_by_kind: list[tuple[str, int]]
    #: Milestones of each kind by quarter of next year: (kind label, [Q1, Q2, Q3, Q4], total).
    forward_by_quarter: list[tuple[str, list[int], int]]
    #: The nearest FORWARD_LISTED endings, and how many there are in all.
    forward_endings: list[MilestoneRow]
    forward_endings_total: int
    outcomes: list[OutcomeRow]
    #: The year's monitoring returns (periods ending in it) by status, and overdue.
    returns_due: int
    returns_accepted: int
    returns_awaiting: int
    returns_outstanding: int
    returns_overdue: int

    @property
    def charged(self) -> Decimal:
        return self.charged_grants + self.charged_contracts


#: The forward look lists these endings by name (others are counted only)...
ENDING_KINDS = (MilestoneKind.CONTRACT_END, MilestoneKind.FUNDING_END, MilestoneKind.AGREEMENT_END)
#: ...the nearest this many of them: the forward plan report lists every one.
FORWARD_LISTED = 40


def _split(
    grant_rows, contract_rows, labels: dict | None = None, *, blank: str = ""
) -> list[SplitRow]:
    """Merge {key: grants total} and {key: contracts total} into rows, largest first."""
    keys = list(dict.fromkeys([*grant_rows, *contract_rows]))
    rows = [
        SplitRow(
            (labels or {}).get(key, key) or blank,
            grant_rows.get(key, ZERO),
            contract_rows.get(key, ZERO),
        )
        for key in keys
    ]
    return sorted(rows, key=lambda row: (-row.total, row.label))


def _midnight(day: datetime.date) -> datetime.datetime:
    """The first moment of ``day`` in the office's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _grouped(queryset, key: str) -> dict:
    return {
        row[key]: row["total"]
        for row in queryset.order_by().values(key).annotate(total=_money_sum("amount"))
    }


def annual_report(start_year: int) -> AnnualReport:
    """The year in money (by source, commissioning role, area and programme), the
    decisions taken and declined, outcomes reported and a look at the year ahead. Every
    figure is an aggregate query: about a dozen queries whatever the volume."""
    year = FinancialYear(start_year)
    next_year = FinancialYear(start_year + 1)

    # Money by source: each stream's committed and spent come from commissioning.money.
    streams = FundingStream.objects.filter(financial_year=start_year).with_money()
    source_labels = dict(FundingSource.choices)
    by_source = [
        SourceRow(
            source=source_labels.get(row["source"], row["source"]),
            streams=row["streams"],
            budget=row["budget"],
            committed=row["committed"],
            spent=row["spent"],
            headroom=row["headroom"],
        )
        for row in streams.order_by()
        .values("source")
        .annotate(
            streams=Count("pk"),
            budget=_money_sum("amount"),
            committed=_money_sum("committed_total"),
            spent=_money_sum("spent_total"),
            headroom=_money_sum("headroom_total"),
        )
        .order_by("-budget", "source")
    ]

    # Money charged to the year's streams, by role, area and programme.
    grant_charges = GrantCharge.objects.filter(
        funding_stream__financial_year=start_year, grant__status__in=COMMITTED_STATUSES
    )
    contract_charges = ContractCharge.objects.filter(funding_stream__financial_year=start_year)
    role_labels = dict(CommissioningRole.choices)
    by_role = _split(
        _grouped(grant_charges, "grant__workstream__role"),
        _grouped(contract_charges, "contract__workstream__role"),
        role_labels,
    )
    contracts_total = contract_charges.aggregate(total=_money_sum("amount"))["total"]
    by_area = _split(
        _grouped(grant_charges, "grant__beneficiary_area__name"),
        {None: contracts_total} if contracts_total else {},
        blank=WHOLE_AREA,
    )
    by_programme = _split(
        _grouped(grant_charges, "grant__programme__name"),
        {"Contracts": contracts_total} if contracts_total else {},
    )
    grants_total = grant_charges.aggregate(total=_money_sum("amount"))["total"]

    awarded = _awarded_in(year).aggregate(count=Count("pk"), amount=_money_sum("amount"))

    # Decisions decided in the year.
    decided = DecisionAssessment.objects.filter(
        status__in=[AssessmentStatus.APPROVED, AssessmentStatus.DECLINED],
        decided_at__gte=_midnight(year.start),
        decided_at__lt=_midnight(next_year.start),
    )
    type_labels = dict(DecisionType.choices)
    counts = {
        row["decision_type"]: row
        for row in decided.order_by()
        .values("decision_type")
        .annotate(
            approved=Count("pk", filter=Q(status=AssessmentStatus.APPROVED)),
            declined=Count("pk", filter=Q(status=AssessmentStatus.DECLINED)),
        )
    }
    decision_counts = [
        DecisionCountRow(label, counts[key]["approved"], counts[key]["declined"])
        for key, label in type_labels.items()
        if key in counts
    ]
    declined_list = [
        DeclinedRow(a.reference, a.title, a.workstream.title, a.decided_at, a.decision_reason)
        for a in decided.filter(status=AssessmentStatus.DECLINED)
        .select_related("workstream")
        .order_by("decided_at", "pk")
    ]

    # The year ahead.
    ahead = Milestone.objects.filter(date__gte=next_year.start, date__lte=next_year.end)
    kind_labels = dict(MilestoneKind.choices)
    by_month = list(ahead.order_by().values("kind", "date__month").annotate(n=Count("pk")))
    forward_counts: Counter = Counter()
    quarters: dict[str, list[int]] = {}
    for row in by_month:
        forward_counts[row["kind"]] += row["n"]
        # April to June is the first quarter of a financial year.
        quarter = ((row["date__month"] - 4) % 12) // 3
        quarters.setdefault(row["kind"], [0, 0, 0, 0])[quarter] += row["n"]
    endings = [
        MilestoneRow(
            m.date,
            kind_labels.get(m.kind, m.kind),
            m.title,
            m.workstream.title if m.workstream_id else "Office-wide",
        )
        for m in ahead.filter(kind__in=ENDING_KINDS)
        .select_related("workstream")
        .order_by("date", "title", "pk")[:FORWARD_LISTED]
    ]

    # What providers reported: accepted outcome figures, and the returns' status.
    outcomes = [
        OutcomeRow(row["framework"], row["measure"], row["unit"], row["total"], row["returns"])
        for row in monitoring_selectors.outcomes_reported(start=year.start, end=year.end)
    ]
    returns = monitoring_selectors.status_counts(
        MonitoringReturn.objects.filter(period_end__gte=year.start, period_end__lte=year.end)
    )

    budget = sum((row.budget for row in by_source), ZERO)
    committed = sum((row.committed for row in by_source), ZERO)
    spent = sum((row.spent for row in by_source), ZERO)
    headroom = sum((row.headroom for row in by_source), ZERO)
    return AnnualReport(
        year=year,
        by_source=by_source,
        budget=budget,
        committed=committed,
        spent=spent,
        headroom=headroom,
        by_role=by_role,
        by_area=by_area,
        by_programme=by_programme,
        charged_grants=grants_total,
        charged_contracts=contracts_total,
        grants_awarded=awarded["count"],
        grants_awarded_amount=awarded["amount"],
        decision_counts=decision_counts,
        approved=sum(row.approved for row in decision_counts),
        declined=sum(row.declined for row in decision_counts),
        declined_list=declined_list,
        next_year=next_year,
        forward_by_kind=[
            (label, forward_counts[key])
            for key, label in kind_labels.items()
            if key in forward_counts
        ],
        forward_by_quarter=[
            (label, quarters[key], forward_counts[key])
            for key, label in kind_labels.items()
            if key in quarters
        ],
        forward_endings=endings,
        forward_endings_total=sum(forward_counts[kind] for kind in ENDING_KINDS),
        outcomes=outcomes,
        returns_due=sum(returns[status] for status in ReturnStatus.values),
        returns_accepted=returns[ReturnStatus.ACCEPTED],
        returns_awaiting=returns[ReturnStatus.SUBMITTED],
        returns_outstanding=sum(
            returns[status]
            for status in (
                ReturnStatus.DUE,
                ReturnStatus.DRAFT,
                ReturnStatus.CHANGES_REQUESTED,
            )
        ),
        returns_overdue=returns["overdue"],
    )
