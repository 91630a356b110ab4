"""The decision workflow: draft -> submitted -> approved / declined / returned (then draft
again). Every change is one transaction with its event; notifications go after commit."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from commissioning.history import set_reference_quietly
from commissioning.locking import check_version
from commissioning.models import EDITOR_ROLES, Role, User
from commissioning.notifications import notify
from commissioning.templatetags.portal import ukdate
from workstreams import services as workstream_services
from workstreams.models import CommissioningRole, Workstream, WorkstreamStatus

from .models import (
    DECIDED_STATUSES,
    Answer,
    AssessmentEvent,
    AssessmentStatus,
    DecisionAssessment,
    DecisionType,
    QuestionSet,
    Rating,
    Recommendation,
)

DECISION_OUTCOMES = (
    AssessmentStatus.APPROVED,
    AssessmentStatus.DECLINED,
    AssessmentStatus.RETURNED,
)


def answer_field(number: int, name: str) -> str:
    """The form field that holds part of the answer to question ``number``: the edit
    form and the submission check name fields the same way."""
    return f"q{number}_{name}"


def _event(assessment, *, by, from_status, reason="") -> AssessmentEvent:
    return AssessmentEvent.objects.create(
        assessment=assessment,
        from_status=from_status,
        to_status=assessment.status,
        by=by,
        reason=reason,
    )


def _save(instance, *, by):
    instance.full_clean()
    instance._history_user = by
    instance.save()
    return instance


def _locked(assessment: DecisionAssessment) -> DecisionAssessment:
    return DecisionAssessment.objects.select_for_update().get(pk=assessment.pk)


def refuse_if_not_editable(assessment: DecisionAssessment) -> None:
    if assessment.is_editable:
        return
    if assessment.is_decided:
        raise ValidationError(
            "This assessment was %(outcome)s on %(date)s and can no longer be edited. "
            "To change it, supersede it with a new assessment.",
            code="decided",
            params={
                "outcome": assessment.get_status_display().lower(),
                "date": ukdate(assessment.decided_at),
            },
        )
    raise ValidationError(
        "This assessment has been submitted for a decision and can't be edited unless a "
        "manager returns it for changes.",
        code="submitted",
    )


def current_question_set() -> QuestionSet:
    return QuestionSet.objects.get(is_current=True)


# --- Creating and editing ----------------------------------------------------------------


@transaction.atomic
def assessment_create(
    *,
    by: User,
    decision_type: str,
    title: str,
    workstream: Workstream | None = None,
    new_workstream: dict[str, Any] | None = None,
    amount=None,
    supersedes: DecisionAssessment | None = None,
) -> DecisionAssessment:
    """Start a draft for an existing workstream, or for a proposed one created here."""
    if workstream is None:
        if not new_workstream:
            raise ValidationError({"workstream": "Select the workstream this decision is about"})
        workstream = workstream_services.workstream_create(
            by=by, status=WorkstreamStatus.PROPOSED, **new_workstream
        )
    question_set = current_question_set()
    assessment = DecisionAssessment(
        reference=f"new-{uuid.uuid4().hex[:20]}",
        title=title,
        decision_type=decision_type,
        workstream=workstream,
        question_set=question_set,
        amount=amount,
        author=by,
        supersedes=supersedes,
    )
    _save(assessment, by=by)
    set_reference_quietly(assessment, f"DA-{timezone.localdate():%Y}-{assessment.pk:04d}")
    bulk_create_with_history(
        [Answer(assessment=assessment, question=q) for q in question_set.questions.all()],
        Answer,
        default_user=by,
    )
    _event(assessment, by=by, from_status="")
    return assessment


@transaction.atomic
def assessment_update(
    *,
    assessment: DecisionAssessment,
    by: User,
    answers: dict[int, dict[str, Any]] | None = None,
    version: int | None = None,
    **fields: Any,
) -> DecisionAssessment:
    """Save what has been typed so far (nothing is required until submission).
    ``answers`` maps a question number to its rating, narrative and evidence;
    ``version`` is the one the edit page was opened at: a newer assessment (saved by
    someone else, or in another tab) is not saved over."""
    assessment = _locked(assessment)
    refuse_if_not_editable(assessment)
    check_version(assessment, version, noun="assessment")
    previous = assessment.status
    for name, value in fields.items():
        setattr(assessment, name, value)
    if previous == AssessmentStatus.RETURNED:
        assessment.status = AssessmentStatus.DRAFT
    _save(assessment, by=by)
    if previous != assessment.status:
        _event(assessment, by=by, from_status=previous)
    for answer in assessment.answers.select_related("question"):
        values = (answers or {}).get(answer.question.number)
        if not values:
            continue
        for name in ("rating", "narrative", "evidence_url"):
            if name in values:
                setattr(answer, name, values[name] or "")
        upload = values.get("evidence_file")
        if upload:
            answer.evidence_file = upload
            answer.evidence_name = upload.name[:255]
        _save(answer, by=by)
    return assessment


# --- Submitting -------------------------------------------------------------------------


def missing_for_submission(assessment: DecisionAssessment) -> dict[str, str]:
    """What must be filled in before submission, keyed by form field, worded for the
    error summary (one line per missing answer)."""
    missing: dict[str, str] = {}
    answers = list(assessment.answers.select_related("question"))
    for answer in answers:
        q = answer.question
        if not answer.rating:
            missing[answer_field(q.number, "rating")] = (
                f"Select a rating for question {q.number}, {q.heading}"
            )
        if not answer.narrative.strip():
            missing[answer_field(q.number, "narrative")] = (
                f"Enter your answer to question {q.number}, {q.heading}"
            )
    if not assessment.recommendation:
        missing["recommendation"] = "Select whether you recommend to proceed or to decline"
    if not assessment.summary.strip():
        missing["summary"] = "Enter a summary of the recommendation"
    proceed = assessment.recommendation == Recommendation.PROCEED
    if (
        proceed
        and assessment.decision_type == DecisionType.NEW_WORKSTREAM
        and not assessment.recommended_role
    ):
        missing["recommended_role"] = "Select the commissioning role the office should take"
    if (
        proceed
        and assessment.decision_type == DecisionType.NEW_WORKSTREAM
        and assessment.recommended_role == CommissioningRole.CO_COMMISSIONER
        and not assessment.workstream.lead_commissioner_id
    ):
        missing["recommended_role"] = (
            "A co-commissioned workstream is led by another body: record its lead "
            "commissioner on the workstream first, or recommend another role"
        )
    not_met = [a.question for a in answers if a.rating == Rating.NOT_MET]
    if proceed and not_met and not assessment.justification.strip():
        names = [f"{q.number} ({q.heading})" for q in not_met]
        if len(names) == 1:
            which = f"question {names[0]} is"
        else:
            which = f"questions {', '.join(names[:-1])} and {names[-1]} are"
        missing["justification"] = f"Explain why the office should proceed although {which} not met"
    return missing


def _managers_except(user: User):
    return User.objects.filter(is_active=True, role__in=[Role.MANAGER, Role.ADMIN]).exclude(
        pk=user.pk
    )


@transaction.atomic
def assessment_submit(*, assessment: DecisionAssessment, by: User) -> DecisionAssessment:
    assessment = _locked(assessment)
    refuse_if_not_editable(assessment)
    missing = missing_for_submission(assessment)
    if missing:
        raise ValidationError(missing)
    previous = assessment.status
    assessment.status = AssessmentStatus.SUBMITTED
    assessment.submitted_at = timezone.now()
    _save(assessment, by=by)
    event = _event(assessment, by=by, from_status=previous)
    notify(
        recipients=_managers_except(assessment.author),
        key=f"assessment-submitted:{event.pk}",
        title=f"Decision needed: {assessment.reference} {assessment.title}",
        body=f"{by} submitted an assessment for your decision "
        f"({assessment.get_decision_type_display().lower()}, workstream "
        f"{assessment.workstream}).",
        url=assessment.get_absolute_url(),
    )
    return assessment


# --- Deciding ---------------------------------------------------------------------------


def _apply_consequences(assessment: DecisionAssessment, by: User) -> None:
    """A decided new-workstream assessment settles its workstream: proceed makes it active
    in the recommended role (a declined proposal can be reconsidered this way, through a
    superseding assessment); anything else declines a proposed one. Returning an
    assessment for changes settles nothing."""
    workstream = assessment.workstream
    if (
        assessment.status not in DECIDED_STATUSES
        or assessment.decision_type != DecisionType.NEW_WORKSTREAM
        or workstream.status not in (WorkstreamStatus.PROPOSED, WorkstreamStatus.DECLINED)
    ):
        return
    go_ahead = (
        assessment.status == AssessmentStatus.APPROVED
        and assessment.recommendation == Recommendation.PROCEED
    )
    if not go_ahead and workstream.status == WorkstreamStatus.DECLINED:
        return
    workstream_services.workstream_apply_decision(
        workstream=workstream,
        by=by,
        go_ahead=go_ahead,
        role=assessment.recommended_role or workstream.role,
        reason=f"{assessment.reference}: {assessment.decision_reason}",
    )


@transaction.atomic
def assessment_decide(
    *, assessment: DecisionAssessment, by: User, outcome: str, reason: str
) -> DecisionAssessment:
    """A manager who is not the author approves, declines or returns a submitted
    assessment. The row is locked: of two managers deciding at once, exactly one
    decision is recorded and the other is told who decided first."""
    if by.role not in (Role.MANAGER, Role.ADMIN):
        raise ValidationError("Only a manager can decide an assessment", code="not_manager")
    if outcome not in DECISION_OUTCOMES:
        raise ValidationError({"outcome": "Select approve, decline or return for changes"})
    if not reason.strip():
        raise ValidationError({"reason": "Enter the reason for your decision"})
    assessment = _locked(assessment)
    if assessment.author_id == by.pk:
        raise ValidationError(
            "You wrote this assessment, so another manager must decide it", code="own"
        )
    if assessment.status == AssessmentStatus.DRAFT:
        raise ValidationError(
            "This assessment was returned for changes and is being edited, so your "
            "decision was not recorded.",
            code="already_decided",
        )
    if assessment.status != AssessmentStatus.SUBMITTED:
        last = assessment.events.select_related("by").last()
        raise ValidationError(
            "This assessment has already been %(status)s by %(who)s, so your decision was "
            "not recorded.",
            code="already_decided",
            params={
                "status": assessment.get_status_display().lower(),
                "who": last.by if last else "someone else",
            },
        )
    previous = assessment.status
    assessment.status = outcome
    assessment.decision_reason = reason.strip()
    if outcome == AssessmentStatus.RETURNED:
        assessment.decided_by, assessment.decided_at = None, None
    else:
        assessment.decided_by, assessment.decided_at = by, timezone.now()
    _save(assessment, by=by)
    event = _event(assessment, by=by, from_status=previous, reason=assessment.decision_reason)
    _apply_consequences(assessment, by)
    verb = {
        AssessmentStatus.APPROVED: "approved",
        AssessmentStatus.DECLINED: "declined",
        AssessmentStatus.RETURNED: "returned for changes",
    }[outcome]
    notify(
        recipients=[assessment.author],
        key=f"assessment-decided:{event.pk}",
        title=f"{assessment.reference} {verb}: {assessment.title}",
        body=f"{by} {verb} your assessment. Reason: {assessment.decision_reason}",
        url=assessment.get_absolute_url(),
    )
    return assessment


# --- Superseding ------------------------------------------------------------------------


@transaction.atomic
def assessment_supersede(*, assessment: DecisionAssessment, by: User) -> DecisionAssessment:
    """Start a new draft that replaces a decided assessment, carrying its answers over.
    The decided one stays on the record, linked to its successor."""
    assessment = _locked(assessment)
    if not assessment.is_decided:
        raise ValidationError("Only a decided assessment can be superseded", code="undecided")
    if DecisionAssessment.objects.filter(supersedes=assessment).exists():
        successor = assessment.superseded_by
        raise ValidationError(
            "This assessment has already been superseded by %(reference)s",
            code="superseded",
            params={"reference": successor.reference},
        )
    if by.role not in EDITOR_ROLES:
        raise ValidationError("Only officers and managers can start an assessment")
    new = assessment_create(
        by=by,
        decision_type=assessment.decision_type,
        title=assessment.title,
        workstream=assessment.workstream,
        amount=assessment.amount,
        supersedes=assessment,
    )
    old_answers = {a.question.number: a for a in assessment.answers.select_related("question")}
    for answer in new.answers.select_related("question"):
        old = old_answers.get(answer.question.number)
        if old is None:
            continue
        answer.rating, answer.narrative = old.rating, old.narrative
        answer.evidence_url = old.evidence_url
        answer.evidence_file, answer.evidence_name = old.evidence_file, old.evidence_name
        _save(answer, by=by)
    for name in ("recommendation", "recommended_role", "summary", "justification"):
        setattr(new, name, getattr(assessment, name))
    return _save(new, by=by)
