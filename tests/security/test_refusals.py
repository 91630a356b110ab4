"""A viewer changes nothing, whatever the method; a manager cannot approve their own
assessment, even by crafting the POST."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from commissioning.access import Access
from commissioning.models import Role
from decisions.models import AssessmentEvent, AssessmentStatus
from tests.factories import UserFactory, submitted_assessment
from tests.security.test_access_matrix import ROUTES, _url_for

#: Levels at which a viewer may send a change: their own account (sign out, password),
#: and the pages anyone may use.
VIEWER_MAY_CHANGE = (Access.PUBLIC, Access.SECRET_LINK, Access.ACCOUNT)
CHANGING_ROUTES = [route for route in ROUTES if route.view_class.access not in VIEWER_MAY_CHANGE]


@pytest.mark.django_db
@pytest.mark.parametrize("route", CHANGING_ROUTES, ids=str)
def test_a_viewer_is_refused_every_change_whatever_the_method(route):
    viewer = UserFactory(role=Role.VIEWER)
    client = Client()
    client.force_login(viewer)
    url = _url_for(route)

    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)(url)
        assert response.status_code == 403, f"viewer {method.upper()} {url} was not refused"
    # Each refusal is in the audit log.
    assert AuditEvent.objects.filter(event="access.refused", user=viewer).count() == 4


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
@pytest.mark.parametrize("outcome", ["approved", "declined", "returned"])
def test_a_manager_cannot_decide_their_own_assessment_by_crafting_the_post(role, outcome):
    author = UserFactory(role=role)
    assessment = submitted_assessment(author=author)
    events_before = AssessmentEvent.objects.count()
    client = Client()
    client.force_login(author)

    response = client.post(
        reverse("assessment-decide", args=[assessment.pk]),
        {"outcome": outcome, "reason": "I approve of my own work."},
    )

    assert response.status_code == 200
    assert "You wrote this assessment, so another manager must decide it" in (
        response.content.decode().replace("&#x27;", "'")
    )
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED
    assert assessment.decided_by is None and assessment.decided_at is None
    assert assessment.decision_reason == ""
    assert AssessmentEvent.objects.count() == events_before


@pytest.mark.django_db
def test_another_manager_can_decide_it():
    assessment = submitted_assessment(author=UserFactory(role=Role.MANAGER))
    other = UserFactory(role=Role.MANAGER)
    client = Client()
    client.force_login(other)

    response = client.post(
        reverse("assessment-decide", args=[assessment.pk]),
        {"outcome": "approved", "reason": "Fits the plan."},
    )

    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.APPROVED
    assert assessment.decided_by == other
