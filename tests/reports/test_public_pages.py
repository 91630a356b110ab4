"""The public pages, signed out: funding awarded (filters, totals, downloads) and the
open-data page. Drafts, withdrawn grants and anything personal never show."""

from __future__ import annotations

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from commissioning.templatetags.portal import money
from tests.factories import AreaFactory, ContractFactory, awarded_grant
from tests.reports.factories_public import open_data_world

pytestmark = pytest.mark.django_db

MONEY = re.compile(r"£[\d,]+\.\d\d")


def _cells(text: str, table_id: str) -> list[list[str]]:
    """The body rows of a table, each as its cells' text."""
    table = text.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for row in body.split("<tr")[1:]:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        rows.append([re.sub(r"<[^>]+>", " ", cell).strip() for cell in cells])
    return rows


def _amount(text: str) -> Decimal:
    return Decimal(MONEY.search(text).group(0)[1:].replace(",", ""))


def _total(text: str) -> Decimal:
    footer = text.split('id="funding-awarded-totals"', 1)[1].split("</tr>", 1)[0]
    return _amount(footer.split("<strong>", 1)[1])


@pytest.fixture
def world():
    return open_data_world()


def test_funding_awarded_lists_grants_and_contracts_to_signed_out_visitors(client, world):
    response = client.get(reverse("funding-awarded"))
    text = response.content.decode()
    assert response.status_code == 200
    assert world.two_streams.title in text
    assert world.whole_area.title in text
    assert world.full.title in text
    assert world.co_commissioned.title in text
    assert world.draft.title not in text
    assert world.withdrawn.title not in text


def test_funding_awarded_total_is_the_sum_of_the_rows_shown(client, world):
    text = client.get(reverse("funding-awarded")).content.decode()
    rows = _cells(text, "funding-awarded")
    shown = sum((_amount(row[-1]) for row in rows), Decimal("0.00"))
    assert len(rows) == 4
    assert _total(text) == shown
    # Grants at their amount; the co-commissioned contract at the office's contribution.
    assert shown == Decimal("20000") * 2 + Decimal("950000") + Decimal("120000")


def test_filtering_by_financial_year_keeps_totals_equal_to_the_rows(client, world):
    text = client.get(reverse("funding-awarded"), {"financial_year": "2024"}).content.decode()
    rows = _cells(text, "funding-awarded")
    titles = " ".join(row[1] for row in rows)
    # Awarded 20 March 2025 (2024/25); contracts let on 1 February 2025 and 1 April 2024.
    assert world.two_streams.title in titles
    assert world.full.title in titles
    assert world.co_commissioned.title in titles
    assert world.whole_area.title not in titles  # awarded today
    assert _total(text) == sum((_amount(row[-1]) for row in rows), Decimal("0.00"))


def test_filtering_by_area_or_programme_shows_grants_only(client, world):
    text = client.get(reverse("funding-awarded"), {"area": world.area.pk}).content.decode()
    rows = _cells(text, "funding-awarded")
    assert len(rows) == 1
    assert rows[0][1].startswith(world.two_streams.title)
    assert "Contracts have no programme or area" in text
    assert _total(text) == Decimal("20000.00")

    programme = world.two_streams.programme
    text = client.get(reverse("funding-awarded"), {"programme": programme.pk}).content.decode()
    assert len(_cells(text, "funding-awarded")) == 2


@pytest.mark.parametrize(
    "query", [{"area": "999999"}, {"programme": "nope"}, {"financial_year": "1850"}]
)
def test_an_unknown_filter_value_is_an_error_at_its_field(client, world, query):
    response = client.get(reverse("funding-awarded"), query)
    text = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in text
    assert "Select a valid choice" in text
    assert len(_cells(text, "funding-awarded")) == 4  # the bad filter is ignored


def test_the_download_has_the_filtered_rows(client, world):
    response = client.get(reverse("funding-awarded-export"), {"financial_year": "2024"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert response["Content-Type"].startswith("text/csv")
    assert {row["Title"]: row["Value (£)"] for row in rows} == {
        world.two_streams.title: "20000.00",
        world.full.title: "950000.00",
        world.co_commissioned.title: "120000.00",  # let on 1 April 2024: the office's share
    }

    xlsx = client.get(reverse("funding-awarded-export"), {"area": world.area.pk, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Type"
    assert [row[2] for row in values[1:]] == [world.two_streams.title]
    assert values[1][-1] == 20000


def test_the_page_links_to_its_downloads_and_the_open_data(client, world):
    text = client.get(reverse("funding-awarded"), {"financial_year": "2024"}).content.decode()
    assert f"{reverse('funding-awarded-export')}?financial_year=2024&amp;format=csv" in text
    assert reverse("open-data") in text


@pytest.mark.parametrize("url_name", ["funding-awarded", "funding-awarded-export", "open-data"])
def test_public_pages_name_no_officer(client, world, url_name):
    response = client.get(reverse(url_name))
    body = (
        b"".join(response.streaming_content) if response.streaming else response.content
    ).decode("utf-8-sig")
    assert world.officer.full_name not in body
    assert world.officer.email not in body
    assert "director@foundation.example.org" not in body


def test_funding_awarded_costs_the_same_queries_for_more_rows(client):
    awarded_grant()
    ContractFactory()
    client.get(reverse("funding-awarded"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("funding-awarded"))
    for _ in range(4):
        awarded_grant(beneficiary_area=AreaFactory())
        ContractFactory()
    with CaptureQueriesContext(connection) as more:
        client.get(reverse("funding-awarded"))
    assert len(more) == len(few)


def test_a_long_list_is_paged_and_the_page_total_is_shown(client, monkeypatch):
    for _ in range(3):
        ContractFactory(start_date=datetime.date(2025, 4, 1))
    from reports import views_public

    monkeypatch.setattr(views_public.FundingAwardedView, "paginate_by", 2)
    text = client.get(reverse("funding-awarded")).content.decode()
    rows = _cells(text, "funding-awarded")
    assert len(rows) == 2
    assert "Total of this page" in text
    assert money(sum((_amount(row[-1]) for row in rows), Decimal("0.00"))) in text
    assert _total(text) == Decimal("2700000.00")  # all three, on every page


def test_footer_links_to_the_public_pages(client):
    text = client.get(reverse("open-data")).content.decode()
    for url_name in ("open-data", "funding-awarded", "opportunity-list"):
        assert f'class="govuk-footer__link" href="{reverse(url_name)}"' in text
