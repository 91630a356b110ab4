"""Importing an existing grants register from CSV or XLSX: the template, every row
checked, all or nothing, and a row-by-row report of the problems."""

from __future__ import annotations

import csv
import datetime
import html
import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from commissioning.models import Role
from grants import importer
from grants.models import Area, Grant, GrantStatus
from tests.factories import (
    FundingStreamFactory,
    GrantFactory,
    OrganisationFactory,
    WorkstreamFactory,
)
from workstreams.models import CommissioningRole

pytestmark = pytest.mark.django_db

HEADINGS = [
    "Reference",
    "Title",
    "Purpose",
    "Recipient identifier",
    "Recipient name",
    "Programme",
    "Funding stream",
    "Financial year",
    "Amount",
    "Start date",
    "End date",
    "Award date",
    "Status",
    "Award route",
    "Direct award justification",
    "Responsible officer email",
    "Beneficiary area",
]
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


# --- Helpers ----------------------------------------------------------------------------


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


def file_error(response) -> str:
    match = re.search(
        r'id="id_file_\d+_error" class="govuk-error-message">\s*'
        r'<span class="govuk-visually-hidden">Error:</span>(.*?)</span>',
        page(response),
        re.S,
    )
    return " ".join(match.group(1).split()) if match else ""


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
        "workstream": WorkstreamFactory(
            title="Community safety partnerships", role=CommissioningRole.FACILITATING
        ),
        "stream": FundingStreamFactory(
            name="Police and Crime Grant fund", financial_year=2025, amount=Decimal("5000000.00")
        ),
        "last_year": FundingStreamFactory(
            name="Police and Crime Grant fund", financial_year=2024, amount=Decimal("900000.00")
        ),
        "partnership": OrganisationFactory(
            name="Bristol Community Safety Partnership", identifier="GB-LAE-BST"
        ),
        "charity": OrganisationFactory(name="Safe Haven Trust", identifier=""),
        "area": Area.objects.create(
            name="Bristol",
            population=472_400,
            population_year=2022,
            population_source="ONS",
            recorded_crime=61_023,
            crime_year="2023/24",
            crime_source="Police recorded crime",
        ),
        "officer": officer,
    }


def good_row(register, **overrides) -> dict:
    row = {
        "Reference": "",
        "Title": "Community safety grant",
        "Purpose": "Local community safety priorities.",
        "Recipient identifier": "GB-LAE-BST",
        "Recipient name": "Bristol Community Safety Partnership",
        "Programme": "Police and Crime Grant",
        "Funding stream": "Police and Crime Grant fund",
        "Financial year": "2025/26",
        "Amount": "12,500.00",
        "Start date": "01/04/2025",
        "End date": "2026-03-31",
        "Award date": "",
        "Status": "draft",
        "Award route": "Open call",
        "Direct award justification": "",
        "Responsible officer email": register["officer"].email,
        "Beneficiary area": "Bristol",
    }
    row.update(overrides)
    return row


def upload(client, register, file):
    return client.post(
        reverse("grant-import"), {"workstream": register["workstream"].pk, "file": file}
    )


# --- A good register --------------------------------------------------------------------


