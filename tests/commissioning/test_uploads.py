"""Evidence uploads: the kind is checked from the content, not the name."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from commissioning.uploads import RandomUploadPath, validate_upload

PDF_BYTES = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
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
        ("return.xlsx", _zip({"[Content_Types].xml": b"x", "xl/workbook.xml": b"x"})),
        ("return.ods", _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"})),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 20),
    ],
)
def test_real_evidence_files_are_accepted(name, content):
    validate_upload(SimpleUploadedFile(name, content))


def test_an_executable_renamed_pdf_is_refused():
    message = _message(SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00\x03" + b"\0" * 100))
    assert "not a real PDF" in message


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
