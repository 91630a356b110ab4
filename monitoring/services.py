"""Changes to monitoring: return schedules kept in step with their agreements, a
provider filling in and submitting a return, the office's review, underspend flags
and the concerns log. Each is one transaction; notifications go after commit."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from commissioning.dates import FinancialYear, add_months
from commissioning.models import Role, User
from commissioning.notifications import notify
from commissioning.templatetags.portal import money, ukdate
from commissioning.uploads import CSV, EXCEL, ODS, PDF, WORD, validate_upload

from .models import (
    EDITABLE_STATUSES,
    Concern,
    EvidenceFile,
    Frequency,
    KPIResult,
    MeasureTarget,
    MonitoringReturn,
    OutcomeFramework,
    OutcomeResult,
    ReturnSchedule,
    ReturnStatus,
    ReturnSubmission,
    Section,
    SubmissionOutcome,
    UnderspendFlag,
    UnderspendKind,
)

ZERO = Decimal("0.00")
PENNY = Decimal("0.01")
EVIDENCE_FILE_KINDS = (PDF, EXCEL, CSV, WORD, ODS)


def _save(instance, *, by: User | None):
    instance.full_clean()
    instance._history_user = by
    instance.save()
    return instance


# --- Periods and schedules ------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    key: str  # 2025-Q1, 2025-H2
    label: str  # Quarter 1 2025/26, Year-end 2025/26
    start: datetime.date
    end: datetime.date


def financial_periods(year: FinancialYear, frequency: str) -> list[Period]:
    """The reporting periods of one financial year."""
    if frequency == Frequency.HALF_YEARLY:
        return [
            Period(f"{year.start_year}-H1", f"Mid-year {year.label}", year.start,
                   add_months(year.start, 6) - datetime.timedelta(days=1)),
            Period(f"{year.start_year}-H2", f"Year-end {year.label}",
                   add_months(year.start, 6), year.end),
        ]  # fmt: skip
    return [
        Period(
            f"{year.start_year}-Q{n}",
            f"Quarter {n} {year.label}",
            add_months(year.start, 3 * (n - 1)),
            add_months(year.start, 3 * n) - datetime.timedelta(days=1),
        )
        for n in range(1, 5)
    ]


def agreement_periods(start: datetime.date, end: datetime.date, frequency: str) -> list[Period]:
    """The periods an agreement running ``start``..``end`` reports on, each cut to the
    agreement's own dates (a grant starting in May reports on May and June for Q1)."""
    periods = []
    year = FinancialYear.containing(start)
    while year.start <= end:
        for period in financial_periods(year, frequency):
            if period.end < start or period.start > end:
                continue
            periods.append(
                Period(period.key, period.label, max(period.start, start), min(period.end, end))
            )
        year = FinancialYear(year.start_year + 1)
    return periods


def _agreement_facts(agreement) -> dict:
    """What a schedule needs to know of a grant or a contract."""
    from contracts.models import Contract

    if isinstance(agreement, Contract):
        end = agreement.end_date
        if agreement.terminated_on and agreement.terminated_on < end:
            end = agreement.terminated_on
        return {
            "field": "contract",
            "organisation": agreement.supplier,
            "start": agreement.start_date,
            "end": end,
            "full_end": agreement.end_date,
            "total": agreement.whole_life_value,
            "frequency": agreement.monitoring_frequency,
        }
    return {
        "field": "grant",
        "organisation": agreement.recipient,
        "start": agreement.start_date,
        "end": agreement.end_date,
        "full_end": agreement.end_date,
        "total": agreement.amount,
        "frequency": agreement.monitoring_frequency,
    }


def _default_framework(agreement) -> OutcomeFramework | None:
    programme_id = getattr(agreement, "programme_id", None)
    if programme_id is None:
        return None
    return OutcomeFramework.objects.filter(programmes=programme_id).order_by("pk").first()


def _profile(period: Period, facts: dict) -> Decimal:
    """The agreement's money for a period, in proportion to its days."""
    total_days = (facts["full_end"] - facts["start"]).days + 1
    days = (period.end - period.start).days + 1
    return (facts["total"] * days / total_days).quantize(PENNY, rounding=ROUND_HALF_UP)


