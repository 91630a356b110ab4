"""Uploaded evidence: allowed kinds checked from the file's content, a size limit, and a
random storage name so a file's URL can't be guessed. Files live under MEDIA_ROOT, which
is not served: a permission-checked view streams each one.

``validate_upload`` checks, in order: the size; the extension against the allowed kinds;
the content's signature (a renamed program is not a PDF); for Office and OpenDocument
files, a zip-bomb guard (entry count, total declared size, compression ratio) and the
archive's integrity; a real parse (openpyxl in read-only mode, with defusedxml refusing
XML entity tricks, for spreadsheets; pypdf for PDFs); and, when a ClamAV daemon is
configured (``CLAMD_SOCKET`` or ``CLAMD_HOST``), a virus scan. The scan is done while
the upload is checked, so a file is never saved before it is known to be clean: the
"pending scan" state lasts only as long as the request.
"""

from __future__ import annotations

import logging
import socket
import struct
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.deconstruct import deconstructible

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileKind:
    label: str
    extensions: tuple[str, ...]


PDF = FileKind("PDF", (".pdf",))
WORD = FileKind("Word document", (".docx",))
EXCEL = FileKind("Excel spreadsheet", (".xlsx",))
ODT = FileKind("OpenDocument text", (".odt",))
ODS = FileKind("OpenDocument spreadsheet", (".ods",))
CSV = FileKind("CSV", (".csv",))
TEXT = FileKind("text file", (".txt",))
PNG = FileKind("PNG image", (".png",))
JPEG = FileKind("JPEG image", (".jpg", ".jpeg"))

EVIDENCE_KINDS = (PDF, WORD, EXCEL, ODT, ODS, CSV, TEXT, PNG, JPEG)

_ZIP_MARKERS = {
    WORD: "word/document.xml",
    EXCEL: "xl/workbook.xml",
}
_OPENDOCUMENT_MIMETYPES = {
    ODT: b"application/vnd.oasis.opendocument.text",
    ODS: b"application/vnd.oasis.opendocument.spreadsheet",
}


def _sniff(kind: FileKind, head: bytes, upload) -> bool:
    """Whether the file's content is really of ``kind``."""
    if kind is PDF:
        return head.startswith(b"%PDF-")
    if kind is PNG:
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if kind is JPEG:
        return head.startswith(b"\xff\xd8\xff")
    if kind in (CSV, TEXT):
        if b"\x00" in head:
            return False
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            # A multi-byte character may be cut at the end of the sample.
            return error.start >= len(head) - 3
        return True
    if kind in _ZIP_MARKERS or kind in _OPENDOCUMENT_MIMETYPES:
        if not head.startswith(b"PK\x03\x04"):
            return False
        upload.seek(0)
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
                if kind in _ZIP_MARKERS:
                    if any(name.endswith("vbaProject.bin") for name in names):
                        raise ValidationError(
                            "The selected file contains macros: save it without macros "
                            "(as a plain %(kind)s) and upload it again",
                            code="macros",
                            params={"kind": kind.label},
                        )
                    return _ZIP_MARKERS[kind] in names
                return archive.read("mimetype").strip() == _OPENDOCUMENT_MIMETYPES[kind]
        except (zipfile.BadZipFile, KeyError):
            return False
        finally:
            upload.seek(0)
    return False


# --- Zip-bomb guard and archive integrity (XLSX, DOCX, ODS, ODT) ---------------------------


def _damaged(kind: FileKind) -> ValidationError:
    return ValidationError(
        "The selected file is not a real %(kind)s: it could not be opened. "
        "If it opens on your computer, save it again and upload the new copy",
        code="damaged",
        params={"kind": kind.label},
    )


