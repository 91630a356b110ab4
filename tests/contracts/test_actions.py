"""Extension options and meeting actions, added through the contract's pages."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from contracts import services
from contracts.models import MeetingAction
from tests.factories import ContractFactory

pytestmark = pytest.mark.django_db


def _date(prefix: str, day: datetime.date) -> dict:
    return {f"{prefix}_0": day.day, f"{prefix}_1": day.month, f"{prefix}_2": day.year}


def test_an_officer_adds_an_extension_option_then_exercises_it(officer_client, officer):
    contract = ContractFactory()

    response = officer_client.post(
        reverse("contract-extension-option-add", args=[contract.pk]), {"months": "12"}
    )

    assert response.status_code == 302
    option = contract.extensions.get()
    assert option.months == 12
    services.extension_exercise(option=option, by=officer, on=datetime.date(2027, 6, 1))
    contract.refresh_from_db()
    assert contract.end_date == datetime.date(2029, 3, 31)


def test_an_extension_of_no_months_is_refused_at_the_field(officer_client):
    contract = ContractFactory()

    response = officer_client.post(
        reverse("contract-extension-option-add", args=[contract.pk]), {"months": "0"}
    )

    assert response.status_code == 200
    assert "The extension must be at least 1 month" in response.content.decode()
    assert not contract.extensions.exists()


def test_a_meeting_action_is_added_and_marked_done(officer_client, officer):
    contract = ContractFactory()
    meeting = contract.meetings.first()
    services.meeting_record(
        meeting=meeting, by=officer, held_on=meeting.due_date, minutes="Agreed.", rag="amber"
    )

    response = officer_client.post(
        reverse("contract-meeting-action-add", args=[contract.pk]),
        {
            "meeting": meeting.pk,
            "description": "Send the referral data by area",
            "owner": "Provider's service manager",
            **_date("due_date", datetime.date(2025, 8, 1)),
        },
    )
    assert response.status_code == 302
    action = MeetingAction.objects.get()
    assert action.owner == "Provider's service manager"

    response = officer_client.post(
        reverse("contract-meeting-action-done", args=[contract.pk]),
        {"action": action.pk, **_date("done_on", datetime.date(2025, 7, 28))},
    )

    assert response.status_code == 302
    action.refresh_from_db()
    assert action.done_on == datetime.date(2025, 7, 28)
    detail = officer_client.get(contract.get_absolute_url()).content.decode()
    assert "Send the referral data by area" in detail


def test_an_action_needs_a_held_meeting_and_an_owner(officer_client):
    contract = ContractFactory()

    response = officer_client.post(
        reverse("contract-meeting-action-add", args=[contract.pk]),
        {"meeting": contract.meetings.first().pk, "description": "x", "owner": ""},
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert "Enter who owns the action" in text
    assert "Select a valid" in text or "Select the meeting" in text
    assert not MeetingAction.objects.exists()