def _profiles(periods: list[Period], facts: dict) -> dict[str, Decimal]:
    """Each period's share of the agreement's money; the last period takes the pennies
    left by rounding, so the periods of an agreement that runs its full term add up
    to its value exactly."""
    profiles = {p.key: _profile(p, facts) for p in periods}
    if periods and periods[-1].end == facts["full_end"]:
        others = sum((profiles[p.key] for p in periods[:-1]), ZERO)
        profiles[periods[-1].key] = facts["total"] - others
    return profiles


def _year_budgets(periods: list[Period], profiles: dict[str, Decimal]) -> dict[str, Decimal]:
    by_year: dict[int, Decimal] = {}
    for period in periods:
        year = FinancialYear.containing(period.start).start_year
        by_year[year] = by_year.get(year, ZERO) + profiles[period.key]
    return {p.key: by_year[FinancialYear.containing(p.start).start_year] for p in periods}


@transaction.atomic
def schedule_sync(*, agreement, by: User | None = None) -> ReturnSchedule:
    """Make or update the agreement's return schedule so that it has one return per
    period of the agreement. Returns nobody has started are moved, added or removed
    as the dates or frequency change; a return with anything in it is never removed."""
    facts = _agreement_facts(agreement)
    schedule = (
        ReturnSchedule.objects.select_for_update().filter(**{facts["field"]: agreement}).first()
    )
    if schedule is None:
        schedule = _save(
            ReturnSchedule(
                **{facts["field"]: agreement},
                organisation=facts["organisation"],
                frequency=facts["frequency"],
                due_days=settings.RETURN_DUE_DAYS,
                framework=_default_framework(agreement),
            ),
            by=by,
        )
    elif schedule.frequency != facts["frequency"]:
        schedule.frequency = facts["frequency"]
        _save(schedule, by=by)
    periods = agreement_periods(facts["start"], facts["end"], schedule.frequency)
    profiles = _profiles(periods, facts)
    year_budgets = _year_budgets(periods, profiles)
    existing = {r.period_key: r for r in schedule.returns.all()}
    wanted = {p.key for p in periods}
    for period in periods:
        due = period.end + datetime.timedelta(days=schedule.due_days)
        current = existing.get(period.key)
        if current is None:
            _save(
                MonitoringReturn(
                    schedule=schedule,
                    organisation=schedule.organisation,
                    period_key=period.key,
                    period_label=period.label,
                    period_start=period.start,
                    period_end=period.end,
                    due_date=due,
                    budget=profiles[period.key],
                    year_budget=year_budgets[period.key],
                ),
                by=by,
            )
        elif current.status in EDITABLE_STATUSES and (
            current.period_start,
            current.period_end,
            current.due_date,
        ) != (period.start, period.end, due):
            current.period_start, current.period_end, current.due_date = (
                period.start,
                period.end,
                due,
            )
            current.year_budget = year_budgets[period.key]
            if current.status == ReturnStatus.DUE:
                current.budget = profiles[period.key]
            current.version += 1
            _save(current, by=by)
    for key, current in existing.items():
        if key not in wanted and current.status == ReturnStatus.DUE:
            current.delete()
    return schedule


def schedule_sync_listener(*, agreement, by=None, **_: Any) -> None:
    """Listens for commissioning.hooks.AGREEMENT_CHANGED."""
    schedule_sync(agreement=agreement, by=by)


@transaction.atomic
def schedule_update(
    *, schedule: ReturnSchedule, by: User, due_days: int, framework: OutcomeFramework | None
) -> ReturnSchedule:
    """Change how long after each period a return is due, or which outcomes it reports;
    returns not yet submitted follow."""
    schedule = ReturnSchedule.objects.select_for_update().get(pk=schedule.pk)
    schedule.due_days, schedule.framework = due_days, framework
    _save(schedule, by=by)
    return schedule_sync(agreement=schedule.agreement, by=by)


