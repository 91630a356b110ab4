"""Changes to procurements and contracts. Each is one transaction and validates its rows;
the evaluation arithmetic lives in ``evaluation_result`` so pages, exports and the award
all rank bids the same way."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from commissioning.dates import FinancialYear, add_months
from commissioning.history import set_reference_quietly
from commissioning.hooks import AGREEMENT_CHANGED, announce
from commissioning.locking import check_version
from commissioning.models import FundingStream, User
from commissioning.templatetags.portal import money, ukdate
from decisions.models import AssessmentStatus, DecisionType
from workstreams.models import Milestone, MilestoneKind

from .models import (
    KPI,
    Bid,
    Contract,
    ContractCharge,
    ContractMeeting,
    ContractNotice,
    ExtensionOption,
    MeetingAction,
    ModeratedScore,
    NoticeKind,
    PanelScore,
    Procurement,
    ProcurementStatus,
    QualityQuestion,
    SuitabilityCheck,
    SuitabilityGround,
    Variation,
)

TWO_PLACES = Decimal("0.01")
NOTICE_DAYS = 30


def _save(instance, *, by: User | None):
    instance.full_clean()
    instance._history_user = by
    instance.save()
    return instance


def _locked(contract: Contract, version: int | None = None) -> Contract:
    """The contract as it stands, locked; refused when a page opened at an older
    ``version`` (see commissioning/locking.py) would save over a newer change."""
    current = Contract.objects.select_for_update().get(pk=contract.pk)
    check_version(current, version, noun="contract")
    return current


# --- Procurement and bids ---------------------------------------------------------------


@transaction.atomic
def procurement_create(*, by: User, **fields: Any) -> Procurement:
    return _save(Procurement(**fields), by=by)


@transaction.atomic
def procurement_update(*, procurement: Procurement, by: User, **fields: Any) -> Procurement:
    procurement = Procurement.objects.select_for_update().get(pk=procurement.pk)
    for name, value in fields.items():
        setattr(procurement, name, value)
    return _save(procurement, by=by)


@transaction.atomic
def question_add(*, procurement: Procurement, by: User, text: str, weight: Decimal):
    number = procurement.questions.count() + 1
    return _save(
        QualityQuestion(procurement=procurement, number=number, text=text, weight=weight), by=by
    )


@transaction.atomic
def bid_add(*, procurement: Procurement, by: User, **fields: Any) -> Bid:
    bid = _save(Bid(procurement=procurement, **fields), by=by)
    SuitabilityCheck.objects.bulk_create(
        SuitabilityCheck(bid=bid, ground=ground) for ground in SuitabilityGround.values
    )
    return bid


@transaction.atomic
def suitability_record(
    *, bid: Bid, by: User, results: dict[str, tuple[bool | None, str]], **modern_slavery: Any
) -> Bid:
    """Record each ground's pass/fail and note, and the s54 statement."""
    for check in bid.suitability.all():
        if check.ground in results:
            check.passed, check.note = results[check.ground]
            check.save(update_fields=["passed", "note"])
    for name, value in modern_slavery.items():
        setattr(bid, name, value)
    if bid.modern_slavery_applies and not bid.modern_slavery_statement_url:
        raise ValidationError(
            {
                "modern_slavery_statement_url": "Enter the address of the supplier's modern "
                "slavery statement: section 54 applies to them"
            }
        )
    return _save(bid, by=by)


def suitability_problems(bid: Bid) -> list[str]:
    """Why the bidder is not (yet) suitable; empty when suitable."""
    problems = [
        f"{check.get_ground_display()}: {'failed' if check.passed is False else 'not assessed'}"
        for check in bid.suitability.all()
        if check.passed is not True
    ]
    if bid.modern_slavery_applies and not bid.modern_slavery_statement_url:
        problems.append("Modern slavery statement: missing")
    return problems


@transaction.atomic
def panel_score_record(
    *, bid: Bid, question: QualityQuestion, panel_member: User, score: Decimal
) -> PanelScore:
    scale = bid.procurement.score_scale_max
    if score < 0 or score > scale:
        raise ValidationError({"score": f"Enter a score from 0 to {scale}"})
    row, _ = PanelScore.objects.update_or_create(
        bid=bid, question=question, panel_member=panel_member, defaults={"score": score}
    )
    return row


