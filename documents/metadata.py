"""Document metadata of uploaded PDF, Word and Excel files (security.md §6.4, matrix C5).

A PDF's Info dictionary and XMP stream, and an Office file's document properties, name the
author, the company, the program and the computer that made the file: who complained can be
read there. Accepted evidence is stored without them:

- PDF: read with pypdf and written again without the Info dictionary and without any XMP
  (/Metadata) stream. A PDF that carries a digital signature is kept as it came (rewriting it
  would break the signature, which may be the evidence), and so is one that pypdf cannot read;
  both are flagged, and the case page tells staff to check the file before sharing it.
- DOCX/XLSX: the archive is written again with empty core, app and custom properties, and the
  author and initials of comments and tracked changes blanked.

`strip_metadata` answers the stored bytes and whether metadata may remain (`kept`). Absence of
detected metadata does not prove a file clean (mat2's own warning): a photo inside a DOCX, a
watermark or the text itself can still identify someone.
"""

from __future__ import annotations

import io
import lzma
import re
import zipfile
import zlib
from dataclasses import dataclass

# Markers of a signed PDF: a signature dictionary's byte range, or a signature field.
_PDF_SIGNED = (b"/ByteRange", b"/Type /Sig", b"/Type/Sig", b"/DocMDP")

EMPTY_CORE = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
    b'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"/>'
)
EMPTY_APP = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'extended-properties"/>'
)
EMPTY_CUSTOM = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'custom-properties"/>'
)
_PROPERTY_PARTS = {
    "docProps/core.xml": EMPTY_CORE,
    "docProps/app.xml": EMPTY_APP,
    "docProps/custom.xml": EMPTY_CUSTOM,
}
# People named in the parts (word/ and xl/): w:author="…", w:initials="…", w15:userId="…" on
# Word's comments, tracked changes and people, in either quote and with spaces around "=" as
# XML allows; in Excel's list of people (xl/persons/), also userId, providerId and displayName
# without a prefix (elsewhere an unprefixed displayName, a table's say, is no one's and is
# kept); and the text of <author> elements, the authors of Excel's notes (xl/commentsN.xml).
# A value whose quote never closes (a damaged part) runs to the end of the part, and is
# blanked with it: otherwise the blanking of a later attribute could close that quote
# (w15:providerId="… w:author="") and leave the text between looking like a value. Before
# fuzzing (fuzz/, the office harness) only w:author="…" and its kin in double quotes, with no
# spaces, were blanked.
_VALUE = rb"""(?:"[^"]*(?:"|\Z)|'[^']*(?:'|\Z))"""
_PERSON_ATTRIBUTES = re.compile(
    rb"(\s[A-Za-z0-9]+:(?:author|initials|userId|providerId)\s*=\s*)" + _VALUE
)
_PEOPLE_ATTRIBUTES = re.compile(
    rb"(\s(?:[A-Za-z0-9]+:)?(?:author|initials|userId|providerId|displayName)\s*=\s*)" + _VALUE
)
_AUTHOR_OPEN = re.compile(rb"<(?:[A-Za-z0-9]+:)?author(?:\s[^<>]*)?>")
_AUTHOR_CLOSE = re.compile(rb"</(?:[A-Za-z0-9]+:)?author\s*>")
_PERSON_PARTS = re.compile(r"^(word|xl)/.*\.xml$")
_PEOPLE_PARTS = re.compile(r"^xl/persons/[^/]+\.xml$")
# Thumbnails Office may save of the first page.
_THUMBNAIL = re.compile(r"^docProps/thumbnail\.[A-Za-z]+$")
_THUMBNAIL_RELATIONSHIP = re.compile(rb"<Relationship\b[^>]*docProps/thumbnail\.[A-Za-z]+[^>]*/>")


# What opening or reading a damaged archive raises: zipfile's own errors (NotImplementedError,
# a RuntimeError, for an unknown zip version or compression method), and those of the
# decompressors it hands an entry's bytes to (zlib.error and lzma.LZMAError are not OSErrors;
# bz2's are). Found by fuzzing: fuzz/regressions/office/.
ZIP_READ_ERRORS = (
    zipfile.BadZipFile,
    OSError,
    ValueError,
    RuntimeError,
    EOFError,
    zlib.error,
    lzma.LZMAError,
)