@transaction.atomic
def target_set(
    *, schedule: ReturnSchedule, by: User, measure, target: Decimal | None
) -> MeasureTarget | None:
    """Set (or, with no target, clear) the per-period target for an outcome measure."""
    if schedule.framework_id is None or measure.framework_id != schedule.framework_id:
        raise ValidationError({"measure": "Select one of this agreement's outcome measures"})
    if target is None:
        MeasureTarget.objects.filter(schedule=schedule, measure=measure).delete()
        return None
    if target < 0:
        raise ValidationError({"target": "Enter a target of 0 or more"})
    row, _ = MeasureTarget.objects.get_or_create(
        schedule=schedule, measure=measure, defaults={"target": target}
    )
    row.target = target
    return _save(row, by=by)


# --- Filling in a return --------------------------------------------------------------


def _locked(monitoring_return: MonitoringReturn) -> MonitoringReturn:
    return MonitoringReturn.objects.select_for_update().get(pk=monitoring_return.pk)


def _check_version(current: MonitoringReturn, version: int | None) -> None:
    if version is not None and int(version) != current.version:
        raise ValidationError(
            "This return was changed by someone else (or in another tab) after you opened "
            "it. Your changes have not been saved: check the return and make them again.",
            code="stale",
        )


def _require_editable(current: MonitoringReturn) -> None:
    if not current.is_editable:
        raise ValidationError(
            "This return has been %(status)s, so it can no longer be changed",
            code="not_editable",
            params={"status": current.get_status_display().lower()},
        )


def _touch(current: MonitoringReturn, by: User | None) -> MonitoringReturn:
    if current.status == ReturnStatus.DUE:
        current.status = ReturnStatus.DRAFT
    current.version += 1
    return _save(current, by=by)


FINANCE_FIELDS = ("budget", "actual_spend", "forecast_year_end", "underspend_explanation")
NARRATIVE_FIELDS = ("went_well", "challenges", "service_user_feedback", "equality_monitoring")


def _once(monitoring_return: MonitoringReturn, name: str, load) -> list:
    """What ``load`` gives, read once per return object: a return's page asks for its
    KPIs and measures in several places (the sections, the task list, the answers)."""
    memo = monitoring_return.__dict__.setdefault("_items_memo", {})
    if name not in memo:
        memo[name] = list(load())
    return list(memo[name])


def kpis_for(monitoring_return: MonitoringReturn):
    schedule = monitoring_return.schedule
    if not schedule.contract_id:
        return []
    return _once(monitoring_return, "kpis", lambda: schedule.contract.kpis.all())


def measures_for(monitoring_return: MonitoringReturn):
    schedule = monitoring_return.schedule
    if not schedule.framework_id:
        return []
    return _once(
        monitoring_return, "measures", lambda: schedule.framework.measures.filter(is_active=True)
    )


def finance_problems(current: MonitoringReturn) -> dict[str, str]:
    """What stops the finance section from being complete."""
    problems = {}
    for name, what in (
        ("budget", "the budget for the period"),
        ("actual_spend", "the actual spend in the period"),
        ("forecast_year_end", "the forecast spend for the financial year"),
    ):
        if getattr(current, name) is None:
            problems[name] = f"Enter {what}"
    if _underspend_kinds(current) and not current.underspend_explanation.strip():
        problems["underspend_explanation"] = "Explain the underspend"
    return problems


def _underspend_kinds(current: MonitoringReturn) -> dict[str, tuple[Decimal, Decimal | None]]:
    """The underspends this return's figures show: kind -> (amount, percentage)."""
    found = {}
    variance = current.variance
    if variance is not None and variance > 0 and current.budget:
        percentage = (variance * 100 / current.budget).quantize(Decimal("0.1"))
        if percentage >= settings.UNDERSPEND_TOLERANCE_PERCENT:
            found[UnderspendKind.BELOW_PROFILE] = (variance, percentage)
    forecast = current.forecast_underspend
    if forecast is not None and forecast > 0:
        percentage = (
            (forecast * 100 / current.year_budget).quantize(Decimal("0.1"))
            if current.year_budget
            else None
        )
        found[UnderspendKind.REPORTED] = (forecast, percentage)
    return found


