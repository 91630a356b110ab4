"""The contract pages as people use them: the list and its export, a supplier's
read-only view of their own contract, entering a contract, going live, extensions and
the overdue panel on the dashboard."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from commissioning.dates import add_months
from commissioning.templatetags.portal import ukdate
from contracts.models import Contract, ExtensionOption
from contracts.services import contract_go_live
from tests.factories import (
    ContractFactory,
    FundingStreamFactory,
    KPIFactory,
    OrganisationFactory,
    WorkstreamFactory,
)

pytestmark = pytest.mark.django_db


def _date(name: str, day: datetime.date | None) -> dict:
    if day is None:
        return {f"{name}_0": "", f"{name}_1": "", f"{name}_2": ""}
    return {f"{name}_0": day.day, f"{name}_1": day.month, f"{name}_2": day.year}


def _live_contract(**kwargs):
    today = timezone.localdate()
    defaults = {
        "start_date": today - datetime.timedelta(days=60),
        "end_date": add_months(today, 24),
        "whole_life_value": Decimal("900000.00"),
    }
    contract = ContractFactory(**{**defaults, **kwargs})
    return contract_go_live(contract=contract, by=None, went_live_on=contract.start_date)


# --- The list and its export --------------------------------------------------------------


def test_list_filters_by_derived_status(officer_client):
    today = timezone.localdate()
    live = _live_contract(title="Victim services")
    ending = _live_contract(title="Appropriate adults", end_date=add_months(today, 3))
    ended = ContractFactory(
        title="Old ISVA service",
        start_date=today - datetime.timedelta(days=800),
        end_date=today - datetime.timedelta(days=10),
    )

    page = officer_client.get(reverse("contract-list"), {"status": "ending_soon"}).content.decode()
    assert ending.title in page and live.title not in page and ended.title not in page

    page = officer_client.get(reverse("contract-list"), {"status": "live"}).content.decode()
    assert live.title in page and ending.title not in page

    page = officer_client.get(reverse("contract-list"), {"status": "ended"}).content.decode()
    assert ended.title in page and live.title not in page


def test_list_filters_by_supplier(officer_client):
    wanted = ContractFactory(title="SARC", supplier=OrganisationFactory(name="Health Trust"))
    other = ContractFactory(title="SV therapies")
    page = officer_client.get(
        reverse("contract-list"), {"supplier": wanted.supplier_id}
    ).content.decode()
    assert wanted.title in page and other.title not in page


def test_export_gives_the_filtered_rows_as_csv(officer_client):
    wanted = ContractFactory(title="SARC", supplier=OrganisationFactory(name="Health Trust"))
    ContractFactory(title="SV therapies")
    response = officer_client.get(
        reverse("contract-export"), {"supplier": wanted.supplier_id, "format": "csv"}
    )
    body = b"".join(response.streaming_content if response.streaming else [response.content])
    text = body.decode("utf-8-sig")
    assert response.status_code == 200
    assert "Reference" in text and wanted.reference in text and "SV therapies" not in text


# --- A supplier's view --------------------------------------------------------------------


def test_provider_sees_own_contract_read_only(provider_client, provider):
    contract = ContractFactory(supplier=provider.organisation, title="Appropriate adults")
    KPIFactory(contract=contract, name="Detainees seen within two hours")
    response = provider_client.get(contract.get_absolute_url())
    page = response.content.decode()
    assert response.status_code == 200
    assert "Detainees seen within two hours" in page
    assert "Contract meetings" in page
    assert "Record a meeting" not in page
    assert "Procurement Act notices" not in page
    assert str(contract.responsible_officer) not in page


def test_provider_gets_404_for_another_suppliers_contract(provider_client):
    contract = ContractFactory()
    assert provider_client.get(contract.get_absolute_url()).status_code == 404
    url = reverse("contract-kpi-add", kwargs={"pk": contract.pk})
    assert provider_client.post(url, {"name": "Sneaky"}).status_code == 404
    assert not contract.kpis.exists()


def test_provider_list_shows_only_own_contracts(provider_client, provider):
    own = ContractFactory(supplier=provider.organisation, title="Our contract")
    other = ContractFactory(title="Somebody else's contract")
    page = provider_client.get(reverse("contract-list")).content.decode()
    assert own.title in page and other.title not in page


def test_viewer_sees_no_actions(viewer_client):
    contract = ContractFactory()
    page = viewer_client.get(contract.get_absolute_url()).content.decode()
    assert "Mark as live" not in page and "Record a meeting" not in page
    assert "Enter a contract" not in viewer_client.get(reverse("contract-list")).content.decode()


# --- Entering a contract ------------------------------------------------------------------


def _create_data(officer, **overrides) -> dict:
    stream = overrides.pop("stream", None) or FundingStreamFactory()
    data = {
        "title": "Restorative justice",
        "supplier": OrganisationFactory().pk,
        "workstream": WorkstreamFactory().pk,
        "annual_value": "40000",
        "whole_life_value": "120000",
        **_date("start_date", datetime.date(2025, 4, 1)),
        **_date("end_date", datetime.date(2028, 3, 31)),
        "responsible_officer": officer.pk,
        "funding_stream": stream.pk,
        "charge_amount": "40000",
        "monitoring_frequency": "half_yearly",
    }
    data.update(overrides)
    return data


def test_create_saves_the_contract_with_its_charge(officer_client, officer):
    response = officer_client.post(reverse("contract-create"), _create_data(officer))
    contract = Contract.objects.get(title="Restorative justice")
    assert response.status_code == 302
    assert response["Location"] == contract.get_absolute_url()
    assert contract.charges.get().amount == Decimal("40000")
    assert contract.reference.startswith("CT-2025-")
    assert contract.monitoring_frequency == "half_yearly"


def test_create_with_end_before_start_is_refused_at_the_field(officer_client, officer):
    data = _create_data(officer, **_date("end_date", datetime.date(2025, 3, 1)))
    response = officer_client.post(reverse("contract-create"), data)
    assert response.status_code == 200
    assert "The end date must be the same as or after the start date" in (response.content.decode())
    assert response.context["form"].errors["end_date"]
    assert not Contract.objects.exists()


def test_create_over_headroom_is_refused_at_the_amount(officer_client, officer):
    stream = FundingStreamFactory(amount=Decimal("10000"))
    response = officer_client.post(reverse("contract-create"), _create_data(officer, stream=stream))
    assert response.status_code == 200
    assert "left, not enough" in response.context["form"].errors["charge_amount"][0]
    assert not Contract.objects.exists()


# --- Going live ---------------------------------------------------------------------------


def _go_live(client, contract):
    return client.post(
        reverse("contract-go-live", kwargs={"pk": contract.pk}),
        _date("went_live_on", contract.start_date),
    )


def test_go_live_over_5m_without_three_kpis_is_refused(officer_client):
    contract = ContractFactory(whole_life_value=Decimal("6000000"))
    KPIFactory(contract=contract)
    response = _go_live(officer_client, contract)
    assert response.status_code == 200
    assert "needs at least three KPIs before it goes live; it has 1" in (response.content.decode())
    contract.refresh_from_db()
    assert contract.went_live_on is None


def test_go_live_over_5m_allowed_for_light_touch_contract(officer_client):
    contract = ContractFactory(whole_life_value=Decimal("6000000"), light_touch=True)
    response = _go_live(officer_client, contract)
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.went_live_on == contract.start_date


# --- Extensions ---------------------------------------------------------------------------


def test_exercising_an_extension_moves_the_forward_plan_milestone(officer_client):
    contract = ContractFactory(end_date=datetime.date(2028, 3, 31))
    option = ExtensionOption.objects.create(contract=contract, months=12)
    response = officer_client.post(
        reverse("contract-extension", kwargs={"pk": contract.pk}),
        {"option": option.pk, **_date("on", datetime.date(2027, 9, 1))},
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.end_date == datetime.date(2029, 3, 31)
    assert contract.end_milestone.date == datetime.date(2029, 3, 31)


# --- Small actions ------------------------------------------------------------------------


def test_recording_a_meeting_marks_it_held(officer_client):
    contract = ContractFactory()
    meeting = contract.meetings.order_by("due_date").first()
    response = officer_client.post(
        reverse("contract-meeting", kwargs={"pk": contract.pk}),
        {
            "meeting": meeting.pk,
            **_date("held_on", meeting.due_date),
            "minutes": "Referrals up",
            "rag": "amber",
        },
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.held_on == meeting.due_date and meeting.rag == "amber"


def test_publishing_a_performance_assessment_needs_a_rating(officer_client):
    contract = ContractFactory()
    notice = contract.notices.get(key="performance-1")
    url = reverse("contract-notice", kwargs={"pk": contract.pk})
    response = officer_client.post(
        url, {"notice": notice.pk, **_date("published_on", datetime.date(2026, 4, 20))}
    )
    assert response.status_code == 200
    assert "Select the performance rating" in response.content.decode()
    notice.refresh_from_db()
    assert notice.published_on is None


def test_flagging_a_risk_needs_a_description(officer_client):
    contract = ContractFactory()
    url = reverse("contract-risk", kwargs={"pk": contract.pk})
    response = officer_client.post(url, {"flagged": "yes", "risk_note": ""})
    assert "Describe the service risk" in response.content.decode()
    contract.refresh_from_db()
    assert not contract.risk_flagged


# --- Dashboard ----------------------------------------------------------------------------


def test_overdue_meeting_shows_on_the_dashboard(officer_client):
    today = timezone.localdate()
    contract = ContractFactory(
        start_date=today - datetime.timedelta(days=200), end_date=add_months(today, 24)
    )
    overdue = contract.meetings.filter(due_date__lt=today).order_by("due_date").first()
    page = officer_client.get(reverse("dashboard")).content.decode()
    assert "Contract meetings and notices overdue" in page
    assert "not recorded as held" in page
    assert f"{contract.reference}</a> with {contract.supplier.name}" in page
    assert ukdate(overdue.due_date) in page


def test_overdue_meetings_panel_lists_the_oldest_ten_and_counts_them_all(officer_client):
    from contracts.models import ContractMeeting
    from contracts.panels import OVERDUE_LIMIT

    today = timezone.localdate()
    for years in (3, 4):
        ContractFactory(
            start_date=today - datetime.timedelta(days=365 * years),
            end_date=add_months(today, 24),
        )
    overdue = ContractMeeting.objects.filter(held_on__isnull=True, due_date__lt=today)
    assert overdue.count() > OVERDUE_LIMIT

    page = officer_client.get(reverse("dashboard")).content.decode()

    start = page.index("not recorded as held")
    table = page[page.rindex("<table", 0, start) : page.index("</table>", start)]
    assert f"{overdue.count()} contract meetings past their due date" in table
    assert table.count('<tr class="govuk-table__row">') == 1 + OVERDUE_LIMIT
    oldest = overdue.order_by("due_date", "pk")[:OVERDUE_LIMIT]
    assert [ukdate(m.due_date) for m in oldest] == re.findall(
        r'<td class="govuk-table__cell">(\d+ \w+ \d{4})</td>', table
    )


def test_held_meeting_is_not_overdue_on_the_dashboard(officer_client):
    today = timezone.localdate()
    contract = ContractFactory(
        start_date=today - datetime.timedelta(days=100), end_date=add_months(today, 24)
    )
    contract.meetings.filter(due_date__lt=today).update(held_on=today)
    page = officer_client.get(reverse("dashboard")).content.decode()
    assert "not recorded as held" not in page


def test_officer_sees_the_actions_and_the_notices(officer_client):
    contract = ContractFactory()
    page = officer_client.get(contract.get_absolute_url()).content.decode()
    assert "Mark as live" in page and "Record a meeting" in page
    assert "Contract details notice" in page


def test_workstream_money_tab_lists_its_contracts(officer_client):
    contract = ContractFactory(title="Enhanced adults service")
    url = reverse("workstream-money", kwargs={"pk": contract.workstream_id})
    page = officer_client.get(url).content.decode()
    assert contract.reference in page and "Enhanced adults service" in page
