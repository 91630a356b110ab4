"""The forward plan downloads as CSV and XLSX, with the page's filters (and, with none,
the page's default: from the start of this month)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import MilestoneFactory, WorkstreamFactory
from tests.workstreams.test_forward_plan import month_ahead
from workstreams.models import MilestoneKind

pytestmark = pytest.mark.django_db


def _csv(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def test_the_csv_has_the_milestones_still_to_come_in_date_order(viewer_client):
    workstream = WorkstreamFactory(title="Adult victim services")
    MilestoneFactory(workstream=workstream, title="Contracts end", date=month_ahead(2))
    MilestoneFactory(
        workstream=None, title="PCC election", kind=MilestoneKind.ELECTION, date=month_ahead(1)
    )
    MilestoneFactory(workstream=workstream, title="Long past", date=month_ahead(-3))

    rows = _csv(viewer_client.get(reverse("forward-plan-export")))

    assert [row["Milestone"] for row in rows] == ["PCC election", "Contracts end"]
    assert rows[0]["Workstream"] == "Office-wide"
    assert rows[0]["Kind"] == MilestoneKind.ELECTION.label
    assert rows[1]["Workstream"] == "Adult victim services"
    assert rows[1]["Date"] == month_ahead(2).isoformat()
    assert rows[1]["Lead officer"] == str(workstream.lead_officer)


def test_the_download_follows_the_filters(officer_client):
    MilestoneFactory(title="A contract end", kind=MilestoneKind.CONTRACT_END, date=month_ahead(1))
    MilestoneFactory(title="A review", kind=MilestoneKind.REVIEW, date=month_ahead(1))
    response = officer_client.get(
        reverse("forward-plan-export"), {"kind": "contract_end", "format": "xlsx"}
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:2] == ["Date", "Milestone"]
    assert [row[1] for row in rows[1:]] == ["A contract end"]


def test_the_plan_links_to_its_download_keeping_the_filters(officer_client):
    MilestoneFactory(date=month_ahead(1))
    text = officer_client.get(reverse("forward-plan"), {"kind": "review"}).content.decode()
    assert f"{reverse('forward-plan-export')}?kind=review&amp;format=csv" in text


def test_providers_cannot_download_the_forward_plan(provider_client):
    assert provider_client.get(reverse("forward-plan-export")).status_code == 403
