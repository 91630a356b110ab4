"""``manage.py load_demo``: decision assessments in every state for the demo workstreams,
including the office's "no" on the record, loaded once and only once."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction

from commissioning.models import Notification, Role, User
from decisions import demo
from decisions.models import (
    AssessmentStatus,
    DecisionAssessment,
    DecisionType,
    Rating,
    Recommendation,
)
from decisions.selectors import approval_queue
from workstreams.models import CommissioningRole, Workstream, WorkstreamStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_loaded")]

S = AssessmentStatus


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker):
    """Load the demo once for this module, inside a transaction rolled back when the
    module is done; each test runs in a savepoint."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_demo()
        yield
        transaction.set_rollback(True)


def table_counts() -> dict[str, int]:
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def ours():
    """This demo's assessments (other apps' demos may add their own)."""
    return DecisionAssessment.objects.filter(title__in=[spec.title for spec in demo.ASSESSMENTS])


def assessment(title: str) -> DecisionAssessment:
    return DecisionAssessment.objects.select_related("workstream").get(
        title=title, superseded_by__isnull=True
    )


def test_every_state_of_the_workflow_is_there():
    statuses = set(ours().values_list("status", flat=True))

    assert statuses == set(S.values)


def test_every_assessment_was_written_by_an_officer_and_decided_by_someone_else():
    for item in ours().select_related("author", "decided_by"):
        assert item.author.email in demo.USERS.values(), item
        assert item.author.role == Role.OFFICER, item
        if item.is_decided:
            assert item.decided_by.is_manager, item
            assert item.decided_by != item.author, item
            assert len(item.decision_reason) > 30, item
        else:
            assert item.decided_by is None, item


def test_every_submitted_assessment_answers_all_six_questions_in_plain_english():
    for item in ours().exclude(status=S.DRAFT).prefetch_related("answers"):
        answers = list(item.answers.all())
        assert len(answers) == 6, item
        assert all(a.rating and len(a.narrative) > 8 for a in answers), item
        assert item.recommendation and len(item.summary) > 30, item


def test_two_proposals_were_declined_with_reasons_and_their_workstreams_closed_as_declined():
    declined = ours().filter(status=S.DECLINED).select_related("workstream")

    assert declined.count() >= 2
    reasons = " ".join(item.decision_reason for item in declined)
    assert "Another body's remit" in reasons
    assert "No capacity before the 2025 re-commissioning" in reasons
    for item in declined:
        assert item.decision_type == DecisionType.NEW_WORKSTREAM
        assert item.workstream.status == WorkstreamStatus.DECLINED
        assert item.workstream.closed_reason == f"{item.reference}: {item.decision_reason}"
    assert {item.workstream.title for item in declined} >= {
        demo.LA_DA_OUTREACH,
        demo.REFERRAL_HUB_PILOT,
    }


def test_a_proceed_with_a_question_not_met_carries_its_justification():
    for item in ours().filter(recommendation=Recommendation.PROCEED):
        if item.answers.filter(rating=Rating.NOT_MET).exists():
            assert item.justification, item


def test_the_managers_approval_queue_has_something_waiting():
    for email in ("manager@example.org", "manager2@example.org"):
        queue = list(approval_queue(for_user=User.objects.get(email=email)))
        assert demo.YEF_DECISION in [item.title for item in queue]
    assert assessment(demo.YEF_DECISION).workstream.status == WorkstreamStatus.PROPOSED


def test_the_managers_were_told_in_the_portal_but_nobody_was_emailed():
    waiting = assessment(demo.YEF_DECISION)
    told = Notification.objects.filter(url=waiting.get_absolute_url())

    assert {n.recipient.email for n in told} >= {"manager@example.org", "manager2@example.org"}
    assert not Notification.objects.filter(email_wanted=True, emailed_at__isnull=True).exists()


def test_a_returned_assessment_is_back_with_its_author_and_its_workstream_still_proposed():
    returned = assessment(demo.DATA_ACCELERATOR_DECISION)

    assert returned.status == S.RETURNED
    assert returned.decision_reason.startswith("Say what data")
    assert returned.is_editable
    assert returned.workstream.status == WorkstreamStatus.PROPOSED


def test_a_draft_is_partly_answered():
    draft = assessment(demo.RJ_EXTENSION_DECISION)

    assert draft.status == S.DRAFT
    assert draft.decision_type == DecisionType.VARIATION
    assert draft.answers.exclude(narrative="").count() == 2
    assert draft.submitted_at is None


def test_approved_new_workstream_decisions_back_active_workstreams():
    for title, role in (
        (demo.SV_THERAPIES_DECISION, CommissioningRole.CO_COMMISSIONER),
        (demo.APPROPRIATE_ADULTS_DECISION, CommissioningRole.LEAD),
    ):
        item = assessment(title)
        assert item.status == S.APPROVED
        assert item.decision_type == DecisionType.NEW_WORKSTREAM
        assert item.recommended_role == role
        assert item.workstream.status == WorkstreamStatus.ACTIVE
        assert item.workstream.role == role


def test_a_funding_award_and_a_contract_award_were_approved_with_their_amounts():
    for title, kind in (
        (demo.PCG_DECISION, DecisionType.FUNDING_AWARD),
        (demo.CYP_DECISION, DecisionType.CONTRACT_AWARD),
    ):
        item = assessment(title)
        assert (item.decision_type, item.status) == (kind, S.APPROVED)
        assert item.amount > 0


def test_a_decision_was_superseded_by_a_newer_approved_one():
    old = DecisionAssessment.objects.get(title=demo.TRIAGE_DECISION, supersedes__isnull=True)
    new = old.superseded_by

    assert old.status == S.APPROVED
    assert new.supersedes == old
    assert new.status == S.APPROVED
    assert new.decided_by != old.decided_by
    assert new.amount > old.amount
    assert new.answers.get(question__number=2).narrative.startswith("£112,000")
    assert new.answers.get(question__number=1).narrative == (
        old.answers.get(question__number=1).narrative
    )


def test_every_transition_is_on_the_record():
    for item in ours().prefetch_related("events"):
        events = list(item.events.all())
        assert events[0].to_status == S.DRAFT
        assert events[-1].to_status == item.status, item


def test_running_twice_changes_nothing():
    before = table_counts()

    output = load_demo()

    assert table_counts() == before
    assert "decisions: created nothing" in output
    # Each story is one assessment, and the superseded one has its successor too.
    assert ours().count() == len(demo.ASSESSMENTS) + 1
    assert before["decisions.AssessmentEvent"] > before["decisions.DecisionAssessment"]
    assert Workstream.objects.filter(title=demo.LA_DA_OUTREACH).count() == 1
