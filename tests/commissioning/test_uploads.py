"""Evidence uploads: the kind is checked from the content, not the name, and the file
is really opened. (Zip bombs, XML tricks and virus scanning: tests/security/
test_uploads_hardening.py.)"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from commissioning.uploads import RandomUploadPath, validate_upload

# The smallest real PDF: one blank A4 page, with a correct cross-reference table.
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _xlsx() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["Area", "Amount"])
    workbook.active.append(["Bristol", 1000])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _message(upload) -> str:
    with pytest.raises(ValidationError) as caught:
        validate_upload(upload)
    return " ".join(caught.value.messages)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.pdf", PDF_BYTES),
        ("figures.csv", "Area,Amount\nBristol,£1,000\n".encode()),
        ("notes.txt", b"Plain notes"),
        ("agreement.docx", _zip({"[Content_Types].xml": b"x", "word/document.xml": b"x"})),
        ("return.xlsx", _xlsx()),
        ("return.ods", _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"})),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 20),
    ],
)
def test_real_evidence_files_are_accepted(name, content):
    validate_upload(SimpleUploadedFile(name, content))


def test_an_executable_renamed_pdf_is_refused():
    message = _message(SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00\x03" + b"\0" * 100))
    assert "not a real PDF" in message


def test_a_pdf_that_only_starts_like_one_is_refused():
    message = _message(SimpleUploadedFile("report.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"))
    assert message.startswith("The selected file is not a real PDF: it could not be opened")


def test_a_workbook_whose_parts_are_not_xml_is_refused():
    content = _zip({"[Content_Types].xml": b"x", "xl/workbook.xml": b"x"})
    message = _message(SimpleUploadedFile("return.xlsx", content))
    assert message.startswith("The selected file is not a real Excel spreadsheet")


def test_a_password_protected_pdf_is_refused():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(PDF_BYTES)))
    writer.encrypt("secret-password", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    message = _message(SimpleUploadedFile("locked.pdf", buffer.getvalue()))
    assert message.startswith("The selected file is protected with a password")


def test_a_spreadsheet_with_macros_is_refused():
    content = _zip({"xl/workbook.xml": b"x", "xl/vbaProject.bin": b"macro"})
    assert "contains macros" in _message(SimpleUploadedFile("return.xlsx", content))


def test_an_empty_file_is_refused():
    assert _message(SimpleUploadedFile("empty.pdf", b"")) == "The selected file is empty"


def test_an_oversize_file_is_refused_naming_the_limit(settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    message = _message(SimpleUploadedFile("big.pdf", PDF_BYTES + b"x" * 2000))
    assert message == "The selected file must be smaller than 1.0\xa0KB"


def test_a_type_not_on_the_list_is_refused_listing_what_is_allowed():
    message = _message(SimpleUploadedFile("tool.exe", b"MZ"))
    assert message.startswith("The selected file must be a PDF, Word document")


def test_stored_names_are_random_and_keep_only_the_extension():
    upload_to = RandomUploadPath("evidence")
    first, second = upload_to(None, "Victim names.PDF"), upload_to(None, "Victim names.PDF")
    assert first != second
    assert first.startswith("evidence/") and first.endswith(".pdf")
    assert "Victim" not in first


def test_a_pdf_locked_only_against_editing_is_accepted():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(PDF_BYTES)))
    writer.encrypt(user_password="", owner_password="owner-only", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    validate_upload(SimpleUploadedFile("statement.pdf", buffer.getvalue()))