@transaction.atomic
def return_save_finance(
    *, monitoring_return: MonitoringReturn, by: User, version: int | None, complete: bool,
    **fields: Any,
) -> MonitoringReturn:  # fmt: skip
    current = _locked(monitoring_return)
    _check_version(current, version)
    _require_editable(current)
    for name in FINANCE_FIELDS:
        if name in fields:
            setattr(current, name, fields[name])
    if complete:
        problems = finance_problems(current)
        if problems:
            raise ValidationError(problems)
    current.finance_complete = complete
    return _touch(current, by)


@transaction.atomic
def return_save_narrative(
    *, monitoring_return: MonitoringReturn, by: User, version: int | None, complete: bool,
    **fields: Any,
) -> MonitoringReturn:  # fmt: skip
    current = _locked(monitoring_return)
    _check_version(current, version)
    _require_editable(current)
    for name in NARRATIVE_FIELDS:
        if name in fields:
            setattr(current, name, (fields[name] or "").strip())
    if complete:
        problems = {
            name: f"Enter {label}"
            for name, label in (("went_well", "what went well"), ("challenges", "the challenges"))
            if not getattr(current, name)
        }
        if problems:
            raise ValidationError(problems)
    current.narrative_complete = complete
    return _touch(current, by)


def _save_figures(
    current: MonitoringReturn, *, by: User, complete: bool, items: list, prefix: str,
    figures: dict[int, tuple[Decimal | None, str]], result_for, store,
) -> None:  # fmt: skip
    """Save one figure and note per item (a KPI or an outcome measure) of the return;
    marked complete, every item needs its figure. ``result_for(item)`` gets or makes the
    item's result row, ``store(result, item, figure, note)`` sets its fields."""
    missing = {}
    for item in items:
        figure, note = figures.get(item.pk, (None, ""))
        if figure is not None and figure < 0:
            raise ValidationError({f"{prefix}_{item.pk}": "Enter a figure of 0 or more"})
        result = result_for(item)
        store(result, item, figure, (note or "").strip())
        _save(result, by=by)
        if figure is None:
            missing[f"{prefix}_{item.pk}"] = f"Enter the figure for {item.name}"
    if complete and missing:
        raise ValidationError(missing)


@transaction.atomic
def return_save_kpis(
    *, monitoring_return: MonitoringReturn, by: User, version: int | None, complete: bool,
    actuals: dict[int, tuple[Decimal | None, str]],
) -> MonitoringReturn:  # fmt: skip
    """``actuals`` maps a KPI's id to (actual, note); the KPI's target is kept with it."""
    current = _locked(monitoring_return)
    _check_version(current, version)
    _require_editable(current)

    def store(result, kpi, actual, note):
        result.target, result.actual, result.note = kpi.target, actual, note

    _save_figures(
        current, by=by, complete=complete, items=kpis_for(current), prefix="kpi",
        figures=actuals, store=store,
        result_for=lambda kpi: KPIResult.objects.get_or_create(
            monitoring_return=current, kpi=kpi, defaults={"target": kpi.target}
        )[0],
    )  # fmt: skip
    current.performance_complete = complete
    return _touch(current, by)


@transaction.atomic
def return_save_outcomes(
    *, monitoring_return: MonitoringReturn, by: User, version: int | None, complete: bool,
    values: dict[int, tuple[Decimal | None, str]],
) -> MonitoringReturn:  # fmt: skip
    """``values`` maps an outcome measure's id to (value, note); the agreement's target
    for the measure, if any, is kept with it."""
    current = _locked(monitoring_return)
    _check_version(current, version)
    _require_editable(current)
    targets = {t.measure_id: t.target for t in current.schedule.targets.all()}

    def store(result, measure, value, note):
        result.value, result.note, result.target = value, note, targets.get(measure.pk)

    _save_figures(
        current, by=by, complete=complete, items=measures_for(current), prefix="measure",
        figures=values, store=store,
        result_for=lambda measure: OutcomeResult.objects.get_or_create(
            monitoring_return=current, measure=measure
        )[0],
    )  # fmt: skip
    current.outcomes_complete = complete
    return _touch(current, by)


