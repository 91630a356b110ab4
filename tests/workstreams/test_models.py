"""Rules that belong to one workstream row: the cycle order, the co-commissioning rule,
self-re-commissioning, and what counts as a completed checklist item."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests.factories import (
    ChecklistItemFactory,
    OrganisationFactory,
    PortfolioFactory,
    WorkstreamFactory,
    WorkstreamPartnerFactory,
)
from workstreams.models import (
    ChecklistStatus,
    CommissioningRole,
    Stage,
    Workstream,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("stage", "after"),
    [("understand", "plan"), ("plan", "do"), ("do", "review"), ("review", None)],
)
def test_cycle_runs_understand_plan_do_review(stage, after):
    assert Stage.after(stage) == after


def test_next_stage_of_a_workstream_follows_the_cycle():
    assert WorkstreamFactory(stage=Stage.DO).next_stage == Stage.REVIEW
    assert WorkstreamFactory(stage=Stage.REVIEW).next_stage is None


def test_co_commissioned_workstream_must_name_its_lead_commissioner(officer):
    workstream = Workstream(
        title="SV therapies",
        portfolio=PortfolioFactory(),
        lead_officer=officer,
        role=CommissioningRole.CO_COMMISSIONER,
    )
    with pytest.raises(ValidationError) as caught:
        workstream.full_clean()
    assert "lead_commissioner" in caught.value.message_dict

    workstream.lead_commissioner = OrganisationFactory()
    workstream.full_clean()  # no error


def test_database_refuses_a_co_commissioned_workstream_without_lead_commissioner(officer):
    with pytest.raises(IntegrityError), transaction.atomic():
        Workstream.objects.create(
            title="SARC",
            portfolio=PortfolioFactory(),
            lead_officer=officer,
            role=CommissioningRole.CO_COMMISSIONER,
        )


def test_workstream_cannot_re_commission_itself():
    workstream = WorkstreamFactory()
    workstream.predecessor = workstream
    with pytest.raises(ValidationError) as caught:
        workstream.full_clean()
    assert "predecessor" in caught.value.message_dict


@pytest.mark.parametrize(
    ("status", "complete"),
    [
        (ChecklistStatus.TO_DO, False),
        (ChecklistStatus.DONE, True),
        (ChecklistStatus.NOT_APPLICABLE, True),
    ],
)
def test_done_and_not_applicable_items_count_as_complete(status, complete):
    assert ChecklistItemFactory(status=status).is_complete is complete


def test_the_same_organisation_cannot_take_the_same_part_twice():
    partner = WorkstreamPartnerFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkstreamPartnerFactory(
            workstream=partner.workstream, organisation=partner.organisation, part=partner.part
        )


def test_workstream_page_address():
    workstream = WorkstreamFactory()
    assert workstream.get_absolute_url() == f"/workstreams/{workstream.pk}/"
