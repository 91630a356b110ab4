"""The local allocation pages: calculate a split across the areas, save it with the
figures behind it, and make one draft grant per area from it."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from grants import services
from grants.models import AllocationShare, Area, Grant, GrantStatus, LocalAllocation, Programme
from tests.factories import (
    FundingStreamFactory,
    OrganisationFactory,
    WorkstreamFactory,
)
from workstreams.models import CommissioningRole

pytestmark = pytest.mark.django_db

#: Five areas whose 50/50 split of £100,000 is easy to check by hand: 20% of the
#: population each, and 40/30/15/10/5% of recorded crime.
FIVE_AREAS = [
    ("Bath and North East Somerset", 20_000, 4_000, "30000.00", "30.00%"),
    ("Bristol", 20_000, 3_000, "25000.00", "25.00%"),
    ("North Somerset", 20_000, 1_500, "17500.00", "17.50%"),
    ("Somerset", 20_000, 1_000, "15000.00", "15.00%"),
    ("South Gloucestershire", 20_000, 500, "12500.00", "12.50%"),
]


def page(response) -> str:
    return html.unescape(response.content.decode())


def table_row(response, heading: str) -> str:
    """The text of the table row whose row heading is ``heading``."""
    for row in re.findall(r"<tr class=\"govuk-table__row[^\"]*\".*?</tr>", page(response), re.S):
        if re.search(rf"<th[^>]*>\s*{re.escape(heading)}\s*</th>", row):
            return " ".join(re.sub(r"<[^>]+>", " ", row).split())
    raise AssertionError(f"No table row headed {heading!r}")


def field_error(response, name: str) -> str:
    """The error message shown at a field (without the hidden "Error:" prefix)."""
    match = re.search(
        rf'id="id_{name}(?:_\d+)?_error" class="govuk-error-message">\s*'
        r'<span class="govuk-visually-hidden">Error:</span>(.*?)</',
        page(response),
        re.S,
    )
    return " ".join(match.group(1).split()) if match else ""


def make_area(name, population, crime, *, recipient=None, **fields) -> Area:
    return Area.objects.create(
        name=name,
        population=population,
        population_year=2022,
        population_source="ONS mid-year estimates",
        recorded_crime=crime,
        crime_year="2023/24",
        crime_source="Police recorded crime",
        allocation_recipient=recipient,
        **fields,
    )


@pytest.fixture
def areas():
    return [
        make_area(name, population, crime, recipient=OrganisationFactory(name=f"{name} CSP"))
        for name, population, crime, *_ in FIVE_AREAS
    ]


def form_data(areas, /, **overrides):
    data = {
        "title": "Police and Crime Grant 2025/26",
        "total": "100000",
        "population_weight": "50",
        "crime_weight": "50",
        "areas": [area.pk for area in areas],
        "funding_stream": "",
        "programme": "",
        "workstream": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def allocation(areas, officer):
    return services.allocation_create(
        by=officer,
        title="Police and Crime Grant 2025/26",
        total=Decimal("100000.00"),
        areas=areas,
        population_weight=Decimal(50),
        crime_weight=Decimal(50),
        funding_stream=FundingStreamFactory(
            name="Police and Crime Grant fund", amount=Decimal("250000.00")
        ),
        programme=Programme.objects.get(code="police-and-crime-grant"),
        workstream=WorkstreamFactory(
            title="Community safety partnerships", role=CommissioningRole.FACILITATING
        ),
    )


def grants_form_data(officer, **overrides):
    data = {
        "purpose": "Community safety priorities in the area.",
        "start_date_0": "1",
        "start_date_1": "4",
        "start_date_2": "2025",
        "end_date_0": "31",
        "end_date_1": "3",
        "end_date_2": "2026",
        "responsible_officer": officer.pk,
        "award_route": "direct",
        "direct_award_justification": "Statutory partners named in the Police and Crime Plan.",
    }
    data.update(overrides)
    return data


# --- Calculating the split --------------------------------------------------------------


def test_the_new_allocation_page_offers_every_active_area_with_its_figures(officer_client, areas):
    make_area("Retired area", 1, 1, is_active=False)

    response = officer_client.get(reverse("allocation-create"))

    assert response.status_code == 200
    text = page(response)
    assert "Population 20,000 (2022), recorded crime 4,000 (2023/24)" in text
    checkboxes = re.findall(
        r'govuk-checkboxes__label" for="id_areas_\d+">\s*(.*?)\s*</label>', text
    )
    assert checkboxes == [name for name, *_ in FIVE_AREAS]  # "Retired area" is not offered
    assert "Calculate" in text and "Save allocation" in text


def test_calculate_shows_each_areas_share_with_the_figures_behind_it_and_a_totals_row(
    officer_client, areas
):
    response = officer_client.post(
        reverse("allocation-create"), {**form_data(areas), "preview": "Calculate"}
    )

    assert response.status_code == 200
    for name, _population, crime, amount, weighted in FIVE_AREAS:
        row = table_row(response, name)
        assert "20,000 2022, ONS mid-year estimates" in row
        assert f"{crime:,} 2023/24, Police recorded crime" in row
        assert "20.00%" in row  # its share of the population
        assert f"{crime / 10_000 * 100:.2f}%" in row  # its share of recorded crime
        assert weighted in row
        assert f"£{Decimal(amount):,.2f}" in row
    assert table_row(response, "Total") == "Total 100,000 10,000 100% 100% 100% £100,000.00"
    assert LocalAllocation.objects.count() == 0  # calculating saves nothing


def test_calculate_works_by_get_so_a_split_can_be_linked_to(officer_client, areas):
    response = officer_client.get(
        reverse("allocation-create"), {**form_data(areas, total="1.00"), "preview": "1"}
    )

    assert response.status_code == 200
    # £1 split 30/25/17.5/15/12.5%: 30p, 25p, 17.5p, 15p, 12.5p; the two half pennies
    # left over go to the earlier of the tied areas.
    amounts = [table_row(response, name).split()[-1] for name, *_ in FIVE_AREAS]
    assert amounts == ["£0.30", "£0.25", "£0.18", "£0.15", "£0.12"]
    assert table_row(response, "Total").endswith("£1.00")


def test_an_odd_total_is_split_to_the_penny(officer_client, areas):
    response = officer_client.post(
        reverse("allocation-create"),
        {
            **form_data(areas, total="1234567.89", population_weight="62.5", crime_weight="37.5"),
            "preview": "Calculate",
        },
    )

    amounts = [
        Decimal(table_row(response, name).split()[-1].lstrip("£").replace(",", ""))
        for name, *_ in FIVE_AREAS
    ]
    assert sum(amounts) == Decimal("1234567.89")
    assert table_row(response, "Total").endswith("£1,234,567.89")


def test_weights_that_do_not_add_up_to_100_are_refused_at_the_field(officer_client, areas):
    response = officer_client.post(
        reverse("allocation-create"),
        form_data(areas, population_weight="60", crime_weight="30"),
    )

    assert response.status_code == 200
    assert (
        field_error(response, "population_weight")
        == "The population and crime weights must add up to 100%: they add up to 90%"
    )
    assert 'href="#id_population_weight"' in page(response)  # the error summary links to it
    assert 'id="split"' not in page(response)
    assert LocalAllocation.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"total": ""}, "total", "Enter the total to allocate"),
        ({"total": "0"}, "total", "Enter a total greater than £0"),
        ({"total": "12.345"}, "total", "Enter the total to the nearest penny"),
        ({"total": "lots"}, "total", "Enter the total in pounds, like 125000 or 125000.50"),
        (
            {"crime_weight": "-10", "population_weight": "110"},
            "crime_weight",
            "The crime weight must be 0% or more",
        ),
        (
            {"crime_weight": "-10", "population_weight": "110"},
            "population_weight",
            "The population weight must be 100% or less",
        ),
        ({"population_weight": "33.333"}, "population_weight", "2 decimal places at most"),
        ({"areas": []}, "areas", "Select at least one area"),
        ({"title": ""}, "title", "Enter a title for the allocation"),
    ],
)
def test_bad_input_is_refused_with_a_message_at_its_field(
    officer_client, areas, overrides, field, message
):
    response = officer_client.post(
        reverse("allocation-create"), {**form_data(areas, **overrides), "preview": "Calculate"}
    )

    assert response.status_code == 200
    assert message in field_error(response, field)
    assert 'id="split"' not in page(response)


# --- Saving -----------------------------------------------------------------------------


def test_saving_keeps_the_figures_as_they_were_even_after_an_admin_edits_the_area(
    officer_client, admin_client_user, officer, areas
):
    response = officer_client.post(reverse("allocation-create"), form_data(areas))

    allocation = LocalAllocation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("allocation-detail", args=[allocation.pk])
    assert allocation.created_by == officer
    assert allocation.total == Decimal("100000.00")
    shares = {share.area.name: share for share in allocation.shares.select_related("area")}
    assert {name: shares[name].amount for name in shares} == {
        name: Decimal(amount) for name, _p, _c, amount, _w in FIVE_AREAS
    }

    # An administrator updates Bristol's figures in the Django admin.
    bristol = areas[1]
    response = admin_client_user.post(
        reverse("admin:grants_area_change", args=[bristol.pk]),
        {
            "name": "Bristol",
            "geo_code": "",
            "is_active": "on",
            "population": "480000",
            "population_year": "2023",
            "population_source": "ONS mid-year estimates, 2023 revision",
            "recorded_crime": "9999",
            "crime_year": "2024/25",
            "crime_source": "Police recorded crime",
            "local_authority": "",
            "allocation_recipient": bristol.allocation_recipient_id,
        },
    )
    assert response.status_code == 302, page(response)
    bristol.refresh_from_db()
    assert bristol.population == 480_000

    response = officer_client.get(reverse("allocation-detail", args=[allocation.pk]))

    row = table_row(response, "Bristol")
    assert "20,000 2022" in row and "3,000 2023/24" in row
    assert "480,000" not in row and "9,999" not in row
    assert "ONS mid-year estimates" in row and "2023 revision" not in row
    assert row.endswith("£25,000.00")
    assert table_row(response, "Total") == "Total 100,000 10,000 100% 100% 100% £100,000.00"
    share = AllocationShare.objects.get(allocation=allocation, area=bristol)
    assert (share.population, share.population_year, share.recorded_crime, share.crime_year) == (
        20_000,
        2022,
        3_000,
        "2023/24",
    )


def test_the_list_shows_past_allocations(officer_client, allocation, officer):
    response = officer_client.get(reverse("allocation-list"))

    assert response.status_code == 200
    row = table_row_by_link(response, allocation.title)
    assert "£100,000.00" in row
    assert "50% population, 50% crime" in row
    assert officer.full_name in row
    assert row.endswith(" 0")  # no grants made yet


def table_row_by_link(response, text: str) -> str:
    for row in re.findall(r"<tr class=\"govuk-table__row\">.*?</tr>", page(response), re.S):
        if f">{text}</a>" in row:
            return " ".join(re.sub(r"<[^>]+>", " ", row).split())
    raise AssertionError(f"No row links to {text!r}")


# --- Draft grants -----------------------------------------------------------------------


def test_creating_draft_grants_makes_one_per_area_linked_to_the_allocation(
    officer_client, officer, allocation, areas
):
    response = officer_client.post(
        reverse("allocation-detail", args=[allocation.pk]), grants_form_data(officer)
    )

    assert response.status_code == 302
    grants = {grant.beneficiary_area.name: grant for grant in allocation.grants.all()}
    assert len(grants) == 5
    for (name, _p, _c, amount, _w), area in zip(FIVE_AREAS, areas, strict=True):
        grant = grants[name]
        assert grant.status == GrantStatus.DRAFT
        assert grant.recipient == area.allocation_recipient
        assert grant.amount == Decimal(amount)
        assert [(c.funding_stream, c.amount) for c in grant.charges.all()] == [
            (allocation.funding_stream, Decimal(amount))
        ]
        assert grant.programme == allocation.programme
        assert grant.workstream == allocation.workstream
        assert grant.responsible_officer == officer
        assert str(grant.start_date) == "2025-04-01" and str(grant.end_date) == "2026-03-31"

    response = officer_client.get(response["Location"])
    text = page(response)
    assert "5 draft grants created" in text
    for grant in grants.values():
        assert f'href="{reverse("grant-detail", args=[grant.pk])}"' in text
    assert "Create draft grants" not in text  # made once only


def test_draft_grants_are_all_or_nothing_when_an_area_has_no_recipient(
    officer_client, officer, allocation, areas
):
    Area.objects.filter(pk=areas[3].pk).update(allocation_recipient=None)

    response = officer_client.post(
        reverse("allocation-detail", args=[allocation.pk]), grants_form_data(officer)
    )

    assert response.status_code == 200
    assert "These areas have no allocation recipient: Somerset" in page(response)
    assert Grant.objects.count() == 0


def test_draft_grants_are_made_only_once(officer_client, officer, allocation):
    url = reverse("allocation-detail", args=[allocation.pk])
    officer_client.post(url, grants_form_data(officer))

    response = officer_client.post(url, grants_form_data(officer))

    assert "Draft grants have already been made from this allocation" in page(response)
    assert Grant.objects.count() == 5


def test_a_direct_award_needs_its_justification_at_the_field(officer_client, officer, allocation):
    response = officer_client.post(
        reverse("allocation-detail", args=[allocation.pk]),
        grants_form_data(officer, direct_award_justification=""),
    )

    assert response.status_code == 200
    assert "Explain why the grants are a direct award" in field_error(
        response, "direct_award_justification"
    )
    assert Grant.objects.count() == 0


def test_an_end_date_before_the_start_is_refused(officer_client, officer, allocation):
    response = officer_client.post(
        reverse("allocation-detail", args=[allocation.pk]),
        grants_form_data(officer, end_date_2="2024"),
    )

    assert "The end date must be the same as or after the start date" in page(response)
    assert Grant.objects.count() == 0


def test_an_allocation_without_a_programme_or_workstream_makes_no_grants(
    officer_client, officer, areas
):
    allocation = services.allocation_create(
        by=officer,
        title="MoJ local allocation",
        total=Decimal("5000.00"),
        areas=areas,
        population_weight=Decimal(100),
        crime_weight=Decimal(0),
    )
    url = reverse("allocation-detail", args=[allocation.pk])

    response = officer_client.get(url)
    assert "Draft grants need a programme and a workstream" in page(response)
    assert "Create draft grants" not in page(response)

    response = officer_client.post(url, grants_form_data(officer))
    assert "Draft grants need a programme and a workstream" in page(response)
    assert Grant.objects.count() == 0


# --- Who may do what --------------------------------------------------------------------


def test_a_viewer_reads_an_allocation_but_cannot_make_grants(viewer_client, officer, allocation):
    url = reverse("allocation-detail", args=[allocation.pk])

    response = viewer_client.get(url)
    assert response.status_code == 200
    assert "Create draft grants" not in page(response)
    assert viewer_client.post(url, grants_form_data(officer)).status_code == 403
    assert viewer_client.get(reverse("allocation-create")).status_code == 403
    assert Grant.objects.count() == 0


def test_a_provider_is_refused_every_allocation_page(provider_client, officer, allocation):
    assert provider_client.get(reverse("allocation-list")).status_code == 403
    assert provider_client.get(reverse("allocation-create")).status_code == 403
    url = reverse("allocation-detail", args=[allocation.pk])
    assert provider_client.get(url).status_code == 404
    assert provider_client.post(url, grants_form_data(officer)).status_code == 404
    assert Grant.objects.count() == 0
