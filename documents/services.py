"""Every write of the documents app (STYLE: services).

A generated filing (DESIGN §5) lives as a `GeneratedDocument`: requested by a person, who gets
the next version of that kind in status queued with the data snapshot it will be printed from;
rendered by a background task (queued → rendering → ready, or failed with a short reason);
immutable once ready, so a new render is a new version. A failed render keeps its reason and
can be retried (document_retry); a render that never finished is failed by
documents_reap_stuck().
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.audit import audit_record
from casework.errors import Forbidden, GuardFailed, NotFound
from casework.minimise import coarse_time, is_receipt_case, worker_time
from casework.models import Case
from casework.permissions import Access, access, may
from casework.tasks import enqueue_on_commit

from .kinds import filing_spec
from .models import DocumentStatus, GeneratedDocument
from .snapshot import unseal

logger = logging.getLogger(__name__)

STORAGE_DIR = "generated"
# Filings that embed files are written as PDF/A-3b: the PDF/A part that keeps attachments of any
# type (PDF/A-2 drops non-PDF files silently; libraries.md §3.4).
ARCHIVE_VARIANT = "pdf/a-3b"


def document_request(
    *, case: Case, kind: str, user, language: str = "zh-hans"
) -> GeneratedDocument:
    """Ask for a new version of a filing. The user needs full access to the case and the gate's
    permission for the kind (for the referral packet: `refer_to_legal_aid`). The case row is
    locked so that two requests get versions n and n+1, and the snapshot is read inside the
    same transaction. The render is enqueued once the transaction commits."""
    from .tasks import document_render

    spec = filing_spec(kind)
    with transaction.atomic():
        locked = (
            Case.objects.select_for_update(of=("self",))
            .select_related("owning_org", "primary_worker")
            .filter(pk=case.pk)
            .first()
        )
        if locked is None or access(user, locked) != Access.FULL:
            raise NotFound()
        if not may(user, spec.action, locked):
            raise Forbidden()
        if locked.state not in spec.states:
            raise GuardFailed(
                _("This document cannot be generated while the case is in this state.")
            )
        if language not in spec.languages:
            message = _("This document is generated in Chinese with an English translation.")
            raise GuardFailed(message, field_errors={"language": [message]})
        latest = GeneratedDocument.objects.filter(case=locked, kind=spec.kind).aggregate(
            n=Max("version")
        )["n"]
        doc = GeneratedDocument.objects.create(
            case=locked,
            kind=spec.kind,
            version=(latest or 0) + 1,
            language=language,
            status=DocumentStatus.QUEUED,
            snapshot=spec.build_snapshot(locked),
            requested_by=user,
        )
        audit_record(
            verb="document_requested",
            actor=user,
            case=locked,
            payload={"document": doc.pk, "kind": doc.kind, "version": doc.version},
        )
        enqueue_on_commit(document_render, doc.pk)
    return doc


# A render stops itself after RENDER_TIME_LIMIT_SECONDS (documents.rendering.time_limit); one
# still marked "rendering" this much longer than that has lost its worker (killed, machine
# gone) and may be taken over by the same task delivered again (Celery's late acknowledgement).
RENDER_LEASE_GRACE_SECONDS = 15
# How often a second delivery looks again while the first one's claim is still fresh.
CLAIM_POLL_SECONDS = 1.0
# A render whose worker died this many times (out of memory, say) is failed, not tried again:
# late acknowledgement would otherwise hand it from worker to worker for ever.
MAX_RENDER_ATTEMPTS = 3


def render_lease() -> timedelta:
    from .rendering import render_time_limit

    return timedelta(seconds=render_time_limit() + RENDER_LEASE_GRACE_SECONDS)


def _claim_for_rendering(doc_id: int) -> GeneratedDocument | None:
    """Move a queued document to rendering; None when there is nothing to do: missing, failed
    (document_retry queues it again) or ready.

    The claim is the row's `render_started_at`, set by a conditional UPDATE (only one worker
    can move it): finishing or failing the render later matches it, so only the claim's holder
    can. A document found "rendering" belongs to another worker; if its claim is older than
    render_lease(), that worker died mid-render and this delivery takes the claim over.
    Otherwise this is a second delivery while the first may still be running: it waits for the
    first to finish (or for its lease to run out) rather than drop the task. After
    MAX_RENDER_ATTEMPTS dead workers the document is failed instead (document_retry can queue
    it again)."""
    while True:
        now = timezone.now()
        with transaction.atomic():
            claimed = GeneratedDocument.objects.filter(
                pk=doc_id, status=DocumentStatus.QUEUED
            ).update(
                status=DocumentStatus.RENDERING,
                failure_reason="",
                render_started_at=now,
                render_attempts=F("render_attempts") + 1,
            )
        if claimed:
            break
        row = (
            GeneratedDocument.objects.filter(pk=doc_id)
            .values("status", "render_started_at", "render_attempts")
            .first()
        )
        if row is None or row["status"] != DocumentStatus.RENDERING:
            return None
        started = row["render_started_at"]
        if started is None or started <= now - render_lease():
            if row["render_attempts"] >= MAX_RENDER_ATTEMPTS:
                dead = GeneratedDocument.objects.select_related("case").defer("snapshot")
                _fail(
                    dead.get(pk=doc_id),
                    f"the render was interrupted {row['render_attempts']} times",
                )
                return None
            with transaction.atomic():
                taken = GeneratedDocument.objects.filter(
                    pk=doc_id, status=DocumentStatus.RENDERING, render_started_at=started
                ).update(
                    failure_reason="",
                    render_started_at=now,
                    render_attempts=F("render_attempts") + 1,
                )
            if taken:
                logger.warning(
                    "document %s: the render claimed at %s never finished (its worker is "
                    "gone); rendering it again",
                    doc_id,
                    started.isoformat() if started else "-",
                )
                break
            continue  # someone else moved it meanwhile: look again
        time.sleep(min(CLAIM_POLL_SECONDS, (started + render_lease() - now).total_seconds()))
    return GeneratedDocument.objects.select_related("case").get(pk=doc_id)


def _fail(doc: GeneratedDocument, reason: str, *, status_now=DocumentStatus.RENDERING) -> bool:
    """Mark a document failed with its reason (short, no case data) and audit it; False when
    it was no longer in `status_now` (finished or failed meanwhile)."""
    reason = reason[:300]
    with transaction.atomic():
        mine = GeneratedDocument.objects.filter(pk=doc.pk, status=status_now)
        if status_now == DocumentStatus.RENDERING:  # only the claim's holder (or the reaper)
            mine = mine.filter(render_started_at=doc.render_started_at)
        updated = mine.update(status=DocumentStatus.FAILED, failure_reason=reason)
        if updated:
            audit_record(
                verb="document_render_failed",
                actor=None,
                actor_kind="system",
                case=doc.case,
                payload={
                    "document": doc.pk,
                    "kind": doc.kind,
                    "version": doc.version,
                    "reason": reason,
                },
            )
    return bool(updated)


def render_context(doc: GeneratedDocument) -> dict:
    """What a filing's template sees: the snapshot (sealed values opened) and the document's
    version, nothing live."""
    return {"s": unseal(doc.snapshot), "version": doc.version}


def document_render_now(doc_id: int) -> str:
    """Render one document synchronously and return its status. Idempotent: a document that is
    ready (or being rendered elsewhere) is left alone. The render runs outside any transaction
    (it takes a while, and SQLite has one writer); the file is stored under a random name, never
    the case reference, and only then is the row marked ready with its hash and size."""
    from .rendering import RenderError, render_pdf

    doc = _claim_for_rendering(doc_id)
    if doc is None:
        current = (
            GeneratedDocument.objects.filter(pk=doc_id).values_list("status", flat=True).first()
        )
        return current or "missing"
    spec = filing_spec(doc.kind)
    context = render_context(doc)
    try:
        # Embedded files are read from storage now and checked against the snapshot's hashes;
        # a missing or changed file fails the render (documents.evidence_index).
        attachments = spec.attachments(context["s"]) if spec.attachments else None
        pdf, pages = render_pdf(
            template=spec.template,
            context=context,
            attachments=attachments,
            pdf_variant=ARCHIVE_VARIANT if spec.attachments else None,
        )
    except RenderError as exc:
        logger.warning("rendering document %s failed: %s", doc.pk, exc)
        _fail(doc, str(exc))
        return DocumentStatus.FAILED
    except Exception as exc:  # noqa: BLE001 - any renderer failure is recorded on the document
        logger.exception("rendering document %s failed", doc.pk)
        _fail(doc, f"render error: {type(exc).__name__}")
        return DocumentStatus.FAILED

    name = default_storage.save(f"{STORAGE_DIR}/{secrets.token_hex(16)}.pdf", ContentFile(pdf))
    digest = hashlib.sha256(pdf).hexdigest()
    try:
        with transaction.atomic():
            updated = GeneratedDocument.objects.filter(
                pk=doc.pk,
                status=DocumentStatus.RENDERING,
                render_started_at=doc.render_started_at,  # still this render's claim
            ).update(
                status=DocumentStatus.READY,
                file=name,
                sha256=digest,
                size=len(pdf),
                pages=pages,
                rendered_at=timezone.now(),
            )
            if updated:
                # The hash enters the case's audit chain, so a swapped file shows.
                audit_record(
                    verb="document_rendered",
                    actor=None,
                    actor_kind="system",
                    case=doc.case,
                    payload={
                        "document": doc.pk,
                        "kind": doc.kind,
                        "version": doc.version,
                        "sha256": digest,
                        "pages": pages,
                    },
                )
    except Exception:
        default_storage.delete(name)
        raise
    if not updated:  # another claim finished, failed or took it over meanwhile: drop ours
        default_storage.delete(name)
        return GeneratedDocument.objects.filter(pk=doc.pk).values_list("status", flat=True).first()
    return DocumentStatus.READY


def document_retry(*, document: GeneratedDocument, user) -> GeneratedDocument:
    """Queue a failed document again, to be rendered from the same snapshot (a new version is
    document_request's). The user needs what asking for the filing needs: full access to the
    case and the gate's permission for the kind; NotFound otherwise, as for a missing
    document. Audited with the reason of the failure; the render is enqueued on commit."""
    from .tasks import document_render

    spec = filing_spec(document.kind)
    with transaction.atomic():
        doc = (
            GeneratedDocument.objects.select_for_update(of=("self",))
            .select_related("case")
            .filter(pk=document.pk)
            .first()
        )
        if doc is None or access(user, doc.case) != Access.FULL:
            raise NotFound(_("Document not found"))
        if not may(user, spec.action, doc.case):
            raise Forbidden()
        if doc.status != DocumentStatus.FAILED:
            raise GuardFailed(_("Only a document that could not be generated can be retried."))
        reason = doc.failure_reason
        GeneratedDocument.objects.filter(pk=doc.pk).update(
            status=DocumentStatus.QUEUED,
            failure_reason="",
            render_started_at=None,
            render_attempts=0,
        )
        audit_record(
            verb="document_retried",
            actor=user,
            case=doc.case,
            payload={
                "document": doc.pk,
                "kind": doc.kind,
                "version": doc.version,
                "reason": reason,
            },
        )
        enqueue_on_commit(document_render, doc.pk)
    doc.refresh_from_db()
    return doc


def render_stuck_after() -> timedelta:
    return timedelta(minutes=int(settings.RIGHTSDESK.get("RENDER_STUCK_MINUTES", 15)))


def documents_reap_stuck(*, now=None) -> int:
    """Fail every document that has been rendering for longer than
    RIGHTSDESK["RENDER_STUCK_MINUTES"] (default 15): its worker was killed or hung (the task
    queue has no timeout of its own and leaves such rows behind, libraries.md §4). Each is
    failed with a reason and audited, and can then be retried. Idempotent: a second sweep finds
    nothing more. Returns how many were failed."""
    now = now or timezone.now()
    limit = render_stuck_after()
    cutoff = now - limit
    stuck = (
        GeneratedDocument.objects.filter(status=DocumentStatus.RENDERING)
        .filter(
            Q(render_started_at__lt=cutoff)
            | Q(render_started_at__isnull=True, created_at__lt=cutoff)
        )
        .select_related("case")
        .defer("snapshot")
        .order_by("id")
    )
    minutes = int(limit.total_seconds() // 60)
    reason = f"the render did not finish within {minutes} minutes"
    return sum(1 for doc in stuck if _fail(doc, reason))


def document_open_for_download(*, document_id: int, user) -> tuple[GeneratedDocument, object]:
    """A ready document and its open file, for a user with full access to its case; the
    download is audited. Anything else — missing, not ready, not allowed — is NotFound."""
    doc = (
        GeneratedDocument.objects.select_related("case__owning_org")
        .defer("snapshot")
        .filter(pk=document_id)
        .first()
    )
    if doc is None or doc.status != DocumentStatus.READY or access(user, doc.case) != Access.FULL:
        raise NotFound(_("Document not found"))
    handle = default_storage.open(doc.file.name, "rb")
    try:
        with transaction.atomic():
            audit_record(
                verb="document_downloaded",
                actor=user,
                case=doc.case,
                payload={"document": doc.pk, "kind": doc.kind, "version": doc.version},
            )
    except Exception:
        handle.close()
        raise
    return doc, handle


# --- evidence ------------------------------------------------------------------------------

EVIDENCE_DIR = "evidence"
EVIDENCE_MAX_FILES = 20


def _evidence_uploader(user, case: Case) -> bool:
    """True for the case's worker (account or receipt code), False for staff who may add notes;
    NotFound for anyone who does not see the case, Forbidden for staff who may not."""
    level = access(user, case)
    if level == Access.WORKER:
        return True
    if level != Access.FULL:
        raise NotFound()
    if not may(user, "note", case):
        raise Forbidden()
    return False


def _scan_or_refuse(data: bytes, display_name: str, *, case: Case, user, by_worker: bool) -> bool:
    """Scan the bytes as they were received (before any re-encoding), failing closed: True when
    a configured scanner found them clean, False when scanning is off; the upload is refused
    when the scanner finds something (audited, with the signature's name only) or gives no
    verdict."""
    from .evidence import ScanUnavailable
    from .evidence import refused as refuse
    from .scanning import ScannerError, scan

    try:
        verdict = scan(data)
    except ScannerError as exc:
        logger.warning("evidence scanner gave no verdict: %s", exc)
        raise ScanUnavailable(
            _(
                "The files could not be checked for viruses just now, so nothing was saved. "
                "Please try again later."
            )
        ) from exc
    if verdict is None:
        return False
    if not verdict.clean:
        with transaction.atomic():
            audit_record(
                verb="evidence_refused_malware",
                actor=user,
                actor_kind="worker" if by_worker else "staff",
                case=case,
                payload={"signature": verdict.signature[:100]},
            )
        raise refuse(
            _("the virus check found something harmful in this file; it was not saved."),
            display_name,
        )
    return True


def evidence_quotas() -> dict[str, int]:
    """RIGHTSDESK["EVIDENCE_QUOTAS"] over the defaults (C9): files on one case, and per
    uploader (a signed-in person; a receipt-code worker counts per case) files per hour and
    bytes per day. 0 switches a limit off."""
    quotas = {"files_per_case": 300, "files_per_hour": 60, "bytes_per_day": 500 * 1024 * 1024}
    quotas.update(settings.RIGHTSDESK.get("EVIDENCE_QUOTAS", {}))
    return quotas


def _check_quota(case: Case, user, by_worker: bool, checked: list) -> None:
    """EvidenceQuotaExceeded (429) when these files would pass one of the quotas; the
    message says which, in the user's language."""
    from django.db.models import Sum

    from .evidence import EvidenceQuotaExceeded
    from .models import Evidence

    quotas = evidence_quotas()
    count, size = len(checked), sum(c.size for c in checked)

    def exceeded(message):
        return EvidenceQuotaExceeded(message, field_errors={"files": [message]})

    limit = quotas["files_per_case"]
    if limit and Evidence.objects.filter(case=case).count() + count > limit:
        raise exceeded(
            _("This case already holds the most files it can (%(limit)d).") % {"limit": limit}
        )
    coarse = False
    if getattr(user, "is_authenticated", False):
        mine = Evidence.objects.filter(uploaded_by=user)
    else:  # the receipt holder: their uploads on this case
        mine = Evidence.objects.filter(case=case, uploaded_by_worker=True, uploaded_by=None)
        coarse = is_receipt_case(case)
    now = timezone.now()

    def since(window: timedelta):
        # An anonymous filer's uploads are stored to the day (casework.minimise): their windows
        # start at the beginning of that day, so the quotas count more, never less.
        return coarse_time(now=now - window) if coarse else now - window

    limit = quotas["files_per_hour"]
    if limit:
        recent = mine.filter(created_at__gte=since(timedelta(hours=1))).count()
        if recent + count > limit:
            raise exceeded(
                _(
                    "You have uploaded many files in the last hour (at most %(limit)d an hour). "
                    "Please wait a while and try again."
                )
                % {"limit": limit}
            )
    limit = quotas["bytes_per_day"]
    if limit:
        day = mine.filter(created_at__gte=since(timedelta(days=1))).aggregate(total=Sum("size"))
        if (day["total"] or 0) + size > limit:
            raise exceeded(
                _(
                    "You can upload at most %(size)s MB of files a day, and these would pass "
                    "it. Please try again tomorrow."
                )
                % {"size": f"{limit / 1_048_576:g}"}
            )


def evidence_upload(
    *, case: Case, user, files, description: str = "", evidence_date=None, source_note: str = ""
) -> list:
    """Store evidence files on a case. Every file is checked first (evidence.check_file); if
    any is refused, nothing is written. The rows and the audit event are written in one
    transaction; if it fails, the files stored for it are deleted again."""
    from .evidence import check_file, clean_filename, too_large_message
    from .evidence import refused as refuse
    from .models import Evidence, EvidenceSource, ScanStatus
    from .scanning import signature_version
    from .upload import evidence_max_bytes

    by_worker = _evidence_uploader(user, case)
    if by_worker and not case.is_open:
        raise GuardFailed(_("This grievance has ended; evidence can no longer be added."))
    files = list(files)
    if not files:
        message = _("Please choose at least one file.")
        raise GuardFailed(message, field_errors={"files": [message]})
    if len(files) > EVIDENCE_MAX_FILES:
        message = _("Please upload at most %(count)d files at a time.") % {
            "count": EVIDENCE_MAX_FILES
        }
        raise GuardFailed(message, field_errors={"files": [message]})
    limit = evidence_max_bytes()
    checked = []
    scanned = False
    # Asked before the scans: a signature update meanwhile makes the file due again, never
    # the other way round.
    scanned_with = signature_version()
    for upload in files:
        if upload.size is not None and upload.size > limit:
            raise refuse(too_large_message(limit), clean_filename(upload.name))
        upload.seek(0)
        data = upload.read(limit + 1)
        c = check_file(data, name=upload.name, max_bytes=limit)
        scanned = _scan_or_refuse(data, c.original_name, case=case, user=user, by_worker=by_worker)
        checked.append(c)
    _check_quota(case, user, by_worker, checked)

    stored: list[str] = []
    now = timezone.now()
    try:
        for c in checked:
            stored.append(
                default_storage.save(
                    f"{EVIDENCE_DIR}/{secrets.token_hex(16)}", ContentFile(c.content)
                )
            )
        with transaction.atomic():
            locked = Case.objects.select_for_update(of=("self",)).filter(pk=case.pk).first()
            if locked is None:
                raise NotFound()
            # Again under the case's lock: two uploads at once cannot both pass the quota.
            _check_quota(locked, user, by_worker, checked)
            rows = [
                Evidence.objects.create(
                    case=locked,
                    original_name=c.original_name,
                    file=name,
                    content_type=c.content_type,
                    size=c.size,
                    sha256=c.sha256,
                    description=(description or "").strip()[:500],
                    evidence_date=evidence_date,
                    source=EvidenceSource.WORKER if by_worker else EvidenceSource.STAFF,
                    source_note=(source_note or "").strip()[:200],
                    uploaded_by=user if getattr(user, "is_authenticated", False) else None,
                    uploaded_by_worker=by_worker,
                    scan_status=ScanStatus.CLEAN if scanned else ScanStatus.NOT_SCANNED,
                    scanned_at=now if scanned else None,
                    scanned_with=scanned_with if scanned else "",
                    metadata_kept=c.metadata_kept,
                )
                for c, name in zip(checked, stored, strict=True)
            ]
            if by_worker and is_receipt_case(locked):
                _coarsen_created_at(locked, rows)
            audit_record(
                verb="evidence_uploaded",
                actor=user,
                actor_kind="worker" if by_worker else "staff",
                case=locked,
                payload={"evidence": [r.pk for r in rows], "count": len(rows)},
            )
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise
    return rows


def _coarsen_created_at(case: Case, rows: list) -> None:
    """An anonymous filer's uploads are kept to the day (casework.minimise, G6)."""
    from .models import Evidence

    latest = (
        Evidence.objects.filter(case=case)
        .exclude(pk__in=[r.pk for r in rows])
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    when = worker_time(case, after=latest)
    Evidence.objects.filter(pk__in=[r.pk for r in rows]).update(created_at=when)
    Evidence.objects.filter(pk__in=[r.pk for r in rows], scanned_at__isnull=False).update(
        scanned_at=when
    )
    for row in rows:
        row.created_at = when
        row.scanned_at = when if row.scanned_at else None


def _scan_before_serving(item, *, by_worker: bool) -> None:
    """With a scanner configured, a file not yet found clean (stored before the scanner was
    configured, or held) is scanned now and served only when clean; a scanner error or a
    finding serves nothing, and a finding holds the file (C6). Without a scanner a held file is
    not served either."""
    from .evidence import ScanUnavailable
    from .models import ScanStatus
    from .scanning import ScannerError, get_scanner, scan, signature_version

    if item.scan_status == ScanStatus.CLEAN:
        return
    scanner = get_scanner()
    if scanner is None:
        if item.scan_status == ScanStatus.HELD:
            raise GuardFailed(
                _("The virus check found something harmful in this file; it is not served.")
            )
        return
    scanned_with = signature_version(scanner)
    with default_storage.open(item.file.name, "rb") as handle:
        data = handle.read()
    try:
        verdict = scan(data)
        if verdict is None:
            raise ScannerError("the scanner was switched off meanwhile")
    except ScannerError as exc:
        logger.warning("evidence scanner gave no verdict: %s", exc)
        raise ScanUnavailable(
            _("This file could not be checked for viruses just now. Please try again later.")
        ) from exc
    item.scanned_at = worker_time(item.case) if by_worker else timezone.now()
    item.scanned_with = scanned_with
    fields = ["scan_status", "scanned_at", "scanned_with"]
    if not verdict.clean:
        with transaction.atomic():
            item.scan_status = ScanStatus.HELD
            item.save(update_fields=fields)
            audit_record(
                verb="evidence_held_malware",
                actor=None,
                actor_kind="system",
                case=item.case,
                payload={"evidence": item.pk, "signature": verdict.signature[:100]},
            )
        raise GuardFailed(
            _("The virus check found something harmful in this file; it is not served.")
        )
    item.scan_status = ScanStatus.CLEAN
    item.save(update_fields=fields)


def evidence_open_for_download(*, evidence_id: int, user, worker=None):
    """An evidence file and its open handle, for staff with full access to its case or for the
    case's worker (who sees what the worker added); audited. Anything else is NotFound.
    `worker` is the receipt holder of the session, if any."""
    from .models import Evidence

    item = Evidence.objects.select_related("case__owning_org").filter(pk=evidence_id).first()
    if item is None:
        raise NotFound(_("Evidence not found"))
    actor = None
    for candidate in (user, worker):
        if candidate is None:
            continue
        level = access(candidate, item.case)
        if level == Access.FULL or (level == Access.WORKER and item.uploaded_by_worker):
            actor = candidate
            by_worker = level == Access.WORKER
            break
    if actor is None:
        raise NotFound(_("Evidence not found"))
    _scan_before_serving(item, by_worker=by_worker)
    handle = default_storage.open(item.file.name, "rb")
    try:
        with transaction.atomic():
            audit_record(
                verb="evidence_downloaded",
                actor=actor,
                actor_kind="worker" if by_worker else "staff",
                case=item.case,
                payload={"evidence": item.pk},
            )
    except Exception:
        handle.close()
        raise
    return item, handle
