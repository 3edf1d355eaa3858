"""Checking an uploaded evidence file (security.md §6, matrix C1–C4): pure functions from the
bytes a person sent to the bytes that are stored, or a refusal with a message in their language.

- Accepted by content (magic bytes), never by name or declared type, from an allow-list: PDF,
  JPEG, PNG, WebP, MP3/M4A/AMR/WAV audio, MP4 video, DOCX and XLSX. HEIC is refused with a
  clear message (no pure-pip decoder; the phone can save JPEG instead).
- Refused whatever the name: HTML or SVG (also hidden in the first KB of an image: the PNG+HTML
  polyglot), executables, macro-enabled Office files, other archives, empty files, files that
  the real decoder cannot read, images with more pixels than the cap or a large picture in a
  file far too small for it (decompression bombs), Office archives that would unpack to far
  more than they pack (zip bombs).
- Images are decoded, turned upright from their EXIF orientation and copied pixel by pixel into
  a fresh image that is saved without EXIF, GPS, XMP, ICC profile, comments or thumbnails.
- PDF, Word and Excel files are stored without their document metadata (author, company,
  program): documents/metadata.py; a file whose metadata could not be removed is flagged.
- The SHA-256 is of the bytes that are stored.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass

import filetype
from django.utils.translation import gettext_lazy as _
from PIL import ExifTags, Image

from casework.errors import GuardFailed

from .metadata import ZIP_READ_ERRORS, strip_metadata

# The first bytes looked at for markup hiding in a file of another type.
MARKUP_WINDOW = 1024
MARKUP_MARKERS = (b"<html", b"<script", b"<svg", b"<!doctype html", b"<iframe", b"<body")
# Images: at most this many pixels (a 12-megapixel phone photo is 12 million).
MAX_IMAGE_PIXELS = 60_000_000
# A picture of more than DENSE_IMAGE_PIXELS pixels must bring at least one byte of file for
# every MAX_PIXELS_PER_BYTE pixels: a few kilobytes of PNG that decode to 60 million pixels
# cost seconds and about a gigabyte to re-encode (matrix C3). Photos bring a byte for every two
# to ten pixels, screenshots for every few dozen; a phone screenshot (under 4 million pixels)
# is never held to this.
DENSE_IMAGE_PIXELS = 16_000_000
MAX_PIXELS_PER_BYTE = 250
# Office files (ZIP): refuse before unpacking when the archive claims more than this, or when a
# large entry would unpack to more than MAX_ZIP_RATIO times its packed size (a zip bomb: the
# XML of real documents packs ten to thirty times; one of spaces, a thousand).
MAX_ZIP_ENTRIES = 5_000
MAX_ZIP_UNPACKED = 250 * 1024 * 1024
MAX_ZIP_RATIO = 100
ZIP_RATIO_FLOOR = 1024 * 1024  # entries smaller than this unpacked are not held to the ratio

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Detected type → (content type stored, extension used for the download name).
ALLOWED: dict[str, tuple[str, str]] = {
    "pdf": ("application/pdf", "pdf"),
    "jpeg": ("image/jpeg", "jpg"),
    "png": ("image/png", "png"),
    "webp": ("image/webp", "webp"),
    "mp3": ("audio/mpeg", "mp3"),
    "m4a": ("audio/mp4", "m4a"),
    "amr": ("audio/amr", "amr"),
    "wav": ("audio/wav", "wav"),
    "mp4": ("video/mp4", "mp4"),
    "docx": (DOCX, "docx"),
    "xlsx": (XLSX, "xlsx"),
}
# filetype's answers for the audio and video kinds it recognises.
_FILETYPE_KINDS = {
    "audio/mpeg": "mp3",
    "audio/mp4": "m4a",
    "audio/amr": "amr",
    "audio/x-wav": "wav",
    "video/mp4": "mp4",
}
IMAGE_KINDS = {"jpeg", "png", "webp"}


class EvidenceRefused(GuardFailed):
    """A file that is not accepted; `message` says why, in the user's language."""


class EvidenceQuotaExceeded(GuardFailed):
    """Too many files on the case, or too many files or bytes from one person lately (C9)."""

    status = 429


class ScanUnavailable(GuardFailed):
    """A virus scanner is configured and gave no verdict: nothing is accepted (C6)."""

    status = 503


@dataclass(frozen=True)
class CheckedFile:
    """What will be stored for one accepted file."""

    content: bytes
    kind: str
    content_type: str
    extension: str
    original_name: str
    sha256: str
    metadata_kept: bool = False

    @property
    def size(self) -> int:
        return len(self.content)