def panel_average(bid: Bid, question: QualityQuestion) -> Decimal | None:
    scores = [s.score for s in bid.panel_scores.filter(question=question)]
    if not scores:
        return None
    return (sum(scores) / len(scores)).quantize(TWO_PLACES, ROUND_HALF_UP)


@transaction.atomic
def moderate(
    *, bid: Bid, question: QualityQuestion, by: User, score: Decimal, reason: str = ""
) -> ModeratedScore:
    """The panel's consensus score; a reason is needed when it differs from the
    average of the panel's scores."""
    scale = bid.procurement.score_scale_max
    if score < 0 or score > scale:
        raise ValidationError({"score": f"Enter a score from 0 to {scale}"})
    average = panel_average(bid, question)
    if average is not None and score != average and not reason.strip():
        raise ValidationError(
            {
                "reason": f"Explain why the consensus score differs from the panel's average "
                f"of {average}"
            }
        )
    row, _ = ModeratedScore.objects.update_or_create(
        bid=bid, question=question, defaults={"score": score, "reason": reason.strip()}
    )
    row._history_user = by
    return row


@transaction.atomic
def bid_social_value_record(*, bid: Bid, by: User, score: Decimal) -> Bid:
    """The panel's moderated social value score for a bid, on the procurement's scale."""
    scale = bid.procurement.score_scale_max
    if score is None or score < 0 or score > scale:
        raise ValidationError({"social_value_score": f"Enter a score from 0 to {scale}"})
    bid.social_value_score = score
    return _save(bid, by=by)


# --- Evaluation -------------------------------------------------------------------------


@dataclass
class BidResult:
    bid: Bid
    suitable: bool
    problems: list[str]
    quality: Decimal | None
    price: Decimal
    social_value: Decimal | None
    total: Decimal | None
    rank: int | None = None


def evaluation_problems(procurement: Procurement) -> list[str]:
    problems = []
    questions = list(procurement.questions.all())
    if not questions:
        problems.append("Add the quality questions")
    elif sum(q.weight for q in questions) != 100:
        problems.append(
            f"The quality questions' weights add up to {sum(q.weight for q in questions)}%: "
            "they must add up to 100%"
        )
    return problems


def evaluation_result(procurement: Procurement) -> list[BidResult]:
    """Every bid scored and the suitable ones ranked: quality is each question's
    moderated score over the scale, weighted; price is lowest suitable price ÷ bid price
    × price weight; social value is its moderated score over the scale × its weight.
    Ties rank by lower price, then supplier name, then the order bids were entered."""
    questions = list(procurement.questions.all())
    bids = list(
        procurement.bids.select_related("supplier").prefetch_related(
            "suitability", "moderated_scores"
        )
    )
    scale = Decimal(procurement.score_scale_max)
    results = []
    for bid in bids:
        problems = suitability_problems(bid)
        results.append(BidResult(bid, not problems, problems, None, Decimal(0), None, None))
    suitable_prices = [r.bid.price for r in results if r.suitable]
    lowest = min(suitable_prices) if suitable_prices else None
    for result in results:
        bid = result.bid
        moderated = {m.question_id: m.score for m in bid.moderated_scores.all()}
        if questions and all(q.pk in moderated for q in questions):
            result.quality = sum(
                (moderated[q.pk] / scale) * (q.weight / 100) * procurement.quality_weight
                for q in questions
            ).quantize(TWO_PLACES, ROUND_HALF_UP)
        if lowest is not None:
            result.price = (lowest / bid.price * procurement.price_weight).quantize(
                TWO_PLACES, ROUND_HALF_UP
            )
        if bid.social_value_score is not None:
            result.social_value = (
                bid.social_value_score / scale * procurement.social_value_weight
            ).quantize(TWO_PLACES, ROUND_HALF_UP)
        if result.quality is not None and result.social_value is not None:
            result.total = result.quality + result.price + result.social_value
    ranked = sorted(
        (r for r in results if r.suitable and r.total is not None),
        key=lambda r: (-r.total, r.bid.price, r.bid.supplier.name, r.bid.pk),
    )
    for rank, result in enumerate(ranked, start=1):
        result.rank = rank
    return sorted(results, key=lambda r: (r.rank is None, r.rank or 0, r.bid.supplier.name))


