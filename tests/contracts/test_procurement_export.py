"""The procurement list downloads as CSV and XLSX, filtered as shown, without bids."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from contracts.models import ProcurementRoute, ProcurementStatus
from tests.factories import BidFactory, ProcurementFactory

pytestmark = pytest.mark.django_db


def _csv(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def test_the_csv_follows_the_filters_and_leaves_bids_out(viewer_client):
    wanted = ProcurementFactory(
        title="ISVA service", route=ProcurementRoute.FRAMEWORK, status=ProcurementStatus.TENDERING
    )
    BidFactory(procurement=wanted, price=Decimal("1234567.00"))
    ProcurementFactory(title="Planned service", status=ProcurementStatus.PLANNING)

    response = viewer_client.get(reverse("procurement-export"), {"status": "tendering"})

    rows = _csv(response)
    assert response["Content-Type"].startswith("text/csv")
    assert [row["Procurement"] for row in rows] == ["ISVA service"]
    assert rows[0]["Route"] == "Framework call-off"
    assert rows[0]["Estimated annual value (£)"] == "400000.00"
    assert "1234567" not in str(rows)


def test_the_xlsx_has_money_as_numbers(officer_client):
    ProcurementFactory(title='=HYPERLINK("http://evil")')
    response = officer_client.get(reverse("procurement-export"), {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "Procurement"
    assert rows[1][0] == '\'=HYPERLINK("http://evil")'
    assert rows[1][4] == 400000


def test_the_list_links_to_its_download_keeping_the_filters(officer_client):
    ProcurementFactory(route=ProcurementRoute.FRAMEWORK)
    text = officer_client.get(reverse("procurement-list"), {"route": "framework"}).content.decode()
    assert f"{reverse('procurement-export')}?route=framework&amp;format=xlsx" in text


def test_providers_cannot_download_procurements(provider_client):
    assert provider_client.get(reverse("procurement-export")).status_code == 403
