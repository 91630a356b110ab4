"""What the manager's queue and the context beside the questions show."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from commissioning.dates import FinancialYear, add_months
from commissioning.models import Role
from decisions import selectors, services
from decisions.models import AssessmentStatus
from tests.factories import (
    DecisionAssessmentFactory,
    FundingStreamFactory,
    MilestoneFactory,
    WorkstreamFactory,
    complete_answers,
    submitted_assessment,
)
from workstreams.models import MilestoneKind, WorkstreamStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager2(make_user):
    return make_user(Role.MANAGER, full_name="Marcus Bell")


# --- The approval queue --------------------------------------------------------------------


def test_the_queue_shows_submitted_assessments_oldest_first(officer, manager):
    first, second, third = (
        submitted_assessment(author=officer, title=title) for title in ("A", "B", "C")
    )
    now = timezone.now()
    # Submitted in the order C, A, B: the queue follows submission, not creation.
    for assessment, days_ago in ((third, 3), (first, 2), (second, 1)):
        type(assessment).objects.filter(pk=assessment.pk).update(
            submitted_at=now - datetime.timedelta(days=days_ago)
        )

    queue = list(selectors.approval_queue(for_user=manager))

    assert [a.title for a in queue] == ["C", "A", "B"]


def test_the_queue_leaves_out_drafts_returned_and_decided_assessments(officer, manager):
    waiting = submitted_assessment(author=officer, title="Waiting")
    DecisionAssessmentFactory(author=officer, title="Draft")
    for outcome in (
        AssessmentStatus.APPROVED,
        AssessmentStatus.DECLINED,
        AssessmentStatus.RETURNED,
    ):
        services.assessment_decide(
            assessment=submitted_assessment(author=officer, title=outcome.label),
            by=manager,
            outcome=outcome,
            reason="Decided.",
        )

    assert list(selectors.approval_queue(for_user=manager)) == [waiting]


def test_a_managers_own_assessment_is_in_everyone_elses_queue_but_not_theirs(
    officer, manager, manager2
):
    theirs = DecisionAssessmentFactory(author=manager, title="Manager's own")
    complete_answers(theirs)
    services.assessment_submit(assessment=theirs, by=manager)
    officers = submitted_assessment(author=officer, title="Officer's")

    assert list(selectors.approval_queue(for_user=manager)) == [officers]
    assert set(selectors.approval_queue(for_user=manager2)) == {theirs, officers}
    assert set(selectors.approval_queue()) == {theirs, officers}


def test_the_queue_costs_one_query_however_long_it_is(officer, manager, django_assert_num_queries):
    for _ in range(4):
        submitted_assessment(author=officer)

    with django_assert_num_queries(1):
        rows = [
            (a.reference, a.workstream.title, a.workstream.lead_officer.full_name, str(a.author))
            for a in selectors.approval_queue(for_user=manager)
        ]

    assert len(rows) == 4


# --- Beside the Budget question ------------------------------------------------------------


def test_budget_context_lists_this_and_next_financial_years_streams_with_headroom(
    django_assert_num_queries,
):
    year = FinancialYear.current().start_year
    FundingStreamFactory(name="Victims grant", financial_year=year - 1)
    FundingStreamFactory(name="VRU grant", financial_year=year, amount=Decimal("1214500.00"))
    FundingStreamFactory(name="Commissioning budget", financial_year=year)
    FundingStreamFactory(name="Victims grant", financial_year=year + 1)
    FundingStreamFactory(name="Victims grant", financial_year=year + 2)

    with django_assert_num_queries(1):
        rows = [
            (s.name, s.financial_year, s.funder.name, s.headroom, str(s.year))
            for s in selectors.budget_context()
        ]

    assert [(name, fy) for name, fy, *_ in rows] == [
        ("Commissioning budget", year),
        ("VRU grant", year),
        ("Victims grant", year + 1),
    ]
    assert rows[1][3] == Decimal("1214500.00")  # nothing committed yet: all of it is left
    assert rows[0][3] == Decimal("100000.00")


def test_budget_context_is_empty_when_no_streams_are_set_up_for_these_years():
    FundingStreamFactory(financial_year=FinancialYear.current().start_year - 1)

    assert list(selectors.budget_context()) == []


# --- Beside the Capacity question ----------------------------------------------------------


def test_capacity_context_lists_the_officers_active_and_proposed_workstreams(officer, make_user):
    other = make_user(Role.OFFICER)
    WorkstreamFactory(title="B active", lead_officer=officer)
    WorkstreamFactory(title="A proposed", lead_officer=officer, status=WorkstreamStatus.PROPOSED)
    WorkstreamFactory(
        title="Closed", lead_officer=officer, status=WorkstreamStatus.CLOSED, closed_reason="Ended"
    )
    WorkstreamFactory(title="Declined", lead_officer=officer, status=WorkstreamStatus.DECLINED)
    WorkstreamFactory(title="Someone else's", lead_officer=other)

    context = selectors.capacity_context(officer)

    assert context["officer"] == officer
    assert [w.title for w in context["workstreams"]] == ["A proposed", "B active"]


def test_capacity_context_shows_only_the_next_twelve_months_of_the_forward_plan(officer):
    today = timezone.localdate()
    in_a_year = add_months(today, 12)
    someone_elses = WorkstreamFactory(title="Someone else's work")
    MilestoneFactory(title="Yesterday", date=today - datetime.timedelta(days=1))
    MilestoneFactory(title="Today", date=today, workstream=someone_elses)
    MilestoneFactory(
        title="PCC election",
        date=today + datetime.timedelta(days=40),
        workstream=None,
        kind=MilestoneKind.ELECTION,
    )
    MilestoneFactory(title="A year from today", date=in_a_year)
    MilestoneFactory(title="Too far ahead", date=in_a_year + datetime.timedelta(days=1))

    milestones = list(selectors.capacity_context(officer)["milestones"])

    assert [m.title for m in milestones] == ["Today", "PCC election", "A year from today"]
    assert milestones[0].workstream == someone_elses