@transaction.atomic
def procurement_award(
    *,
    procurement: Procurement,
    bid: Bid,
    by: User,
    award_date: datetime.date | None = None,
    decision=None,
) -> Procurement:
    """Award to the top-ranked suitable bidder — or to another suitable one when an
    approved contract-award decision records why. A failed supplier is never awarded."""
    procurement = Procurement.objects.select_for_update().get(pk=procurement.pk)
    if procurement.status in (ProcurementStatus.AWARDED, ProcurementStatus.CANCELLED):
        raise ValidationError(
            f"This procurement is already {procurement.get_status_display().lower()}"
        )
    problems = evaluation_problems(procurement)
    results = {r.bid.pk: r for r in evaluation_result(procurement)}
    result = results.get(bid.pk)
    if result is None:
        raise ValidationError({"bid": "Choose one of this procurement's bids"})
    if not result.suitable:
        raise ValidationError(
            {
                "bid": f"{bid.supplier} did not pass supplier suitability "
                f"({'; '.join(result.problems)}), so it cannot be awarded"
            }
        )
    if result.rank is None:
        problems.append(f"{bid.supplier}'s bid has not been fully scored")
    if problems:
        raise ValidationError({"bid": problems})
    if result.rank != 1:
        approved = (
            decision is not None
            and decision.status == AssessmentStatus.APPROVED
            and decision.decision_type == DecisionType.CONTRACT_AWARD
        )
        if not approved:
            top = next(r for r in results.values() if r.rank == 1)
            raise ValidationError(
                {
                    "bid": f"{bid.supplier} is ranked {result.rank}; the most advantageous "
                    f"tender is {top.bid.supplier}'s. Awarding to a lower-ranked bidder needs "
                    "an approved contract-award decision recording why"
                }
            )
    procurement.status = ProcurementStatus.AWARDED
    procurement.awarded_bid = bid
    procurement.award_date = award_date or timezone.localdate()
    _save(procurement, by=by)
    return procurement


# --- Contracts --------------------------------------------------------------------------


def _notice(contract: Contract, kind: str, due: datetime.date, key: str) -> ContractNotice:
    notice, created = ContractNotice.objects.get_or_create(
        contract=contract, key=key, defaults={"kind": kind, "due_date": due}
    )
    if not created and notice.published_on is None and notice.due_date != due:
        notice.due_date = due
        notice.save(update_fields=["due_date"])
    return notice


def _refresh_duties(contract: Contract) -> None:
    """The Procurement Act notices this contract owes, made once each."""
    entered = contract.procurement.award_date if contract.procurement_id else None
    _notice(
        contract,
        NoticeKind.CONTRACT_DETAILS,
        (entered or contract.start_date) + datetime.timedelta(days=NOTICE_DAYS),
        "contract-details",
    )
    year = 1
    while add_months(contract.start_date, 12 * year) <= contract.end_date:
        _notice(
            contract,
            NoticeKind.PERFORMANCE,
            add_months(contract.start_date, 12 * year),
            f"performance-{year}",
        )
        year += 1
    ending = contract.terminated_on or contract.end_date
    _notice(
        contract,
        NoticeKind.TERMINATION,
        ending + datetime.timedelta(days=NOTICE_DAYS),
        "termination",
    )


def meeting_dates(contract: Contract, from_date: datetime.date) -> list[datetime.date]:
    """Contract meetings from ``from_date`` to the end: quarterly in the first year of
    delivery or while a service risk is flagged, six-monthly otherwise."""
    dates = []
    day = add_months(max(from_date, contract.start_date), 3)
    first_year_ends = contract.first_year_ends
    while day <= contract.end_date:
        dates.append(day)
        step = 3 if contract.risk_flagged or day < first_year_ends else 6
        day = add_months(day, step)
    return dates