@transaction.atomic
def evidence_add(
    *, monitoring_return: MonitoringReturn, by: User, upload, description: str = "",
    version: int | None = None,
) -> EvidenceFile:  # fmt: skip
    current = _locked(monitoring_return)
    _check_version(current, version)
    _require_editable(current)
    try:
        validate_upload(upload, kinds=EVIDENCE_FILE_KINDS)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from error
    evidence = EvidenceFile(
        monitoring_return=current,
        original_name=upload.name[-255:],
        size=upload.size,
        description=description.strip(),
        uploaded_by=by,
    )
    evidence.file.save(upload.name, upload, save=False)
    try:
        _save(evidence, by=by)
    except Exception:
        evidence.file.delete(save=False)
        raise
    _touch(current, by)
    return evidence


@transaction.atomic
def evidence_remove(*, evidence: EvidenceFile, by: User, version: int | None = None) -> None:
    current = _locked(evidence.monitoring_return)
    _check_version(current, version)
    _require_editable(current)
    stored = evidence.file
    evidence._history_user = by
    evidence.delete()
    transaction.on_commit(lambda: stored.delete(save=False))
    if not current.evidence_files.exists():
        current.evidence_complete = False
    _touch(current, by)


@transaction.atomic
def return_mark_evidence(
    *, monitoring_return: MonitoringReturn, by: User, version: int | None, complete: bool
) -> MonitoringReturn:
    current = _locked(monitoring_return)
    _check_version(current, version)
    _require_editable(current)
    current.evidence_complete = complete
    return _touch(current, by)


def sections_for(monitoring_return: MonitoringReturn) -> list[str]:
    """The sections this return has: performance only where there are KPIs, outcomes
    only where there are outcome measures."""
    sections = [Section.FINANCE]
    if kpis_for(monitoring_return):
        sections.append(Section.PERFORMANCE)
    if measures_for(monitoring_return):
        sections.append(Section.OUTCOMES)
    sections += [Section.NARRATIVE, Section.EVIDENCE]
    return sections


def submit_problems(current: MonitoringReturn) -> list[str]:
    return [
        f"Complete the {Section(section).label.lower()} section"
        for section in sections_for(current)
        if not current.section_complete(section)
    ]


# --- Submission and review ------------------------------------------------------------


def snapshot(current: MonitoringReturn) -> dict:
    """The return's answers as plain data, kept with each submission."""

    def text(value):
        return None if value is None else str(value)

    return {
        "finance": {name: text(getattr(current, name)) for name in FINANCE_FIELDS}
        | {
            "year_budget": text(current.year_budget),
            "variance": text(current.variance),
            "forecast_underspend": text(current.forecast_underspend),
        },
        "kpis": [
            {
                "name": r.kpi.name,
                "target": text(r.target),
                "actual": text(r.actual),
                "unit": r.kpi.unit,
                "note": r.note,
            }
            for r in current.kpi_results.select_related("kpi")
        ],  # fmt: skip
        "outcomes": [
            {
                "name": r.measure.name,
                "target": text(r.target),
                "value": text(r.value),
                "unit": r.measure.unit,
                "note": r.note,
            }
            for r in current.outcome_results.select_related("measure")
        ],  # fmt: skip
        "narrative": {name: getattr(current, name) for name in NARRATIVE_FIELDS},
        "evidence": [e.original_name for e in current.evidence_files.all()],
    }


def lead_officers(schedule: ReturnSchedule) -> list[User]:
    """Who looks after the agreement: its responsible officer and the workstream lead."""
    agreement = schedule.agreement
    people = [agreement.responsible_officer, agreement.workstream.lead_officer]
    return [p for p in people if p is not None]


def active_providers():
    """Provider accounts that can sign in: who hears about an organisation's returns."""
    return User.objects.filter(role=Role.PROVIDER, is_active=True)


def provider_users(organisation) -> list[User]:
    return list(active_providers().filter(organisation=organisation))


