"""``manage.py load_demo``: the strategy's workstreams, their partners and stages, and the
forward plan's milestones, loaded once and only once."""

from __future__ import annotations

import datetime
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from commissioning.models import Organisation, OrganisationKind
from workstreams.models import (
    ChecklistStatus,
    CommissioningRole,
    Milestone,
    MilestoneKind,
    PartnerPart,
    ServiceUserVoice,
    Stage,
    StageChange,
    Workstream,
    WorkstreamStatus,
)
from workstreams.selectors import recommissioning_warnings

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_loaded")]

R = CommissioningRole
K = MilestoneKind
D = datetime.date

VICTIM_SERVICES = [
    "Victim services — Adults Service",
    "Victim services — Enhanced Adults Service",
    "Victim services — Children and Young People Service",
    "Victim services — Restorative Justice Service",
    "Victim services — Independent Sexual Violence Advisor Service",
]
SARC = "Sexual Assault Referral Centre (SARC)"
SV_THERAPIES = "Sexual Violence Therapies"
ASCC = "Advice and Support at Custody and Court (ASCC)"

#: Every workstream the strategy names, under the role it gives them.
NAMED = {
    R.FACILITATING: [
        "Violence Reduction Unit (VRU) funding",
        "Police and Crime Grant",
        "MoJ local allocations (IDVA and DA/SV)",
        "Small grants fund",
        "Lighthouse Safeguarding Unit",
        "Youth Endowment Fund bids",
        "Safer Streets Fund",
        "Domestic Abuse Perpetrator Service",
    ],
    R.LEAD: [
        *VICTIM_SERVICES,
        "Victim services — Modern Slavery grant",
        "Appropriate Adults Service",
    ],
    R.CO_COMMISSIONER: [
        "Child sexual and criminal exploitation (CSE/CCE) service",
        SV_THERAPIES,
        SARC,
        ASCC,
        "Mental health triage",
    ],
    R.INFLUENCING: [
        "Drug and alcohol services (Combating Drugs Partnerships)",
        "Local authority domestic abuse commissioning",
        "Probation community treatment requirements",
        "Data Accelerator Programme",
        "National funds (MoJ Rape Support Fund, VAWG Fund)",
        "Action Fraud recommissioning",
        "Legislative influence",
    ],
}


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker):
    """Load the demo once for this module (it takes a couple of seconds), inside a
    transaction rolled back when the module is done; each test runs in a savepoint."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_demo()
        yield
        transaction.set_rollback(True)


def table_counts() -> dict[str, int]:
    """Rows in every table the project has, history tables included."""
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


@pytest.mark.parametrize("role, titles", list(NAMED.items()), ids=list(NAMED))
def test_every_workstream_the_strategy_names_is_there_under_its_role(role, titles):
    assert set(
        Workstream.objects.filter(role=role)
        .exclude(status=WorkstreamStatus.DECLINED)
        .values_list("title", flat=True)
    ) == set(titles)


def test_each_workstream_has_a_description_portfolio_and_one_of_three_leads():
    workstreams = list(
        Workstream.objects.exclude(status=WorkstreamStatus.DECLINED).select_related(
            "portfolio", "lead_officer"
        )
    )
    assert len(workstreams) == sum(len(titles) for titles in NAMED.values())
    for workstream in workstreams:
        assert len(workstream.description) > 60, workstream
        assert workstream.portfolio.is_active
    assert {w.lead_officer.email for w in workstreams} == {
        "officer@example.org",
        "officer2@example.org",
        "manager@example.org",
    }
    statuses = [w.status for w in workstreams]
    assert 1 <= statuses.count(WorkstreamStatus.PROPOSED) <= 2
    assert set(statuses) == {WorkstreamStatus.ACTIVE, WorkstreamStatus.PROPOSED}


def test_every_co_commissioned_workstream_names_its_lead_commissioner():
    nhs_england = Organisation.objects.get(identifier="GB-NHS-X24")
    for workstream in Workstream.objects.filter(role=R.CO_COMMISSIONER):
        lead = workstream.lead_commissioner
        assert lead is not None, workstream
        assert workstream.partners.filter(
            organisation=lead, part=PartnerPart.LEAD_COMMISSIONER
        ).exists()
        if workstream.title in (SARC, SV_THERAPIES):
            assert lead == nhs_england
        else:
            assert lead.kind in (
                OrganisationKind.LOCAL_AUTHORITY,
                OrganisationKind.INTEGRATED_CARE_BOARD,
            ), workstream


def test_partners_take_the_parts_the_strategy_gives_them():
    grant = Workstream.objects.get(title="Police and Crime Grant")
    csps = grant.partners.filter(
        part=PartnerPart.DELIVERY_PARTNER,
        organisation__kind=OrganisationKind.COMMUNITY_SAFETY_PARTNERSHIP,
    )
    assert csps.count() == 5
    small_grants = Workstream.objects.get(title="Small grants fund")
    assert (
        small_grants.partners.filter(
            organisation__kind=OrganisationKind.COMMUNITY_FOUNDATION
        ).count()
        == 2
    )
    lighthouse = Workstream.objects.get(title="Lighthouse Safeguarding Unit")
    assert lighthouse.partners.filter(
        part=PartnerPart.FUNDER, organisation__kind=OrganisationKind.CONSTABULARY
    ).exists()
    for title in VICTIM_SERVICES:
        assert (
            Workstream.objects.get(title=title)
            .partners.filter(
                part=PartnerPart.DELIVERY_PARTNER,
                organisation__name="South West Police Procurement Service",
            )
            .exists()
        )


def test_re_let_victim_services_are_in_review_with_earlier_stages_done():
    for title in VICTIM_SERVICES:
        workstream = Workstream.objects.get(title=title)
        assert workstream.stage == Stage.REVIEW
        earlier = workstream.checklist_items.exclude(stage=Stage.REVIEW)
        assert earlier.exists()
        assert not earlier.filter(status=ChecklistStatus.TO_DO).exists()
        assert not earlier.filter(completed_by__isnull=True).exists()
        assert [c.to_stage for c in workstream.stage_changes.order_by("pk")] == [
            Stage.PLAN,
            Stage.DO,
            Stage.REVIEW,
        ]
    assert Workstream.objects.filter(stage=Stage.UNDERSTAND).count() >= 3


def test_a_manager_moved_one_workstream_on_with_a_reason():
    override = StageChange.objects.get(overridden=True)
    assert override.changed_by.email == "manager@example.org"
    assert len(override.reason) > 20
    assert override.outstanding
    assert override.workstream.checklist_items.filter(
        stage=override.from_stage, required=True, status=ChecklistStatus.TO_DO
    ).exists()


@pytest.mark.parametrize(
    "workstream, kind, date",
    [
        ("Child sexual and criminal exploitation (CSE/CCE) service", K.REVIEW, D(2024, 3, 31)),
        (ASCC, K.CONTRACT_END, D(2025, 3, 31)),
        *((title, K.CONTRACT_END, D(2025, 3, 31)) for title in VICTIM_SERVICES),
        ("Police and Crime Grant", K.FUNDING_END, D(2025, 3, 31)),
        ("Violence Reduction Unit (VRU) funding", K.FUNDING_END, D(2025, 3, 31)),
        ("MoJ local allocations (IDVA and DA/SV)", K.FUNDING_END, D(2025, 3, 31)),
        ("Small grants fund", K.AGREEMENT_END, D(2025, 3, 31)),
        (ASCC, K.NEW_CONTRACT_DUE, D(2025, 4, 1)),
        ("MoJ local allocations (IDVA and DA/SV)", K.NEW_FUNDING_DUE, D(2025, 4, 1)),
        *((title, K.NEW_CONTRACT_DUE, D(2025, 4, 1)) for title in VICTIM_SERVICES),
        (SV_THERAPIES, K.CONTRACT_END, D(2029, 3, 31)),
        (SV_THERAPIES, K.NEW_CONTRACT_DUE, D(2029, 4, 1)),
        (SARC, K.CONTRACT_END, D(2029, 9, 30)),
        (SARC, K.NEW_CONTRACT_DUE, D(2029, 10, 1)),
    ],
)
def test_the_strategy_forward_plan_milestones_are_on_their_dates(workstream, kind, date):
    assert Milestone.objects.filter(workstream__title=workstream, kind=kind, date=date).exists()


def test_pcc_elections_are_office_wide():
    elections = Milestone.objects.filter(kind=K.ELECTION)
    assert {m.date for m in elections} == {D(2024, 5, 2), D(2028, 5, 4)}
    assert not elections.filter(workstream__isnull=False).exists()


def test_re_commissioning_warnings_show_for_today():
    warnings = recommissioning_warnings()

    horizons = {warning.horizon_months for warning in warnings}
    assert {6, 12} <= horizons
    assert "Appropriate Adults Service" in {w.milestone.workstream.title for w in warnings}


def test_service_users_voice_informed_the_victim_services_recommissioning():
    survey = ServiceUserVoice.objects.get(workstream__title=VICTIM_SERVICES[0])
    assert "survey" in survey.title.lower()
    assert survey.influence
    assert ServiceUserVoice.objects.count() >= 2


def test_running_twice_changes_nothing():
    before = table_counts()

    output = load_demo()

    assert table_counts() == before
    assert "workstreams: created nothing" in output
    for label in [
        "workstreams.HistoricalWorkstream",
        "workstreams.HistoricalWorkstreamPartner",
        "workstreams.HistoricalChecklistItem",
        "workstreams.HistoricalMilestone",
        "workstreams.HistoricalServiceUserVoice",
        "workstreams.StageChange",
    ]:
        assert before[label] > 0, label


def test_a_run_months_later_adds_no_second_copy_of_the_dated_contract_ends(monkeypatch):
    before = table_counts()
    later = timezone.localdate() + datetime.timedelta(days=75)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: later)

    load_demo()

    assert table_counts() == before
