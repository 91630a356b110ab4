"""Issue 10 point 8: zip bombs, XML entity tricks and viruses are refused before a file
is saved, and stored files only ever leave as permission-checked attachments.

ClamAV: the INSTREAM client is tested against a small stand-in daemon that speaks the
same protocol on a local socket (clean, infected, error, unreachable). The test against
a real clamd runs only where CLAMD_SOCKET/CLAMD_HOST point at one."""

from __future__ import annotations

import inspect
import io
import os
import socket
import struct
import threading
import zipfile
from pathlib import PurePath

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.fields.files import FieldFile
from django.urls import URLPattern, URLResolver, get_resolver

from commissioning import uploads
from commissioning.uploads import EXCEL, WORD, attachment_response, validate_upload

# The EICAR anti-virus test file: harmless, and reported by every scanner as a virus.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def _zip(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _xlsx(rows=(("Area", "Amount"), ("Bristol", 1000))) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _replace_part(xlsx: bytes, name: str, data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    parts = {info.filename: source.read(info) for info in source.infolist()}
    parts[name] = data
    return _zip(parts)


def _message(name: str, content: bytes, kinds=uploads.EVIDENCE_KINDS) -> str:
    with pytest.raises(ValidationError) as caught:
        validate_upload(SimpleUploadedFile(name, content), kinds=kinds)
    return " ".join(caught.value.messages)


# --- Zip bombs ---------------------------------------------------------------------------

DOCX_PARTS = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<document/>"}


def test_an_ordinary_workbook_and_document_pass_the_guard():
    validate_upload(SimpleUploadedFile("spend.xlsx", _xlsx()), kinds=(EXCEL,))
    validate_upload(SimpleUploadedFile("report.docx", _zip(DOCX_PARTS)), kinds=(WORD,))


def test_a_highly_compressed_entry_is_refused(settings):
    # 50 MB of zeros squeezes into about 50 KB: a ratio near 1000.
    content = _zip({**DOCX_PARTS, "word/media/blank.bin": b"\0" * (50 * 1024 * 1024)})
    assert len(content) < 200 * 1024
    message = _message("report.docx", content)
    assert message.startswith("The selected file expands to far more than its size")


def test_too_many_entries_are_refused(settings):
    settings.UPLOAD_ZIP_MAX_ENTRIES = 50
    parts = {**DOCX_PARTS, **{f"word/part{n}.xml": b"<p/>" for n in range(60)}}
    assert "expands to far more than its size" in _message("report.docx", _zip(parts))


def test_a_large_total_declared_size_is_refused(settings):
    settings.UPLOAD_ZIP_MAX_BYTES = 1024 * 1024
    # Stored, not compressed: no ratio to speak of, but 2 MB once unpacked.
    parts = {**DOCX_PARTS, "word/media/photo.bin": os.urandom(2 * 1024 * 1024)}
    content = _zip(parts, compression=zipfile.ZIP_STORED)
    assert "expands to far more than its size" in _message("report.docx", content)


def test_an_archive_with_a_corrupt_entry_is_refused():
    content = bytearray(_zip({**DOCX_PARTS, "word/styles.xml": b"<styles>" * 100}))
    position = content.index(b"word/styles.xml") + len(b"word/styles.xml") + 5
    content[position] ^= 0xFF  # damage the compressed data; the CRC no longer matches
    message = _message("report.docx", bytes(content))
    assert message.startswith("The selected file is not a real Word document")


# --- XML tricks (openpyxl reads through defusedxml) -----------------------------------