def can_review(user: User, monitoring_return: MonitoringReturn) -> bool:
    """Officers of the agreement's team (its responsible officer and the workstream's
    lead officer), any manager, and administrators accept returns."""
    if user.role in (Role.MANAGER, Role.ADMIN):
        return True
    if user.role != Role.OFFICER:
        return False
    return user.pk in {u.pk for u in lead_officers(monitoring_return.schedule)}


@transaction.atomic
def return_submit(
    *, monitoring_return: MonitoringReturn, by: User, version: int | None = None
) -> MonitoringReturn:
    current = _locked(monitoring_return)
    _check_version(current, version)
    _require_editable(current)
    problems = submit_problems(current)
    if problems:
        raise ValidationError(problems, code="incomplete")
    number = current.submissions.count() + 1
    now = timezone.now()
    ReturnSubmission.objects.create(
        monitoring_return=current,
        number=number,
        submitted_at=now,
        submitted_by=by,
        snapshot=snapshot(current),
    )
    current.status = ReturnStatus.SUBMITTED
    current.submitted_at, current.submitted_by = now, by
    current.version += 1
    _save(current, by=by)
    agreement = current.schedule.agreement
    notify(
        recipients=lead_officers(current.schedule),
        key=f"return-submitted:{current.pk}:{number}",
        title=f"{current.organisation} submitted the {current.period_label} return",
        body=f"The return for {agreement} is ready for review.",
        url=current.get_absolute_url(),
    )
    underspend_flag_from(current)
    return current


def underspend_flag_from(current: MonitoringReturn) -> list[UnderspendFlag]:
    """Flag each underspend the submitted figures show and tell the lead officers at
    once. A resubmission updates its flags; figures that no longer show one clear it."""
    found = _underspend_kinds(current)
    flags = []
    for kind, (amount, percentage) in found.items():
        flag, created = UnderspendFlag.objects.get_or_create(
            monitoring_return=current,
            kind=kind,
            defaults={"amount": amount, "percentage": percentage},
        )
        flag.amount, flag.percentage = amount, percentage
        flag.explanation = current.underspend_explanation
        _save(flag, by=current.submitted_by)
        flags.append(flag)
        what = (
            f"{money(amount)} below the period's budget ({percentage}%)"
            if kind == UnderspendKind.BELOW_PROFILE
            else f"an underspend of {money(amount)} forecast for the financial year"
        )
        notify(
            recipients=lead_officers(current.schedule),
            key=f"underspend:{current.pk}:{kind}:{amount}",
            title=f"Underspend reported: {current.schedule.agreement}",
            body=f"{current.organisation}'s {current.period_label} return shows {what}.",
            url=current.get_absolute_url(),
        )
    current.underspend_flags.filter(resolved_at__isnull=True).exclude(kind__in=list(found)).delete()
    return flags


#: What a review does: the return's new status and the provider's notification.
_REVIEW_OUTCOMES = {
    SubmissionOutcome.ACCEPTED: (
        ReturnStatus.ACCEPTED,
        "return-accepted:{pk}",
        "Your {period} return has been accepted",
    ),
    SubmissionOutcome.CHANGES_REQUESTED: (
        ReturnStatus.CHANGES_REQUESTED,
        "return-changes:{pk}:{number}",
        "Changes requested to your {period} return",
    ),
}


def _review(
    monitoring_return: MonitoringReturn, *, by: User, outcome: str, comments: str,
    version: int | None,
) -> MonitoringReturn:  # fmt: skip
    """Record the office's decision on the latest submission and tell the provider."""
    current = _locked(monitoring_return)
    _check_version(current, version)
    if not can_review(by, current):
        raise ValidationError(
            "Only the agreement's officers or a manager can review this return",
            code="not_team",
        )
    if current.status != ReturnStatus.SUBMITTED:
        raise ValidationError(
            "Only a submitted return can be reviewed; this one is %(status)s",
            code="not_submitted",
            params={"status": current.get_status_display().lower()},
        )
    now = timezone.now()
    submission = current.submissions.order_by("-number").first()
    submission.outcome, submission.reviewed_at = outcome, now
    submission.reviewed_by, submission.comments = by, comments
    submission.save(update_fields=["outcome", "reviewed_at", "reviewed_by", "comments"])
    status, key, title = _REVIEW_OUTCOMES[outcome]
    current.status = status
    current.reviewed_at, current.reviewed_by, current.review_comments = now, by, comments
    current.version += 1
    _save(current, by=by)
    notify(
        recipients=provider_users(current.organisation),
        key=key.format(pk=current.pk, number=submission.number),
        title=title.format(period=current.period_label),
        body=comments,
        url=current.get_absolute_url(),
    )
    return current


