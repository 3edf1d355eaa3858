"""Every write of the documents app (STYLE: services).

A generated filing (DESIGN §5) lives as a `GeneratedDocument`: requested by a person, who gets
the next version of that kind in status queued with the data snapshot it will be printed from;
rendered by a background task (queued → rendering → ready, or failed with a short reason);
immutable once ready, so a new render is a new version.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from functools import partial

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.audit import audit_record
from casework.errors import Forbidden, GuardFailed, NotFound
from casework.models import Case
from casework.permissions import Access, access, may

from .kinds import filing_spec
from .models import DocumentStatus, GeneratedDocument
from .snapshot import unseal

logger = logging.getLogger(__name__)

STORAGE_DIR = "generated"


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
        transaction.on_commit(partial(document_render.enqueue, doc.pk))
    return doc


def _claim_for_rendering(doc_id: int) -> GeneratedDocument | None:
    """Move a queued (or failed, when retried) document to rendering; None when there is
    nothing to do: missing, already ready, or being rendered by another worker."""
    with transaction.atomic():
        claimed = GeneratedDocument.objects.filter(
            pk=doc_id, status__in=[DocumentStatus.QUEUED, DocumentStatus.FAILED]
        ).update(status=DocumentStatus.RENDERING, failure_reason="")
    if not claimed:
        return None
    return GeneratedDocument.objects.get(pk=doc_id)


def _mark_failed(doc_id: int, reason: str) -> None:
    with transaction.atomic():
        GeneratedDocument.objects.filter(pk=doc_id, status=DocumentStatus.RENDERING).update(
            status=DocumentStatus.FAILED, failure_reason=reason[:300]
        )


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
    try:
        pdf, _pages = render_pdf(template=spec.template, context=render_context(doc))
    except RenderError as exc:
        _mark_failed(doc.pk, str(exc))
        return DocumentStatus.FAILED
    except Exception as exc:  # noqa: BLE001 - any renderer failure is recorded on the document
        logger.exception("rendering document %s failed", doc.pk)
        _mark_failed(doc.pk, f"render error: {type(exc).__name__}")
        return DocumentStatus.FAILED

    name = default_storage.save(f"{STORAGE_DIR}/{secrets.token_hex(16)}.pdf", ContentFile(pdf))
    digest = hashlib.sha256(pdf).hexdigest()
    try:
        with transaction.atomic():
            updated = GeneratedDocument.objects.filter(
                pk=doc.pk, status=DocumentStatus.RENDERING
            ).update(
                status=DocumentStatus.READY,
                file=name,
                sha256=digest,
                size=len(pdf),
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
                    },
                )
    except Exception:
        default_storage.delete(name)
        raise
    if not updated:  # someone else finished or failed it meanwhile: keep theirs, drop ours
        default_storage.delete(name)
        return GeneratedDocument.objects.filter(pk=doc.pk).values_list("status", flat=True).first()
    return DocumentStatus.READY


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


def evidence_upload(
    *, case: Case, user, files, description: str = "", evidence_date=None, source_note: str = ""
) -> list:
    """Store evidence files on a case. Every file is checked first (evidence.check_file); if
    any is refused, nothing is written. The rows and the audit event are written in one
    transaction; if it fails, the files stored for it are deleted again."""
    from .evidence import check_file, clean_filename, too_large_message
    from .evidence import refused as refuse
    from .models import Evidence, EvidenceSource
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
    for upload in files:
        if upload.size is not None and upload.size > limit:
            raise refuse(too_large_message(limit), clean_filename(upload.name))
        upload.seek(0)
        data = upload.read(limit + 1)
        checked.append(check_file(data, name=upload.name, max_bytes=limit))

    stored: list[str] = []
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
                )
                for c, name in zip(checked, stored, strict=True)
            ]
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
