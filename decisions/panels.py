"""Dashboard panels and the workstream "Decisions" tab section of the decisions app."""

from __future__ import annotations

from commissioning.dashboard import register_panel
from commissioning.models import Role
from workstreams.sections import register_workstream_section

from . import selectors
from .models import EDITABLE_STATUSES, AssessmentStatus

QUEUE_LIMIT = 10


def _queue_context(user) -> dict:
    queue = selectors.approval_queue(for_user=user)
    return {"assessments": list(queue[:QUEUE_LIMIT]), "total": queue.count()}


def _own_context(user) -> dict:
    own = selectors.assessment_list().filter(author=user)
    return {
        "to_finish": list(own.filter(status__in=EDITABLE_STATUSES).order_by("-updated_at")),
        "waiting": list(
            own.filter(status=AssessmentStatus.SUBMITTED).order_by("submitted_at", "pk")
        ),
    }


def _workstream_section_context(workstream, user) -> dict:
    return {
        "workstream": workstream,
        "assessments": selectors.assessment_list(queryset=workstream.assessments.all()),
        "can_start": user.can_edit,
    }


def register() -> None:
    register_panel(
        key="decisions-waiting",
        title="Decisions waiting for you",
        template="decisions/panels/approval_queue.html",
        roles={Role.MANAGER, Role.ADMIN},
        context=_queue_context,
        order=5,
    )
    register_panel(
        key="decisions-own",
        title="Your assessments",
        template="decisions/panels/your_assessments.html",
        roles={Role.OFFICER, Role.MANAGER, Role.ADMIN},
        context=_own_context,
        order=15,
    )
    register_workstream_section(
        key="decisions",
        label="Decision assessments",
        template="decisions/workstream_section.html",
        context=_workstream_section_context,
        order=10,
    )
