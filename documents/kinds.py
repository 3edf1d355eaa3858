"""What each kind of generated filing needs: who may ask for it, in which states, the template
it is printed from and the snapshot it is printed with.

Only the referral packet is generated so far; each further filing of DESIGN §5 is one more
entry here (with its template and snapshot builder), and the services, task, views and
selectors serve it unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from casework.choices import CaseState
from casework.errors import NotFound

from .evidence_index import packet_attachments
from .models import DocumentKind
from .snapshot import referral_packet_snapshot


@dataclass(frozen=True)
class FilingSpec:
    kind: str
    # The gate's action (casework.permissions.may) a user needs to ask for this filing.
    action: str
    states: frozenset[str]
    template: str
    build_snapshot: Callable
    # ASCII stem of the download filename: referral-packet-CZ-2026-000123-v1.pdf
    filename_stem: str
    # The language whose text is authoritative; the English beside it is for reference.
    languages: tuple[str, ...] = ("zh-hans",)
    # The files a filing embeds, from its (unsealed) snapshot: a list of
    # rendering.PdfAttachment read and verified at render time. A filing with attachments is
    # written as PDF/A-3b, the PDF/A part that keeps embedded files of any type.
    attachments: Callable | None = None


FILINGS: dict[str, FilingSpec] = {
    DocumentKind.REFERRAL_PACKET: FilingSpec(
        kind=DocumentKind.REFERRAL_PACKET,
        action="refer_to_legal_aid",
        states=frozenset(s for s in CaseState.open() if s != CaseState.DRAFT),
        template="documents/referral_packet.html",
        build_snapshot=referral_packet_snapshot,
        filename_stem="referral-packet",
        attachments=packet_attachments,
    ),
}


def filing_spec(kind: str) -> FilingSpec:
    """The spec of a kind that can be generated; NotFound for any other (an unknown kind in a
    URL looks like any other missing page)."""
    spec = FILINGS.get(kind)
    if spec is None:
        raise NotFound()
    return spec


def download_filename(doc) -> str:
    """An ASCII attachment name such as referral-packet-CZ-2026-000123-v1.pdf."""
    stem = FILINGS[doc.kind].filename_stem if doc.kind in FILINGS else "document"
    reference = re.sub(r"[^A-Za-z0-9-]", "", doc.case.reference)
    return f"{stem}-{reference}-v{int(doc.version)}.pdf"
