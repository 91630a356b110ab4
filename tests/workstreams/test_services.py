"""The workstream services: checklists made from the role's templates, role changes,
stage advance and its manager override, status changes, and concurrent checklist ticks."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from commissioning.models import Role
from tests.factories import (
    ChecklistItemFactory,
    OrganisationFactory,
    PortfolioFactory,
    WorkstreamFactory,
)
from workstreams import services
from workstreams.models import (
    ChecklistItem,
    ChecklistStatus,
    ChecklistTemplateItem,
    CommissioningRole,
    PartnerPart,
    Stage,
    StageChange,
    Workstream,
    WorkstreamPartner,
    WorkstreamStatus,
)

pytestmark = pytest.mark.django_db


def _titles_by_stage(rows) -> dict[str, list[str]]:
    """``{stage: [title, …]}`` in checklist order."""
    grouped: dict[str, list[str]] = {}
    for row in sorted(rows, key=lambda row: (row.stage, row.order)):
        grouped.setdefault(row.stage, []).append(row.title)
    return grouped


def _complete_stage(workstream: Workstream, by, stage: str | None = None) -> None:
    for item in workstream.checklist_items.filter(stage=stage or workstream.stage):
        services.checklist_item_update(item=item, by=by, status=ChecklistStatus.DONE)


# --- Checklist generation ---------------------------------------------------------------


@pytest.mark.parametrize("role", list(CommissioningRole))
def test_new_workstream_gets_the_active_checklist_of_its_role_in_order(role, officer):
    templates = ChecklistTemplateItem.objects.filter(role=role)
    busiest = max(Stage.values, key=lambda stage: templates.filter(stage=stage).count())
    retired = templates.filter(stage=busiest).order_by("order").first()
    retired.is_active = False
    retired.save()

    workstream = WorkstreamFactory(role=role, lead_officer=officer)

    templates = ChecklistTemplateItem.objects.filter(role=role, is_active=True)
    items = list(workstream.checklist_items.all())
    assert templates.count() >= 4
    assert _titles_by_stage(items) == _titles_by_stage(templates)
    assert {item.role for item in items} == {role}
    assert retired.title not in {item.title for item in items}
    assert all(item.status == ChecklistStatus.TO_DO for item in items)
    # Every stage of the cycle has something to do.
    assert {item.stage for item in items} == set(Stage.values)


def test_checklist_items_copy_the_templates_required_flag_and_guidance(officer):
    workstream = WorkstreamFactory(role=CommissioningRole.LEAD)
    template = ChecklistTemplateItem.objects.get(
        role=CommissioningRole.LEAD, title="Publish a needs assessment"
    )
    item = workstream.checklist_items.get(template=template)
    assert item.required is template.required
    assert item.guidance == template.guidance
    assert item.stage == Stage.UNDERSTAND


def test_editing_a_template_later_does_not_rewrite_existing_checklists(officer):
    workstream = WorkstreamFactory(role=CommissioningRole.LEAD)
    template = ChecklistTemplateItem.objects.get(
        role=CommissioningRole.LEAD, title="Publish a needs assessment"
    )
    template.title = "Publish a refreshed needs assessment"
    template.save()
    assert workstream.checklist_items.filter(title="Publish a needs assessment").exists()


def test_role_change_keeps_done_items_drops_undone_ones_and_adds_the_new_roles(officer):
    workstream = WorkstreamFactory(role=CommissioningRole.LEAD, lead_officer=officer)
    done = workstream.checklist_items.get(title="Publish a needs assessment")
    services.checklist_item_update(item=done, by=officer, status=ChecklistStatus.DONE)
    not_applicable = workstream.checklist_items.get(
        title="Map and engage stakeholders, including the market"
    )
    services.checklist_item_update(
        item=not_applicable, by=officer, status=ChecklistStatus.NOT_APPLICABLE
    )

    services.workstream_update(
        workstream=workstream,
        by=officer,
        role=CommissioningRole.INFLUENCING,
    )

    items = ChecklistItem.objects.filter(workstream=workstream)
    lead_items = items.filter(role=CommissioningRole.LEAD)
    assert set(lead_items.values_list("title", flat=True)) == {done.title, not_applicable.title}
    kept = lead_items.get(pk=done.pk)
    assert kept.status == ChecklistStatus.DONE
    assert kept.completed_by == officer
    influencing = ChecklistTemplateItem.objects.filter(
        role=CommissioningRole.INFLUENCING, is_active=True
    )
    assert _titles_by_stage(items.filter(role=CommissioningRole.INFLUENCING)) == (
        _titles_by_stage(influencing)
    )


def test_changing_role_back_does_not_duplicate_items(officer):
    workstream = WorkstreamFactory(role=CommissioningRole.LEAD)
    services.workstream_update(workstream=workstream, by=officer, role="facilitating")
    services.workstream_update(workstream=workstream, by=officer, role="lead")
    templates = ChecklistTemplateItem.objects.filter(role="lead", is_active=True).count()
    assert workstream.checklist_items.count() == templates


# --- Co-commissioning and partners ------------------------------------------------------


def test_co_commissioned_workstream_without_lead_commissioner_is_refused_at_the_field(officer):
    with pytest.raises(ValidationError) as caught:
        services.workstream_create(
            by=officer,
            title="SARC",
            portfolio=PortfolioFactory(),
            lead_officer=officer,
            role=CommissioningRole.CO_COMMISSIONER,
        )
    assert "lead_commissioner" in caught.value.message_dict
    assert not Workstream.objects.filter(title="SARC").exists()


def test_lead_commissioner_is_recorded_as_a_partner(officer):
    nhs = OrganisationFactory(name="NHS England South West")
    workstream = services.workstream_create(
        by=officer,
        title="SARC",
        portfolio=PortfolioFactory(),
        lead_officer=officer,
        role=CommissioningRole.CO_COMMISSIONER,
        lead_commissioner=nhs,
    )
    assert workstream.partners.filter(organisation=nhs, part=PartnerPart.LEAD_COMMISSIONER).exists()


def test_adding_the_same_partner_part_twice_is_refused(officer):
    workstream = WorkstreamFactory()
    charity = OrganisationFactory()
    services.partner_add(
        workstream=workstream, by=officer, organisation=charity, part="delivery_partner"
    )
    with pytest.raises(ValidationError):
        services.partner_add(
            workstream=workstream, by=officer, organisation=charity, part="delivery_partner"
        )
    assert (
        WorkstreamPartner.objects.filter(workstream=workstream, organisation=charity).count() == 1
    )


# --- Status -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (WorkstreamStatus.PROPOSED, WorkstreamStatus.ACTIVE),
        (WorkstreamStatus.PROPOSED, WorkstreamStatus.DECLINED),
        (WorkstreamStatus.CLOSED, WorkstreamStatus.ACTIVE),
    ],
)
def test_allowed_status_changes_are_saved(old, new, officer):
    workstream = WorkstreamFactory(status=old, closed_reason="Ended" if old == "closed" else "")
    services.workstream_update(workstream=workstream, by=officer, status=new)
    workstream.refresh_from_db()
    assert workstream.status == new


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (WorkstreamStatus.PROPOSED, WorkstreamStatus.CLOSED),
        (WorkstreamStatus.ACTIVE, WorkstreamStatus.PROPOSED),
        (WorkstreamStatus.ACTIVE, WorkstreamStatus.DECLINED),
        (WorkstreamStatus.DECLINED, WorkstreamStatus.ACTIVE),
    ],
)
def test_other_status_changes_are_refused_at_the_status_field(old, new, officer):
    workstream = WorkstreamFactory(status=old)
    with pytest.raises(ValidationError) as caught:
        services.workstream_update(
            workstream=workstream, by=officer, status=new, closed_reason="Because"
        )
    assert "cannot be made" in caught.value.message_dict["status"][0]
    workstream.refresh_from_db()
    assert workstream.status == old


def test_closing_needs_a_reason(officer):
    workstream = WorkstreamFactory(status=WorkstreamStatus.ACTIVE)
    with pytest.raises(ValidationError) as caught:
        services.workstream_update(workstream=workstream, by=officer, status="closed")
    assert caught.value.message_dict["closed_reason"] == ["Enter why the workstream is closing"]
    services.workstream_update(
        workstream=workstream, by=officer, status="closed", closed_reason="Service ended"
    )
    workstream.refresh_from_db()
    assert workstream.status == WorkstreamStatus.CLOSED


# --- Stage advance ----------------------------------------------------------------------


def test_officer_moves_on_once_required_items_are_done(officer):
    workstream = WorkstreamFactory(role=CommissioningRole.LEAD)
    required = workstream.checklist_items.filter(stage=Stage.UNDERSTAND, required=True)
    for item in required:
        services.checklist_item_update(item=item, by=officer, status=ChecklistStatus.DONE)

    change = services.workstream_advance_stage(workstream=workstream, by=officer)

    workstream.refresh_from_db()
    assert workstream.stage == Stage.PLAN
    assert (change.from_stage, change.to_stage, change.changed_by) == (
        "understand",
        "plan",
        officer,
    )
    assert change.overridden is False


def test_not_applicable_counts_as_dealt_with(officer):
    workstream = WorkstreamFactory(role=CommissioningRole.INFLUENCING)
    for item in workstream.checklist_items.filter(stage=Stage.UNDERSTAND):
        services.checklist_item_update(item=item, by=officer, status=ChecklistStatus.NOT_APPLICABLE)
    services.workstream_advance_stage(workstream=workstream, by=officer)
    workstream.refresh_from_db()
    assert workstream.stage == Stage.PLAN


def test_officer_is_blocked_with_the_outstanding_items_named(officer):
    workstream = WorkstreamFactory(role=CommissioningRole.LEAD)
    with pytest.raises(ValidationError) as caught:
        services.workstream_advance_stage(workstream=workstream, by=officer)
    message = caught.value.messages[0]
    assert "Publish a needs assessment" in message
    assert "Map and engage stakeholders, including the market" in message
    workstream.refresh_from_db()
    assert workstream.stage == Stage.UNDERSTAND
    assert not StageChange.objects.exists()


def test_manager_override_needs_a_reason(manager):
    workstream = WorkstreamFactory(role=CommissioningRole.LEAD)
    with pytest.raises(ValidationError) as caught:
        services.workstream_advance_stage(workstream=workstream, by=manager, reason="  ")
    assert "reason" in caught.value.message_dict
    workstream.refresh_from_db()
    assert workstream.stage == Stage.UNDERSTAND


def test_manager_override_is_recorded_with_the_reason_and_outstanding_items(manager, officer):
    workstream = WorkstreamFactory(role=CommissioningRole.LEAD)
    done = workstream.checklist_items.get(title="Publish a needs assessment")
    services.checklist_item_update(item=done, by=officer, status=ChecklistStatus.DONE)

    change = services.workstream_advance_stage(
        workstream=workstream, by=manager, reason="Market engagement happens in Plan this time"
    )

    workstream.refresh_from_db()
    assert workstream.stage == Stage.PLAN
    assert change.overridden is True
    assert change.reason == "Market engagement happens in Plan this time"
    assert change.outstanding == "Map and engage stakeholders, including the market"
    assert change.changed_by == manager


def test_there_is_no_stage_after_review(manager):
    workstream = WorkstreamFactory(stage=Stage.REVIEW)
    with pytest.raises(ValidationError) as caught:
        services.workstream_advance_stage(workstream=workstream, by=manager, reason="Why not")
    assert "last stage" in caught.value.messages[0]
    workstream.refresh_from_db()
    assert workstream.stage == Stage.REVIEW


def test_a_closed_workstream_does_not_move_stage(officer):
    workstream = WorkstreamFactory(
        status=WorkstreamStatus.CLOSED, closed_reason="Ended", role=CommissioningRole.INFLUENCING
    )
    _complete_stage(workstream, officer)
    with pytest.raises(ValidationError):
        services.workstream_advance_stage(workstream=workstream, by=officer)


def test_every_move_is_in_the_workstreams_history(officer, manager):
    workstream = WorkstreamFactory(role=CommissioningRole.INFLUENCING)
    _complete_stage(workstream, officer)
    services.workstream_advance_stage(workstream=workstream, by=officer)
    services.workstream_advance_stage(workstream=workstream, by=manager, reason="Boards agreed")

    moves = list(workstream.stage_changes.order_by("changed_at", "pk"))
    assert [(m.from_stage, m.to_stage) for m in moves] == [
        ("understand", "plan"),
        ("plan", "do"),
    ]
    stages = list(workstream.history.order_by("history_date").values_list("stage", flat=True))
    assert stages[-3:] == ["understand", "plan", "do"]
    assert workstream.history.latest("history_date").history_user == manager


# --- Checklist updates ------------------------------------------------------------------


def test_two_officers_ticking_the_same_item_both_succeed_and_the_first_is_recorded(make_user):
    first, second = make_user(Role.OFFICER), make_user(Role.OFFICER)
    workstream = WorkstreamFactory()
    item = workstream.checklist_items.get(title="Publish a needs assessment")
    stale_copy = ChecklistItem.objects.get(pk=item.pk)  # what the second officer's page had

    services.checklist_item_update(item=item, by=first, status="done", note="Published")
    services.checklist_item_update(item=stale_copy, by=second, status="done", note="Checked")

    rows = ChecklistItem.objects.filter(workstream=workstream, title=item.title)
    assert rows.count() == 1
    row = rows.get()
    assert row.status == ChecklistStatus.DONE
    assert row.completed_by == first
    assert row.note == "Checked"


def test_setting_an_item_back_to_do_clears_who_completed_it(officer):
    item = WorkstreamFactory().checklist_items.first()
    services.checklist_item_update(item=item, by=officer, status="done")
    services.checklist_item_update(item=item, by=officer, status="to_do")
    item.refresh_from_db()
    assert (item.completed_by, item.completed_at) == (None, None)


def test_checklist_update_is_recorded_in_the_items_history(officer):
    item = WorkstreamFactory().checklist_items.first()
    services.checklist_item_update(item=item, by=officer, status="done")
    assert item.history.latest("history_date").history_user == officer


@pytest.mark.django_db
def test_an_officer_can_clear_a_wrong_note_or_evidence_link(officer):
    item = ChecklistItemFactory()
    services.checklist_item_update(
        item=item,
        by=officer,
        status=ChecklistStatus.DONE,
        note="Wrong doc",
        evidence_url="https://example.org/wrong",
    )

    services.checklist_item_update(item=item, by=officer, status=ChecklistStatus.DONE)

    item.refresh_from_db()
    assert (item.note, item.evidence_url) == ("", "")
    assert item.completed_by == officer