def test_a_good_csv_imports_every_grant(officer_client, register, officer):
    rows = [
        good_row(register, Reference="PCG-2025-BST", Title="Bristol CSP 2025/26"),
        good_row(
            register,
            Title="Safe Haven outreach",
            **{
                "Recipient identifier": "",
                "Recipient name": "Safe Haven Trust",
                "Amount": "£40,000",
                "Status": "Awarded",
                "Award date": "14/03/2025",
                "Award route": "Direct award",
                "Direct award justification": "Sole specialist provider in the area.",
                "Beneficiary area": "",
            },
        ),
        good_row(
            register,
            Title="Last year's grant",
            **{
                "Financial year": "2024/25",
                "Start date": "2024-04-01",
                "End date": "31/03/2025",
                "Amount": "9999.99",
                "Status": "closed",
            },
        ),
    ]

    response = upload(officer_client, register, csv_upload(rows))

    assert response.status_code == 302
    assert response["Location"] == reverse("grant-import")
    done = officer_client.get(response["Location"])
    assert "3 grants imported" in page(done)
    assert f'href="{reverse("grant-list")}"' in page(done)

    grants = {grant.title: grant for grant in Grant.objects.all()}
    assert len(grants) == 3
    bristol = grants["Bristol CSP 2025/26"]
    assert bristol.reference == "PCG-2025-BST"
    assert bristol.recipient == register["partnership"]
    assert bristol.status == GrantStatus.DRAFT
    assert bristol.amount == Decimal("12500.00")
    assert bristol.start_date == datetime.date(2025, 4, 1)
    assert bristol.end_date == datetime.date(2026, 3, 31)
    assert bristol.beneficiary_area == register["area"]
    assert bristol.workstream == register["workstream"]
    assert bristol.responsible_officer == officer
    assert bristol.programme.name == "Police and Crime Grant"
    assert [(c.funding_stream, c.amount) for c in bristol.charges.all()] == [
        (register["stream"], Decimal("12500.00"))
    ]

    outreach = grants["Safe Haven outreach"]
    assert outreach.recipient == register["charity"]  # matched by its exact name
    assert outreach.status == GrantStatus.AWARDED
    assert outreach.award_date == datetime.date(2025, 3, 14)
    assert outreach.award_route == "direct"
    assert outreach.beneficiary_area is None
    assert re.fullmatch(r"GR-2025-\d{4}", outreach.reference)  # given by the portal
    # Imported history: awarded over the decision threshold with no decision, due
    # diligence or schedule, and its history says where it came from.
    latest = outreach.history.first()
    assert latest.status == GrantStatus.AWARDED
    assert latest.history_change_reason == importer.IMPORTED_REASON
    assert latest.history_user == officer

    closed = grants["Last year's grant"]
    assert closed.status == GrantStatus.CLOSED
    assert [c.funding_stream for c in closed.charges.all()] == [register["last_year"]]

    # Awarded, active and closed grants commit their streams' money; drafts don't.
    assert register["stream"].committed == Decimal("40000.00")
    assert register["last_year"].committed == Decimal("9999.99")


def test_a_good_xlsx_imports_with_the_spreadsheets_own_dates_and_numbers(officer_client, register):
    rows = [
        good_row(
            register,
            Title=f"Grant {n}",
            **{
                "Amount": 1500.5 if n == 1 else 2000,
                "Financial year": 2025,
                # Spreadsheets hold dates as naive datetimes.
                "Start date": datetime.datetime(2025, 4, 1),  # noqa: DTZ001
                "End date": datetime.datetime(2025, 9, 30),  # noqa: DTZ001
                "Recipient identifier": "gb-lae-bst",
                "Status": "ACTIVE",
            },
        )
        for n in (1, 2)
    ]

    response = upload(officer_client, register, xlsx_upload(rows))

    assert response.status_code == 302
    assert "2 grants imported" in page(officer_client.get(response["Location"]))
    grants = list(Grant.objects.order_by("title"))
    assert [(g.title, g.amount, g.status) for g in grants] == [
        ("Grant 1", Decimal("1500.50"), GrantStatus.ACTIVE),
        ("Grant 2", Decimal("2000.00"), GrantStatus.ACTIVE),
    ]
    assert grants[0].end_date == datetime.date(2025, 9, 30)
    assert grants[0].recipient == register["partnership"]


def test_headings_may_differ_in_case_and_optional_columns_may_be_left_out(officer_client, register):
    headings = [h.upper() for h in HEADINGS if h not in ("Reference", "Award date")]
    row = {h.upper(): v for h, v in good_row(register).items()}

    response = upload(officer_client, register, csv_upload([row], headings=headings))

    assert response.status_code == 302
    assert Grant.objects.count() == 1


# --- All or nothing ---------------------------------------------------------------------


def test_one_bad_row_among_a_hundred_saves_nothing_and_the_report_names_it(
    officer_client, register
):
    rows = [good_row(register, Title=f"Grant {n}") for n in range(1, 101)]
    rows[56]["Amount"] = "-250"  # the 57th grant: row 58, under the headings

    response = upload(officer_client, register, csv_upload(rows))

    assert response.status_code == 200
    assert Grant.objects.count() == 0
    assert report(response) == [["58", "Amount", "-250", "Enter an amount greater than £0"]]
    assert file_error(response) == (
        "1 problem in 1 row of the file, listed below: nothing has been imported. Correct "
        "them and upload the file again"
    )

    download = officer_client.get(reverse("grant-import-errors"))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    # The value a spreadsheet would run as a formula is neutralised.
    assert lines == [
        ["Row", "Column", "Value", "Problem"],
        ["58", "Amount", "'-250", "Enter an amount greater than £0"],
    ]


def test_a_formula_in_a_bad_cell_is_neutralised_in_the_downloaded_report(officer_client, register):
    rows = [good_row(register, Programme='=HYPERLINK("http://evil.example","Click")')]

    response = upload(officer_client, register, csv_upload(rows))

    assert Grant.objects.count() == 0
    assert report(response)[0][:2] == ["2", "Programme"]
    download = officer_client.get(reverse("grant-import-errors"))
    lines = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    assert lines[1][2] == '\'=HYPERLINK("http://evil.example","Click")'
    assert all(not cell.startswith(("=", "+", "-", "@")) for line in lines for cell in line)


