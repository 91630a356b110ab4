"""The concerns and complaints log: recording, updating and escalating through the pages
(managers told once per escalation), the list's filters and export, the section on grant
and contract pages, and providers kept out."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from commissioning.models import Notification, Role
from contracts.services import contract_go_live
from monitoring import services
from monitoring.models import Concern, ConcernKind, Escalation
from tests.factories import ContractFactory, UserFactory
from tests.monitoring.factories import ConcernFactory, active_grant

pytestmark = pytest.mark.django_db

D = datetime.date


def date_fields(name: str, day: datetime.date | None) -> dict:
    if day is None:
        return {f"{name}_0": "", f"{name}_1": "", f"{name}_2": ""}
    return {f"{name}_0": day.day, f"{name}_1": day.month, f"{name}_2": day.year}


def form_data(**overrides) -> dict:
    today = timezone.localdate()
    values = {
        "kind": ConcernKind.COMPLAINT,
        "received_on": today - datetime.timedelta(days=10),
        "raised_by": "Service user",
        "summary": "Nobody returned my calls for three weeks.",
        "escalated_to": "none",
        "escalated_on": None,
        "outcome": "",
        "closed_on": None,
        **overrides,
    }
    data = {}
    for name, value in values.items():
        if name.endswith("_on"):
            data.update(date_fields(name, value))
        else:
            data[name] = value
    return data


def escalation_notifications(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user, key__startswith="concern-escalated:")
        .order_by("pk")
        .values_list("key", flat=True)
    )


@pytest.fixture
def managers(make_user):
    return [make_user(Role.MANAGER), make_user(Role.MANAGER)]


@pytest.fixture
def grant():
    return active_grant(title="Victim support grant")


@pytest.fixture
def contract(officer):
    contract = ContractFactory(title="Children's service")
    return contract_go_live(contract=contract, by=officer, went_live_on=contract.start_date)


# --- Recording, updating and escalating --------------------------------------------------


def test_an_officer_records_a_complaint_about_a_grant(officer_client, officer, grant, managers):
    response = officer_client.post(
        reverse("concern-create-grant", kwargs={"grant_pk": grant.pk}), form_data()
    )

    concern = Concern.objects.get()
    assert response.status_code == 302
    assert response["Location"] == concern.get_absolute_url()
    assert concern.grant == grant and concern.contract is None
    assert concern.kind == ConcernKind.COMPLAINT
    assert concern.raised_by == "Service user"
    assert concern.recorded_by == officer
    assert concern.escalated_to == ""
    assert all(escalation_notifications(m) == [] for m in managers)
    page = officer_client.get(response["Location"])
    assert "Nobody returned my calls for three weeks." in page.content.decode()
    assert "Not escalated" in page.content.decode()


def test_a_concern_about_a_contract_is_recorded_against_the_contract(officer_client, contract):
    response = officer_client.post(
        reverse("concern-create-contract", kwargs={"contract_pk": contract.pk}),
        form_data(kind=ConcernKind.CONCERN, raised_by="Avon CSP"),
    )

    assert response.status_code == 302
    concern = Concern.objects.get()
    assert concern.contract == contract and concern.grant is None


def test_escalating_tells_every_manager_once_per_escalation(
    officer_client, grant, managers, make_user
):
    today = timezone.localdate()
    officer_client.post(
        reverse("concern-create-grant", kwargs={"grant_pk": grant.pk}),
        form_data(escalated_to=Escalation.MANAGER, escalated_on=today),
    )
    concern = Concern.objects.get()
    assert concern.escalated_to == Escalation.MANAGER
    for manager in managers:
        assert escalation_notifications(manager) == [f"concern-escalated:{concern.pk}:manager"]

    edit = reverse("concern-edit", kwargs={"pk": concern.pk})
    # Saving again with the same escalation tells nobody again.
    officer_client.post(
        edit,
        form_data(escalated_to=Escalation.MANAGER, escalated_on=today, summary="Updated summary."),
    )
    assert all(len(escalation_notifications(m)) == 1 for m in managers)

    # Escalated on to the PCC: each manager is told once more.
    response = officer_client.post(edit, form_data(escalated_to=Escalation.PCC, escalated_on=today))
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.escalated_to == Escalation.PCC
    for manager in managers:
        assert escalation_notifications(manager) == [
            f"concern-escalated:{concern.pk}:manager",
            f"concern-escalated:{concern.pk}:pcc",
        ]
    page = officer_client.get(concern.get_absolute_url()).content.decode()
    assert "Escalated to the Police and Crime Commissioner on" in page


def test_an_escalation_without_its_date_is_refused_at_the_date(officer_client, grant, managers):
    response = officer_client.post(
        reverse("concern-create-grant", kwargs={"grant_pk": grant.pk}),
        form_data(escalated_to=Escalation.PCC),
    )

    assert response.status_code == 200
    assert "Enter the date it was escalated" in response.content.decode()
    assert not Concern.objects.exists()
    assert all(escalation_notifications(m) == [] for m in managers)


def test_closing_without_an_outcome_is_refused_and_nothing_changes(officer_client, officer):
    concern = ConcernFactory(recorded_by=officer)
    today = timezone.localdate()

    response = officer_client.post(
        reverse("concern-edit", kwargs={"pk": concern.pk}),
        form_data(received_on=concern.received_on, closed_on=today, summary="Changed"),
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "Enter the outcome before closing it" in body
    assert "Changed" in body  # what was typed stays on the page
    concern.refresh_from_db()
    assert concern.closed_on is None
    assert concern.summary != "Changed"


def test_closing_with_an_outcome_closes_it(officer_client, officer):
    concern = ConcernFactory(recorded_by=officer)
    today = timezone.localdate()

    response = officer_client.post(
        reverse("concern-edit", kwargs={"pk": concern.pk}),
        form_data(
            received_on=concern.received_on,
            closed_on=today,
            outcome="The provider apologised and changed its call-back rota.",
        ),
    )

    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.closed_on == today
    assert concern.outcome.startswith("The provider apologised")
    assert concern.history.count() == 2


def test_the_edit_page_starts_from_what_was_recorded(officer_client, officer):
    concern = ConcernFactory(
        recorded_by=officer, received_on=D(2025, 6, 1), raised_by="Avon CSP partner"
    )

    body = officer_client.get(reverse("concern-edit", kwargs={"pk": concern.pk})).content.decode()

    def value(name):
        match = re.search(rf'<input[^>]*name="{name}"[^>]*>', body)
        found = re.search(r'value="([^"]*)"', match.group(0))
        return found.group(1) if found else None

    assert value("raised_by") == "Avon CSP partner"
    assert [value(f"received_on_{i}") for i in range(3)] == ["1", "6", "2025"]
    assert value("escalated_on_0") is None
    assert concern.summary in body
    assert re.search(r'value="concern"\s+checked', body)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"received_on": D(2999, 1, 1)}, "The date received must be today or in the past"),
        ({"raised_by": ""}, "Enter who raised it"),
        ({"summary": ""}, "Enter a summary"),
        ({"kind": ""}, "Select whether it is a concern or a complaint"),
        (
            {"escalated_on": D(2000, 1, 1), "escalated_to": Escalation.MANAGER},
            "The date it was escalated must be on or after the date it was received",
        ),
    ],
)
def test_bad_input_is_refused_at_the_field(officer_client, grant, overrides, message):
    response = officer_client.post(
        reverse("concern-create-grant", kwargs={"grant_pk": grant.pk}), form_data(**overrides)
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Concern.objects.exists()


# --- Who may see it ----------------------------------------------------------------------


def test_providers_never_see_the_log_even_about_their_own_grant(client, make_user):
    grant = active_grant()
    provider = make_user(Role.PROVIDER, organisation=grant.recipient)
    concern = ConcernFactory(grant=grant)
    client.force_login(provider)

    assert client.get(reverse("concern-list")).status_code == 403
    assert client.get(reverse("concern-export")).status_code == 403
    assert client.get(concern.get_absolute_url()).status_code == 404
    assert client.get(reverse("concern-edit", kwargs={"pk": concern.pk})).status_code == 404
    create = reverse("concern-create-grant", kwargs={"grant_pk": grant.pk})
    assert client.get(create).status_code == 404
    assert client.post(create, form_data()).status_code == 404
    assert Concern.objects.count() == 1
    # Their grant's page shows no concerns section.
    page = client.get(grant.get_absolute_url())
    assert page.status_code == 200
    assert "Concerns and complaints" not in page.content.decode()


def test_viewers_read_the_log_but_record_nothing(viewer_client, grant):
    concern = ConcernFactory(grant=grant)

    assert viewer_client.get(reverse("concern-list")).status_code == 200
    assert viewer_client.get(concern.get_absolute_url()).status_code == 200
    create = reverse("concern-create-grant", kwargs={"grant_pk": grant.pk})
    assert viewer_client.get(create).status_code == 403
    assert viewer_client.post(create, form_data()).status_code == 403


def test_a_grant_that_does_not_exist_answers_404(officer_client):
    url = reverse("concern-create-grant", kwargs={"grant_pk": 999999})
    assert officer_client.get(url).status_code == 404


# --- The list, its filters and export ------------------------------------------------------


@pytest.fixture
def log(officer, grant, contract):
    today = timezone.localdate()
    open_complaint = services.concern_record(
        agreement=grant,
        by=officer,
        kind=ConcernKind.COMPLAINT,
        received_on=today - datetime.timedelta(days=3),
        raised_by="=cmd|' /C calc'!A0",
        summary="Open complaint escalated to the PCC",
        escalated_to=Escalation.PCC,
        escalated_on=today,
    )
    closed_concern = services.concern_record(
        agreement=contract,
        by=officer,
        kind=ConcernKind.CONCERN,
        received_on=today - datetime.timedelta(days=30),
        raised_by="Avon CSP",
        summary="Closed concern never escalated",
        outcome="Resolved at the contract meeting.",
        closed_on=today - datetime.timedelta(days=2),
    )
    return open_complaint, closed_concern


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("", ["Open complaint", "Closed concern"], []),
        ("state=open", ["Open complaint"], ["Closed concern"]),
        ("state=closed", ["Closed concern"], ["Open complaint"]),
        ("escalated=yes", ["Open complaint"], ["Closed concern"]),
        ("escalated=pcc", ["Open complaint"], ["Closed concern"]),
        ("escalated=no", ["Closed concern"], ["Open complaint"]),
        ("kind=concern", ["Closed concern"], ["Open complaint"]),
        ("kind=complaint", ["Open complaint"], ["Closed concern"]),
    ],
)
def test_the_list_filters(officer_client, log, query, shown, hidden):
    body = officer_client.get(reverse("concern-list") + "?" + query).content.decode()

    for text in shown:
        assert text in body
    for text in hidden:
        assert text not in body


def test_the_export_has_every_concern_with_formulas_neutralised(officer_client, log):
    response = officer_client.get(reverse("concern-export") + "?format=csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))

    assert rows[0][:3] == ["Kind", "Received", "From whom"]
    by_summary = {row[6]: row for row in rows[1:]}
    assert set(by_summary) == {
        "Open complaint escalated to the PCC",
        "Closed concern never escalated",
    }
    assert by_summary["Open complaint escalated to the PCC"][2] == "'=cmd|' /C calc'!A0"
    assert (
        by_summary["Open complaint escalated to the PCC"][7]
        == "Escalated to the Police and Crime Commissioner"
    )
    assert by_summary["Closed concern never escalated"][5] == log[1].contract.supplier.name

    xlsx = officer_client.get(reverse("concern-export") + "?format=xlsx&state=open")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert len(values) == 2
    assert values[1][2] == "'=cmd|' /C calc'!A0"
    assert sheet.cell(row=2, column=3).data_type == "s"


def test_the_list_costs_the_same_queries_for_more_concerns(officer_client, officer, log):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = officer_client.get(reverse("concern-list"))
        assert response.status_code == 200
        return len(captured)

    few = count()
    for _ in range(3):
        ConcernFactory(grant=active_grant(), recorded_by=UserFactory(role=Role.OFFICER))
        services.concern_record(
            agreement=log[1].contract,
            by=officer,
            kind=ConcernKind.CONCERN,
            received_on=timezone.localdate(),
            raised_by="Partner",
            summary="Another",
        )

    assert Concern.objects.count() == 8
    assert count() == few


# --- On the agreement's page -----------------------------------------------------------------


def test_the_grant_page_lists_its_concerns_with_a_link_to_add_one(officer_client, grant):
    ConcernFactory(grant=grant, summary="Waiting list too long at the Yeovil office")
    ConcernFactory(summary="About another grant entirely")

    body = officer_client.get(grant.get_absolute_url()).content.decode()

    assert "Concerns and complaints" in body
    assert "Waiting list too long at the Yeovil office" in body
    assert "About another grant entirely" not in body
    assert reverse("concern-create-grant", kwargs={"grant_pk": grant.pk}) in body


def test_the_contract_page_lists_its_concerns_and_viewers_get_no_add_link(
    viewer_client, officer_client, contract, officer
):
    services.concern_record(
        agreement=contract,
        by=officer,
        kind=ConcernKind.CONCERN,
        received_on=timezone.localdate(),
        raised_by="Avon CSP",
        summary="Referral pathway unclear to partners",
    )
    add = reverse("concern-create-contract", kwargs={"contract_pk": contract.pk})

    viewer_page = viewer_client.get(contract.get_absolute_url()).content.decode()
    officer_page = officer_client.get(contract.get_absolute_url()).content.decode()

    assert "Referral pathway unclear to partners" in viewer_page
    assert add not in viewer_page
    assert add in officer_page
