"""Read queries behind the workstream pages."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.factories import MilestoneFactory, WorkstreamFactory, WorkstreamPartnerFactory
from workstreams import selectors, services
from workstreams.filters import WorkstreamFilter
from workstreams.models import ChecklistStatus, CommissioningRole, Stage, Workstream

pytestmark = pytest.mark.django_db


def test_workstream_list_counts_the_current_stages_checklist(officer):
    workstream = WorkstreamFactory(role=CommissioningRole.LEAD)
    understand = workstream.checklist_items.filter(stage=Stage.UNDERSTAND)
    services.checklist_item_update(item=understand.first(), by=officer, status="done")

    row = selectors.workstream_list().get(pk=workstream.pk)

    assert row.stage_items == understand.count() == 2
    assert row.stage_items_complete == 1


def test_workstream_list_shows_the_next_milestone_not_a_past_one():
    workstream = WorkstreamFactory()
    today = timezone.localdate()
    MilestoneFactory(workstream=workstream, date=today - datetime.timedelta(days=3))
    MilestoneFactory(workstream=workstream, date=today + datetime.timedelta(days=200))
    MilestoneFactory(workstream=workstream, date=today + datetime.timedelta(days=20))

    row = selectors.workstream_list().get(pk=workstream.pk)

    assert row.next_milestone_date == today + datetime.timedelta(days=20)


def test_workstream_without_milestones_has_no_next_date():
    workstream = WorkstreamFactory()
    assert selectors.workstream_list().get(pk=workstream.pk).next_milestone_date is None


def test_partner_filter_does_not_multiply_the_checklist_counts():
    workstream = WorkstreamFactory(role=CommissioningRole.LEAD)
    partner = WorkstreamPartnerFactory(workstream=workstream, part="delivery_partner")
    WorkstreamPartnerFactory(
        workstream=workstream, organisation=partner.organisation, part="funder"
    )
    WorkstreamFactory()  # not a partner

    rows = WorkstreamFilter(
        {"partner": partner.organisation.pk}, queryset=selectors.workstream_list()
    ).qs

    assert [row.pk for row in rows] == [workstream.pk]
    assert rows[0].stage_items == 2


def test_checklist_by_stage_groups_items_in_cycle_order():
    workstream = WorkstreamFactory(role=CommissioningRole.LEAD)

    grouped = selectors.checklist_by_stage(workstream)

    assert [stage for stage, _items in grouped] == list(Stage)
    understand = dict(grouped)[Stage.UNDERSTAND]
    assert [item.title for item in understand] == [
        "Publish a needs assessment",
        "Map and engage stakeholders, including the market",
    ]
    assert all(item.status == ChecklistStatus.TO_DO for item in understand)


def test_workstream_list_is_ordered_by_title():
    WorkstreamFactory(title="Youth Endowment Fund bid")
    WorkstreamFactory(title="Appropriate Adults")
    titles = list(selectors.workstream_list().values_list("title", flat=True))
    assert titles == sorted(titles)
    assert Workstream.objects.count() == 2
