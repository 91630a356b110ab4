"""More pages that must cost the same number of queries for 2 related rows as for 20:
every list and detail page not covered by ``test_query_budgets.py``. A query per row
(N+1) on any of them fails here."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from monitoring.models import MonitoringReturn, ReturnStatus
from tests.factories import (
    DecisionAssessmentFactory,
    GrantFactory,
    MilestoneFactory,
    PaymentFactory,
    ServiceUserVoiceFactory,
    WorkstreamFactory,
    WorkstreamPartnerFactory,
    awarded_grant,
)
from tests.monitoring.factories import (
    ConcernFactory,
    EvidenceFileFactory,
    MonitoringReturnFactory,
    UnderspendFlagFactory,
    active_grant,
)
from tests.reports.factories_jobs import ReportJobFactory, bulk_awarded_grants
from tests.reports.factories_public import OpportunityFactory

pytestmark = pytest.mark.django_db

FEW, MANY = 2, 20


def _queries(client, url: str) -> int:
    client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def _same_for_few_and_many(client, url: str, add) -> None:
    add(FEW)
    few = _queries(client, url)
    add(MANY - FEW)
    assert _queries(client, url) == few, url


# --- Workstream detail and its tabs ------------------------------------------------------


@pytest.mark.parametrize(
    "tab",
    [
        "workstream-detail",
        "workstream-checklist",
        "workstream-partners",
        "workstream-milestones",
        "workstream-decisions",
        "workstream-money",
        "workstream-documents",
        "workstream-voice",
        "workstream-history",
    ],
)
def test_workstream_tabs_cost_the_same_with_more_rows(officer_client, officer, tab):
    workstream = WorkstreamFactory(lead_officer=officer)

    def add(n):
        for _ in range(n):
            MilestoneFactory(workstream=workstream)
            WorkstreamPartnerFactory(workstream=workstream)
            ServiceUserVoiceFactory(workstream=workstream)
            DecisionAssessmentFactory(workstream=workstream)
            GrantFactory(workstream=workstream)
            workstream.title = f"{workstream.title}."
            workstream.save()  # a history row

    _same_for_few_and_many(officer_client, reverse(tab, kwargs={"pk": workstream.pk}), add)


# --- Decisions, grants, returns ---------------------------------------------------------


def test_decision_detail_costs_the_same_with_more_grants_it_approved(officer_client):
    assessment = DecisionAssessmentFactory()

    def add(n):
        for _ in range(n):
            grant = GrantFactory(workstream=assessment.workstream)
            grant.approving_decision = assessment
            grant.save(update_fields=["approving_decision"])

    _same_for_few_and_many(officer_client, assessment.get_absolute_url(), add)


def test_grant_detail_costs_the_same_with_more_payments(officer_client):
    grant = awarded_grant()

    def add(n):
        for _ in range(n):
            PaymentFactory(grant=grant)

    _same_for_few_and_many(officer_client, grant.get_absolute_url(), add)


def test_provider_return_list_costs_the_same_with_more_returns(provider_client, provider):
    def add(n):
        for _ in range(n):
            active_grant(recipient=provider.organisation)

    _same_for_few_and_many(provider_client, reverse("return-list"), add)


def test_office_return_list_costs_the_same_with_more_returns(officer_client):
    _same_for_few_and_many(
        officer_client,
        reverse("return-list"),
        lambda n: [active_grant() for _ in range(n)],
    )


def test_return_detail_costs_the_same_with_more_evidence(officer_client):
    monitoring_return = MonitoringReturnFactory()

    def add(n):
        for _ in range(n):
            EvidenceFileFactory(monitoring_return=monitoring_return)

    _same_for_few_and_many(officer_client, monitoring_return.get_absolute_url(), add)


def test_review_queue_costs_the_same_with_more_submitted_returns(manager_client):
    def add(n):
        for _ in range(n):
            submitted = MonitoringReturnFactory()
            MonitoringReturn.objects.filter(pk=submitted.pk).update(
                status=ReturnStatus.SUBMITTED, submitted_at=timezone.now()
            )

    _same_for_few_and_many(manager_client, reverse("return-review-queue"), add)


def test_underspend_list_costs_the_same_with_more_flags(officer_client):
    _same_for_few_and_many(
        officer_client,
        reverse("underspend-list"),
        lambda n: [UnderspendFlagFactory() for _ in range(n)],
    )


def test_concern_list_costs_the_same_with_more_concerns(officer_client):
    _same_for_few_and_many(
        officer_client,
        reverse("concern-list"),
        lambda n: [ConcernFactory() for _ in range(n)],
    )


def test_funder_return_costs_the_same_with_more_returns(officer_client):
    _same_for_few_and_many(
        officer_client,
        reverse("funder-return"),
        lambda n: [active_grant() for _ in range(n)],
    )


def test_report_job_list_costs_the_same_with_more_jobs(officer_client):
    _same_for_few_and_many(
        officer_client,
        reverse("report-job-list"),
        lambda n: [ReportJobFactory() for _ in range(n)],
    )


# --- The dashboard and the forward plan (issue 11) ---------------------------------------


def _work_on_every_panel(user):
    """Per call, a row for each of the office dashboard's lists: overdue and submitted
    returns, an underspend, overdue contract meetings and notices, an overdue payment, a
    contract end nothing re-commissions, an assessment of the user's to finish and one
    of someone else's waiting for a decision."""
    from tests.factories import ContractFactory, submitted_assessment
    from workstreams.models import MilestoneKind

    today = timezone.localdate()

    def add(n):
        for _ in range(n):
            submitted = MonitoringReturnFactory()  # its grant's later returns are overdue
            MonitoringReturn.objects.filter(pk=submitted.pk).update(
                status=ReturnStatus.SUBMITTED, submitted_at=timezone.now()
            )
            UnderspendFlagFactory(monitoring_return=submitted)
            ContractFactory(
                start_date=today - datetime.timedelta(days=700),
                end_date=today + datetime.timedelta(days=400),
            )
            PaymentFactory(grant=awarded_grant(), due_date=today - datetime.timedelta(days=3))
            MilestoneFactory(
                kind=MilestoneKind.CONTRACT_END, date=today + datetime.timedelta(days=60)
            )
            DecisionAssessmentFactory(author=user)
            submitted_assessment()

    return add


@pytest.mark.parametrize("client_fixture", ["officer_client", "manager_client"])
def test_staff_dashboard_costs_the_same_with_2_and_20_rows_on_every_panel(request, client_fixture):
    client = request.getfixturevalue(client_fixture)
    user = request.getfixturevalue(client_fixture.removesuffix("_client"))

    _same_for_few_and_many(client, reverse("dashboard"), _work_on_every_panel(user))


def test_forward_plan_costs_the_same_with_2_and_20_milestones(officer_client):
    today = timezone.localdate()
    _same_for_few_and_many(
        officer_client,
        reverse("forward-plan"),
        lambda n: [
            MilestoneFactory(date=today + datetime.timedelta(days=10 + i)) for i in range(n)
        ],
    )


# --- Public pages -----------------------------------------------------------------------


def test_funding_awarded_costs_the_same_with_more_grants(client):
    awarded_on = datetime.date(2025, 6, 1)
    url = reverse("funding-awarded") + "?year=2025"
    _same_for_few_and_many(
        client,
        url,
        lambda n: bulk_awarded_grants(n, award_date=awarded_on, amount=1000),
    )


def test_opportunities_cost_the_same_with_more_published(client):
    _same_for_few_and_many(
        client,
        reverse("opportunity-list"),
        lambda n: [OpportunityFactory() for _ in range(n)],
    )
