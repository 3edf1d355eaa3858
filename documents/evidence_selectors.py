"""What the case pages show of a case's evidence (one query each)."""

from __future__ import annotations

from casework.permissions import Access, access, may
from casework.selectors.case_rows import case_rows

from .models import Evidence


def evidence_panel(case, user, *, upload_url: str) -> dict | None:
    """The evidence partial's context for this user, or None when they do not see evidence.
    Staff with the whole case see every file; the worker sees what the worker added."""
    level = access(user, case)
    if level == Access.FULL:
        items = Evidence.objects.filter(case=case)
        may_upload = may(user, "note", case)
        audience = "staff"
    elif level == Access.WORKER:
        items = Evidence.objects.filter(case=case, uploaded_by_worker=True)
        may_upload = case.is_open
        audience = "worker"
    else:
        return None
    rows = case_rows(case, "evidence", items.order_by("created_at", "id"))
    if level == Access.WORKER:  # a preloaded list holds every file
        rows = [e for e in rows if e.uploaded_by_worker]
    return {
        "items": rows,
        "upload_url": upload_url,
        "may_upload": may_upload,
        "audience": audience,
    }
