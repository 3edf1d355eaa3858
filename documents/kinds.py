"""What each kind of generated filing needs: who may ask for it, in which states, the template
it is printed from and the snapshot it is printed with.

Every filing of DESIGN §5 is one entry here (with its template and snapshot builder), and the
services, task, views and selectors serve it unchanged. The entries are in the order the case
page lists them (DocumentKind's).

Who may ask for each (casework.permissions.may, DESIGN §2–3):
- acceptance receipt: union staff of the owning organisation (`accept_for_review`), once the
  case is accepted and while it is open;
- arbitration and legal-aid applications: the people who represent the worker and may see the
  identity these filings print in full (`view_identity`: assignee, assigned lawyer, supervisor);
- mediation agreement: whoever may record the agreement (`record_agreement`), in mediation or
  once the agreement is recorded;
- referral packet: whoever may refer (`refer_to_legal_aid`);
- closing report: the people who carried the case (`message`: assignee, assigned lawyer,
  supervisor), once it is closed or withdrawn.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from casework.choices import CaseState
from casework.errors import NotFound

from .evidence_index import packet_attachments
from .filings import (
    agreement_available,
    arbitration_application_snapshot,
    closing_report_snapshot,
    complaint_receipt_snapshot,
    legal_aid_application_snapshot,
    mediation_agreement_snapshot,
)
from .models import DocumentKind
from .snapshot import referral_packet_snapshot

S = CaseState
# Accepted for review and not yet ended.
ACCEPTED_OPEN = frozenset(
    {S.UNDER_REVIEW, S.AWAITING_WORKER, S.MEDIATION, S.REFERRED, S.LEGAL_AID, S.PROCEEDINGS}
)


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
    # The button that asks for it on the case page ("Generate …").
    generate_label: str = ""
    # A further condition on the case, in memory (e.g. the mediation agreement needs the outcome
    # of a closed case to be an agreement); the snapshot builder refuses the same cases.
    available: Callable | None = None

    def offered(self, case) -> bool:
        """Whether the case's state (and the further condition) allow this filing now."""
        return case.state in self.states and (self.available is None or self.available(case))


FILINGS: dict[str, FilingSpec] = {
    DocumentKind.COMPLAINT_RECEIPT: FilingSpec(
        kind=DocumentKind.COMPLAINT_RECEIPT,
        action="accept_for_review",
        states=ACCEPTED_OPEN,
        template="documents/complaint_receipt.html",
        build_snapshot=complaint_receipt_snapshot,
        # The visible title is "acceptance receipt" (glossary §2.12), so is the file's.
        filename_stem="acceptance-receipt",
        generate_label=_("Generate acceptance receipt"),
    ),
    DocumentKind.ARBITRATION_APPLICATION: FilingSpec(
        kind=DocumentKind.ARBITRATION_APPLICATION,
        action="view_identity",
        states=ACCEPTED_OPEN,
        template="documents/arbitration_application.html",
        build_snapshot=arbitration_application_snapshot,
        filename_stem="arbitration-application",
        generate_label=_("Generate labour arbitration application"),
    ),
    DocumentKind.LEGAL_AID_APPLICATION: FilingSpec(
        kind=DocumentKind.LEGAL_AID_APPLICATION,
        action="view_identity",
        states=ACCEPTED_OPEN,
        template="documents/legal_aid_application.html",
        build_snapshot=legal_aid_application_snapshot,
        filename_stem="legal-aid-application",
        generate_label=_("Generate legal-aid application"),
    ),
    DocumentKind.MEDIATION_AGREEMENT: FilingSpec(
        kind=DocumentKind.MEDIATION_AGREEMENT,
        action="record_agreement",
        states=frozenset({S.MEDIATION, S.CLOSED}),
        template="documents/mediation_agreement.html",
        build_snapshot=mediation_agreement_snapshot,
        filename_stem="mediation-agreement",
        generate_label=_("Generate mediation agreement"),
        available=agreement_available,
    ),
    DocumentKind.REFERRAL_PACKET: FilingSpec(
        kind=DocumentKind.REFERRAL_PACKET,
        action="refer_to_legal_aid",
        states=frozenset(s for s in CaseState.open() if s != CaseState.DRAFT),
        template="documents/referral_packet.html",
        build_snapshot=referral_packet_snapshot,
        filename_stem="referral-packet",
        attachments=packet_attachments,
        generate_label=_("Generate referral packet"),
    ),
    DocumentKind.CLOSING_REPORT: FilingSpec(
        kind=DocumentKind.CLOSING_REPORT,
        action="message",
        states=frozenset({S.CLOSED, S.WITHDRAWN}),
        template="documents/closing_report.html",
        build_snapshot=closing_report_snapshot,
        filename_stem="closing-report",
        generate_label=_("Generate closing report"),
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
