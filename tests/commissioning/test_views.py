"""The core app's pages, through the test client, as the role that uses each one.

Who may open which URL is covered by tests/security/test_access_matrix.py; these tests
check what each page does and shows.
"""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commissioning.dates import FinancialYear
from commissioning.models import (
    FundingSource,
    FundingStream,
    Organisation,
    OrganisationContact,
    OrganisationKind,
    Role,
)
from tests.factories import (
    DEFAULT_PASSWORD,
    FundingStreamFactory,
    OrganisationContactFactory,
    OrganisationFactory,
)

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-passphrase"


# --- Helpers ----------------------------------------------------------------------------


def page(response) -> str:
    """The response body as a reader sees it (entities such as &#x27; unescaped)."""
    return html.unescape(response.content.decode())


def _block(response, pattern: str) -> str:
    match = re.search(pattern, response.content.decode(), re.DOTALL)
    return html.unescape(match.group(0)) if match else ""


def error_summary(response) -> str:
    return _block(response, r'<div class="govuk-error-summary".*?</ul>\s*</div>\s*</div>')


def header(response) -> str:
    return _block(response, r'<header class="govuk-header".*?</header>')


def navigation(response) -> str:
    return _block(response, r'<nav aria-label="Menu".*?</nav>')


def field_value(response, name: str) -> str | None:
    """The value a text input shows again after a POST."""
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', response.content.decode())
    return html.unescape(match.group(1)) if match else None


def textarea_value(response, name: str) -> str | None:
    match = re.search(
        rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>',
        response.content.decode(),
        re.DOTALL,
    )
    return html.unescape(match.group(1)).strip() if match else None


def form_data(form) -> dict:
    """POST data that resubmits a rendered form exactly as it was shown."""
    data = {}
    for field in form:
        value = field.value()
        if value is True:
            data[field.html_name] = "on"
        elif value not in (None, False):
            data[field.html_name] = value
    return data


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