def _refresh_meetings(
    contract: Contract, *, by: User | None, from_date: datetime.date | None = None
) -> None:
    """Replace the meetings not yet held with the cadence's dates from ``from_date``
    (the new meetings get their history too, with who caused them)."""
    from_date = from_date or contract.start_date
    contract.meetings.filter(held_on__isnull=True, due_date__gte=from_date).delete()
    held = set(contract.meetings.values_list("due_date", flat=True))
    bulk_create_with_history(
        [
            ContractMeeting(contract=contract, due_date=day)
            for day in meeting_dates(contract, from_date)
            if day not in held
        ],
        ContractMeeting,
        default_user=by,
    )


def _sync_end_milestone(contract: Contract, by) -> None:
    title = f"{contract.title} contract ends"
    milestone = contract.end_milestone
    if milestone is None:
        milestone = Milestone.objects.create(
            workstream=contract.workstream,
            kind=MilestoneKind.CONTRACT_END,
            date=contract.end_date,
            title=title,
        )
        contract.end_milestone = milestone
        contract.save(update_fields=["end_milestone"])
    elif milestone.date != contract.end_date:
        milestone.date = contract.end_date
        milestone._history_user = by
        milestone.save(update_fields=["date"])


@transaction.atomic
def contract_create(
    *, by: User | None, charges: list[tuple[FundingStream, Decimal]] = (), **fields: Any
) -> Contract:
    """A contract, from an award or entered directly; its charges count against the
    funding streams' headroom at once."""
    reference = (fields.pop("reference", "") or "").strip()
    contract = _save(
        Contract(reference=reference or f"new-{uuid.uuid4().hex[:20]}", **fields), by=by
    )
    if not reference:
        year = FinancialYear.containing(contract.start_date).start_year
        set_reference_quietly(contract, f"CT-{year}-{contract.pk:04d}")
    charges = list(charges)
    if charges:
        streams = FundingStream.objects.select_for_update(of=("self",)).filter(
            pk__in=[s.pk for s, _ in charges]
        )
        headroom = {s.pk: s.headroom_total for s in streams.with_money()}
        for stream, amount in charges:
            if amount > headroom[stream.pk]:
                raise ValidationError(
                    {
                        "charges": f"{stream} has {money(headroom[stream.pk])} left, not enough "
                        f"for the {money(amount)} charged to it"
                    }
                )
            _save(ContractCharge(contract=contract, funding_stream=stream, amount=amount), by=by)
    _sync_end_milestone(contract, by)
    _refresh_meetings(contract, by=by)
    _refresh_duties(contract)
    return contract


@transaction.atomic
def kpi_add(*, contract: Contract, by: User, **fields: Any) -> KPI:
    return _save(KPI(contract=contract, **fields), by=by)


@transaction.atomic
def contract_go_live(
    *, contract: Contract, by: User, went_live_on: datetime.date, version: int | None = None
) -> Contract:
    contract = _locked(contract, version)
    if contract.needs_three_kpis and contract.kpis.count() < 3:
        raise ValidationError(
            f"This contract is worth {money(contract.whole_life_value)} and is not a "
            f"light-touch contract, so it needs at least three KPIs before it goes live; "
            f"it has {contract.kpis.count()}"
        )
    contract.went_live_on = went_live_on
    _save(contract, by=by)
    _refresh_meetings(contract, by=by, from_date=went_live_on)
    announce(AGREEMENT_CHANGED, agreement=contract, by=by)
    return contract


@transaction.atomic
def contract_set_risk(
    *, contract: Contract, by: User, flagged: bool, note: str = "", version: int | None = None
) -> Contract:
    """Flag or clear a service risk; the meetings not yet held follow the cadence."""
    contract = _locked(contract, version)
    if flagged and not note.strip():
        raise ValidationError({"risk_note": "Describe the service risk"})
    contract.risk_flagged, contract.risk_note = flagged, note.strip()
    _save(contract, by=by)
    _refresh_meetings(contract, by=by, from_date=max(timezone.localdate(), contract.start_date))
    return contract


