"""Snapshot builders of the generated filings other than the referral packet (DESIGN §5): one
module per filing, each reusing documents.snapshot's helpers. documents.kinds registers them."""

from .arbitration import arbitration_application_snapshot
from .closing import closing_report_snapshot
from .legal_aid import legal_aid_application_snapshot
from .mediation import agreement_available, mediation_agreement_snapshot
from .receipt import complaint_receipt_snapshot

__all__ = [
    "agreement_available",
    "arbitration_application_snapshot",
    "closing_report_snapshot",
    "complaint_receipt_snapshot",
    "legal_aid_application_snapshot",
    "mediation_agreement_snapshot",
]
