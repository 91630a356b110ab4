"""Changes to workstreams, their checklists, partners, milestones and voice log. Each is
one transaction, validates with ``full_clean()`` and records who made it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from commissioning.models import User

from .models import (
    CalendarFeed,
    ChecklistItem,
    ChecklistStatus,
    ChecklistTemplateItem,
    Milestone,
    PartnerPart,
    ServiceUserVoice,
    Stage,
    StageChange,
    Workstream,
    WorkstreamPartner,
    WorkstreamStatus,
)

#: The status changes an edit may make; decisions (a later app) make the others.
STATUS_CHANGES = {
    WorkstreamStatus.PROPOSED: {WorkstreamStatus.ACTIVE, WorkstreamStatus.DECLINED},
    WorkstreamStatus.ACTIVE: {WorkstreamStatus.CLOSED},
    WorkstreamStatus.CLOSED: {WorkstreamStatus.ACTIVE},
    WorkstreamStatus.DECLINED: set(),
}


def _save(instance, *, by: User | None):
    instance.full_clean()
    instance._history_user = by
    instance.save()
    return instance


# --- Workstreams ------------------------------------------------------------------------


def _sync_checklist(workstream: Workstream) -> None:
    """Give the workstream the checklist of its role: add the role's items it lacks and
    drop other roles' items that were never done (done ones are kept, as the record of
    work already done)."""
    templates = ChecklistTemplateItem.objects.filter(role=workstream.role, is_active=True)
    have = set(
        workstream.checklist_items.filter(template__isnull=False).values_list(
            "template_id", flat=True
        )
    )
    # Through the history library, so each new item's creation is in its history too.
    bulk_create_with_history(
        [
            ChecklistItem(
                workstream=workstream,
                template=template,
                role=template.role,
                stage=template.stage,
                order=template.order,
                title=template.title,
                guidance=template.guidance,
                required=template.required,
            )
            for template in templates
            if template.pk not in have
        ],
        ChecklistItem,
    )
    workstream.checklist_items.exclude(role=workstream.role).filter(
        status=ChecklistStatus.TO_DO
    ).delete()


def _sync_lead_commissioner(workstream: Workstream) -> None:
    if workstream.lead_commissioner_id:
        WorkstreamPartner.objects.get_or_create(
            workstream=workstream,
            organisation_id=workstream.lead_commissioner_id,
            part=PartnerPart.LEAD_COMMISSIONER,
        )


@transaction.atomic
def workstream_create(*, by: User | None, **fields: Any) -> Workstream:
    workstream = _save(Workstream(**fields), by=by)
    _sync_checklist(workstream)
    _sync_lead_commissioner(workstream)
    return workstream


@transaction.atomic
def workstream_update(*, workstream: Workstream, by: User | None, **fields: Any) -> Workstream:
    workstream = Workstream.objects.select_for_update().get(pk=workstream.pk)
    old_role, old_status = workstream.role, workstream.status
    for name, value in fields.items():
        setattr(workstream, name, value)
    if workstream.status != old_status and workstream.status not in STATUS_CHANGES[old_status]:
        raise ValidationError(
            {
                "status": ValidationError(
                    "A %(old)s workstream cannot be made %(new)s",
                    params={
                        "old": WorkstreamStatus(old_status).label.lower(),
                        "new": WorkstreamStatus(workstream.status).label.lower(),
                    },
                )
            }
        )
    if workstream.status == WorkstreamStatus.CLOSED and not workstream.closed_reason.strip():
        raise ValidationError({"closed_reason": "Enter why the workstream is closing"})
    _save(workstream, by=by)
    if workstream.role != old_role:
        _sync_checklist(workstream)
    _sync_lead_commissioner(workstream)
    return workstream


@transaction.atomic
def workstream_apply_decision(
    *, workstream: Workstream, by: User, go_ahead: bool, role: str, reason: str
) -> Workstream:
    """The outcome of an approved or declined decision to take a workstream on: proceed
    makes it active in ``role`` (also a declined one, when a superseding assessment
    reconsiders it); otherwise it is declined with the reason. Only decisions do this;
    an edit can't reopen a declined workstream."""
    workstream = Workstream.objects.select_for_update().get(pk=workstream.pk)
    old_role = workstream.role
    if go_ahead:
        workstream.status, workstream.role = WorkstreamStatus.ACTIVE, role
        workstream.closed_reason = ""
    else:
        workstream.status, workstream.closed_reason = WorkstreamStatus.DECLINED, reason
    _save(workstream, by=by)
    if workstream.role != old_role:
        _sync_checklist(workstream)
    return workstream


def outstanding_items(workstream: Workstream, stage: str | None = None):
    """Required checklist items of ``stage`` (default: the current one) still to do."""
    return workstream.checklist_items.filter(
        stage=stage or workstream.stage, required=True, status=ChecklistStatus.TO_DO
    ).order_by("order")


