"""Scanning stored evidence again when the signatures change (security.md §6.7, matrix C6).

A file that passed the virus check at its upload may be recognised as harmful once the
signatures know more: freshclam updates clamd's several times a day. Every scan records when it
ran and the scanner's signature version (`Evidence.scanned_at`, `scanned_with`: clamd's VERSION
answer, "ClamAV 1.4.6/27510/Mon Dec  1 08:40:01 2026"). The daily sweep (notifications.sweep)
calls `evidence_rescan_due()`, which scans with the configured scanner the stored files that
were never scanned (stored while no scanner was configured, or before scan times were kept),
then those whose last scan used other signatures than the scanner has now, longest ago first —
at most RIGHTSDESK["EVIDENCE_RESCAN_PER_SWEEP"] files a run (default 500; 0 switches it off), so
a large store is gone through over several days rather than in one sweep.

- Found harmful: the file is held (scan_status "held", audited as `evidence_held_malware` once):
  it is not served (documents.services), not embedded in a packet (documents.evidence_index),
  not put in the worker's copy of their data (privacy.selectors). The file itself is kept: it
  is evidence, and the finding may be a false positive.
- Found clean: "clean" with the new version; a held file found clean again (a false positive
  corrected by later signatures) is served again, audited as `evidence_released`.
- No verdict (clamd down, a timeout, a file above StreamMaxLength): the file stays as it was and
  is due again at the next sweep. When the scanner then does not answer VERSION either, the run
  stops there.

A scanner that does not tell its version (version() missing or failing: "") makes only the
never-scanned files due. Two sweeps at once may scan a file twice; its status changes, and the
audit event is written, once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from casework.audit import audit_record

logger = logging.getLogger(__name__)

RESCAN_PER_SWEEP = 500


@dataclass
class RescanReport:
    scanned: int = 0  # files given a verdict
    held: int = 0  # of them, newly held
    released: int = 0  # of them, held before and clean now
    failed: int = 0  # files the scanner gave no verdict on (or missing from storage)


def rescan_limit() -> int:
    return int(settings.RIGHTSDESK.get("EVIDENCE_RESCAN_PER_SWEEP", RESCAN_PER_SWEEP))


def evidence_due_for_rescan(version: str, limit: int) -> list[int]:
    """The ids of up to `limit` files to scan again, in the order to scan them."""
    from .models import Evidence

    if limit <= 0:
        return []
    due = list(
        Evidence.objects.filter(scanned_at__isnull=True)
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )
    if version and len(due) < limit:
        due += list(
            Evidence.objects.filter(scanned_at__isnull=False)
            .exclude(scanned_with=version)
            .order_by("scanned_at", "id")
            .values_list("pk", flat=True)[: limit - len(due)]
        )
    return due


def evidence_rescan_due(*, now=None, limit: int | None = None) -> RescanReport:
    """Scan again the files that are due (see the module's docstring); nothing without a
    scanner."""
    from .scanning import ScannerError, get_scanner, scan, signature_version

    report = RescanReport()
    scanner = get_scanner()
    if scanner is None:
        return report
    now = now or timezone.now()
    version = signature_version(scanner)
    for pk in evidence_due_for_rescan(version, rescan_limit() if limit is None else limit):
        try:
            outcome = _rescan_one(pk, version=version, now=now, scan=scan)
        except FileNotFoundError:
            logger.warning("evidence %s: its file is missing from the storage", pk)
            report.failed += 1
            continue
        except ScannerError as exc:
            logger.warning("evidence %s: no virus-scan verdict (%s)", pk, exc)
            report.failed += 1
            # A file clamd cannot take (above StreamMaxLength) waits for the next sweep; a
            # scanner that no longer answers at all ends the run.
            if not signature_version(scanner):
                logger.warning("the virus scanner is not answering; the rescan stopped")
                break
            continue
        if outcome is None:
            continue
        report.scanned += 1
        if outcome == "held":
            report.held += 1
        elif outcome == "released":
            report.released += 1
    return report


def _rescan_one(pk: int, *, version: str, now, scan) -> str | None:
    """Scan one file: "held", "still held", "released", "clean", or None when its row is gone.
    ScannerError without a verdict, FileNotFoundError without its file."""
    from .models import Evidence, ScanStatus
    from .scanning import ScannerError

    item = Evidence.objects.select_related("case").filter(pk=pk).first()
    if item is None:
        return None
    with default_storage.open(item.file.name, "rb") as handle:
        data = handle.read()
    verdict = scan(data)
    if verdict is None:
        raise ScannerError("the scanner was switched off meanwhile")
    scanned = {"scanned_at": now, "scanned_with": version}
    with transaction.atomic():
        if not verdict.clean:
            newly = (
                Evidence.objects.filter(pk=pk)
                .exclude(scan_status=ScanStatus.HELD)
                .update(scan_status=ScanStatus.HELD, **scanned)
            )
            if not newly:  # held already
                Evidence.objects.filter(pk=pk).update(**scanned)
                return "still held"
            audit_record(
                verb="evidence_held_malware",
                actor=None,
                actor_kind="system",
                case=item.case,
                payload={"evidence": pk, "signature": verdict.signature[:100]},
            )
            logger.warning("evidence %s held: the virus check found %s", pk, verdict.signature)
            return "held"
        released = Evidence.objects.filter(pk=pk, scan_status=ScanStatus.HELD).update(
            scan_status=ScanStatus.CLEAN, **scanned
        )
        if released:
            audit_record(
                verb="evidence_released",
                actor=None,
                actor_kind="system",
                case=item.case,
                payload={"evidence": pk},
            )
            return "released"
        Evidence.objects.filter(pk=pk).update(scan_status=ScanStatus.CLEAN, **scanned)
        return "clean"