@transaction.atomic
def meeting_record(
    *, meeting: ContractMeeting, by: User, held_on: datetime.date, minutes: str, rag: str
) -> ContractMeeting:
    meeting.held_on, meeting.minutes, meeting.rag = held_on, minutes, rag
    return _save(meeting, by=by)


@transaction.atomic
def extension_option_add(*, contract: Contract, by: User, months: int) -> ExtensionOption:
    """An extension the contract allows (not yet exercised)."""
    if not months or months < 1:
        raise ValidationError({"months": "Enter the length of the extension in months"})
    return _save(ExtensionOption(contract=contract, months=months), by=by)


@transaction.atomic
def meeting_action_add(
    *,
    meeting: ContractMeeting,
    by: User,
    description: str,
    owner: str,
    due_date: datetime.date,
) -> MeetingAction:
    return _save(
        MeetingAction(meeting=meeting, description=description, owner=owner, due_date=due_date),
        by=by,
    )


@transaction.atomic
def meeting_action_done(
    *, action: MeetingAction, by: User, done_on: datetime.date
) -> MeetingAction:
    if action.done_on:
        raise ValidationError({"action": f"This action was done on {ukdate(action.done_on)}"})
    action.done_on = done_on
    return _save(action, by=by)


@transaction.atomic
def extension_exercise(
    *, option: ExtensionOption, by: User, on: datetime.date, version: int | None = None
) -> Contract:
    """Exercise an extension: the new end date flows to the forward plan, the meetings
    and the termination notice."""
    option = ExtensionOption.objects.select_for_update().get(pk=option.pk)
    if option.exercised_on:
        raise ValidationError(f"This extension was exercised on {ukdate(option.exercised_on)}")
    contract = _locked(Contract(pk=option.contract_id), version)
    contract.end_date = add_months(contract.end_date, option.months)
    option.exercised_on, option.new_end_date = on, contract.end_date
    option.save(update_fields=["exercised_on", "new_end_date"])
    _save(contract, by=by)
    _sync_end_milestone(contract, by)
    _refresh_meetings(contract, by=by, from_date=max(timezone.localdate(), contract.start_date))
    _refresh_duties(contract)
    announce(AGREEMENT_CHANGED, agreement=contract, by=by)
    return contract


@transaction.atomic
def variation_record(
    *, contract: Contract, by: User, version: int | None = None, **fields: Any
) -> Variation:
    """Log a change; its value effect changes the whole-life value, and a contract
    change notice falls due by the date it takes effect."""
    contract = _locked(contract, version)
    variation = _save(Variation(contract=contract, recorded_by=by, **fields), by=by)
    contract.whole_life_value += variation.value_effect
    _save(contract, by=by)
    _notice(
        contract,
        NoticeKind.CONTRACT_CHANGE,
        variation.effective_on,
        f"change-{variation.pk}",
    )
    return variation


@transaction.atomic
def contract_terminate(
    *,
    contract: Contract,
    by: User,
    terminated_on: datetime.date,
    reason: str,
    clause: str,
    notice_given_on: datetime.date | None = None,
    version: int | None = None,
) -> Contract:
    contract = _locked(contract, version)
    if not reason.strip():
        raise ValidationError({"termination_reason": "Enter why the contract is terminated"})
    contract.terminated_on, contract.termination_reason = terminated_on, reason.strip()
    contract.termination_clause, contract.termination_notice_given_on = clause, notice_given_on
    _save(contract, by=by)
    contract.meetings.filter(held_on__isnull=True, due_date__gt=terminated_on).delete()
    _refresh_duties(contract)
    announce(AGREEMENT_CHANGED, agreement=contract, by=by)
    return contract


@transaction.atomic
def notice_publish(
    *, notice: ContractNotice, by: User, published_on, rating: str = ""
) -> ContractNotice:
    if notice.kind == NoticeKind.PERFORMANCE and not rating:
        raise ValidationError({"rating": "Select the performance rating"})
    notice.published_on, notice.rating = published_on, rating
    return _save(notice, by=by)
