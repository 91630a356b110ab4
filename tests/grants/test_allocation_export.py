"""The local allocations list downloads as CSV and XLSX."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import LocalAllocationFactory

pytestmark = pytest.mark.django_db


def test_the_csv_has_one_row_per_allocation(viewer_client):
    LocalAllocationFactory(title="Serious violence duty 2025/26", total=Decimal("150000.00"))
    LocalAllocationFactory(title="Community safety fund")

    response = viewer_client.get(reverse("allocation-export"))

    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = {row["Title"]: row for row in csv.DictReader(io.StringIO(body))}
    assert response["Content-Type"].startswith("text/csv")
    assert set(rows) == {"Serious violence duty 2025/26", "Community safety fund"}
    allocation = rows["Serious violence duty 2025/26"]
    assert allocation["Total (£)"] == "150000.00"
    assert allocation["Population weight (%)"] == "50.00"
    assert allocation["Grants made"] == "0"


def test_the_xlsx_keeps_totals_as_numbers(officer_client):
    LocalAllocationFactory(total=Decimal("99999.99"))
    response = officer_client.get(reverse("allocation-export"), {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:2] == ["Title", "Total (£)"]
    assert rows[1][1] == pytest.approx(99999.99)


def test_the_list_links_to_its_download(officer_client):
    LocalAllocationFactory()
    text = officer_client.get(reverse("allocation-list")).content.decode()
    assert f"{reverse('allocation-export')}?format=csv" in text


def test_providers_cannot_download_allocations(provider_client):
    assert provider_client.get(reverse("allocation-export")).status_code == 403