@pytest.mark.parametrize(
    ("overrides", "column", "message"),
    [
        ({"Title": ""}, "Title", "Enter the grant's title"),
        (
            {"Recipient identifier": "GB-CHC-999"},
            "Recipient identifier",
            "No organisation has the identifier GB-CHC-999",
        ),
        (
            {"Recipient identifier": "", "Recipient name": "safe haven trust"},
            "Recipient name",
            "No organisation is called “safe haven trust” (the name must match exactly)",
        ),
        (
            {"Recipient identifier": "", "Recipient name": ""},
            "Recipient identifier",
            "Enter the recipient's identifier or its name",
        ),
        ({"Programme": "Lottery"}, "Programme", "No programme is called “Lottery”"),
        (
            {"Financial year": "2023/24"},
            "Funding stream",
            "No funding stream is called “Police and Crime Grant fund” in 2023/24 (there is "
            "one in 2024/25, 2025/26)",
        ),
        ({"Financial year": "2025/27"}, "Financial year", "the second year follows the first"),
        ({"Amount": "12.345"}, "Amount", "to the nearest penny (2 decimal places at most)"),
        ({"Amount": "0"}, "Amount", "Enter an amount greater than £0"),
        ({"Amount": "lots"}, "Amount", "Enter the amount in pounds, like 12500 or 12500.50"),
        ({"Start date": "31/02/2025"}, "Start date", "Enter the start date as a real date"),
        ({"Start date": "04/01/25"}, "Start date", "like 01/04/2025 or 2025-04-01"),
        (
            {"End date": "31/03/2025"},
            "End date",
            "The end date must be the same as or after the start date",
        ),
        ({"Status": "withdrawn"}, "Status", "Enter the status as draft, awarded, active or closed"),
        ({"Award route": "tender"}, "Award route", "open call or direct award"),
        (
            {"Award route": "direct award"},
            "Direct award justification",
            "Explain why the grant is a direct award",
        ),
        (
            {"Responsible officer email": "nobody@example.org"},
            "Responsible officer email",
            "No one with the email address nobody@example.org has an account",
        ),
        ({"Beneficiary area": "Atlantis"}, "Beneficiary area", "No area is called “Atlantis”"),
    ],
)
def test_each_problem_is_reported_at_its_row_and_column(
    officer_client, register, overrides, column, message
):
    rows = [good_row(register, Title="Fine"), good_row(register, **overrides)]

    response = upload(officer_client, register, csv_upload(rows))

    assert Grant.objects.count() == 0
    problems = report(response)
    assert [(row, col) for row, col, _value, _message in problems] == [("3", column)]
    assert message in problems[0][3]


def test_a_provider_cannot_be_the_responsible_officer(officer_client, register, make_user):
    provider = make_user(Role.PROVIDER, email="pat@provider.example")
    rows = [good_row(register, **{"Responsible officer email": provider.email})]

    response = upload(officer_client, register, csv_upload(rows))

    assert report(response)[0][1] == "Responsible officer email"
    assert "must be an officer or manager" in report(response)[0][3]
    assert Grant.objects.count() == 0


def test_awarded_history_may_not_commit_more_than_the_stream_has_left(officer_client, register):
    rows = [
        good_row(register, Title="First", Amount="3000000", Status="awarded"),
        good_row(register, Title="A draft", Amount="3000000", Status="draft"),
        good_row(register, Title="Second", Amount="2500000", Status="active"),
    ]

    response = upload(officer_client, register, csv_upload(rows))

    assert Grant.objects.count() == 0
    problems = report(response)
    assert [(row, col) for row, col, *_ in problems] == [("4", "Amount")]
    assert "Police and Crime Grant fund (2025/26) has £5,000,000.00 left" in problems[0][3]


def test_duplicate_references_are_refused_row_by_row(officer_client, register):
    GrantFactory(reference="PCG-OLD-1")
    rows = [
        good_row(register, Reference="PCG-OLD-1"),
        good_row(register, Reference="PCG-NEW-1"),
        good_row(register, Reference="PCG-NEW-1"),
    ]

    response = upload(officer_client, register, csv_upload(rows))

    assert report(response) == [
        ["2", "Reference", "PCG-OLD-1", "A grant with the reference PCG-OLD-1 already exists"],
        ["4", "Reference", "PCG-NEW-1", "The reference PCG-NEW-1 is also used in row 3"],
    ]
    assert Grant.objects.count() == 1  # only the one made before


# --- Files that are not a register ------------------------------------------------------


