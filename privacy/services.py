"""Writes of the privacy app: the worker's copy of their data, erasure requests and their
decision (PIPL Arts. 45 and 47). Each is one transaction and writes its audit event, with
counts and ids only."""

from __future__ import annotations

import json
import tempfile
import zipfile

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.audit import audit_record
from casework.errors import DomainError, NotFound
from casework.models import Case
from casework.permissions import Access, access, may

from .models import ErasureRequest, ErasureState, PurgeReason
from .purge import case_purge
from .selectors import personal_data

MAX_REASON = 500


class AlreadyDone(DomainError):
    status = 409


def personal_data_export(*, user):
    """A zip of everything held about the worker that the worker may see (PIPL Art. 45):
    data.json and the evidence files they added. Returns an open file positioned at 0 and the
    number of files; the export is audited (counts only)."""
    data, files = personal_data(user)
    archive = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - handed to FileResponse, which closes it
        max_size=8 * 1024 * 1024, dir=settings.FILE_UPLOAD_TEMP_DIR
    )
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
        for arcname, file_field in files:
            with file_field.storage.open(file_field.name, "rb") as handle:
                with zf.open(arcname, "w") as target:
                    for chunk in iter(lambda h=handle: h.read(1024 * 1024), b""):
                        target.write(chunk)
    archive.seek(0)
    with transaction.atomic():
        audit_record(
            verb="personal_data_exported",
            actor=user,
            actor_kind="worker",
            payload={"cases": len(data["grievances"]), "files": len(files)},
        )
    return archive, len(files)


@transaction.atomic
def erasure_request_create(*, user, case: Case) -> ErasureRequest:
    """The worker asks for their grievance's data to be erased. Only for their own case, once
    it has ended (an open case is withdrawn first)."""
    if not getattr(user, "is_authenticated", False) or access(user, case) != Access.WORKER:
        raise NotFound()
    if not may(user, "request_erasure", case):
        raise NotFound()
    if case.is_open:
        raise DomainError(
            _("This grievance is still being handled. Withdraw it first, then ask for erasure.")
        )
    if hasattr(case, "purge_record"):
        raise DomainError(_("The personal data of this grievance has already been erased."))
    if ErasureRequest.objects.filter(case=case, state=ErasureState.PENDING).exists():
        raise AlreadyDone(_("You have already asked for this grievance's data to be erased."))
    request = ErasureRequest.objects.create(case=case, requested_by=user)
    audit_record(
        verb="erasure_requested",
        actor=user,
        actor_kind="worker",
        case=case,
        payload={"request": request.pk},
        worker_visible=True,
    )
    return request


@transaction.atomic
def erasure_request_decide(
    *, user, request_id: int, approve: bool, reason: str = ""
) -> ErasureRequest:
    """A supervisor over the case's union approves (the case is purged) or declines with a
    reason the worker will read."""
    request = (
        ErasureRequest.objects.select_for_update()
        .select_related("case__owning_org")
        .filter(pk=request_id)
        .first()
    )
    if request is None or not may(user, "decide_erasure", request.case):
        raise NotFound()
    if request.state != ErasureState.PENDING:
        raise AlreadyDone(_("This request has already been decided."))
    reason = (reason or "").strip()
    if not approve and not reason:
        raise DomainError(_("Please give the worker a reason for declining."))
    if len(reason) > MAX_REASON:
        raise DomainError(
            _("The reason is too long (at most %(n)d characters).") % {"n": MAX_REASON}
        )
    request.decided_by, request.decided_at = user, timezone.now()
    if approve:
        request.state, request.decline_reason = ErasureState.APPROVED, ""
        request.save(update_fields=["state", "decline_reason", "decided_by", "decided_at"])
        audit_record(
            verb="erasure_approved", actor=user, case=request.case, payload={"request": request.pk}
        )
        case_purge(case=request.case, reason=PurgeReason.ERASURE, actor=user)
        request.refresh_from_db()
    else:
        request.state, request.decline_reason = ErasureState.DECLINED, reason
        request.save(update_fields=["state", "decline_reason", "decided_by", "decided_at"])
        audit_record(
            verb="erasure_declined",
            actor=user,
            case=request.case,
            payload={"request": request.pk},
            worker_visible=True,
        )
    return request
