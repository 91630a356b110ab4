"""Evidence files on a return: what is accepted (checked from the content, not the
name), each bad file refused at the field with the rest of the draft kept, downloads
only through the permission-checked view, and removal."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from monitoring.models import EvidenceFile
from tests.factories import OrganisationFactory
from tests.monitoring.factories import PDF_BYTES, EvidenceFileFactory, active_grant
from tests.monitoring.test_provider_journey import (
    client_for,
    complete_and_submit,
    finance_post,
    first_return,
    text_of,
    url,
)

pytestmark = pytest.mark.django_db


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _xlsx() -> bytes:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


XLSX = _xlsx()
XLSX_WITH_MACROS = _zip(
    {"[Content_Types].xml": b"x", "xl/workbook.xml": b"x", "xl/vbaProject.bin": b"macro"}
)
DOCX = _zip({"[Content_Types].xml": b"x", "word/document.xml": b"x"})
ODS = _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"})
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 200


@pytest.fixture
def my_return(provider):
    return first_return(active_grant(recipient=provider.organisation))


def upload(client, monitoring_return, name: str, content: bytes, description: str = ""):
    monitoring_return.refresh_from_db()
    return client.post(
        url("return-evidence", monitoring_return),
        {
            "file": SimpleUploadedFile(name, content),
            "description": description,
            "version": monitoring_return.version,
        },
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("invoices.pdf", PDF_BYTES),
        ("spend.xlsx", XLSX),
        ("caseload.csv", b"Month,Referrals\nApril,40\n"),
        ("report.docx", DOCX),
        ("figures.ods", ODS),
    ],
)
def test_each_allowed_kind_of_file_is_uploaded(provider_client, my_return, name, content):
    response = upload(provider_client, my_return, name, content, "Quarter 1")
    assert response.status_code == 302
    evidence = EvidenceFile.objects.get(monitoring_return=my_return)
    assert evidence.original_name == name
    assert evidence.description == "Quarter 1"
    assert evidence.size == len(content)
    # Stored under a random name, never the one it was uploaded with.
    assert name.rsplit(".", 1)[0] not in evidence.file.name
    page = text_of(provider_client.get(url("return-evidence", my_return)))
    assert f"{name} has been uploaded" in page
    assert "In progress" not in page  # the section page, not the task list


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "invoice.pdf",
            EXECUTABLE,
            "The selected file is not a real PDF: its content does not match its name",
        ),
        ("empty.pdf", b"", "The selected file is empty"),
        ("spend.xlsx", XLSX_WITH_MACROS, "The selected file contains macros"),
        ("setup.exe", EXECUTABLE, "The selected file must be a PDF, Excel spreadsheet, CSV"),
        ("report.docx", PDF_BYTES, "not a real Word document"),
    ],
)
def test_a_bad_file_is_refused_at_the_field_and_the_draft_is_kept(
    provider_client, my_return, name, content, message
):
    # The finance section was saved as a draft first.
    response = provider_client.post(
        url("return-finance", my_return),
        finance_post(my_return, actual_spend="1234.56", forecast_year_end="18000"),
    )
    assert response.status_code == 302

    response = upload(provider_client, my_return, name, content, "My description")
    assert response.status_code == 200
    page = text_of(response)
    assert "There is a problem" in page
    assert page.count(message) == 2  # in the error summary and at the field
    assert 'value="My description"' in response.content.decode()
    assert not EvidenceFile.objects.exists()

    my_return.refresh_from_db()
    assert my_return.actual_spend == Decimal("1234.56")
    assert my_return.forecast_year_end == Decimal("18000.00")
    finance = provider_client.get(url("return-finance", my_return)).content.decode()
    assert 'value="1234.56"' in finance


def test_an_oversize_file_is_refused_naming_the_limit(provider_client, my_return, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    response = upload(provider_client, my_return, "big.pdf", PDF_BYTES + b" " * 2000)
    assert response.status_code == 200
    assert "The selected file must be smaller than 1.0 KB" in text_of(response)
    assert not EvidenceFile.objects.exists()


def test_no_file_chosen_is_refused(provider_client, my_return):
    response = provider_client.post(
        url("return-evidence", my_return), {"description": "", "version": my_return.version}
    )
    assert "Select a file to upload" in text_of(response)


def test_a_stale_upload_is_refused(provider_client, my_return, officer):
    from monitoring import services

    opened_at = my_return.version
    services.return_mark_evidence(
        monitoring_return=my_return, by=officer, version=opened_at, complete=False
    )
    response = provider_client.post(
        url("return-evidence", my_return),
        {
            "file": SimpleUploadedFile("invoices.pdf", PDF_BYTES),
            "description": "Typed before the change",
            "version": opened_at,
        },
    )
    assert response.status_code == 200
    assert "changed by someone else" in text_of(response)
    assert 'value="Typed before the change"' in response.content.decode()
    assert not EvidenceFile.objects.exists()


def test_evidence_cannot_be_marked_complete_without_a_file(provider_client, my_return):
    response = provider_client.post(
        url("return-evidence", my_return),
        {"done-complete": "yes", "done-version": my_return.version},
    )
    assert response.status_code == 200
    assert "Upload at least one file before you mark the evidence as complete" in text_of(response)
    my_return.refresh_from_db()
    assert not my_return.evidence_complete


def test_a_file_is_downloaded_as_an_attachment_under_its_own_name(
    provider_client, officer_client, my_return
):
    upload(provider_client, my_return, "Q1 invoices.pdf", PDF_BYTES)
    evidence = EvidenceFile.objects.get()
    for client in (provider_client, officer_client):
        response = client.get(url("evidence-download", my_return, evidence.pk))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert "Q1 invoices.pdf" in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == PDF_BYTES


def test_a_file_is_removed_after_confirming(provider_client, my_return):
    upload(provider_client, my_return, "wrong.pdf", PDF_BYTES)
    evidence = EvidenceFile.objects.get()
    remove_url = url("evidence-remove", my_return, evidence.pk)
    assert remove_url in provider_client.get(url("return-evidence", my_return)).content.decode()

    page = text_of(provider_client.get(remove_url))
    assert "Remove wrong.pdf?" in page
    assert EvidenceFile.objects.exists()  # a GET only asks

    my_return.refresh_from_db()
    response = provider_client.post(remove_url, {"version": my_return.version})
    assert response.status_code == 302
    assert response["Location"] == url("return-evidence", my_return)
    assert "wrong.pdf has been removed" in text_of(provider_client.get(response["Location"]))
    assert not EvidenceFile.objects.exists()


def test_a_stale_removal_is_refused(provider_client, my_return):
    upload(provider_client, my_return, "first.pdf", PDF_BYTES)
    evidence = EvidenceFile.objects.get()
    my_return.refresh_from_db()
    opened_at = my_return.version
    upload(provider_client, my_return, "second.pdf", PDF_BYTES)  # another tab
    response = provider_client.post(
        url("evidence-remove", my_return, evidence.pk), {"version": opened_at}
    )
    assert response.status_code == 200
    assert "changed by someone else" in text_of(response)
    assert EvidenceFile.objects.count() == 2


# --- Isolation ------------------------------------------------------------------------------


def test_another_organisations_evidence_is_not_there_for_a_provider(provider_client, my_return):
    theirs = EvidenceFileFactory(
        monitoring_return=first_return(active_grant(recipient=OrganisationFactory()))
    )
    their_return = theirs.monitoring_return
    for name in ("evidence-download", "evidence-remove"):
        assert provider_client.get(url(name, their_return, theirs.pk)).status_code == 404
        assert provider_client.post(url(name, their_return, theirs.pk), {}).status_code == 404
        # Their file's id under my own return is not there either.
        assert provider_client.get(url(name, my_return, theirs.pk)).status_code == 404
        response = provider_client.post(
            url(name, my_return, theirs.pk), {"version": my_return.version}
        )
        assert response.status_code == 404
    assert EvidenceFile.objects.filter(pk=theirs.pk).exists()


def test_a_file_of_another_return_of_mine_is_not_found_under_this_one(provider, provider_client):
    grant = active_grant(recipient=provider.organisation)
    first, second = grant.return_schedule.returns.order_by("due_date")[:2]
    evidence = EvidenceFileFactory(monitoring_return=second)
    assert provider_client.get(url("evidence-download", first, evidence.pk)).status_code == 404
    assert provider_client.get(url("evidence-download", second, evidence.pk)).status_code == 200


def test_stored_files_have_no_address_of_their_own(provider_client, officer_client, my_return):
    upload(provider_client, my_return, "invoices.pdf", PDF_BYTES)
    stored = EvidenceFile.objects.get().file.name
    for client in (provider_client, officer_client):
        for guess in (
            f"{settings.MEDIA_URL}{stored}",
            f"/media/{stored}",
            f"/{stored}",
            f"/returns/{my_return.pk}/evidence/{stored}",
        ):
            assert client.get(guess).status_code == 404, guess


def test_evidence_of_a_submitted_return_cannot_be_added_or_removed(provider, my_return):
    client = client_for(provider)
    complete_and_submit(client, my_return)
    evidence = EvidenceFile.objects.get()
    response = upload(client, my_return, "late.pdf", PDF_BYTES)
    assert response.status_code == 302
    response = client.post(
        url("evidence-remove", my_return, evidence.pk),
        {"version": my_return.version},
        follow=True,
    )
    assert "This return has been submitted, so it can no longer be changed" in text_of(response)
    assert list(EvidenceFile.objects.values_list("original_name", flat=True)) == [
        evidence.original_name
    ]
