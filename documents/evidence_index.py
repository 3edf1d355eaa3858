"""The evidence index of a referral packet (证据目录) and the evidence files it embeds.

When a packet is requested, `evidence_index(case)` freezes every evidence file of the case into
the snapshot: its number (E01, E02, …), the name the person's device gave it (printed as text,
never used as a path or URL), its type, size, date, description, who added it and the SHA-256
of the stored bytes. At render time `packet_attachments(snapshot)` reads each file back from
storage, checks its bytes against the hash in the snapshot and hands them to the renderer as
PDF attachments (PDF/A-3b keeps attachments of any type, libraries.md §3.4). A file that is
missing or whose bytes changed fails the render with a reason naming only its number: a
tampered file is never embedded, and the index printed in the packet is exactly what is
attached. A file the virus check holds (documents.rescan) is left out of a new packet's index,
and fails the render of a packet whose snapshot was taken before it was held.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import UTC, datetime

from django.core.files.storage import default_storage
from django.utils import timezone

from .evidence import ALLOWED
from .labels import Bilingual
from .models import Evidence, EvidenceSource, ScanStatus
from .rendering import PdfAttachment, RenderError

# The stored content type → its name in the index.
TYPES: dict[str, Bilingual] = {
    "application/pdf": Bilingual("PDF文档", "PDF document"),
    "image/jpeg": Bilingual("JPEG图片", "JPEG image"),
    "image/png": Bilingual("PNG图片", "PNG image"),
    "image/webp": Bilingual("WebP图片", "WebP image"),
    "audio/mpeg": Bilingual("MP3录音", "MP3 audio recording"),
    "audio/mp4": Bilingual("M4A录音", "M4A audio recording"),
    "audio/amr": Bilingual("AMR录音", "AMR audio recording"),
    "audio/wav": Bilingual("WAV录音", "WAV audio recording"),
    "video/mp4": Bilingual("MP4视频", "MP4 video"),
    ALLOWED["docx"][0]: Bilingual("Word文档", "Word document"),
    ALLOWED["xlsx"][0]: Bilingual("Excel表格", "Excel spreadsheet"),
}
ADDED_BY: dict[str, Bilingual] = {
    EvidenceSource.WORKER: Bilingual("职工", "the worker"),
    EvidenceSource.STAFF: Bilingual("工会工作人员", "union staff"),
}
CHUNK = 1024 * 1024


def evidence_number(position: int) -> str:
    """E01, E02, … in the order the files were added."""
    return f"E{position:02d}"


def attachment_name(number: str, original_name: str, content_type: str) -> str:
    """A safe ASCII name for the embedded file: the number, what is left of the original name
    in ASCII letters and digits, and the extension of the type the file was accepted as (never
    the extension it was sent with): 'E01-payslip-march.jpg', or 'E02.jpg' for '工资条.jpg'."""
    extension = next((ext for ct, ext in ALLOWED.values() if ct == content_type), "bin")
    stem = original_name.rsplit(".", 1)[0] if "." in original_name else original_name
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    ascii_stem = re.sub(r"[^A-Za-z0-9]+", "-", ascii_stem).strip("-")[:40].strip("-")
    return f"{number}-{ascii_stem}.{extension}" if ascii_stem else f"{number}.{extension}"


def size_display(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def evidence_index(case) -> list[dict]:
    """Every evidence file of the case, in the order added, as the packet's snapshot keeps it
    (plain JSON). `file` is the storage name the render reads the bytes from; it is not
    printed."""
    rows = (
        Evidence.objects.filter(case=case)
        .exclude(scan_status=ScanStatus.HELD)
        .order_by("created_at", "id")
    )
    out = []
    for position, item in enumerate(rows, start=1):
        number = evidence_number(position)
        kind = TYPES.get(item.content_type, Bilingual(item.content_type, item.content_type))
        added_by = ADDED_BY.get(item.source, ADDED_BY[EvidenceSource.STAFF])
        out.append(
            {
                "number": number,
                "evidence_id": item.pk,
                "file": item.file.name,
                "attachment": attachment_name(number, item.original_name, item.content_type),
                "original_name": item.original_name,
                "content_type": item.content_type,
                "type": kind.as_dict(),
                "size": item.size,
                "size_display": size_display(item.size),
                "evidence_date": item.evidence_date.isoformat() if item.evidence_date else None,
                "description": item.description,
                "source_note": item.source_note,
                "added_by": added_by.as_dict(),
                "added_at": timezone.localtime(item.created_at).isoformat(),
                "sha256": item.sha256,
            }
        )
    return out


def _read_verified(entry: dict) -> bytes:
    """The stored bytes of one indexed file, read once and hashed as read; RenderError when the
    file is gone or its bytes are not the ones the snapshot recorded."""
    number = entry["number"]
    try:
        handle = default_storage.open(entry["file"], "rb")
    except (FileNotFoundError, OSError) as exc:
        raise RenderError(f"evidence {number} is missing from storage") from exc
    digest = hashlib.sha256()
    parts = []
    with handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            parts.append(chunk)
    if digest.hexdigest() != entry["sha256"]:
        raise RenderError(
            f"evidence {number} does not match the SHA-256 recorded in the snapshot; "
            "it was not embedded"
        )
    return b"".join(parts)


def _description(entry: dict) -> str:
    parts = [f"{entry['number']} {entry['original_name']}"]
    if entry.get("description"):
        parts.append(entry["description"])
    parts.append(f"SHA-256 {entry['sha256']}")
    return " · ".join(parts)


def packet_attachments(snapshot: dict) -> list[PdfAttachment]:
    """The verified evidence files of a packet's snapshot, ready to embed, in index order."""
    attachments = []
    entries = snapshot.get("evidence") or []
    held = set(
        Evidence.objects.filter(
            pk__in=[e.get("evidence_id") for e in entries], scan_status=ScanStatus.HELD
        ).values_list("pk", flat=True)
    )
    for entry in entries:
        if entry.get("evidence_id") in held:
            raise RenderError(
                f"evidence {entry['number']} is held by the virus check; it was not embedded"
            )
        added = datetime.fromisoformat(entry["added_at"]).astimezone(UTC)
        attachments.append(
            PdfAttachment(
                name=entry["attachment"],
                data=_read_verified(entry),
                description=_description(entry),
                created=added,
            )
        )
    return attachments
