"""The decision workflow: draft -> submitted -> approved / declined / returned (then draft
again), who may make each move, what a decision does to its workstream, the record kept
of every move, and the notifications it sends."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from commissioning.models import Notification, Role
from commissioning.notifications import notify
from commissioning.templatetags.portal import ukdate
from decisions import services
from decisions.models import (
    Answer,
    AssessmentEvent,
    AssessmentStatus,
    DecisionAssessment,
    DecisionType,
    Question,
    QuestionSet,
    Rating,
    Recommendation,
)
from tests.factories import (
    DecisionAssessmentFactory,
    PortfolioFactory,
    WorkstreamFactory,
    complete_answers,
)
from workstreams.models import CommissioningRole, Workstream, WorkstreamStatus

pytestmark = pytest.mark.django_db

S = AssessmentStatus
APPROVED, DECLINED, RETURNED = S.APPROVED, S.DECLINED, S.RETURNED

#: The form field of every part of the six answers, in the order the form shows them.
ANSWER_FIELDS = [f"q{n}_{part}" for n in range(1, 7) for part in ("rating", "narrative")]
HEADINGS = ["Rationale", "Budget", "Expertise", "Capacity", "Risk", "Impact"]


@pytest.fixture
def manager2(make_user):
    return make_user(Role.MANAGER, full_name="Marcus Bell")


def draft(author, **kwargs) -> DecisionAssessment:
    return DecisionAssessmentFactory(author=author, **kwargs)


def submitted(author, *, answers=None, **kwargs) -> DecisionAssessment:
    assessment = draft(author, **kwargs)
    complete_answers(assessment, **(answers or {}))
    return services.assessment_submit(assessment=assessment, by=author)


def decide(assessment, by, outcome, reason="Reasons given at the decision meeting."):
    return services.assessment_decide(assessment=assessment, by=by, outcome=outcome, reason=reason)


def reload(obj):
    return type(obj).objects.get(pk=obj.pk)


def error_of(excinfo) -> ValidationError:
    return excinfo.value


# --- Creating ------------------------------------------------------------------------------


def test_an_assessment_of_an_existing_workstream_starts_as_a_draft_with_six_blank_answers(
    officer,
):
    workstream = WorkstreamFactory(title="Small grants fund")

    assessment = services.assessment_create(
        by=officer,
        decision_type=DecisionType.FUNDING_AWARD,
        title="Small grants round 2025/26",
        workstream=workstream,
        amount=Decimal("150000.00"),
    )

    assessment = reload(assessment)
    assert assessment.status == S.DRAFT
    assert assessment.workstream == workstream
    assert assessment.author == officer
    assert assessment.amount == Decimal("150000.00")
    assert re.fullmatch(rf"DA-{timezone.localdate():%Y}-\d{{4}}", assessment.reference)
    assert assessment.question_set == QuestionSet.objects.get(is_current=True)
    answers = list(assessment.answers.select_related("question"))
    assert [a.question.number for a in answers] == [1, 2, 3, 4, 5, 6]
    assert [a.question.heading for a in answers] == HEADINGS
    assert all(a.question.question_set == assessment.question_set for a in answers)
    assert not any(a.rating or a.narrative or a.evidence_url for a in answers)
    assert Workstream.objects.get(pk=workstream.pk).status == WorkstreamStatus.ACTIVE


def test_an_assessment_can_propose_a_new_workstream_created_with_it(officer):
    portfolio = PortfolioFactory(name="Serious violence and the VRU")

    assessment = services.assessment_create(
        by=officer,
        decision_type=DecisionType.NEW_WORKSTREAM,
        title="Bid to the Youth Endowment Fund",
        new_workstream={
            "title": "Youth Endowment Fund bid",
            "description": "A bid as lead partner for a mentoring programme.",
            "portfolio": portfolio,
            "lead_officer": officer,
            "role": CommissioningRole.FACILITATING,
        },
    )

    workstream = assessment.workstream
    assert workstream.pk is not None
    assert workstream.title == "Youth Endowment Fund bid"
    assert workstream.status == WorkstreamStatus.PROPOSED
    assert workstream.lead_officer == officer
    assert assessment.answers.count() == 6


def test_an_assessment_must_name_its_workstream(officer):
    with pytest.raises(ValidationError) as excinfo:
        services.assessment_create(
            by=officer, decision_type=DecisionType.NEW_WORKSTREAM, title="Something"
        )

    assert error_of(excinfo).message_dict == {
        "workstream": ["Select the workstream this decision is about"]
    }
    assert not DecisionAssessment.objects.exists()


def test_each_assessment_gets_its_own_reference(officer):
    first, second = draft(officer), draft(officer)

    assert first.reference != second.reference
    assert first.reference.startswith("DA-") and second.reference.startswith("DA-")


# --- Editing -------------------------------------------------------------------------------


def test_a_draft_keeps_whatever_has_been_typed_so_far(officer):
    assessment = draft(officer)

    services.assessment_update(
        assessment=assessment,
        by=officer,
        answers={
            1: {"rating": Rating.MET, "narrative": "Serves the plan's victims priority."},
            4: {"narrative": "Half a day a week of Owen's time.", "evidence_url": ""},
        },
        summary="Proceed as facilitating commissioner.",
    )

    assessment = reload(assessment)
    assert assessment.status == S.DRAFT
    assert assessment.summary == "Proceed as facilitating commissioner."
    answers = {a.question.number: a for a in assessment.answers.select_related("question")}
    assert (answers[1].rating, answers[1].narrative) == (
        Rating.MET,
        "Serves the plan's victims priority.",
    )
    assert (answers[4].rating, answers[4].narrative) == ("", "Half a day a week of Owen's time.")
    assert answers[2].narrative == ""


def test_a_submitted_assessment_cannot_be_edited(officer):
    assessment = submitted(officer)

    with pytest.raises(ValidationError) as excinfo:
        services.assessment_update(assessment=assessment, by=officer, title="A new title")

    error = error_of(excinfo)
    assert error.code == "submitted"
    assert error.messages == [
        "This assessment has been submitted for a decision and can't be edited unless a "
        "manager returns it for changes."
    ]
    assert reload(assessment).title == assessment.title


@pytest.mark.parametrize("outcome", [APPROVED, DECLINED])
def test_a_decided_assessment_cannot_be_edited(outcome, officer, manager):
    assessment = decide(submitted(officer), manager, outcome)

    with pytest.raises(ValidationError) as excinfo:
        services.assessment_update(
            assessment=assessment,
            by=officer,
            title="A new title",
            answers={1: {"narrative": "Rewritten after the event."}},
        )

    error = error_of(excinfo)
    assert error.code == "decided"
    assert error.messages == [
        f"This assessment was {outcome.label.lower()} on {ukdate(timezone.localdate())} and "
        "can no longer be edited. To change it, supersede it with a new assessment."
    ]
    assessment = reload(assessment)
    assert assessment.title != "A new title"
    assert assessment.answers.get(question__number=1).narrative == "Answer to question 1."


@pytest.mark.parametrize("outcome", [APPROVED, DECLINED])
def test_a_decided_assessment_cannot_be_submitted_again(outcome, officer, manager):
    assessment = decide(submitted(officer), manager, outcome)

    with pytest.raises(ValidationError) as excinfo:
        services.assessment_submit(assessment=assessment, by=officer)

    assert error_of(excinfo).code == "decided"
    assert reload(assessment).status == outcome


def test_editing_a_returned_assessment_puts_it_back_to_draft_with_an_event(officer, manager):
    assessment = decide(submitted(officer), manager, RETURNED, "Add the match funding.")

    services.assessment_update(
        assessment=assessment, by=officer, summary="Proceed; the ICB matches our funding."
    )

    assessment = reload(assessment)
    assert assessment.status == S.DRAFT
    assert assessment.summary == "Proceed; the ICB matches our funding."
    last = assessment.events.last()
    assert (last.from_status, last.to_status, last.by) == (S.RETURNED, S.DRAFT, officer)


# --- Submitting ----------------------------------------------------------------------------


def test_submitting_a_blank_assessment_lists_every_missing_answer(officer):
    assessment = draft(officer)

    with pytest.raises(ValidationError) as excinfo:
        services.assessment_submit(assessment=assessment, by=officer)

    errors = error_of(excinfo).message_dict
    assert list(errors) == [*ANSWER_FIELDS, "recommendation", "summary"]
    for number, heading in enumerate(HEADINGS, start=1):
        assert errors[f"q{number}_rating"] == [f"Select a rating for question {number}, {heading}"]
        assert errors[f"q{number}_narrative"] == [
            f"Enter your answer to question {number}, {heading}"
        ]
    assert errors["recommendation"] == ["Select whether you recommend to proceed or to decline"]
    assert errors["summary"] == ["Enter a summary of the recommendation"]
    assessment = reload(assessment)
    assert assessment.status == S.DRAFT
    assert assessment.submitted_at is None
    assert list(assessment.events.values_list("to_status", flat=True)) == [S.DRAFT]


def test_a_missing_answer_is_reported_and_everything_typed_is_kept(officer):
    assessment = draft(officer)
    complete_answers(assessment)
    services.assessment_update(
        assessment=assessment, by=officer, answers={3: {"rating": "", "narrative": "   "}}
    )

    with pytest.raises(ValidationError) as excinfo:
        services.assessment_submit(assessment=assessment, by=officer)

    assert error_of(excinfo).message_dict == {
        "q3_rating": ["Select a rating for question 3, Expertise"],
        "q3_narrative": ["Enter your answer to question 3, Expertise"],
    }
    assessment = reload(assessment)
    assert assessment.status == S.DRAFT
    assert assessment.summary == "Proceed as lead commissioner."
    assert assessment.answers.exclude(question__number=3).filter(rating=Rating.MET).count() == 5


def test_proceeding_with_a_new_workstream_needs_the_role_to_take(officer):
    assessment = draft(officer)
    complete_answers(assessment, recommended_role="")

    with pytest.raises(ValidationError) as excinfo:
        services.assessment_submit(assessment=assessment, by=officer)

    assert error_of(excinfo).message_dict == {
        "recommended_role": ["Select the commissioning role the office should take"]
    }


@pytest.mark.parametrize(
    "decision_type",
    [DecisionType.FUNDING_AWARD, DecisionType.CONTRACT_AWARD, DecisionType.VARIATION],
)
def test_other_decisions_need_no_role(decision_type, officer):
    assessment = draft(officer, decision_type=decision_type)
    complete_answers(assessment, recommended_role="")

    services.assessment_submit(assessment=assessment, by=officer)

    assert reload(assessment).status == S.SUBMITTED


def test_proceeding_although_a_question_is_not_met_needs_a_justification(officer):
    assessment = draft(officer)
    complete_answers(assessment)
    services.assessment_update(
        assessment=assessment, by=officer, answers={5: {"rating": Rating.NOT_MET}}
    )

    with pytest.raises(ValidationError) as excinfo:
        services.assessment_submit(assessment=assessment, by=officer)

    assert error_of(excinfo).message_dict == {
        "justification": [
            "Explain why the office should proceed although question 5 (Risk) is not met"
        ]
    }

    services.assessment_update(
        assessment=assessment,
        by=officer,
        justification="The risk of doing nothing is greater: victims would have no service.",
    )
    services.assessment_submit(assessment=assessment, by=officer)
    assert reload(assessment).status == S.SUBMITTED


def test_the_justification_message_reads_well_when_several_questions_are_not_met(officer):
    assessment = draft(officer)
    complete_answers(assessment)
    services.assessment_update(
        assessment=assessment,
        by=officer,
        answers={3: {"rating": Rating.NOT_MET}, 5: {"rating": Rating.NOT_MET}},
    )

    with pytest.raises(ValidationError) as excinfo:
        services.assessment_submit(assessment=assessment, by=officer)

    [message] = error_of(excinfo).message_dict["justification"]
    assert "questions 3 (Expertise) and 5 (Risk) are not met" in message, message


def test_a_partly_met_question_needs_no_justification(officer):
    assessment = submitted(officer, answers={"rating": Rating.PARTLY_MET})

    assert assessment.status == S.SUBMITTED


def test_recommending_decline_needs_no_role_or_justification(officer):
    assessment = draft(officer)
    complete_answers(
        assessment,
        rating=Rating.NOT_MET,
        recommendation=Recommendation.DECLINE,
        recommended_role="",
        summary="Decline: another body's remit.",
    )

    services.assessment_submit(assessment=assessment, by=officer)

    assessment = reload(assessment)
    assert assessment.status == S.SUBMITTED
    assert assessment.submitted_at is not None
    assert assessment.justification == ""


# --- Deciding ------------------------------------------------------------------------------


@pytest.fixture
def other_officer(make_user):
    return make_user(Role.OFFICER, full_name="Owen Pritchard")


@pytest.mark.parametrize("who", ["other_officer", "viewer", "provider"])
@pytest.mark.parametrize("outcome", [APPROVED, DECLINED, RETURNED])
def test_only_a_manager_can_decide(who, outcome, request, officer):
    by = request.getfixturevalue(who)
    assessment = submitted(officer)

    with pytest.raises(ValidationError) as excinfo:
        decide(assessment, by, outcome)

    error = error_of(excinfo)
    assert error.code == "not_manager"
    assert error.messages == ["Only a manager can decide an assessment"]
    assessment = reload(assessment)
    assert assessment.status == S.SUBMITTED
    assert assessment.decided_by is None


@pytest.mark.parametrize("outcome", [APPROVED, DECLINED, RETURNED])
def test_a_manager_cannot_decide_their_own_assessment(outcome, manager, manager2):
    assessment = submitted(manager)

    with pytest.raises(ValidationError) as excinfo:
        decide(assessment, manager, outcome)

    assert error_of(excinfo).code == "own"
    assert error_of(excinfo).messages == [
        "You wrote this assessment, so another manager must decide it"
    ]
    assert reload(assessment).status == S.SUBMITTED

    decide(assessment, manager2, outcome)
    assert reload(assessment).status == outcome


def test_an_administrator_can_decide(officer, admin_user):
    assessment = decide(submitted(officer), admin_user, APPROVED)

    assert (assessment.status, assessment.decided_by) == (APPROVED, admin_user)


@pytest.mark.parametrize("reason", ["", "   \n "])
@pytest.mark.parametrize("outcome", [APPROVED, DECLINED, RETURNED])
def test_every_decision_needs_a_reason(outcome, reason, officer, manager):
    assessment = submitted(officer)

    with pytest.raises(ValidationError) as excinfo:
        decide(assessment, manager, outcome, reason)

    assert error_of(excinfo).message_dict == {"reason": ["Enter the reason for your decision"]}
    assert reload(assessment).status == S.SUBMITTED


@pytest.mark.parametrize("outcome", ["", "maybe", S.DRAFT, S.SUBMITTED])
def test_the_outcome_must_be_approve_decline_or_return(outcome, officer, manager):
    assessment = submitted(officer)

    with pytest.raises(ValidationError) as excinfo:
        decide(assessment, manager, outcome)

    assert error_of(excinfo).message_dict == {
        "outcome": ["Select approve, decline or return for changes"]
    }
    assert reload(assessment).status == S.SUBMITTED


@pytest.mark.parametrize("outcome", [APPROVED, DECLINED])
def test_approving_or_declining_records_who_decided_when_and_why(outcome, officer, manager):
    before = timezone.now()

    decide(submitted(officer), manager, outcome, "  Fits the plan's priorities.  ")

    assessment = DecisionAssessment.objects.get()
    assert assessment.status == outcome
    assert assessment.decided_by == manager
    assert before <= assessment.decided_at <= timezone.now()
    assert assessment.decision_reason == "Fits the plan's priorities."
    assert assessment.is_decided and not assessment.is_editable


def test_returning_clears_the_decision_and_the_author_can_edit_and_resubmit(
    officer, manager, manager2
):
    assessment = decide(submitted(officer), manager, RETURNED, "Say who pays in 2026/27.")

    assessment = reload(assessment)
    assert assessment.status == RETURNED
    assert assessment.decided_by is None and assessment.decided_at is None
    assert assessment.decision_reason == "Say who pays in 2026/27."
    assert assessment.is_editable and not assessment.is_decided

    services.assessment_update(
        assessment=assessment,
        by=officer,
        answers={2: {"narrative": "The ICB pays half from April 2026."}},
    )
    services.assessment_submit(assessment=assessment, by=officer)
    decide(assessment, manager2, APPROVED, "Funding is now clear.")

    assessment = reload(assessment)
    assert assessment.status == APPROVED
    assert assessment.decided_by == manager2
    assert assessment.decision_reason == "Funding is now clear."
    assert (
        assessment.answers.get(question__number=2).narrative == "The ICB pays half from April 2026."
    )


@pytest.mark.parametrize("first", [APPROVED, DECLINED, RETURNED])
def test_a_second_decision_is_refused_naming_who_decided(first, officer, manager, manager2):
    assessment = decide(submitted(officer), manager, first)

    with pytest.raises(ValidationError) as excinfo:
        decide(assessment, manager2, APPROVED, "Looks good to me.")

    error = error_of(excinfo)
    assert error.code == "already_decided"
    assert error.messages == [
        f"This assessment has already been {first.label.lower()} by Maya Manager, so your "
        "decision was not recorded."
    ]
    assessment = reload(assessment)
    assert assessment.status == first
    assert assessment.decision_reason == "Reasons given at the decision meeting."
    assert assessment.events.filter(by=manager2).count() == 0


def test_a_stale_decision_on_an_assessment_back_in_draft_is_refused_in_plain_english(
    officer, manager, manager2
):
    """Manager A returns it, the author starts editing, then manager B sends the decision
    form they opened earlier."""
    assessment = decide(submitted(officer), manager, RETURNED, "Add the costs.")
    services.assessment_update(assessment=assessment, by=officer, summary="Costs added.")

    with pytest.raises(ValidationError) as excinfo:
        decide(assessment, manager2, APPROVED, "Fine by me.")

    [message] = error_of(excinfo).messages
    assert reload(assessment).status == S.DRAFT
    assert "not recorded" in message
    assert "been draft" not in message, message


# --- Superseding ---------------------------------------------------------------------------


@pytest.mark.parametrize("state", [S.DRAFT, S.SUBMITTED, RETURNED])
def test_only_a_decided_assessment_can_be_superseded(state, officer, manager):
    assessment = draft(officer) if state == S.DRAFT else submitted(officer)
    if state == RETURNED:
        decide(assessment, manager, RETURNED)

    with pytest.raises(ValidationError) as excinfo:
        services.assessment_supersede(assessment=assessment, by=officer)

    assert error_of(excinfo).code == "undecided"
    assert error_of(excinfo).messages == ["Only a decided assessment can be superseded"]
    assert DecisionAssessment.objects.count() == 1


@pytest.mark.parametrize("outcome", [APPROVED, DECLINED])
def test_superseding_starts_a_draft_that_carries_the_answers_over_and_links_back(
    outcome, officer, manager, other_officer
):
    officer2 = other_officer
    old = draft(officer, amount=Decimal("95000.00"))
    complete_answers(
        old,
        recommended_role=CommissioningRole.INFLUENCING,
        summary="Influence through the partnership board.",
        justification="Not needed, but written.",
    )
    services.assessment_update(
        assessment=old,
        by=officer,
        answers={
            4: {
                "rating": Rating.PARTLY_MET,
                "narrative": "Tight until April.",
                "evidence_url": "https://example.org/forward-plan",
            }
        },
    )
    services.assessment_submit(assessment=old, by=officer)
    decide(old, manager, outcome, "Decided at the board.")

    new = services.assessment_supersede(assessment=old, by=officer2)

    old, new = reload(old), reload(new)
    assert old.superseded_by == new
    assert new.supersedes == old
    assert old.status == outcome  # the old decision stays on the record
    assert old.decided_by == manager
    assert new.status == S.DRAFT
    assert new.author == officer2
    assert new.reference != old.reference
    assert new.decided_by is None and new.submitted_at is None and new.decision_reason == ""
    for name in (
        "title",
        "decision_type",
        "workstream",
        "amount",
        "recommendation",
        "recommended_role",
        "summary",
        "justification",
    ):
        assert getattr(new, name) == getattr(old, name), name

    def answers(assessment):
        return [
            (a.question.number, a.rating, a.narrative, a.evidence_url)
            for a in assessment.answers.select_related("question")
        ]

    assert answers(new) == answers(old)
    assert answers(new)[3] == (
        4,
        Rating.PARTLY_MET,
        "Tight until April.",
        "https://example.org/forward-plan",
    )
    assert Answer.objects.filter(assessment=new).count() == 6
    first = new.events.get()
    assert (first.from_status, first.to_status, first.by) == ("", S.DRAFT, officer2)


def test_an_assessment_is_superseded_only_once(officer, manager):
    old = decide(submitted(officer), manager, APPROVED)
    new = services.assessment_supersede(assessment=old, by=officer)

    with pytest.raises(ValidationError) as excinfo:
        services.assessment_supersede(assessment=old, by=manager)

    assert error_of(excinfo).code == "superseded"
    assert error_of(excinfo).messages == [
        f"This assessment has already been superseded by {new.reference}"
    ]
    assert DecisionAssessment.objects.count() == 2


def test_a_viewer_cannot_supersede(officer, manager, viewer):
    old = decide(submitted(officer), manager, APPROVED)

    with pytest.raises(ValidationError):
        services.assessment_supersede(assessment=old, by=viewer)

    assert DecisionAssessment.objects.count() == 1


def test_the_successor_goes_through_the_workflow_and_the_chain_stays_linked(
    officer, manager, manager2
):
    first = decide(
        submitted(officer, amount=Decimal("95000.00")), manager, APPROVED, "Approved at £95,000."
    )
    second = services.assessment_supersede(assessment=first, by=officer)
    services.assessment_update(assessment=second, by=officer, amount=Decimal("110000.00"))
    services.assessment_submit(assessment=second, by=officer)
    decide(second, manager2, APPROVED, "The ICB's costs rose; approved at £110,000.")
    third = services.assessment_supersede(assessment=second, by=officer)

    first, second, third = reload(first), reload(second), reload(third)
    assert first.superseded_by == second and second.superseded_by == third
    assert third.supersedes.supersedes == first
    assert (first.amount, second.amount, third.amount) == (
        Decimal("95000.00"),
        Decimal("110000.00"),
        Decimal("110000.00"),
    )
    assert [first.status, second.status, third.status] == [APPROVED, APPROVED, S.DRAFT]


# --- Consequences for the workstream -------------------------------------------------------


def proposed_workstream(officer, role=CommissioningRole.LEAD) -> Workstream:
    return WorkstreamFactory(
        status=WorkstreamStatus.PROPOSED, role=role, lead_officer=officer, title="Proposed work"
    )


def test_approving_proceed_makes_the_proposed_workstream_active_in_the_recommended_role(
    officer, manager
):
    workstream = proposed_workstream(officer, role=CommissioningRole.LEAD)
    assessment = submitted(
        officer,
        workstream=workstream,
        answers={"recommended_role": CommissioningRole.FACILITATING},
    )

    decide(assessment, manager, APPROVED, "A bid we can coordinate.")

    workstream = reload(workstream)
    assert workstream.status == WorkstreamStatus.ACTIVE
    assert workstream.role == CommissioningRole.FACILITATING
    assert workstream.closed_reason == ""
    assert set(workstream.checklist_items.values_list("role", flat=True)) == {
        CommissioningRole.FACILITATING
    }


def test_approving_a_recommendation_to_decline_declines_the_workstream_with_the_reason(
    officer, manager
):
    workstream = proposed_workstream(officer)
    assessment = submitted(
        officer,
        workstream=workstream,
        answers={
            "recommendation": Recommendation.DECLINE,
            "recommended_role": "",
            "summary": "Decline: the local authority leads.",
        },
    )

    decide(assessment, manager, APPROVED, "Agreed: another body's remit.")

    workstream = reload(workstream)
    assert workstream.status == WorkstreamStatus.DECLINED
    assert workstream.closed_reason == f"{assessment.reference}: Agreed: another body's remit."
    assert workstream.role == CommissioningRole.LEAD


def test_declining_declines_the_proposed_workstream_with_the_reason(officer, manager):
    workstream = proposed_workstream(officer)
    assessment = submitted(officer, workstream=workstream)

    decide(assessment, manager, DECLINED, "No capacity before the 2025 re-commissioning.")

    workstream = reload(workstream)
    assert workstream.status == WorkstreamStatus.DECLINED
    assert (
        workstream.closed_reason
        == f"{assessment.reference}: No capacity before the 2025 re-commissioning."
    )


def test_returning_leaves_the_workstream_proposed(officer, manager):
    workstream = proposed_workstream(officer)

    decide(submitted(officer, workstream=workstream), manager, RETURNED, "Add the costs.")

    workstream = reload(workstream)
    assert workstream.status == WorkstreamStatus.PROPOSED
    assert workstream.closed_reason == ""


@pytest.mark.parametrize(
    "decision_type",
    [
        DecisionType.FUNDING_AWARD,
        DecisionType.CONTRACT_AWARD,
        DecisionType.VARIATION,
        DecisionType.TERMINATION,
    ],
)
@pytest.mark.parametrize("outcome", [APPROVED, DECLINED])
def test_other_decisions_leave_a_proposed_workstream_alone(
    decision_type, outcome, officer, manager
):
    workstream = proposed_workstream(officer)
    assessment = submitted(officer, workstream=workstream, decision_type=decision_type)

    decide(assessment, manager, outcome)

    workstream = reload(workstream)
    assert workstream.status == WorkstreamStatus.PROPOSED
    assert workstream.closed_reason == ""


@pytest.mark.parametrize("outcome", [APPROVED, DECLINED])
def test_a_new_workstream_decision_on_an_active_workstream_leaves_it_alone(
    outcome, officer, manager
):
    workstream = WorkstreamFactory(role=CommissioningRole.LEAD, lead_officer=officer)
    assessment = submitted(
        officer,
        workstream=workstream,
        answers={"recommended_role": CommissioningRole.INFLUENCING},
    )

    decide(assessment, manager, outcome)

    workstream = reload(workstream)
    assert (workstream.status, workstream.role) == (WorkstreamStatus.ACTIVE, "lead")


def test_approving_co_commissioning_makes_the_workstream_active_under_its_lead_commissioner(
    officer, manager
):
    workstream = proposed_workstream(officer, role=CommissioningRole.CO_COMMISSIONER)
    assessment = submitted(
        officer,
        workstream=workstream,
        answers={"recommended_role": CommissioningRole.CO_COMMISSIONER},
    )

    decide(assessment, manager, APPROVED, "NHS England leads; we sit on the board.")

    workstream = reload(workstream)
    assert workstream.status == WorkstreamStatus.ACTIVE
    assert workstream.role == CommissioningRole.CO_COMMISSIONER
    assert workstream.lead_commissioner is not None


def test_recommending_co_commissioning_needs_the_body_that_leads_it(officer):
    """A workstream can't be active as co-commissioned without its lead commissioner, so
    such a recommendation must be caught when it is submitted: otherwise no manager can
    ever approve it (the approval fails on a field the decision page does not have)."""
    workstream = proposed_workstream(officer, role=CommissioningRole.LEAD)
    assert workstream.lead_commissioner is None
    assessment = draft(officer, workstream=workstream)
    complete_answers(assessment, recommended_role=CommissioningRole.CO_COMMISSIONER)

    with pytest.raises(ValidationError) as excinfo:
        services.assessment_submit(assessment=assessment, by=officer)

    assert "recommended_role" in error_of(excinfo).message_dict
    assert reload(assessment).status == S.DRAFT


# --- The record of every move --------------------------------------------------------------


def test_every_transition_is_recorded_with_who_when_and_why(officer, manager, manager2):
    start = timezone.now()
    assessment = draft(officer)
    complete_answers(assessment)
    services.assessment_submit(assessment=assessment, by=officer)
    decide(assessment, manager, RETURNED, "Say how the risk is managed.")
    services.assessment_update(
        assessment=assessment, by=officer, answers={5: {"narrative": "A risk log, monthly."}}
    )
    services.assessment_submit(assessment=assessment, by=officer)
    decide(assessment, manager2, APPROVED, "Risk is now managed.")

    events = list(AssessmentEvent.objects.filter(assessment=assessment))
    assert [(e.from_status, e.to_status, e.by, e.reason) for e in events] == [
        ("", S.DRAFT, officer, ""),
        (S.DRAFT, S.SUBMITTED, officer, ""),
        (S.SUBMITTED, RETURNED, manager, "Say how the risk is managed."),
        (RETURNED, S.DRAFT, officer, ""),
        (S.DRAFT, S.SUBMITTED, officer, ""),
        (S.SUBMITTED, APPROVED, manager2, "Risk is now managed."),
    ]
    assert all(start <= e.at <= timezone.now() for e in events)
    assert [e.at for e in events] == sorted(e.at for e in events)


def test_editing_a_draft_is_not_a_transition(officer):
    assessment = draft(officer)

    services.assessment_update(assessment=assessment, by=officer, summary="First thoughts.")
    services.assessment_update(assessment=assessment, by=officer, summary="Second thoughts.")

    assert assessment.events.count() == 1
    assert assessment.history.count() >= 3  # every save is in the change history


def test_a_refused_move_records_nothing(officer, manager):
    assessment = submitted(officer)

    with pytest.raises(ValidationError):
        decide(assessment, officer, APPROVED)
    with pytest.raises(ValidationError):
        services.assessment_update(assessment=assessment, by=officer, summary="Changed")

    assert assessment.events.count() == 2


# --- The wording of the questions is versioned ---------------------------------------------


def make_version_2(reword) -> QuestionSet:
    """Version 2 of the questions becomes current; ``reword(question)`` gives each text."""
    QuestionSet.objects.filter(is_current=True).update(is_current=False)
    question_set = QuestionSet.objects.create(
        version=2, introduced_on=datetime.date(2026, 4, 1), is_current=True, note="Reworded"
    )
    for question in Question.objects.filter(question_set__version=1):
        Question.objects.create(
            question_set=question_set,
            number=question.number,
            heading=question.heading,
            text=reword(question),
        )
    return question_set


def question_1(assessment) -> str:
    return assessment.answers.select_related("question").get(question__number=1).question.text


def test_a_new_wording_does_not_rewrite_existing_assessments(officer, manager):
    old = decide(submitted(officer), manager, APPROVED)
    in_progress = draft(officer)
    v1_text = question_1(old)
    assert v1_text == "Does it help deliver the Police and Crime Plan?"

    make_version_2(lambda question: "Reworded: " + question.text)
    new = draft(officer)

    assert question_1(reload(old)) == v1_text
    assert question_1(reload(in_progress)) == v1_text
    assert reload(old).question_set.version == 1
    assert new.question_set.version == 2
    assert question_1(new) == "Reworded: " + v1_text


def test_superseding_an_old_version_answers_the_new_wording_by_question_number(officer, manager):
    old = draft(officer)
    complete_answers(old)
    services.assessment_update(
        assessment=old,
        by=officer,
        answers={1: {"narrative": "Delivers the plan's victims priority."}},
    )
    services.assessment_submit(assessment=old, by=officer)
    decide(old, manager, APPROVED)

    question_set = make_version_2(lambda question: f"Version 2 of question {question.number}")

    new = services.assessment_supersede(assessment=old, by=officer)

    assert new.question_set == question_set
    answers = list(new.answers.select_related("question"))
    assert [a.question.text for a in answers] == [f"Version 2 of question {n}" for n in range(1, 7)]
    assert answers[0].narrative == "Delivers the plan's victims priority."
    assert [a.narrative for a in answers[1:]] == [f"Answer to question {n}." for n in range(2, 7)]
    assert question_1(reload(old)) == "Does it help deliver the Police and Crime Plan?"


# --- Notifications -------------------------------------------------------------------------


@pytest.fixture
def deciders(make_user, manager, manager2, admin_user):
    """Everyone who may decide, and some who may not or are gone."""
    make_user(Role.MANAGER, full_name="Gone Manager", is_active=False)
    make_user(Role.OFFICER, full_name="Other Officer")
    make_user(Role.VIEWER, full_name="Finance Viewer")
    return [manager, manager2, admin_user]


def test_submitting_tells_every_active_manager_and_administrator_once(
    officer, deciders, django_capture_on_commit_callbacks
):
    assessment = draft(officer, title="Bid to the Youth Endowment Fund")
    complete_answers(assessment)

    with django_capture_on_commit_callbacks(execute=True):
        services.assessment_submit(assessment=assessment, by=officer)

    notifications = Notification.objects.all()
    assert sorted(n.recipient.email for n in notifications) == sorted(u.email for u in deciders)
    for notification in notifications:
        assert notification.title == (
            f"Decision needed: {assessment.reference} Bid to the Youth Endowment Fund"
        )
        assert notification.url == assessment.get_absolute_url()
        assert notification.emailed_at is not None
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in deciders)
    assert all(m.subject.startswith("Decision needed: ") for m in mail.outbox)


def test_a_manager_who_submits_is_not_asked_to_decide_their_own(
    manager, deciders, django_capture_on_commit_callbacks
):
    assessment = draft(manager)
    complete_answers(assessment)

    with django_capture_on_commit_callbacks(execute=True):
        services.assessment_submit(assessment=assessment, by=manager)

    assert not manager.notifications.exists()
    assert manager.email not in {m.to[0] for m in mail.outbox}
    assert len(mail.outbox) == 2


@pytest.mark.parametrize(
    "outcome, verb",
    [(APPROVED, "approved"), (DECLINED, "declined"), (RETURNED, "returned for changes")],
)
def test_the_author_is_told_of_the_decision_once(
    outcome, verb, officer, deciders, manager, django_capture_on_commit_callbacks
):
    assessment = submitted(officer)
    mail.outbox.clear()
    before = Notification.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        decide(assessment, manager, outcome, "Reason for the author.")

    notification = officer.notifications.get()
    assert Notification.objects.count() == before + 1
    assert notification.title == f"{assessment.reference} {verb}: {assessment.title}"
    assert "Reason for the author." in notification.body
    assert notification.url == assessment.get_absolute_url()
    assert [m.to for m in mail.outbox] == [[officer.email]]


def test_announcing_a_submission_again_notifies_nobody_twice(
    officer, deciders, django_capture_on_commit_callbacks
):
    assessment = submitted(officer)
    event = assessment.events.get(to_status=S.SUBMITTED)
    count, sent = Notification.objects.count(), len(mail.outbox)
    assert count == 3

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = notify(
            recipients=deciders,
            key=f"assessment-submitted:{event.pk}",
            title="Decision needed",
        )

    assert again == []
    assert callbacks == []
    assert Notification.objects.count() == count
    assert len(mail.outbox) == sent


def test_a_returned_and_resubmitted_assessment_is_a_new_request(
    officer, manager, manager2, django_capture_on_commit_callbacks
):
    assessment = submitted(officer)
    decide(assessment, manager, RETURNED, "Add the costs.")
    services.assessment_update(assessment=assessment, by=officer, summary="Costs added.")

    with django_capture_on_commit_callbacks(execute=True):
        services.assessment_submit(assessment=assessment, by=officer)

    assert manager.notifications.filter(title__startswith="Decision needed").count() == 2
    assert manager2.notifications.filter(title__startswith="Decision needed").count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_email_goes_only_when_the_submission_is_committed(officer, manager):
    assessment = draft(officer)
    complete_answers(assessment)

    with transaction.atomic():
        services.assessment_submit(assessment=assessment, by=officer)
        assert manager.notifications.count() == 1
        assert mail.outbox == []

    assert [m.to for m in mail.outbox] == [[manager.email]]


@pytest.mark.django_db(transaction=True)
def test_nothing_is_emailed_if_the_submission_is_rolled_back(officer, manager):
    assessment = draft(officer)
    complete_answers(assessment)

    with pytest.raises(RuntimeError), transaction.atomic():
        services.assessment_submit(assessment=assessment, by=officer)
        raise RuntimeError("the request failed after the submission")

    assert mail.outbox == []
    assert not Notification.objects.exists()
    assert reload(assessment).status == S.DRAFT


@pytest.mark.django_db(transaction=True)
def test_nothing_is_emailed_if_the_decision_is_rolled_back(officer, manager):
    assessment = submitted(officer)
    mail.outbox.clear()

    with pytest.raises(RuntimeError), transaction.atomic():
        decide(assessment, manager, APPROVED)
        raise RuntimeError("the request failed after the decision")

    assert mail.outbox == []
    assert not officer.notifications.exists()
    assert reload(assessment).status == S.SUBMITTED


def test_approving_a_reconsidered_proposal_reopens_its_declined_workstream(
    officer, manager, manager2
):
    declined = decide(submitted(officer), manager, DECLINED)
    workstream = reload(declined.workstream)
    assert workstream.status == WorkstreamStatus.DECLINED

    reconsidered = services.assessment_supersede(assessment=declined, by=officer)
    services.assessment_submit(assessment=reconsidered, by=officer)
    decide(reconsidered, manager2, APPROVED, "New funding makes it viable now.")

    workstream = reload(workstream)
    assert workstream.status == WorkstreamStatus.ACTIVE
    assert workstream.closed_reason == ""