@dataclass(frozen=True)
class Stripped:
    content: bytes
    kept: bool  # metadata may remain: staff are told to check before sharing


def strip_metadata(data: bytes, kind: str) -> Stripped:
    if kind == "pdf":
        return _strip_pdf(data)
    if kind in ("docx", "xlsx"):
        return _strip_office(data)
    return Stripped(data, kept=False)


def pdf_metadata(data: bytes) -> dict:
    """The Info dictionary and XMP of a PDF, as text (for tests and checks); {} if unreadable."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), root_object_recovery_limit=ROOT_RECOVERY_LIMIT)
        info = {str(k): str(v) for k, v in (reader.metadata or {}).items()}
        xmp = reader.trailer["/Root"].get("/Metadata")
        if xmp is not None:
            info["XMP"] = xmp.get_object().get_data().decode("utf-8", "replace")
        return info
    except Exception:  # noqa: BLE001 — pypdf raises many kinds on broken files
        return {}


# A PDF whose trailer names no usable catalog makes pypdf look for one object by object, up to
# this many (pypdf's default, 10,000, let a 541-byte file found by the fuzzer cost two seconds of
# CPU per upload); past it the file counts as unreadable: kept as it came, and flagged.
ROOT_RECOVERY_LIMIT = 200


def _strip_pdf(data: bytes) -> Stripped:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    if any(marker in data for marker in _PDF_SIGNED):
        return Stripped(data, kept=True)
    try:
        reader = PdfReader(
            io.BytesIO(data), strict=False, root_object_recovery_limit=ROOT_RECOVERY_LIMIT
        )
        if reader.is_encrypted:
            return Stripped(data, kept=True)
        writer = PdfWriter(clone_from=reader)
        writer.metadata = None  # no Info dictionary in the trailer
        root = writer._root_object
        if NameObject("/Metadata") in root:
            del root[NameObject("/Metadata")]
        for page in writer.pages:
            if NameObject("/Metadata") in page:
                del page[NameObject("/Metadata")]
        # The objects nothing points at any more (the old Info and XMP) are not written.
        writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
        out = io.BytesIO()
        writer.write(out)
        stripped = out.getvalue()
    except Exception:  # noqa: BLE001 — unreadable by pypdf: kept as it came, and flagged
        return Stripped(data, kept=True)
    return Stripped(stripped, kept=False)


def _blank_people(content: bytes, *, people: bool) -> bytes:
    """The part with the values of its person attributes and the text of its <author>
    elements emptied; `people`: Excel's list of people (unprefixed attributes too). Linear in
    the part's size: no pattern here can backtrack over what it already read."""
    content = (_PEOPLE_ATTRIBUTES if people else _PERSON_ATTRIBUTES).sub(rb'\1""', content)
    if b"author" not in content:
        return content
    kept, position = [], 0
    for opening in _AUTHOR_OPEN.finditer(content):
        if opening.start() < position:
            continue
        closing = _AUTHOR_CLOSE.search(content, opening.end())
        if closing is None:
            break
        kept.append(content[position : opening.end()])
        position = closing.start()
    kept.append(content[position:])
    return b"".join(kept)


def _strip_office(data: bytes) -> Stripped:
    """The archive again, entry by entry in the same order, with the property parts emptied.
    The caller has already checked the archive's size and entries (evidence._office_kind)."""
    try:
        source = zipfile.ZipFile(io.BytesIO(data))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                name = info.filename
                if _THUMBNAIL.match(name):
                    continue
                if name in _PROPERTY_PARTS:
                    content = _PROPERTY_PARTS[name]
                else:
                    content = source.read(info)
                    if name == "_rels/.rels":
                        content = _THUMBNAIL_RELATIONSHIP.sub(b"", content)
                    if _PERSON_PARTS.match(name):
                        content = _blank_people(content, people=bool(_PEOPLE_PARTS.match(name)))
                fresh = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                fresh.compress_type = zipfile.ZIP_DEFLATED
                fresh.external_attr = 0o600 << 16
                target.writestr(fresh, content)
    except ZIP_READ_ERRORS:
        return Stripped(data, kept=True)
    return Stripped(out.getvalue(), kept=False)