def test_a_png_renamed_xlsx_is_refused_with_a_clear_message(officer_client, register):
    response = upload(officer_client, register, SimpleUploadedFile("register.xlsx", PNG_BYTES))

    assert response.status_code == 200
    assert file_error(response) == (
        "The selected file is not a real Excel spreadsheet: its content does not match its name"
    )
    assert Grant.objects.count() == 0


def test_a_broken_spreadsheet_is_refused(officer_client, register):
    # A zip that claims to be a workbook but whose parts are not.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "not xml at all")
        archive.writestr("[Content_Types].xml", "nor this")
    response = upload(
        officer_client, register, SimpleUploadedFile("register.xlsx", buffer.getvalue())
    )

    assert "The selected file is not a real Excel spreadsheet" in file_error(response)


def test_a_file_that_is_not_a_csv_or_spreadsheet_is_refused(officer_client, register):
    response = upload(
        officer_client, register, SimpleUploadedFile("register.pdf", b"%PDF-1.4\n%%EOF\n")
    )

    assert file_error(response) == (
        "The selected file must be a CSV or an Excel spreadsheet (.xlsx)"
    )


def test_a_binary_file_named_csv_is_refused(officer_client, register):
    response = upload(officer_client, register, SimpleUploadedFile("register.csv", PNG_BYTES))

    assert file_error(response) == (
        "The selected file is not a real CSV: its content does not match its name"
    )


def test_a_spreadsheet_with_the_wrong_columns_is_refused_with_the_columns_named(
    officer_client, register
):
    headings = [h for h in HEADINGS if h not in ("Amount", "Status")] + ["Cost", "Notes"]
    rows = [good_row(register, Cost="12500", Notes="x")]

    response = upload(officer_client, register, xlsx_upload(rows, headings=headings))

    assert response.status_code == 200
    text = page(response)
    assert (
        "The file is missing these columns: Amount, Status. Use the headings in the template"
        in text
    )
    assert (
        "The file has columns the template does not: Cost, Notes. Remove them or use the "
        "headings in the template" in text
    )
    assert 'id="import-errors"' not in text
    assert Grant.objects.count() == 0


def test_a_register_with_headings_but_no_grants_is_refused(officer_client, register):
    response = upload(officer_client, register, csv_upload([]))

    assert file_error(response) == (
        "The file has no grants in it: add a row for each grant under the headings"
    )


def test_a_csv_saved_by_excel_on_windows_is_read(officer_client, register):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADINGS)
    row = good_row(register, Title="Café outreach", Amount="£1,000")
    writer.writerow([row[h] for h in HEADINGS])
    file = SimpleUploadedFile("register.csv", buffer.getvalue().encode("cp1252"))

    response = upload(officer_client, register, file)

    assert response.status_code == 302
    assert Grant.objects.get().title == "Café outreach"


def test_the_workstream_and_file_are_required(officer_client, register):
    response = officer_client.post(reverse("grant-import"), {})

    text = page(response)
    assert "Select the workstream the grants belong to" in text
    assert "Select the grants register to import" in text


# --- The template -----------------------------------------------------------------------


def test_the_csv_template_downloads_with_the_right_headings(officer_client):
    response = officer_client.get(reverse("grant-import-template"), {"format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert lines == [HEADINGS]


def test_the_xlsx_template_downloads_with_the_right_headings(officer_client):
    response = officer_client.get(reverse("grant-import-template"), {"format": "xlsx"})

    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [HEADINGS]


def test_a_filled_in_template_imports(officer_client, register):
    template = officer_client.get(reverse("grant-import-template"), {"format": "xlsx"})
    workbook = load_workbook(io.BytesIO(template.content))
    workbook.worksheets[0].append(list(good_row(register).values()))
    buffer = io.BytesIO()
    workbook.save(buffer)

    response = upload(
        officer_client, register, SimpleUploadedFile("filled.xlsx", buffer.getvalue())
    )

    assert response.status_code == 302
    assert Grant.objects.count() == 1


# --- Who may import ---------------------------------------------------------------------


def test_only_editors_may_import(viewer_client, provider_client, register):
    for client, status in ((viewer_client, 403), (provider_client, 403)):
        assert client.get(reverse("grant-import")).status_code == status
        assert client.get(reverse("grant-import-template")).status_code == status
        response = upload(client, register, csv_upload([good_row(register)]))
        assert response.status_code == status
    assert Grant.objects.count() == 0


def test_the_problems_download_without_a_failed_import_goes_back_to_the_import_page(
    officer_client,
):
    response = officer_client.get(reverse("grant-import-errors"))

    assert response.status_code == 302
    assert response["Location"] == reverse("grant-import")