def organisation_post(**overrides) -> dict:
    data = {
        "name": "Safe Haven Trust",
        "kind": OrganisationKind.PROVIDER,
        "identifier": "GB-CHC-1234567",
        "website": "https://safehaven.example.org",
        "email": "hello@safehaven.example.org",
        "telephone": "0117 496 0000",
        "address": "1 Quay Street\nBristol",
        "postcode": "BS1 4DJ",
        "description": "Refuge and outreach.",
        "is_active": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- Organisation list ------------------------------------------------------------------


@pytest.fixture
def three_organisations(db):
    return [
        OrganisationFactory(
            name="Bristol Refuge Network",
            kind=OrganisationKind.PROVIDER,
            identifier="GB-CHC-1111111",
        ),
        OrganisationFactory(
            name="North Somerset Council",
            kind=OrganisationKind.LOCAL_AUTHORITY,
            identifier="GB-LAE-NSM",
        ),
        OrganisationFactory(
            name="Closed Harbour Ltd",
            kind=OrganisationKind.PROVIDER,
            identifier="GB-COH-01234567",
            is_active=False,
        ),
    ]


def test_organisation_list_shows_every_organisation(officer_client, three_organisations):
    response = officer_client.get(reverse("organisation-list"))
    assert response.status_code == 200
    text = page(response)
    for organisation in three_organisations:
        assert organisation.name in text
    assert "3 organisations" in text


def test_organisation_search_by_name_is_case_insensitive(officer_client, three_organisations):
    response = officer_client.get(reverse("organisation-list"), {"q": "refuge"})
    text = page(response)
    assert "Bristol Refuge Network" in text
    assert "North Somerset Council" not in text
    assert "Closed Harbour Ltd" not in text
    assert "1 organisation" in text


def test_organisation_search_by_identifier(officer_client, three_organisations):
    response = officer_client.get(reverse("organisation-list"), {"q": "GB-COH-0123"})
    text = page(response)
    assert "Closed Harbour Ltd" in text
    assert "Bristol Refuge Network" not in text
    assert "North Somerset Council" not in text


def test_organisation_list_filters_by_kind(officer_client, three_organisations):
    response = officer_client.get(
        reverse("organisation-list"), {"kind": OrganisationKind.LOCAL_AUTHORITY}
    )
    text = page(response)
    assert "North Somerset Council" in text
    assert "Bristol Refuge Network" not in text
    assert "Closed Harbour Ltd" not in text
    assert "Clear filters" in text


def test_organisation_list_filters_inactive_and_active(officer_client, three_organisations):
    inactive = page(officer_client.get(reverse("organisation-list"), {"is_active": "false"}))
    assert "Closed Harbour Ltd" in inactive
    assert "Bristol Refuge Network" not in inactive
    active = page(officer_client.get(reverse("organisation-list"), {"is_active": "true"}))
    assert "Closed Harbour Ltd" not in active
    assert "Bristol Refuge Network" in active
    assert "North Somerset Council" in active


def test_organisation_search_with_no_match_says_so(officer_client, three_organisations):
    response = officer_client.get(reverse("organisation-list"), {"q": "zzz"})
    assert "No organisations match these filters." in page(response)


def test_organisation_list_pages_through_30_organisations(officer_client):
    for n in range(30):
        OrganisationFactory(name=f"Partner {n:02d}")
    first = page(officer_client.get(reverse("organisation-list")))
    assert "Showing 1 to 25 of 30 results" in first
    assert 'rel="next"' in first
    assert "Partner 24" in first and "Partner 25" not in first

    second = officer_client.get(reverse("organisation-list"), {"page": 2})
    assert second.status_code == 200
    text = page(second)
    assert "Showing 26 to 30 of 30 results" in text
    assert "Partner 25" in text and "Partner 29" in text
    assert "Partner 24" not in text


def test_organisation_list_pagination_keeps_the_filters(officer_client):
    for n in range(30):
        OrganisationFactory(name=f"Partner {n:02d}", kind=OrganisationKind.LOCAL_AUTHORITY)
    OrganisationFactory(name="Not a council", kind=OrganisationKind.PROVIDER)
    text = page(officer_client.get(reverse("organisation-list"), {"kind": "local_authority"}))
    assert "?kind=local_authority&page=2" in text


def test_organisation_list_costs_the_same_queries_for_5_and_50_organisations(officer_client):
    url = reverse("organisation-list")
    for _ in range(5):
        OrganisationContactFactory()
    officer_client.get(url)  # warm up anything cached per process
    few = count_queries(officer_client, url)
    for _ in range(45):
        OrganisationContactFactory()
    assert Organisation.objects.count() == 50
    many = count_queries(officer_client, url)
    assert many == few


# --- Organisation create ----------------------------------------------------------------


def test_officer_adds_an_organisation_and_sees_it(officer_client, officer):
    response = officer_client.post(reverse("organisation-create"), organisation_post())
    organisation = Organisation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == organisation.get_absolute_url()
    assert organisation.name == "Safe Haven Trust"
    assert organisation.identifier == "GB-CHC-1234567"
    assert organisation.postcode == "BS1 4DJ"
    assert organisation.history.latest().history_user == officer

    detail = officer_client.get(response["Location"])
    text = page(detail)
    assert "<h1" in text and "Safe Haven Trust" in text
    assert "govuk-notification-banner--success" in text
    assert "Safe Haven Trust has been added" in text


def test_organisation_identifier_typed_in_lower_case_is_saved_in_capitals(officer_client):
    officer_client.post(
        reverse("organisation-create"), organisation_post(identifier="gb-chc-1234567")
    )
    assert Organisation.objects.get().identifier == "GB-CHC-1234567"


def test_organisation_website_without_scheme_is_saved_with_https(officer_client):
    officer_client.post(
        reverse("organisation-create"), organisation_post(website="safehaven.example.org")
    )
    assert Organisation.objects.get().website == "https://safehaven.example.org"


def test_invalid_organisation_shows_each_error_linked_to_its_field(officer_client):
    response = officer_client.post(
        reverse("organisation-create"),
        organisation_post(name="", identifier="GB-CHC-12AB", telephone="0117 496 0999"),
    )
    assert response.status_code == 200
    assert not Organisation.objects.exists()
    summary = error_summary(response)
    assert "There is a problem" in summary
    assert '<a href="#id_name">Enter the organisation\'s name</a>' in summary
    assert (
        '<a href="#id_identifier">12AB is not a valid number for Charity Commission for '
        "England and Wales: it should look like GB-CHC-1234567</a>"
    ) in summary
    assert "(error)" in page(response)  # the page title says so too


def test_invalid_organisation_keeps_what_the_user_typed(officer_client):
    response = officer_client.post(
        reverse("organisation-create"),
        organisation_post(name="", identifier="GB-CHC-12AB", telephone="0117 496 0999"),
    )
    assert field_value(response, "identifier") == "GB-CHC-12AB"
    assert field_value(response, "telephone") == "0117 496 0999"
    assert field_value(response, "website") == "https://safehaven.example.org"
    assert field_value(response, "postcode") == "BS1 4DJ"
    assert textarea_value(response, "description") == "Refuge and outreach."
    assert re.search(r'<input[^>]*value="provider"[^>]*checked', response.content.decode()), (
        "the kind the user chose is still selected"
    )


def test_organisation_with_an_unknown_identifier_prefix_is_refused(officer_client):
    response = officer_client.post(
        reverse("organisation-create"), organisation_post(identifier="XX-ABC-1")
    )
    assert response.status_code == 200
    summary = error_summary(response)
    assert 'href="#id_identifier"' in summary
    assert "known list prefix" in summary
    assert not Organisation.objects.exists()


def test_duplicate_identifier_names_the_existing_organisation(officer_client):
    existing = OrganisationFactory(name="Bristol Women's Aid", identifier="GB-CHC-1234567")
    response = officer_client.post(reverse("organisation-create"), organisation_post())
    assert response.status_code == 200
    summary = error_summary(response)
    assert 'href="#id_identifier"' in summary
    assert "GB-CHC-1234567 is already the identifier of Bristol Women's Aid" in summary
    assert list(Organisation.objects.all()) == [existing]


# --- Organisation edit, detail and contacts ---------------------------------------------


def test_editing_an_organisation_name_keeps_its_other_fields(officer_client):
    organisation = OrganisationFactory(
        name="Old Name",
        kind=OrganisationKind.COMMUNITY_SAFETY_PARTNERSHIP,
        identifier="GB-LAE-BST",
        website="https://old.example.org",
        email="team@old.example.org",
        telephone="0117 000 0000",
        address="City Hall",
        postcode="BS1 5TR",
        description="Keeps going.",
    )
    url = reverse("organisation-edit", args=[organisation.pk])
    form = officer_client.get(url).context["form"]
    data = form_data(form)
    data["name"] = "New Name"
    response = officer_client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == organisation.get_absolute_url()

    organisation.refresh_from_db()
    assert organisation.name == "New Name"
    assert organisation.kind == OrganisationKind.COMMUNITY_SAFETY_PARTNERSHIP
    assert organisation.identifier == "GB-LAE-BST"
    assert organisation.website == "https://old.example.org"
    assert organisation.email == "team@old.example.org"
    assert organisation.telephone == "0117 000 0000"
    assert organisation.address == "City Hall"
    assert organisation.postcode == "BS1 5TR"
    assert organisation.description == "Keeps going."
    assert organisation.is_active is True
    assert "New Name has been updated" in page(officer_client.get(response["Location"]))


def test_editing_an_organisation_to_anothers_identifier_is_refused(officer_client):
    OrganisationFactory(name="First Light", identifier="GB-CHC-1234567")
    organisation = OrganisationFactory(name="Second Step", identifier="GB-CHC-7654321")
    url = reverse("organisation-edit", args=[organisation.pk])
    data = form_data(officer_client.get(url).context["form"])
    data["identifier"] = "GB-CHC-1234567"
    response = officer_client.post(url, data)
    assert response.status_code == 200
    assert "already the identifier of First Light" in error_summary(response)
    organisation.refresh_from_db()
    assert organisation.identifier == "GB-CHC-7654321"


def test_officer_adds_edits_and_removes_a_contact(officer_client):
    organisation = OrganisationFactory(name="Safe Haven Trust")
    detail_url = organisation.get_absolute_url()

    response = officer_client.post(
        reverse("organisation-contact-create", args=[organisation.pk]),
        {
            "name": "Jo Bloggs",
            "email": "jo@example.org",
            "is_primary": "on",
            "receives_reminders": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == detail_url + "#contacts"
    contact = OrganisationContact.objects.get()
    assert contact.organisation == organisation
    assert contact.is_primary is True
    text = page(officer_client.get(detail_url))
    assert "Jo Bloggs" in text
    assert "Main contact" in text
    assert "Jo Bloggs (Safe Haven Trust) has been added" in text

    edit_url = reverse("organisation-contact-edit", args=[organisation.pk, contact.pk])
    data = form_data(officer_client.get(edit_url).context["form"])
    assert data["email"] == "jo@example.org"
    data["job_title"] = "Service manager"
    response = officer_client.post(edit_url, data)
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.job_title == "Service manager"
    assert contact.email == "jo@example.org"
    assert "Service manager" in page(officer_client.get(detail_url))

    remove_url = reverse("organisation-contact-remove", args=[organisation.pk, contact.pk])
    confirm = officer_client.get(remove_url)
    assert confirm.status_code == 200
    assert "Remove Jo Bloggs?" in page(confirm)
    assert OrganisationContact.objects.exists(), "a GET removes nothing"
    response = officer_client.post(remove_url, {})
    assert response.status_code == 302
    assert not OrganisationContact.objects.exists()
    text = page(officer_client.get(detail_url))
    assert "The contact has been removed" in text
    assert "No contacts recorded." in text


def test_contact_without_email_shows_the_error_and_saves_nothing(officer_client):
    organisation = OrganisationFactory()
    response = officer_client.post(
        reverse("organisation-contact-create", args=[organisation.pk]),
        {"name": "Jo Bloggs", "email": ""},
    )
    assert response.status_code == 200
    summary = error_summary(response)
    assert '<a href="#id_email">Enter the contact\'s email address</a>' in summary
    assert field_value(response, "name") == "Jo Bloggs"
    assert not OrganisationContact.objects.exists()


def test_contact_of_another_organisation_answers_404(officer_client):
    contact = OrganisationContactFactory()
    other = OrganisationFactory()
    response = officer_client.get(reverse("organisation-contact-edit", args=[other.pk, contact.pk]))
    assert response.status_code == 404


def test_viewer_sees_no_add_or_edit_buttons(viewer_client):
    organisation = OrganisationFactory()
    OrganisationContactFactory(organisation=organisation, name="Jo Bloggs")
    assert "Add an organisation" not in page(viewer_client.get(reverse("organisation-list")))
    detail = page(viewer_client.get(organisation.get_absolute_url()))
    assert "Jo Bloggs" in detail
    assert "Edit organisation" not in detail
    assert "Add a contact" not in detail
    assert "Remove" not in detail


def test_officer_sees_add_and_edit_buttons(officer_client):
    organisation = OrganisationFactory()
    OrganisationContactFactory(organisation=organisation, name="Jo Bloggs")
    assert "Add an organisation" in page(officer_client.get(reverse("organisation-list")))
    detail = page(officer_client.get(organisation.get_absolute_url()))
    assert "Edit organisation" in detail
    assert "Add a contact" in detail
    assert 'Remove<span class="govuk-visually-hidden"> Jo Bloggs</span>' in detail


def test_organisation_detail_shows_its_history_with_who_changed_it(officer_client, officer):
    officer_client.post(reverse("organisation-create"), organisation_post())
    organisation = Organisation.objects.get()
    officer_client.post(
        reverse("organisation-edit", args=[organisation.pk]),
        organisation_post(name="Safe Haven Trust (Bristol)", kind=OrganisationKind.NATIONAL_BODY),
    )
    text = page(officer_client.get(organisation.get_absolute_url()))
    assert "History" in text
    assert "Olive Officer" in text
    assert "Added the organisation" in text
    assert "<strong>Name</strong>: Safe Haven Trust to Safe Haven Trust (Bristol)" in text
    assert "<strong>Kind</strong>: Provider (VCSE) to National body" in text


def test_unknown_organisation_answers_a_styled_404(officer_client):
    response = officer_client.get(reverse("organisation-detail", args=[999999]))
    assert response.status_code == 404
    text = page(response)
    assert "Page not found" in text
    assert settings.SERVICE_NAME in header(response)


def test_unknown_organisation_edit_page_answers_404(officer_client):
    response = officer_client.get(reverse("organisation-edit", args=[999999]))
    assert response.status_code == 404
    assert "Page not found" in page(response)


# --- Funding streams --------------------------------------------------------------------


@pytest.fixture
def streams_in_two_years(db):
    return [
        FundingStreamFactory(
            name="Police and Crime Grant",
            financial_year=2024,
            source=FundingSource.OPCC_BUDGET,
            amount=Decimal("1000000.00"),
        ),
        FundingStreamFactory(
            name="Victims formula 24",
            financial_year=2024,
            source=FundingSource.MOJ_VICTIMS_FORMULA,
            amount=Decimal("234567.00"),
        ),
        FundingStreamFactory(
            name="VRU core",
            financial_year=2025,
            source=FundingSource.HOME_OFFICE_VRU,
            amount=Decimal("750000.25"),
        ),
    ]


def _year_table(response, label: str) -> str:
    for table in re.findall(r"<table.*?</table>", page(response), re.DOTALL):
        if re.search(rf"<caption[^>]*>\s*{re.escape(label)}\s*</caption>", table):
            return table
    return ""


def test_funding_stream_list_shows_totals_by_year_and_source(officer_client, streams_in_two_years):
    response = officer_client.get(reverse("funding-stream-list"))
    assert response.status_code == 200
    text = page(response)
    assert "Totals by financial year and source" in text

    year_2024 = _year_table(response, "2024/25")
    assert year_2024, "a totals table captioned 2024/25"
    assert "OPCC commissioning budget" in year_2024
    assert "£1,000,000.00" in year_2024
    assert "Ministry of Justice victims grant (formula)" in year_2024
    assert "£234,567.00" in year_2024
    assert re.search(r"Total 2024/25</th>\s*<td[^>]*>£1,234,567.00<", year_2024)
    assert "Home Office" not in year_2024

    year_2025 = _year_table(response, "2025/26")
    assert "Home Office Violence Reduction Unit grant" in year_2025
    assert re.search(r"Total 2025/26</th>\s*<td[^>]*>£750,000.25<", year_2025)
    assert text.index("Total 2025/26") < text.index("Total 2024/25"), "newest year first"


def test_funding_stream_list_filters_by_financial_year(officer_client, streams_in_two_years):
    response = officer_client.get(reverse("funding-stream-list"), {"financial_year": "2024"})
    text = page(response)
    assert "Police and Crime Grant" in text
    assert "Victims formula 24" in text
    assert "VRU core" not in text
    assert not _year_table(response, "2025/26")
    assert "2 funding streams" in text


def test_funding_stream_list_filters_by_source(officer_client, streams_in_two_years):
    response = officer_client.get(
        reverse("funding-stream-list"), {"source": FundingSource.MOJ_VICTIMS_FORMULA}
    )
    text = page(response)
    assert "Victims formula 24" in text
    assert "Police and Crime Grant" not in text
    assert "VRU core" not in text
    assert re.search(r"Total 2024/25</th>\s*<td[^>]*>£234,567.00<", text)


def test_funding_stream_list_costs_the_same_queries_for_3_and_30_streams(officer_client):
    url = reverse("funding-stream-list")
    FundingStreamFactory.create_batch(3)
    officer_client.get(url)
    few = count_queries(officer_client, url)
    FundingStreamFactory.create_batch(27, financial_year=2024)
    assert FundingStream.objects.count() == 30
    many = count_queries(officer_client, url)
    assert many == few


def test_funding_stream_detail_shows_amount_committed_and_headroom(officer_client):
    stream = FundingStreamFactory(
        name="Police and Crime Grant", amount=Decimal("1234567.89"), financial_year=2024
    )
    response = officer_client.get(stream.get_absolute_url())
    assert response.status_code == 200
    content = page(response)
    assert 'id="money-amount">£1,234,567.89<' in content
    assert 'id="money-committed">£0.00<' in content
    assert 'id="money-spent">£0.00<' in content
    assert 'id="money-headroom">£1,234,567.89<' in content
    assert "2024/25 (1 April 2024 to 31 March 2025)" in content


def _funding_post(funder, **overrides) -> dict:
    data = {
        "name": "Victims' services 2025",
        "reference": "MOJ-VS-25",
        "source": FundingSource.MOJ_VICTIMS_GENERAL,
        "funder": funder.pk,
        "financial_year": "2025",
        "amount": "125000.50",
        "conditions": "Spend by 31 March.",
        "reporting_requirements": "",
        "notes": "",
    }
    data.update(overrides)
    return data


def test_officer_adds_a_funding_stream(officer_client, officer):
    funder = OrganisationFactory(kind=OrganisationKind.GOVERNMENT_DEPARTMENT)
    response = officer_client.post(reverse("funding-stream-create"), _funding_post(funder))
    stream = FundingStream.objects.get()
    assert response.status_code == 302
    assert response["Location"] == stream.get_absolute_url()
    assert stream.amount == Decimal("125000.50")
    assert stream.financial_year == 2025
    assert stream.funder == funder
    assert stream.history.latest().history_user == officer
    text = page(officer_client.get(response["Location"]))
    assert "Victims' services 2025 (2025/26) has been added" in text
    assert "£125,000.50" in text


def test_funding_stream_of_one_penny_can_be_added(officer_client):
    funder = OrganisationFactory()
    response = officer_client.post(
        reverse("funding-stream-create"), _funding_post(funder, amount="0.01")
    )
    assert response.status_code == 302, error_summary(response)
    assert FundingStream.objects.get().amount == Decimal("0.01")


def test_funding_stream_amount_of_zero_is_refused(officer_client):
    funder = OrganisationFactory()
    response = officer_client.post(
        reverse("funding-stream-create"), _funding_post(funder, amount="0")
    )
    assert response.status_code == 200
    assert '<a href="#id_amount">Enter an amount greater than £0</a>' in error_summary(response)
    assert not FundingStream.objects.exists()


def test_non_numeric_amount_is_explained_and_other_values_are_kept(officer_client):
    funder = OrganisationFactory(name="Ministry of Justice")
    response = officer_client.post(
        reverse("funding-stream-create"), _funding_post(funder, amount="abc")
    )
    assert response.status_code == 200
    assert not FundingStream.objects.exists()
    summary = error_summary(response)
    assert "There is a problem" in summary
    assert 'href="#id_amount"' in summary
    assert "Enter the amount in pounds" in summary
    assert field_value(response, "amount") == "abc"
    assert field_value(response, "name") == "Victims' services 2025"
    assert field_value(response, "reference") == "MOJ-VS-25"
    assert textarea_value(response, "conditions") == "Spend by 31 March."
    content = response.content.decode()
    assert re.search(r'<input[^>]*value="moj_victims_general"[^>]*checked', content)
    assert re.search(rf'<option value="{funder.pk}"[^>]*selected', content)
    assert re.search(r'<option value="2025"[^>]*selected', content)


def test_officer_edits_a_funding_stream(officer_client):
    stream = FundingStreamFactory(name="Police and Crime Grant", amount=Decimal("1000.00"))
    url = reverse("funding-stream-edit", args=[stream.pk])
    data = form_data(officer_client.get(url).context["form"])
    data["amount"] = "2500.00"
    response = officer_client.post(url, data)
    assert response.status_code == 302
    stream.refresh_from_db()
    assert stream.amount == Decimal("2500.00")
    assert stream.name == "Police and Crime Grant"
    text = page(officer_client.get(response["Location"]))
    assert "Police and Crime Grant (2025/26) has been updated" in text
    assert 'id="money-headroom">£2,500.00<' in text


# --- Dashboard --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("client_fixture", "heading"),
    [
        ("officer_client", "Officer dashboard"),
        ("manager_client", "Manager dashboard"),
        ("provider_client", "Your agreements and returns"),
        ("viewer_client", "Commissioning overview"),
        ("admin_client_user", "Administrator dashboard"),
    ],
)
def test_each_role_sees_its_own_dashboard_heading(request, client_fixture, heading):
    client = request.getfixturevalue(client_fixture)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert re.search(rf'<h1 class="govuk-heading-l">{heading}</h1>', page(response))


def test_provider_dashboard_names_their_organisation_and_no_funding(provider_client):
    FundingStreamFactory(
        financial_year=FinancialYear.current().start_year, amount=Decimal("987654.00")
    )
    text = page(provider_client.get(reverse("dashboard")))
    assert "Your organisation" in text
    assert "Safe Haven Trust" in text
    assert "Funding this financial year" not in text
    assert "£" not in text
    assert "987,654" not in text


def test_officer_dashboard_shows_funding_for_the_current_financial_year(officer_client):
    current = FinancialYear.current()
    FundingStreamFactory(financial_year=current.start_year, amount=Decimal("987654.00"))
    FundingStreamFactory(financial_year=current.start_year - 1, amount=Decimal("111.00"))
    text = page(officer_client.get(reverse("dashboard")))
    assert "Funding this financial year" in text
    assert f"Financial year {current.label}" in text
    assert "£987,654.00" in text
    assert "£111.00" not in text
    assert f"?financial_year={current.start_year}" in text


# --- Navigation and header --------------------------------------------------------------


def test_officer_header_navigation_links_organisations_and_funding(officer_client):
    nav = navigation(officer_client.get(reverse("dashboard")))
    assert f'href="{reverse("organisation-list")}"' in nav
    assert "Organisations" in nav
    assert f'href="{reverse("funding-stream-list")}"' in nav
    assert "Funding streams" in nav


def test_provider_header_navigation_has_no_organisations_or_funding(provider_client):
    nav = navigation(provider_client.get(reverse("dashboard")))
    assert "Dashboard" in nav
    assert "Organisations" not in nav
    assert "Funding streams" not in nav


def test_current_section_is_marked_in_the_navigation(officer_client):
    nav = navigation(officer_client.get(reverse("organisation-list")))
    assert re.search(rf'href="{reverse("organisation-list")}" aria-current="page"', nav)


@pytest.mark.parametrize("signed_in", [True, False])
def test_header_shows_the_office_service_name_and_no_gov_uk_branding(officer_client, signed_in):
    client = officer_client if signed_in else Client()
    url = reverse("dashboard") if signed_in else reverse("login")
    response = client.get(url)
    assert response.status_code == 200
    assert settings.SERVICE_NAME in header(response)
    assert "GOV.UK" not in page(response)
    assert "govuk-header__logotype" not in response.content.decode()


# --- Accounts ---------------------------------------------------------------------------


@pytest.fixture
def olive(make_user):
    return make_user(Role.OFFICER, email="olive@example.org", full_name="Olive Officer")


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_sign_in_with_email_in_any_case_lands_on_the_dashboard(olive):
    client = Client()
    response = client.post(
        reverse("login"),
        {"username": "  Olive@EXAMPLE.org ", "password": DEFAULT_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    assert _signed_in(client)
    assert "Officer dashboard" in page(response)


def test_wrong_password_shows_the_error_summary_and_does_not_sign_in(olive):
    client = Client()
    response = client.post(
        reverse("login"), {"username": "olive@example.org", "password": "not-my-password"}
    )
    assert response.status_code == 200
    summary = error_summary(response)
    assert "There is a problem" in summary
    assert "Enter a correct email address and password" in summary
    assert field_value(response, "username") == "olive@example.org"
    assert not _signed_in(client)
    assert client.get(reverse("dashboard")).status_code == 302


def test_blank_sign_in_asks_for_email_and_password(db):
    response = Client().post(reverse("login"), {"username": "", "password": ""})
    summary = error_summary(response)
    assert '<a href="#id_username">Enter your email address</a>' in summary
    assert '<a href="#id_password">Enter your password</a>' in summary


def test_sign_out_by_post(officer_client):
    response = officer_client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert not _signed_in(officer_client)
    dashboard = officer_client.get(reverse("dashboard"))
    assert dashboard.status_code == 302
    assert dashboard["Location"].startswith(reverse("login"))


def test_sign_out_by_get_is_refused_and_keeps_the_user_signed_in(officer_client):
    assert officer_client.get(reverse("logout")).status_code == 405
    assert officer_client.get(reverse("dashboard")).status_code == 200


def _reset_link() -> str:
    match = re.search(r"http://testserver(/account/password/reset/\S+/)", mail.outbox[0].body)
    assert match, mail.outbox[0].body
    return match.group(1)


def test_password_reset_sends_one_email_whose_link_sets_a_new_password(olive):
    client = Client()
    response = client.post(reverse("password_reset"), {"email": "Olive@Example.org"}, follow=True)
    assert "Check your email" in page(response)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["olive@example.org"]
    assert mail.outbox[0].subject == "Reset your password"

    form_page = client.get(_reset_link(), follow=True)
    assert form_page.status_code == 200
    assert "Set a new password" in page(form_page)
    set_password_url = form_page.redirect_chain[-1][0]

    response = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_complete")
    assert "Your password has been changed" in page(client.get(response["Location"]))

    fresh = Client()
    fresh.post(reverse("login"), {"username": "olive@example.org", "password": NEW_PASSWORD})
    assert _signed_in(fresh)
    stale = Client()
    stale.post(reverse("login"), {"username": "olive@example.org", "password": DEFAULT_PASSWORD})
    assert not _signed_in(stale)


def test_password_reset_refuses_a_password_under_12_characters(olive):
    client = Client()
    client.post(reverse("password_reset"), {"email": "olive@example.org"})
    set_password_url = client.get(_reset_link(), follow=True).redirect_chain[-1][0]
    response = client.post(
        set_password_url, {"new_password1": "short-pass1", "new_password2": "short-pass1"}
    )
    assert response.status_code == 200
    assert "at least 12 characters" in error_summary(response)
    olive.refresh_from_db()
    assert olive.check_password(DEFAULT_PASSWORD)


def test_password_reset_link_works_only_once(olive):
    client = Client()
    client.post(reverse("password_reset"), {"email": "olive@example.org"})
    link = _reset_link()
    set_password_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    again = Client().get(link, follow=True)
    assert "This link has expired" in page(again)


def test_password_reset_for_an_unknown_email_looks_the_same_and_sends_nothing(olive):
    response = Client().post(
        reverse("password_reset"), {"email": "nobody@example.org"}, follow=True
    )
    assert response.status_code == 200
    assert "Check your email" in page(response)
    assert mail.outbox == []


def test_viewer_may_change_their_own_password(viewer, viewer_client):
    response = viewer_client.post(
        reverse("password_change"),
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    viewer.refresh_from_db()
    assert viewer.check_password(NEW_PASSWORD)
    done = viewer_client.get(response["Location"])
    assert "Your password has been changed" in page(done)
    assert viewer_client.get(reverse("dashboard")).status_code == 200, "still signed in"


def test_password_change_with_wrong_current_password_is_refused(viewer, viewer_client):
    response = viewer_client.post(
        reverse("password_change"),
        {
            "old_password": "not-my-password",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert 'href="#id_old_password"' in error_summary(response)
    viewer.refresh_from_db()
    assert viewer.check_password(DEFAULT_PASSWORD)
