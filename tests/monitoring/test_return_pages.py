"""The return pages as each role uses them: the list (filters, order, export, its query
count), the return's page, the section forms' money and figure checks, a stale save
refused with the typed input kept, a provider kept to their own organisation's returns,
office editors filling a return in, and viewers only reading."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commissioning.models import Role
from contracts.models import Contract
from monitoring import services
from monitoring.models import KPIResult, Reminder, ReminderKind, ReturnStatus, UnderspendFlag
from tests.factories import ContractFactory, KPIFactory, OrganisationFactory
from tests.monitoring.factories import active_grant
from tests.monitoring.test_provider_journey import (
    client_for,
    complete_and_submit,
    finance_post,
    first_return,
    text_of,
    url,
)

pytestmark = pytest.mark.django_db

SECTION_PAGES = ("return-finance", "return-narrative", "return-evidence", "return-check")


def grant_for(organisation, **kwargs):
    return active_grant(recipient=organisation, **kwargs)


def contract_with_kpis(organisation) -> Contract:
    contract = ContractFactory(supplier=organisation)
    KPIFactory(contract=contract, name="Contact within two days", target=Decimal("90"), unit="%")
    KPIFactory(
        contract=contract,
        name="Days to first appointment",
        target=Decimal("10"),
        unit="days",
        direction="lower",
    )
    services.schedule_sync(agreement=contract)
    return contract


# --- The list -----------------------------------------------------------------------------


def test_provider_sees_only_their_returns_with_what_is_owed_first(provider, provider_client):
    mine = grant_for(provider.organisation)
    theirs = grant_for(OrganisationFactory(name="Another Charity"))
    sent = first_return(mine)
    sent.status = ReturnStatus.ACCEPTED
    sent.save()

    response = provider_client.get(reverse("return-list"))
    content = response.content.decode()
    assert response.status_code == 200
    assert theirs.reference not in content
    assert "Another Charity" not in content
    rows = [r.get_absolute_url() for r in mine.return_schedule.returns.order_by("due_date")]
    positions = [content.index(f'href="{row}"') for row in rows]
    # Quarter 1 is accepted, so it comes after the three still owed.
    assert positions[1] < positions[2] < positions[3] < positions[0]
    assert "Accepted" in text_of(response)
    assert "3 returns are overdue." in text_of(response)
    # No organisation filter for a provider: no other organisation's name on offer.
    assert 'name="organisation"' not in content


def test_office_filters_by_status_agreement_year_and_organisation(officer_client):
    charity = OrganisationFactory(name="Safe Steps")
    grant = grant_for(charity)
    contract = contract_with_kpis(OrganisationFactory(name="Big Supplier Ltd"))
    draft = first_return(grant)
    draft.status = ReturnStatus.DRAFT
    draft.save()

    def listed(**query):
        response = officer_client.get(reverse("return-list"), query)
        assert response.status_code == 200
        return response.content.decode()

    everything = listed()
    assert "Safe Steps" in everything and "Big Supplier Ltd" in everything
    assert 'name="organisation"' in everything

    only_contracts = listed(agreement="contract")
    assert contract.reference in only_contracts and grant.reference not in only_contracts

    only_drafts = listed(status="draft")
    assert draft.get_absolute_url() in only_drafts
    assert "Quarter 2 2025/26" not in only_drafts

    overdue = listed(status="overdue")
    assert draft.get_absolute_url() in overdue  # a draft past its due date is overdue
    assert "Quarter 4 2027/28" not in overdue  # the contract's last quarter is not due yet

    year = listed(financial_year="2027")
    assert "Quarter 1 2027/28" in year and grant.reference not in year

    by_charity = listed(organisation=charity.pk)
    assert grant.reference in by_charity and contract.reference not in by_charity


def test_the_list_costs_the_same_queries_for_2_or_20_returns(make_user):
    def queries_for(grants: int, role: Role) -> int:
        organisation = OrganisationFactory()
        for _ in range(grants):
            grant_for(organisation)
        user = make_user(role, organisation=organisation if role == Role.PROVIDER else None)
        client = client_for(user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("return-list"))
        assert response.status_code == 200
        return len(queries)

    # 1 grant has 4 returns; 5 grants have 20.
    assert queries_for(1, Role.PROVIDER) == queries_for(5, Role.PROVIDER)
    assert queries_for(1, Role.OFFICER) == queries_for(5, Role.OFFICER)


def test_the_dashboard_panel_costs_the_same_queries_however_many_returns(make_user):
    def queries_for(grants: int) -> int:
        organisation = OrganisationFactory()
        for _ in range(grants):
            grant_for(organisation)
        client = client_for(make_user(Role.PROVIDER, organisation=organisation))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("dashboard"))
        assert "Returns due" in text_of(response)
        return len(queries)

    assert queries_for(1) == queries_for(5)


def test_the_export_lists_the_providers_own_returns_only(provider, provider_client):
    mine = grant_for(provider.organisation)
    grant_for(OrganisationFactory(name="Another Charity"))
    monitoring_return = first_return(mine)
    monitoring_return.actual_spend = Decimal("1000.00")
    monitoring_return.save()

    response = provider_client.get(reverse("return-export"), {"format": "csv"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 4
    assert {row["Organisation"] for row in rows} == {provider.organisation.name}
    first = next(row for row in rows if row["Period"] == "Quarter 1 2025/26")
    assert first["Actual spend (£)"] == "1000.00"
    assert first["Variance (£)"] == f"{monitoring_return.budget - Decimal('1000'):.2f}"
    assert first["Status"] == "Overdue"

    xlsx = provider_client.get(reverse("return-export"), {"format": "xlsx"})
    assert xlsx.status_code == 200
    assert xlsx["Content-Disposition"].endswith('.xlsx"')


# --- The return's page ----------------------------------------------------------------------


def test_staff_see_any_return_with_underspends_reminders_and_history(officer_client):
    grant = grant_for(OrganisationFactory(name="Safe Steps"))
    monitoring_return = first_return(grant)
    UnderspendFlag.objects.create(
        monitoring_return=monitoring_return,
        kind="below_profile",
        amount=Decimal("1200.00"),
        percentage=Decimal("24.0"),
    )
    Reminder.objects.create(
        key=f"return:{monitoring_return.pk}:due-in-14",
        kind=ReminderKind.RETURN,
        step="due-in-14",
        title="Your Quarter 1 2025/26 return is due in 14 days",
        monitoring_return=monitoring_return,
    )

    page = text_of(officer_client.get(monitoring_return.get_absolute_url()))
    assert "Fill in the return for Safe Steps" in page  # an editor may fill it in
    assert "Underspend flags" in page
    assert "Spend below profile" in page and "£1,200.00" in page
    assert "Your Quarter 1 2025/26 return is due in 14 days" in page
    assert "History" in page


def test_provider_sees_reminders_but_not_underspend_flags(provider, provider_client):
    monitoring_return = first_return(grant_for(provider.organisation))
    UnderspendFlag.objects.create(
        monitoring_return=monitoring_return, kind="below_profile", amount=Decimal("1200.00")
    )
    Reminder.objects.create(
        key=f"return:{monitoring_return.pk}:overdue-7",
        kind=ReminderKind.RETURN,
        step="overdue-7",
        title="Your Quarter 1 2025/26 return is 7 days overdue",
        monitoring_return=monitoring_return,
    )
    page = text_of(provider_client.get(monitoring_return.get_absolute_url()))
    assert "Your Quarter 1 2025/26 return is 7 days overdue" in page
    assert "Underspend flags" not in page
    assert "£1,200.00" not in page
    assert "History" not in page


def test_a_contract_return_has_a_performance_section_per_kpi(provider, provider_client):
    contract = contract_with_kpis(provider.organisation)
    monitoring_return = first_return(contract)
    contact, days = contract.kpis.order_by("pk")
    page = text_of(provider_client.get(monitoring_return.get_absolute_url()))
    assert "Performance against targets" in page
    assert "You have completed 0 of 4 sections." in page

    form = text_of(provider_client.get(url("return-performance", monitoring_return)))
    assert "Contact within two days" in form and "Target: 90 % or more." in form
    assert "Target: 10 days or less." in form

    response = provider_client.post(
        url("return-performance", monitoring_return),
        {
            f"kpi_{contact.pk}": "ninety",
            f"kpi_{days.pk}": "-1",
            "complete": "no",
            "version": monitoring_return.version,
        },
    )
    page = text_of(response)
    assert response.status_code == 200
    assert "Enter the figure for Contact within two days as a number, like 85 or 85.5" in page
    assert "Enter the figure for Days to first appointment as 0 or more" in page
    assert not KPIResult.objects.exists()

    response = provider_client.post(
        url("return-performance", monitoring_return),
        {
            f"kpi_{contact.pk}": "92.5",
            f"note_kpi_{contact.pk}": "Better than last year.",
            f"kpi_{days.pk}": "",
            "complete": "yes",
            "version": monitoring_return.version,
        },
    )
    assert response.status_code == 200  # "Yes" needs every figure
    assert "Enter the figure for Days to first appointment" in text_of(response)
    assert not KPIResult.objects.exists()

    response = provider_client.post(
        url("return-performance", monitoring_return),
        {
            f"kpi_{contact.pk}": "92.5",
            f"note_kpi_{contact.pk}": "Better than last year.",
            f"kpi_{days.pk}": "12",
            "complete": "yes",
            "version": monitoring_return.version,
        },
    )
    assert response.status_code == 302
    assert KPIResult.objects.get(kpi=contact).actual == Decimal("92.5")
    check = text_of(provider_client.get(url("return-check", monitoring_return)))
    assert "Contact within two days 92.5 % Target: 90 % · met" in check
    assert "Days to first appointment 12 days Target: 10 days · not met" in check


def test_a_grant_without_kpis_has_no_performance_page(provider_client, provider):
    monitoring_return = first_return(grant_for(provider.organisation))
    response = provider_client.get(url("return-performance", monitoring_return), follow=True)
    assert "This return has no performance against targets section" in text_of(response)
    response = provider_client.get(url("return-outcomes", monitoring_return))
    assert response.status_code == 302


# --- Money: refused at the field, the typed input kept ---------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("a thousand", "Enter the actual spend as an amount in pounds, like 1250.50"),
        ("-250", "The actual spend must be £0 or more"),
        ("100.505", "Enter the actual spend to the nearest penny, like 1250.50"),
    ],
)
def test_bad_money_is_refused_at_the_field(provider, provider_client, typed, message):
    monitoring_return = first_return(grant_for(provider.organisation))
    response = provider_client.post(
        url("return-finance", monitoring_return),
        finance_post(monitoring_return, actual_spend=typed, forecast_year_end="15000"),
    )
    assert response.status_code == 200
    page = text_of(response)
    assert "There is a problem" in page
    assert page.count(message) == 2  # in the error summary and at the field
    content = response.content.decode()
    assert f'value="{typed}"' in content  # what they typed is still there
    assert 'value="15000"' in content
    monitoring_return.refresh_from_db()
    assert monitoring_return.actual_spend is None
    assert monitoring_return.forecast_year_end is None


def test_completing_finance_needs_every_figure(provider, provider_client):
    monitoring_return = first_return(grant_for(provider.organisation))
    response = provider_client.post(
        url("return-finance", monitoring_return),
        finance_post(monitoring_return, complete="yes", actual_spend="100"),
    )
    assert response.status_code == 200
    page = text_of(response)
    assert "Enter the forecast spend for the financial year" in page
    monitoring_return.refresh_from_db()
    assert monitoring_return.actual_spend is None and not monitoring_return.finance_complete


def test_an_underspend_must_be_explained_and_the_totals_are_worked_out(provider, provider_client):
    monitoring_return = first_return(grant_for(provider.organisation))
    budget = monitoring_return.budget
    response = provider_client.post(
        url("return-finance", monitoring_return),
        finance_post(
            monitoring_return, complete="yes", actual_spend="1000", forecast_year_end="16000"
        ),
    )
    assert "Explain the underspend" in text_of(response)

    provider_client.post(
        url("return-finance", monitoring_return),
        finance_post(
            monitoring_return,
            complete="yes",
            actual_spend="1000",
            forecast_year_end="16000",
            underspend_explanation="Two posts were vacant.",
        ),
    )
    monitoring_return.refresh_from_db()
    assert monitoring_return.finance_complete
    page = text_of(provider_client.get(url("return-finance", monitoring_return)))
    variance = f"£{budget - 1000:,.2f}"
    underspend = f"£{monitoring_return.year_budget - 16000:,.2f}"
    assert f"Variance (budget less spend) {variance}" in page
    assert "Spend to date on the agreement £1,000.00" in page
    assert f"Forecast underspend for the year {underspend}" in page


# --- Stale pages ----------------------------------------------------------------------------


def test_a_stale_save_is_refused_and_keeps_what_was_typed(provider, provider_client, officer):
    monitoring_return = first_return(grant_for(provider.organisation))
    opened_at = monitoring_return.version
    provider_client.get(url("return-finance", monitoring_return))
    # Meanwhile an officer saves the finance section from another page.
    services.return_save_finance(
        monitoring_return=monitoring_return,
        by=officer,
        version=opened_at,
        complete=False,
        actual_spend=Decimal("2222.00"),
    )

    response = provider_client.post(
        url("return-finance", monitoring_return),
        finance_post(monitoring_return, actual_spend="3333.33") | {"version": opened_at},
    )
    assert response.status_code == 200
    page = text_of(response)
    assert "This return was changed by someone else (or in another tab)" in page
    assert "Open the latest saved version of this section" in page
    assert 'value="3333.33"' in response.content.decode()
    monitoring_return.refresh_from_db()
    assert monitoring_return.actual_spend == Decimal("2222.00")  # nothing overwritten

    # Saving again from the same out-of-date page is refused again.
    again = provider_client.post(
        url("return-finance", monitoring_return),
        finance_post(monitoring_return, actual_spend="3333.33") | {"version": opened_at},
    )
    assert "changed by someone else" in text_of(again)
    monitoring_return.refresh_from_db()
    assert monitoring_return.actual_spend == Decimal("2222.00")


def test_a_stale_narrative_keeps_the_typed_text(provider, provider_client, officer):
    monitoring_return = first_return(grant_for(provider.organisation))
    opened_at = monitoring_return.version
    services.return_save_narrative(
        monitoring_return=monitoring_return,
        by=officer,
        version=opened_at,
        complete=False,
        went_well="The office's note.",
    )
    response = provider_client.post(
        url("return-narrative", monitoring_return),
        {"went_well": "Our long answer.", "complete": "no", "version": opened_at},
    )
    assert "changed by someone else" in text_of(response)
    assert "Our long answer." in response.content.decode()
    monitoring_return.refresh_from_db()
    assert monitoring_return.went_well == "The office's note."


def test_a_stale_submit_is_refused(provider, provider_client, officer):
    monitoring_return = first_return(grant_for(provider.organisation))
    opened_at = monitoring_return.version
    services.return_save_narrative(
        monitoring_return=monitoring_return, by=officer, version=opened_at, complete=False,
        went_well="Changed while the page was open.",
    )  # fmt: skip
    response = provider_client.post(url("return-check", monitoring_return), {"version": opened_at})
    assert response.status_code == 200
    assert "changed by someone else" in text_of(response)
    assert monitoring_return.submissions.count() == 0


def test_submitting_an_incomplete_return_lists_the_sections_to_complete(provider, provider_client):
    monitoring_return = first_return(grant_for(provider.organisation))
    response = provider_client.post(
        url("return-check", monitoring_return), {"version": monitoring_return.version}
    )
    assert response.status_code == 200
    page = text_of(response)
    assert "There is a problem" in page
    content = response.content.decode()
    for section in ("finance", "narrative", "evidence"):
        assert f"Complete the {section} section" in page
        assert f'href="{url(f"return-{section}", monitoring_return)}"' in content
    monitoring_return.refresh_from_db()
    assert monitoring_return.status == ReturnStatus.DUE


def test_a_page_without_its_version_is_refused(provider, provider_client):
    monitoring_return = first_return(grant_for(provider.organisation))
    data = finance_post(monitoring_return, actual_spend="10")
    del data["version"]
    response = provider_client.post(url("return-finance", monitoring_return), data)
    assert response.status_code == 200
    assert "This page is out of date" in text_of(response)
    monitoring_return.refresh_from_db()
    assert monitoring_return.actual_spend is None


# --- Who may do what ----------------------------------------------------------------------------


def test_another_organisations_return_is_not_there_for_a_provider(provider_client):
    theirs = first_return(grant_for(OrganisationFactory()))
    for name in ("return-detail", "return-performance", "return-outcomes", *SECTION_PAGES):
        assert provider_client.get(url(name, theirs)).status_code == 404, name
        assert provider_client.post(url(name, theirs), {}).status_code == 404, name
    theirs.refresh_from_db()
    assert theirs.status == ReturnStatus.DUE


def test_an_officer_can_fill_in_a_return_for_the_provider(officer_client):
    monitoring_return = first_return(grant_for(OrganisationFactory()))
    response = officer_client.post(
        url("return-finance", monitoring_return),
        finance_post(monitoring_return, actual_spend="750"),
    )
    assert response.status_code == 302
    monitoring_return.refresh_from_db()
    assert monitoring_return.actual_spend == Decimal("750.00")


def test_a_viewer_reads_but_cannot_change_a_return(viewer_client):
    monitoring_return = first_return(grant_for(OrganisationFactory()))
    page = text_of(viewer_client.get(monitoring_return.get_absolute_url()))
    assert "The return so far" in page
    assert "You can read this return but not change it." in page
    assert "Complete your return" not in page
    response = viewer_client.get(url("return-finance", monitoring_return))
    assert response.status_code == 302
    for name in SECTION_PAGES:
        response = viewer_client.post(
            url(name, monitoring_return), finance_post(monitoring_return, actual_spend="5")
        )
        assert response.status_code == 403, name
    monitoring_return.refresh_from_db()
    assert monitoring_return.actual_spend is None


def test_a_submitted_return_is_read_only_for_office_editors_too(provider, officer_client):
    monitoring_return = first_return(grant_for(provider.organisation))
    complete_and_submit(client_for(provider), monitoring_return)
    page = text_of(officer_client.get(monitoring_return.get_absolute_url()))
    assert "The return as submitted" in page
    response = officer_client.post(
        url("return-finance", monitoring_return),
        finance_post(monitoring_return, actual_spend="1"),
        follow=True,
    )
    assert "This return has been submitted, so it can no longer be changed" in text_of(response)
    monitoring_return.refresh_from_db()
    assert monitoring_return.actual_spend == Decimal("4000.00")


def test_a_submitted_return_offers_the_review_panel_to_those_who_may_review(
    provider, manager_client, officer_client
):
    monitoring_return = first_return(grant_for(provider.organisation))
    complete_and_submit(client_for(provider), monitoring_return)
    assert "Review this return" in text_of(manager_client.get(monitoring_return.get_absolute_url()))
    # An officer who is not on the agreement's team reads it without the panel.
    page = text_of(officer_client.get(monitoring_return.get_absolute_url()))
    assert "Review this return" not in page
    assert "The return as submitted" in page
    page = text_of(client_for(provider).get(monitoring_return.get_absolute_url()))
    assert "Review this return" not in page


def test_the_returns_link_is_in_everyones_navigation(provider_client, viewer_client):
    for client in (provider_client, viewer_client):
        content = client.get(reverse("dashboard")).content.decode()
        assert f'href="{reverse("return-list")}"' in content


def test_a_provider_with_nothing_due_is_told_so(provider, provider_client):
    grant = grant_for(provider.organisation)
    grant.return_schedule.returns.update(status=ReturnStatus.ACCEPTED)
    page = text_of(provider_client.get(reverse("dashboard")))
    assert f"{provider.organisation.name} has no returns to send at the moment." in page


def test_a_return_due_later_is_shown_as_due_not_overdue(provider, provider_client):
    today = timezone.localdate()
    grant = grant_for(provider.organisation)
    monitoring_return = first_return(grant)
    monitoring_return.due_date = today + datetime.timedelta(days=10)
    monitoring_return.save()
    page = text_of(provider_client.get(monitoring_return.get_absolute_url()))
    assert "Due" in page and "Overdue" not in page