def _check_archive(kind: FileKind, upload) -> None:
    """Refuse an archive that would expand to far more than it holds, then check that
    every entry is intact. Python's zipfile never returns more bytes than an entry's
    declared size, so checking declared sizes bounds the work a parse can do."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
            too_big = ValidationError(
                "The selected file expands to far more than its size and can't be checked: "
                "save it again as a plain %(kind)s and upload the new copy",
                code="zip_bomb",
                params={"kind": kind.label},
            )
            if len(entries) > settings.UPLOAD_ZIP_MAX_ENTRIES:
                raise too_big
            if sum(entry.file_size for entry in entries) > settings.UPLOAD_ZIP_MAX_BYTES:
                raise too_big
            for entry in entries:
                if entry.file_size > settings.UPLOAD_ZIP_RATIO_FROM_BYTES and (
                    entry.file_size > entry.compress_size * settings.UPLOAD_ZIP_MAX_RATIO
                ):
                    raise too_big
            if archive.testzip() is not None:
                raise _damaged(kind)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError) as error:
        raise _damaged(kind) from error
    finally:
        upload.seek(0)


# --- A real parse ----------------------------------------------------------------------


def _parse_spreadsheet(upload) -> None:
    """Open the workbook as the importers do (read-only; openpyxl uses defusedxml, which
    refuses entity expansion and external entities) and read every row."""
    from openpyxl import load_workbook

    upload.seek(0)
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True, keep_links=False)
        try:
            for sheet in workbook.worksheets:
                for _row in sheet.iter_rows(values_only=True):
                    pass
        finally:
            workbook.close()
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise _damaged(EXCEL) from error
    finally:
        upload.seek(0)


def _opens_without_password(reader) -> bool:
    from pypdf import PasswordType
    from pypdf.errors import PyPdfError

    try:
        return reader.decrypt("") != PasswordType.NOT_DECRYPTED
    except (PyPdfError, NotImplementedError):  # an algorithm pypdf can't do on its own
        return False


def _parse_pdf(upload) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    upload.seek(0)
    try:
        reader = PdfReader(upload, strict=False)
        # A PDF locked only against editing opens with an empty password: that's fine.
        if reader.is_encrypted and not _opens_without_password(reader):
            raise ValidationError(
                "The selected file is protected with a password: remove the password "
                "and upload it again",
                code="encrypted",
            )
        if len(reader.pages) == 0:
            raise _damaged(PDF)
    except ValidationError:
        raise
    except (
        PyPdfError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        OSError,
        RecursionError,
    ) as error:
        raise _damaged(PDF) from error
    finally:
        upload.seek(0)


# --- Optional virus scan with ClamAV (clamd's INSTREAM command) ---------------------------


class VirusScanUnavailable(Exception):
    """clamd is configured but could not be reached or gave no answer."""


def clamd_configured() -> bool:
    return bool(settings.CLAMD_SOCKET or settings.CLAMD_HOST)


def _clamd_connection() -> socket.socket:
    if settings.CLAMD_SOCKET:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.settimeout(settings.CLAMD_TIMEOUT)
        connection.connect(settings.CLAMD_SOCKET)
        return connection
    return socket.create_connection(
        (settings.CLAMD_HOST, settings.CLAMD_PORT), timeout=settings.CLAMD_TIMEOUT
    )


def clamd_scan(upload, chunk_size: int = 64 * 1024) -> str | None:
    """Stream the file to clamd. The signature's name if it found a virus, None if the
    file is clean; VirusScanUnavailable if clamd can't be reached or answers an error."""
    upload.seek(0)
    try:
        with _clamd_connection() as connection:
            connection.sendall(b"zINSTREAM\0")
            while chunk := upload.read(chunk_size):
                connection.sendall(struct.pack("!L", len(chunk)) + chunk)
            connection.sendall(struct.pack("!L", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                data = connection.recv(4096)
                if not data:
                    break
                reply += data
    except OSError as error:
        raise VirusScanUnavailable(str(error)) from error
    finally:
        upload.seek(0)
    answer = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
    # "stream: OK", "stream: Eicar-Test-Signature FOUND" or "… ERROR".
    status = answer.rpartition(": ")[2]
    if status == "OK":
        return None
    if status.endswith(" FOUND"):
        return status.removesuffix(" FOUND")
    raise VirusScanUnavailable(answer or "no answer")


def _scan(upload) -> None:
    try:
        found = clamd_scan(upload)
    except VirusScanUnavailable as error:
        logger.error("Virus scan unavailable: %s", error)
        raise ValidationError(
            "The selected file could not be checked for viruses. Try again later",
            code="scan_unavailable",
        ) from error
    if found:
        logger.warning("Upload %r refused: ClamAV found %s", PurePath(upload.name).name, found)
        raise ValidationError(
            "The selected file contains a virus and has not been uploaded", code="virus"
        )


def validate_upload(upload, kinds=EVIDENCE_KINDS, max_bytes: int | None = None) -> None:
    """Raise a ValidationError worded for the person uploading, or return quietly."""
    max_bytes = max_bytes or settings.EVIDENCE_MAX_BYTES
    allowed = ", ".join(kind.label for kind in kinds)
    if upload.size == 0:
        raise ValidationError("The selected file is empty", code="empty")
    if upload.size > max_bytes:
        raise ValidationError(
            "The selected file must be smaller than %(limit)s",
            code="too_big",
            params={"limit": filesizeformat(max_bytes)},
        )
    extension = PurePath(upload.name).suffix.lower()
    kind = next((k for k in kinds if extension in k.extensions), None)
    if kind is None:
        raise ValidationError(
            "The selected file must be a %(allowed)s", code="type", params={"allowed": allowed}
        )
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    is_archive = kind in _ZIP_MARKERS or kind in _OPENDOCUMENT_MIMETYPES
    if is_archive and head.startswith(b"PK\x03\x04"):
        # Before anything reads an entry.
        _check_archive(kind, upload)
    if not _sniff(kind, head, upload):
        raise ValidationError(
            "The selected file is not a real %(kind)s: its content does not match its name",
            code="content",
            params={"kind": kind.label},
        )
    if kind is EXCEL:
        _parse_spreadsheet(upload)
    elif kind is PDF:
        _parse_pdf(upload)
    if clamd_configured():
        _scan(upload)


@deconstructible
class RandomUploadPath:
    """An ``upload_to`` for FileFields: ``folder/<random>.<ext>``. The original file name
    is kept in the model, never in the path, so a stored file's name can't be guessed."""

    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, instance, filename: str) -> str:
        return f"{self.folder}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"

    def __eq__(self, other) -> bool:
        return isinstance(other, RandomUploadPath) and other.folder == self.folder


def attachment_response(field_file, original_name: str = ""):
    """Stream a stored upload as a download (never shown inline), under the name it was
    uploaded with. A file missing from storage answers 404."""
    from django.http import FileResponse, Http404

    try:
        handle = field_file.open("rb")
    except FileNotFoundError as error:
        raise Http404("The document is missing") from error
    filename = PurePath(original_name or field_file.name).name
    response = FileResponse(handle, as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