@transaction.atomic
def return_accept(
    *, monitoring_return: MonitoringReturn, by: User, comments: str = "",
    version: int | None = None,
) -> MonitoringReturn:  # fmt: skip
    return _review(
        monitoring_return, by=by, outcome=SubmissionOutcome.ACCEPTED,
        comments=comments.strip(), version=version,
    )  # fmt: skip


@transaction.atomic
def return_request_changes(
    *, monitoring_return: MonitoringReturn, by: User, comments: str,
    version: int | None = None,
) -> MonitoringReturn:  # fmt: skip
    if not comments.strip():
        raise ValidationError({"comments": "Enter what needs to change"})
    return _review(
        monitoring_return, by=by, outcome=SubmissionOutcome.CHANGES_REQUESTED,
        comments=comments.strip(), version=version,
    )  # fmt: skip


# --- Underspends ----------------------------------------------------------------------


@transaction.atomic
def underspend_resolve(
    *, flag: UnderspendFlag, by: User, resolution: str, charge=None,
    amount_to_return: Decimal | None = None, recorded_on: datetime.date | None = None,
) -> UnderspendFlag:  # fmt: skip
    """Close an underspend flag, recording what the office did. For a grant, money to
    be returned at year end is recorded against the grant (its funding stream is
    credited) through the grants app."""
    flag = UnderspendFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.resolved_at:
        raise ValidationError(f"This underspend was dealt with on {ukdate(flag.resolved_at)}")
    if not resolution.strip():
        raise ValidationError({"resolution": "Enter what was done about the underspend"})
    schedule = flag.monitoring_return.schedule
    if amount_to_return:
        if not schedule.grant_id:
            raise ValidationError(
                {"amount_to_return": "Money to be returned is recorded only for grants"}
            )
        from grants.services import underspend_record

        if charge is None:
            raise ValidationError({"charge": "Select the funding stream the money returns to"})
        flag.underspend_return = underspend_record(
            grant=schedule.grant,
            charge=charge,
            by=by,
            amount=amount_to_return,
            recorded_on=recorded_on or timezone.localdate(),
            note=f"Year-end underspend reported in the {flag.monitoring_return.period_label} "
            "return",
        )
    flag.resolution, flag.resolved_at, flag.resolved_by = resolution.strip(), timezone.now(), by
    return _save(flag, by=by)


# --- Concerns and complaints ----------------------------------------------------------


@transaction.atomic
def concern_record(*, agreement, by: User, **fields: Any) -> Concern:
    from contracts.models import Contract

    field = "contract" if isinstance(agreement, Contract) else "grant"
    concern = _save(Concern(**{field: agreement}, recorded_by=by, **fields), by=by)
    if concern.escalated_to:
        _announce_escalation(concern)
    return concern


@transaction.atomic
def concern_update(*, concern: Concern, by: User, **fields: Any) -> Concern:
    concern = Concern.objects.select_for_update().get(pk=concern.pk)
    was_escalated_to = concern.escalated_to
    for name, value in fields.items():
        setattr(concern, name, value)
    _save(concern, by=by)
    if concern.escalated_to and concern.escalated_to != was_escalated_to:
        _announce_escalation(concern)
    return concern


def _announce_escalation(concern: Concern) -> None:
    managers = User.objects.filter(role=Role.MANAGER, is_active=True)
    notify(
        recipients=managers,
        key=f"concern-escalated:{concern.pk}:{concern.escalated_to}",
        title=f"{concern.get_kind_display()} escalated: {concern.agreement}",
        body=concern.summary[:500],
        url=concern.get_absolute_url(),
    )