def clean_filename(name: str | None, *, limit: int = 120) -> str:
    """The name the person's device gave the file, for display only (never used in a path):
    the last path component, normalised, without control or direction-changing characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))
    name = " ".join(name.split()).strip(" .")
    return name[:limit] or "evidence"


def download_name(pk: int, content_type: str) -> str:
    """The attachment name an evidence file is sent under: evidence-<pk>.<ext> from the type it
    was accepted as (never the display name)."""
    extension = next((ext for ct, ext in ALLOWED.values() if ct == content_type), "bin")
    return f"evidence-{int(pk)}.{extension}"


def refused(message, name: str) -> EvidenceRefused:
    return EvidenceRefused(
        _("%(name)s: %(problem)s") % {"name": name, "problem": message},
        field_errors={"files": [_("%(name)s: %(problem)s") % {"name": name, "problem": message}]},
    )


def _has_markup(head: bytes) -> bool:
    window = head[:MARKUP_WINDOW].lower()
    return any(marker in window for marker in MARKUP_MARKERS)


# AMR recordings begin "#!AMR": a shebang's first two bytes, and no program's.
AMR_MAGIC = (b"#!AMR\n", b"#!AMR-WB\n")


def _is_executable(head: bytes) -> bool:
    if head.startswith(AMR_MAGIC):
        return False
    return head.startswith((b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe")) or head[:4] in (
        b"\xfe\xed\xfa\xce",
        b"\xfe\xed\xfa\xcf",
        b"\xce\xfa\xed\xfe",
        b"\xcf\xfa\xed\xfe",
    )


def _ftyp_brand(head: bytes) -> bytes:
    return head[8:12] if head[4:8] == b"ftyp" else b""


def sniff(data: bytes) -> str:
    """The kind of file these bytes are, from the allow-list; EvidenceRefused otherwise (the
    message does not yet carry the file's name)."""
    head = data[:8192]
    if not data:
        raise EvidenceRefused(_("the file is empty."))
    if _is_executable(head):
        raise EvidenceRefused(_("programs cannot be uploaded."))
    if _has_markup(head) or head.lstrip().startswith(b"<"):
        raise EvidenceRefused(_("web pages, SVG drawings and other markup cannot be uploaded."))
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if _ftyp_brand(head) in (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1"):
        raise EvidenceRefused(
            _(
                "HEIC photos cannot be read yet. Please set the camera to save JPEG "
                "(“Most compatible”), or take a screenshot of the photo, and upload that."
            )
        )
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(data)
    guessed = filetype.guess(head)
    if guessed is not None and guessed.mime in _FILETYPE_KINDS:
        return _FILETYPE_KINDS[guessed.mime]
    if head.startswith(AMR_MAGIC):
        return "amr"
    raise EvidenceRefused(
        _(
            "this type of file is not accepted. Please upload a PDF, a photo (JPEG, PNG, WebP), "
            "a recording (MP3, M4A, AMR, WAV), a video (MP4) or a Word or Excel file."
        )
    )


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _office_kind(data: bytes) -> str:
    """DOCX or XLSX, from the archive's table of contents, read without unpacking anything but
    [Content_Types].xml; any other archive is refused."""
    not_office = EvidenceRefused(
        _("archives cannot be uploaded. Please upload the files one by one.")
    )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except ZIP_READ_ERRORS as exc:
        raise EvidenceRefused(_("the file is damaged and cannot be read.")) from exc
    bomb = EvidenceRefused(_("the file would unpack to far more data than it holds."))
    if len(infos) > MAX_ZIP_ENTRIES or sum(i.file_size for i in infos) > MAX_ZIP_UNPACKED:
        raise bomb
    if any(
        i.file_size > ZIP_RATIO_FLOOR and i.file_size > MAX_ZIP_RATIO * max(i.compress_size, 1)
        for i in infos
    ):
        raise bomb
    names = {i.filename for i in infos}
    if any(n.startswith("/") or ".." in n.split("/") for n in names):
        raise not_office
    # An Office part name is a URI path (ECMA-376 Part 2, 9.1.1): no control characters. A name
    # holding one is a damaged or forged archive, and one holding a ZIP signature (PK\x06\x07,
    # found by fuzzing) made the stripped copy unreadable: zipfile took the name's bytes for
    # the end of a ZIP64 archive.
    if any(_CONTROL.search(n) for n in names):
        raise EvidenceRefused(_("the file is damaged and cannot be read."))
    ct = next((i for i in infos if i.filename == "[Content_Types].xml"), None)
    if ct is None or ct.file_size > 1_000_000:
        raise not_office
    try:
        types = archive.read(ct).lower()
    except ZIP_READ_ERRORS as exc:
        raise EvidenceRefused(_("the file is damaged and cannot be read.")) from exc
    if b"macroenabled" in types or any(n.lower().endswith("vbaproject.bin") for n in names):
        raise EvidenceRefused(
            _("Office files with macros cannot be uploaded. Please save it as .docx or .xlsx.")
        )
    if "word/document.xml" in names and b"wordprocessingml.document.main+xml" in types:
        return "docx"
    if "xl/workbook.xml" in names and b"spreadsheetml.sheet.main+xml" in types:
        return "xlsx"
    raise not_office


def _pdf_check(data: bytes) -> None:
    if b"/JavaScript" in data or b"/Launch" in data:
        raise EvidenceRefused(_("PDF files that run scripts cannot be uploaded."))


PILLOW_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}

# EXIF orientation -> the turn that makes the picture upright (as Pillow's exif_transpose).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _upright(im: Image.Image) -> Image.Image:
    """The picture turned as its EXIF orientation says. Pillow's exif_transpose also writes the
    EXIF block again, which raises struct.error on some damaged blocks (found by fuzzing: a
    WebP whose EXIF holds a text where a number belongs); the block is thrown away here anyway.
    An orientation that cannot be read leaves the picture as it is."""
    try:
        orientation = im.getexif().get(ExifTags.Base.Orientation)
    except (struct.error, ValueError, TypeError, KeyError, OSError, SyntaxError):
        return im
    turn = _UPRIGHT.get(orientation) if isinstance(orientation, int) else None
    return im.transpose(turn) if turn is not None else im


def clean_image(data: bytes, kind: str, *, max_pixels: int = MAX_IMAGE_PIXELS) -> bytes:
    """Decode, turn upright, copy the pixels into a new image and encode it again, without any
    metadata. Too many pixels or a file the decoder cannot read is refused."""
    too_big = EvidenceRefused(_("the picture is too large (too many pixels)."))
    unreadable = EvidenceRefused(_("the picture is damaged and cannot be read."))
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[kind]]) as im:
                width, height = im.size
                if width * height > max_pixels:
                    raise too_big
                if (
                    width * height > DENSE_IMAGE_PIXELS
                    and width * height > MAX_PIXELS_PER_BYTE * len(data)
                ):
                    raise too_big
                im.seek(0)
                im.load()
                upright = _upright(im)
                if kind == "jpeg":
                    mode = "L" if upright.mode == "L" else "RGB"
                else:
                    mode = upright.mode if upright.mode in ("L", "LA", "RGB", "RGBA") else "RGBA"
                pixels = upright.convert(mode)
                fresh = Image.frombytes(mode, pixels.size, pixels.tobytes())
    except EvidenceRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_big from exc
    except (OSError, SyntaxError, ValueError, EOFError, Image.UnidentifiedImageError) as exc:
        raise unreadable from exc
    finally:
        Image.MAX_IMAGE_PIXELS = previous
    out = io.BytesIO()
    if kind == "jpeg":
        fresh.save(out, "JPEG", quality=90, optimize=True)
    elif kind == "png":
        fresh.save(out, "PNG", optimize=True)
    else:
        fresh.save(out, "WEBP", quality=90)
    return out.getvalue()


def check_file(data: bytes, *, name: str | None, max_bytes: int) -> CheckedFile:
    """Accept or refuse one file. The refusal's message names the file."""
    display = clean_filename(name)
    if len(data) > max_bytes:
        raise refused(too_large_message(max_bytes), display)
    try:
        kind = sniff(data)
        if kind == "pdf":
            _pdf_check(data)
        if kind in IMAGE_KINDS:
            stored, metadata_kept = clean_image(data, kind), False
        else:
            stripped = strip_metadata(data, kind)
            stored, metadata_kept = stripped.content, stripped.kept
    except EvidenceRefused as exc:
        raise refused(exc.message, display) from exc
    content_type, extension = ALLOWED[kind]
    return CheckedFile(
        content=stored,
        kind=kind,
        content_type=content_type,
        extension=extension,
        original_name=display,
        sha256=hashlib.sha256(stored).hexdigest(),
        metadata_kept=metadata_kept,
    )


def too_large_message(max_bytes: int):
    return _("the file is larger than %(size)s MB.") % {"size": f"{max_bytes / 1_048_576:g}"}