def test_openpyxl_uses_defusedxml():
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML is True


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<sheets><sheet name="&lol3;" sheetId="1"/></sheets></workbook>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&secret;</t></is></c></row></sheetData></worksheet>"""


@pytest.mark.parametrize(
    ("part", "data"),
    [("xl/workbook.xml", BILLION_LAUGHS), ("xl/worksheets/sheet1.xml", EXTERNAL_ENTITY)],
)
def test_a_workbook_with_xml_entities_is_refused(part, data):
    content = _replace_part(_xlsx(), part, data)
    message = _message("spend.xlsx", content, kinds=(EXCEL,))
    assert message.startswith("The selected file is not a real Excel spreadsheet")


def test_a_workbook_with_a_broken_sheet_is_refused():
    content = _replace_part(_xlsx(), "xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row>")
    assert "not a real Excel spreadsheet" in _message("spend.xlsx", content, kinds=(EXCEL,))


# --- ClamAV ----------------------------------------------------------------------------


class FakeClamd:
    """Speaks clamd's zINSTREAM on a local TCP port: reads the chunks, answers with
    ``reply(data)``, and records what it was sent."""

    def __init__(self, reply):
        self.reply = reply
        self.received: list[bytes] = []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _read_exactly(self, connection, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = connection.recv(size - len(data))
            if not chunk:
                raise ConnectionError("client went away")
            data += chunk
        return data

    def _serve(self):
        with self.server:
            connection, _ = self.server.accept()
            with connection:
                command = self._read_exactly(connection, len(b"zINSTREAM\0"))
                assert command == b"zINSTREAM\0"
                data = b""
                while size := struct.unpack("!L", self._read_exactly(connection, 4))[0]:
                    data += self._read_exactly(connection, size)
                self.received.append(data)
                connection.sendall(self.reply(data) + b"\0")

    def close(self):
        self.thread.join(timeout=10)


def _eicar_aware(data: bytes) -> bytes:
    return b"stream: Eicar-Test-Signature FOUND" if EICAR in data else b"stream: OK"


@pytest.fixture
def fake_clamd(settings):
    def start(reply=_eicar_aware):
        daemon = FakeClamd(reply)
        settings.CLAMD_SOCKET = ""
        settings.CLAMD_HOST = "127.0.0.1"
        settings.CLAMD_PORT = daemon.port
        settings.CLAMD_TIMEOUT = 5
        started.append(daemon)
        return daemon

    started: list[FakeClamd] = []
    yield start
    for daemon in started:
        daemon.close()


def test_without_clamd_configured_nothing_is_scanned(settings):
    settings.CLAMD_SOCKET = settings.CLAMD_HOST = ""
    assert not uploads.clamd_configured()
    validate_upload(SimpleUploadedFile("notes.txt", EICAR))  # no scanner: only the checks


def test_a_clean_file_is_streamed_to_clamd_and_accepted(fake_clamd):
    daemon = fake_clamd()
    content = b"Plain notes\n" * 20000  # more than one 64 KB chunk
    validate_upload(SimpleUploadedFile("notes.txt", content))
    daemon.close()
    assert daemon.received == [content]


def test_the_eicar_file_is_refused_as_a_virus(fake_clamd, caplog):
    fake_clamd()
    message = _message("notes.txt", b"Notes\n" + EICAR + b"\n")
    assert message == "The selected file contains a virus and has not been uploaded"
    assert "Eicar-Test-Signature" in caplog.text


def test_an_error_from_clamd_refuses_the_file_for_now(fake_clamd):
    fake_clamd(reply=lambda data: b"INSTREAM size limit exceeded. ERROR")
    message = _message("notes.txt", b"Plain notes")
    assert message == "The selected file could not be checked for viruses. Try again later"


def test_an_unreachable_clamd_refuses_the_file_for_now(settings):
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    settings.CLAMD_HOST, settings.CLAMD_PORT, settings.CLAMD_TIMEOUT = "127.0.0.1", port, 2
    message = _message("notes.txt", b"Plain notes")
    assert message == "The selected file could not be checked for viruses. Try again later"


def _real_clamd() -> dict | None:
    if os.environ.get("CLAMD_SOCKET"):
        return {"CLAMD_SOCKET": os.environ["CLAMD_SOCKET"], "CLAMD_HOST": ""}
    if os.environ.get("CLAMD_HOST"):
        return {
            "CLAMD_SOCKET": "",
            "CLAMD_HOST": os.environ["CLAMD_HOST"],
            "CLAMD_PORT": int(os.environ.get("CLAMD_PORT", "3310")),
        }
    return None


@pytest.mark.skipif(
    _real_clamd() is None,
    reason="no ClamAV daemon here: set CLAMD_SOCKET (or CLAMD_HOST/CLAMD_PORT) to run this "
    "against a real clamd; the client is tested above against a stand-in daemon",
)
def test_a_real_clamd_refuses_eicar_and_accepts_a_clean_file(settings):
    for name, value in _real_clamd().items():
        setattr(settings, name, value)
    validate_upload(SimpleUploadedFile("notes.txt", b"Plain notes"))
    assert "contains a virus" in _message("notes.txt", EICAR)


# --- Downloads ---------------------------------------------------------------------------


def test_attachment_response_is_a_nosniff_download_under_the_uploaded_name(tmp_path):
    storage = FileSystemStorage(location=tmp_path)
    stored = storage.save("evidence/0a1b2c.html", ContentFile(b"<script>alert(1)</script>"))
    field_file = FieldFile(None, type("F", (), {"storage": storage})(), stored)
    response = attachment_response(field_file, "../Quarter 1 <report>.html")
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Quarter 1" in response["Content-Disposition"]
    assert "../" not in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"
    response.file_to_stream.close()


def _views():
    def walk(patterns):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns)
            elif isinstance(entry, URLPattern):
                view_class = getattr(entry.callback, "view_class", None)
                if view_class is not None:
                    yield entry.name, view_class

    return list(walk(get_resolver().url_patterns))


def test_the_download_views_all_go_through_attachment_response():
    """Each view that hands out a stored upload or report streams it with
    attachment_response (Content-Disposition: attachment, nosniff) after loading the
    record through its policy; the headers themselves are tested in each app's tests."""
    downloads = {
        name for name, view in _views() if "attachment_response(" in inspect.getsource(view)
    }
    assert {"evidence-download", "report-job-download"} <= downloads
    assert len(downloads) >= 5, downloads


def test_uploads_are_stored_outside_the_static_files(settings):
    media = PurePath(settings.MEDIA_ROOT)
    for folder in [*settings.STATICFILES_DIRS, settings.STATIC_ROOT]:
        if folder:
            assert PurePath(folder) not in (media, *media.parents)