@transaction.atomic
def workstream_advance_stage(*, workstream: Workstream, by: User, reason: str = "") -> StageChange:
    """Move to the next stage once the current stage's required items are done. A
    manager may move it on anyway with a recorded reason."""
    workstream = Workstream.objects.select_for_update().get(pk=workstream.pk)
    next_stage = Stage.after(workstream.stage)
    if next_stage is None:
        raise ValidationError("Review is the last stage of the cycle: there is no next stage")
    if workstream.status in (WorkstreamStatus.CLOSED, WorkstreamStatus.DECLINED):
        raise ValidationError(
            "A %(status)s workstream does not move through the cycle",
            params={"status": workstream.get_status_display().lower()},
        )
    outstanding = list(outstanding_items(workstream))
    if outstanding:
        if not by.is_manager:
            raise ValidationError(
                "The %(stage)s stage has required items still to do: %(items)s. "
                "Complete them, or ask a manager to move the workstream on.",
                code="outstanding",
                params={
                    "stage": workstream.get_stage_display(),
                    "items": "; ".join(item.title for item in outstanding),
                },
            )
        if not reason.strip():
            raise ValidationError(
                {"reason": "Enter why the workstream is moving on with items still to do"}
            )
    change = StageChange.objects.create(
        workstream=workstream,
        from_stage=workstream.stage,
        to_stage=next_stage,
        changed_by=by,
        overridden=bool(outstanding),
        reason=reason.strip(),
        outstanding="\n".join(item.title for item in outstanding),
    )
    workstream.stage = next_stage
    _save(workstream, by=by)
    return change


# --- Checklist --------------------------------------------------------------------------


@transaction.atomic
def checklist_item_update(
    *,
    item: ChecklistItem,
    by: User,
    status: str,
    note: str = "",
    evidence_url: str = "",
    evidence_file=None,
) -> ChecklistItem:
    """Record progress on an item: its status, note and evidence link as given (the form
    starts from the current values, so clearing one removes it), and a new evidence file
    if one is given. The row is locked, so two officers ticking the same item at once
    both succeed on the one row, and the first to complete it stays recorded as having
    done it."""
    item = ChecklistItem.objects.select_for_update().get(pk=item.pk)
    was_complete = item.is_complete
    item.status = status
    item.note = note.strip()
    item.evidence_url = evidence_url
    if evidence_file is not None:
        item.evidence_file = evidence_file
        item.evidence_name = evidence_file.name[:255]
    if item.is_complete and not was_complete:
        item.completed_by, item.completed_at = by, timezone.now()
    elif not item.is_complete:
        item.completed_by, item.completed_at = None, None
    return _save(item, by=by)


# --- Partners, milestones, voice --------------------------------------------------------


@transaction.atomic
def partner_add(*, workstream: Workstream, by: User, **fields: Any) -> WorkstreamPartner:
    partner = WorkstreamPartner(workstream=workstream, **fields)
    try:
        with transaction.atomic():
            return _save(partner, by=by)
    except IntegrityError as error:  # a concurrent add of the same part
        raise ValidationError(
            {"organisation": "This organisation already has that part in the workstream"}
        ) from error


@transaction.atomic
def partner_remove(*, partner: WorkstreamPartner, by: User) -> None:
    workstream = partner.workstream
    if (
        partner.part == PartnerPart.LEAD_COMMISSIONER
        and workstream.lead_commissioner_id == partner.organisation_id
    ):
        raise ValidationError(
            "%(org)s is this workstream's lead commissioner: change the lead commissioner "
            "on the workstream first",
            params={"org": partner.organisation},
        )
    partner._history_user = by
    partner.delete()


@transaction.atomic
def milestone_create(*, by: User | None, **fields: Any) -> Milestone:
    return _save(Milestone(**fields), by=by)


@transaction.atomic
def milestone_update(*, milestone: Milestone, by: User, **fields: Any) -> Milestone:
    for name, value in fields.items():
        setattr(milestone, name, value)
    return _save(milestone, by=by)


@transaction.atomic
def milestone_delete(*, milestone: Milestone, by: User) -> None:
    milestone._history_user = by
    milestone.delete()


@transaction.atomic
def voice_record(*, workstream: Workstream, by: User | None, **fields: Any) -> ServiceUserVoice:
    return _save(ServiceUserVoice(workstream=workstream, recorded_by=by, **fields), by=by)


# --- Calendar feed ----------------------------------------------------------------------


@transaction.atomic
def calendar_feed_issue(*, user: User) -> CalendarFeed:
    """The user's feed, created on first request."""
    feed, _ = CalendarFeed.objects.get_or_create(user=user)
    return feed


@transaction.atomic
def calendar_feed_revoke(*, user: User) -> None:
    """Stop the user's feed address working; a new request gets a new address."""
    CalendarFeed.objects.filter(user=user).delete()


def calendar_feed_record_use(*, feed: CalendarFeed) -> None:
    """Note when a calendar application last fetched the feed (shown on its page)."""
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
