"""Uploaded evidence: allowed kinds checked from the file's content, a size limit, and a
random storage name so a file's URL can't be guessed. Files live under MEDIA_ROOT, which
is not served: a permission-checked view streams each one."""

from __future__ import annotations

import uuid
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.deconstruct import deconstructible


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
    if not _sniff(kind, head, upload):
        raise ValidationError(
            "The selected file is not a real %(kind)s: its content does not match its name",
            code="content",
            params={"kind": kind.label},
        )


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
