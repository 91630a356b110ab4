"""Importing an existing contracts register from CSV or XLSX: the template, every row
checked, all or nothing, and a row-by-row report of the problems."""

from __future__ import annotations

import csv
import datetime
import html
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from contracts.models import Contract, ContractCharge
from tests.factories import FundingStreamFactory, OrganisationFactory, WorkstreamFactory
from workstreams.models import Milestone

pytestmark = pytest.mark.django_db

HEADINGS = [
    "Reference",
    "Title",
    "Supplier identifier",
    "Supplier name",
    "Workstream",
    "Annual value",
    "Whole-life value",
    "Start date",
    "End date",
    "Light touch",
    "Lead commissioner",
    "Office contribution",
    "Responsible officer email",
    "Funding stream",
    "Financial year",
    "Amount charged",
]
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def page(response) -> str:
    return html.unescape(response.content.decode())


def report(response) -> list[list[str]]:
    """The rows of the page's table of problems: row, column, value, problem."""
    match = re.search(
        r'<h2 class="govuk-heading-m" id="import-errors">.*?</table>', page(response), re.S
    )
    assert match, "The page shows no report of problems"
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", match.group(0), re.S)
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in rows
        if "<td" in row
    ]


def csv_upload(rows: list[dict], headings=HEADINGS, name="register.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headings)
    for row in rows:
        writer.writerow([row.get(heading, "") for heading in headings])
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8"), content_type="text/csv")


def xlsx_upload(rows: list[dict], headings=HEADINGS, name="register.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headings)
    for row in rows:
        sheet.append([row.get(heading) for heading in headings])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(
        name,
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@pytest.fixture
def register(officer):
    """The records a register refers to."""
    return {
        "workstream": WorkstreamFactory(title="Victim services"),
        "stream": FundingStreamFactory(
            name="MoJ victims grant", financial_year=2025, amount=Decimal("500000.00")
        ),
        "supplier": OrganisationFactory(name="Lighthouse Victim Care", identifier="GB-CHC-111"),
        "nhs": OrganisationFactory(name="NHS England South West", identifier=""),
        "officer": officer,
    }


def good_row(register, **overrides) -> dict:
    row = {
        "Reference": "",
        "Title": "Adult victim services",
        "Supplier identifier": "GB-CHC-111",
        "Supplier name": "",
        "Workstream": "Victim services",
        "Annual value": "250,000.00",
        "Whole-life value": "£750,000",
        "Start date": "01/04/2025",
        "End date": "2028-03-31",
        "Light touch": "yes",
        "Lead commissioner": "",
        "Office contribution": "",
        "Responsible officer email": register["officer"].email,
        "Funding stream": "",
        "Financial year": "",
        "Amount charged": "",
    }
    row.update(overrides)
    return row


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def upload(client, file):
    return client.post(reverse("contract-import"), {"file": file})


def test_a_good_csv_imports_every_contract_with_its_charge_and_forward_plan(
    officer_client, register
):
    rows = [
        good_row(
            register,
            Reference="CT-OLD-1",
            **{
                "Funding stream": "MoJ victims grant",
                "Financial year": "2025/26",
                "Amount charged": "100000",
            },
        ),
        good_row(
            register,
            Title="Sexual assault referral centre",
            **{
                "Supplier identifier": "",
                "Supplier name": "Lighthouse Victim Care",
                "Light touch": "no",
                "Lead commissioner": "NHS England South West",
                "Office contribution": "45000",
                "End date": "30/09/2029",
            },
        ),
    ]

    response = upload(officer_client, csv_upload(rows))

    assert response.status_code == 302
    assert Contract.objects.count() == 2
    first = Contract.objects.get(reference="CT-OLD-1")
    assert first.light_touch is True
    assert first.whole_life_value == Decimal("750000.00")
    assert ContractCharge.objects.get(contract=first).amount == Decimal("100000.00")
    sarc = Contract.objects.get(title="Sexual assault referral centre")
    assert sarc.reference.startswith("CT-2025-")
    assert sarc.lead_commissioner == register["nhs"]
    assert sarc.office_contribution == Decimal("45000.00")
    assert Milestone.objects.filter(ending_contract=sarc).exists()
    done = officer_client.get(reverse("contract-import"))
    assert "2 contracts imported" in page(done)


def test_a_good_xlsx_imports_with_spreadsheet_dates_and_numbers(officer_client, register):
    row = good_row(
        register,
        **{
            "Annual value": 1200.5,
            "Whole-life value": 3601,
            "Start date": datetime.date(2025, 4, 1),
            "End date": datetime.date(2026, 3, 31),
        },
    )

    response = upload(officer_client, xlsx_upload([row]))

    assert response.status_code == 302
    contract = Contract.objects.get()
    assert contract.annual_value == Decimal("1200.50")
    assert contract.end_date == datetime.date(2026, 3, 31)


def test_one_bad_row_among_fifty_saves_nothing_and_the_report_names_it(officer_client, register):
    rows = [good_row(register, Title=f"Contract {n}") for n in range(50)]
    rows[36]["End date"] = "31/03/2024"  # before the start: row 38 of the file

    response = upload(officer_client, csv_upload(rows))

    assert response.status_code == 200
    assert Contract.objects.count() == 0
    assert report(response) == [
        [
            "38",
            "End date",
            "31/03/2024",
            "The end date must be the same as or after the start date",
        ]
    ]
    assert "nothing has been imported" in page(response)
    download = officer_client.get(reverse("contract-import-errors"))
    lines = list(csv.reader(io.StringIO(body(download).decode("utf-8-sig"))))
    assert lines[1][:2] == ["38", "End date"]


def test_every_kind_of_bad_cell_is_reported_at_its_row_and_column(officer_client, register):
    rows = [
        good_row(
            register,
            **{
                "Supplier identifier": "GB-CHC-999",
                "Workstream": "No such workstream",
                "Annual value": "-5",
                "Start date": "31/02/2025",
                "Light touch": "maybe",
                "Responsible officer email": "nobody@example.org",
                "Funding stream": "MoJ victims grant",
            },
        )
    ]

    response = upload(officer_client, csv_upload(rows))

    assert Contract.objects.count() == 0
    columns = [line[1] for line in report(response)]
    assert columns == [
        "Supplier identifier",
        "Workstream",
        "Annual value",
        "Start date",
        "Light touch",
        "Responsible officer email",
        "Financial year",
        "Amount charged",
    ]


def test_a_charge_beyond_the_streams_headroom_is_a_row_error(officer_client, register):
    charge = {
        "Funding stream": "MoJ victims grant",
        "Financial year": "2025/26",
        "Amount charged": "300000",
    }
    rows = [
        good_row(register, Title="First", **charge),
        good_row(register, Title="Second", **charge),
    ]

    response = upload(officer_client, csv_upload(rows))

    assert Contract.objects.count() == 0
    assert ContractCharge.objects.count() == 0
    (problem,) = report(response)
    assert problem[:2] == ["3", "Amount charged"]
    assert "£500,000.00 left" in problem[3]


def test_a_file_that_is_not_a_spreadsheet_is_refused(officer_client, register):
    response = upload(
        officer_client, SimpleUploadedFile("register.xlsx", PNG_BYTES, content_type="image/png")
    )

    assert response.status_code == 200
    assert "is not a real Excel spreadsheet" in page(response)
    assert Contract.objects.count() == 0


def test_a_file_with_the_wrong_columns_is_refused(officer_client, register):
    headings = [h for h in HEADINGS if h != "Workstream"] + ["Colour"]
    response = upload(officer_client, csv_upload([good_row(register)], headings=headings))

    text = page(response)
    assert "The file is missing these columns: Workstream" in text
    assert "The file has columns the template does not: Colour" in text
    assert Contract.objects.count() == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_template_has_every_heading(officer_client, fmt):
    response = officer_client.get(reverse("contract-import-template"), {"format": fmt})

    assert response.status_code == 200
    content = body(response)
    if fmt == "csv":
        first = next(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    else:
        sheet = load_workbook(io.BytesIO(content)).worksheets[0]
        first = [cell.value for cell in next(sheet.iter_rows())]
    assert first == HEADINGS


@pytest.mark.parametrize("name", ["contract-import", "contract-import-template"])
def test_providers_cannot_import(provider_client, name):
    assert provider_client.get(reverse(name)).status_code == 403


def test_providers_cannot_post_an_import(provider_client, register):
    response = upload(provider_client, csv_upload([good_row(register)]))

    assert response.status_code == 403
    assert Contract.objects.count() == 0
