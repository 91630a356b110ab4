"""Organisation and funding-stream lists download as CSV and XLSX, filtered as shown."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from commissioning.models import OrganisationKind
from tests.factories import FundingStreamFactory, OrganisationFactory


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


@pytest.mark.django_db
def test_organisation_csv_follows_the_filters_and_neutralises_formulas(viewer_client):
    OrganisationFactory(name="=cmd|' /C calc'!A0", kind=OrganisationKind.PROVIDER)
    OrganisationFactory(name="Bristol City Council", kind=OrganisationKind.LOCAL_AUTHORITY)

    response = viewer_client.get(reverse("organisation-export"), {"kind": "provider"})

    rows = _csv(response)
    assert response["Content-Type"].startswith("text/csv")
    assert rows[0][:3] == ["Name", "Kind", "Identifier"]
    assert [row[0] for row in rows[1:]] == ["'=cmd|' /C calc'!A0"]


@pytest.mark.django_db
def test_funding_stream_xlsx_has_money_as_numbers(officer_client):
    FundingStreamFactory(name="VRU grant", financial_year=2025, amount=Decimal("1214500.00"))
    FundingStreamFactory(name="Old grant", financial_year=2023)

    response = officer_client.get(
        reverse("funding-stream-export"), {"financial_year": "2025", "format": "xlsx"}
    )

    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "Funding stream"
    assert len(rows) == 2
    assert rows[1][0] == "VRU grant"
    assert rows[1][2] == "2025/26"
    assert rows[1][5] == 1214500
    assert rows[1][8] == 1214500  # headroom: nothing committed yet


@pytest.mark.django_db
def test_list_pages_link_to_their_downloads_keeping_the_filters(officer_client):
    OrganisationFactory(kind=OrganisationKind.COMMUNITY_SAFETY_PARTNERSHIP)
    text = officer_client.get(reverse("organisation-list"), {"kind": "csp"}).content.decode()
    assert f"{reverse('organisation-export')}?kind=csp&amp;format=xlsx" in text
