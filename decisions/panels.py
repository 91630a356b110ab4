"""Dashboard panels and the workstream "Decisions" tab section of the decisions app."""

from __future__ import annotations

from commissioning.dashboard import register_panel
from commissioning.models import Role
from commissioning.paging import first_rows
from workstreams.sections import register_workstream_section

from . import selectors
from .models import EDITABLE_STATUSES, AssessmentStatus, DecisionAssessment

QUEUE_LIMIT = 10
#: Rows each list of "Your assessments" shows before "and N more".
OWN_LIMIT = 10


def _queue_context(user) -> dict:
    assessments, total = first_rows(
        selectors.approval_queue(for_user=user)
        .select_related(None)
        .select_related("workstream", "author")
        .only(
            "reference",
            "title",
            "decision_type",
            "submitted_at",
            "workstream__title",
            "author__full_name",
            "author__email",
        ),
        QUEUE_LIMIT,
    )
    return {"assessments": assessments, "total": total}


def _own_context(user) -> dict:
    # One query for both lists: the author's undecided assessments (their own work in
    # hand, not the office's), split and bounded here. As two lists with all their
    # relations joined the panel cost ~6 ms of Python a request (issue 11).
    own = list(
        DecisionAssessment.objects.filter(
            author=user, status__in=[*EDITABLE_STATUSES, AssessmentStatus.SUBMITTED]
        ).only("reference", "title", "status", "decision_reason", "submitted_at", "updated_at")
    )
    to_finish = sorted(
        (a for a in own if a.status in EDITABLE_STATUSES),
        key=lambda a: (a.updated_at, a.pk),
        reverse=True,
    )
    waiting = sorted(
        (a for a in own if a.status == AssessmentStatus.SUBMITTED),
        key=lambda a: (a.submitted_at or a.updated_at, a.pk),
    )
    return {
        "to_finish": to_finish[:OWN_LIMIT],
        "finish_more": max(len(to_finish) - OWN_LIMIT, 0),
        "waiting": waiting[:OWN_LIMIT],
        "waiting_more": max(len(waiting) - OWN_LIMIT, 0),
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
