"""Generated filings: ask for one from the case page, download a ready one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from casework.errors import Forbidden, GuardFailed, NotFound
from casework.permissions import Access, get_case_or_404

from . import upload
from .evidence import clean_filename, download_name, refused, too_large_message
from .kinds import download_filename
from .models import GeneratedDocument
from .services import (
    document_open_for_download,
    document_request,
    document_retry,
    evidence_open_for_download,
    evidence_upload,
)


@require_POST
def request_document(request, reference: str, kind: str):
    """POST from the case page: a new version of the filing is queued; back to the case."""
    case, _level = get_case_or_404(request.user, reference)
    try:
        doc = document_request(case=case, kind=kind, user=request.user)
    except (GuardFailed, Forbidden) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _(
                "Generating the %(document)s, version %(version)d. Reload the page in a moment to download it."
            )
            % {"document": doc.get_kind_display(), "version": doc.version},
        )
    return HttpResponseRedirect(reverse("casework:case_detail", args=[case.reference]), status=303)


@require_POST
def retry_document(request, pk: int):
    """POST from the case page: a failed document is queued again (same version, same
    snapshot); back to the case. 404 for anyone who may not ask for it."""
    doc = GeneratedDocument.objects.defer("snapshot").select_related("case").filter(pk=pk).first()
    if doc is None:
        raise NotFound(_("Document not found"))
    case, _level = get_case_or_404(request.user, doc.case.reference)
    try:
        doc = document_retry(document=doc, user=request.user)
    except (GuardFailed, Forbidden) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _(
                "Generating the %(document)s, version %(version)d. Reload the page in a moment to download it."
            )
            % {"document": doc.get_kind_display(), "version": doc.version},
        )
    return HttpResponseRedirect(reverse("casework:case_detail", args=[case.reference]), status=303)


@require_GET
def download(request, pk: int):
    """The PDF of a ready document, for staff with the whole file; 404 for anyone else."""
    doc, handle = document_open_for_download(document_id=pk, user=request.user)
    response = FileResponse(
        handle, as_attachment=True, filename=download_filename(doc), content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


# --- evidence ------------------------------------------------------------------------------


def _evidence_fields(request) -> dict:
    """description, evidence date and source from the form; a date that does not parse is
    left empty (it is optional)."""
    from datetime import date

    raw = (request.POST.get("evidence_date") or "").strip()
    try:
        evidence_date = date.fromisoformat(raw) if raw else None
    except ValueError:
        evidence_date = None
    return {
        "files": request.FILES.getlist("files"),
        "description": request.POST.get("description", ""),
        "evidence_date": evidence_date,
        "source_note": request.POST.get("source_note", ""),
    }


def _evidence_store(request, actor, case, handler) -> tuple[str, int] | None:
    """Run the upload; the refusal message and status (413 too large, 429 over a quota, 503
    no virus-scan verdict, else 400), or None when stored (a success message is set)."""
    fields = _evidence_fields(request)  # reads the body: the cap handler runs here
    if handler.exceeded:
        message = refused(
            too_large_message(handler.max_bytes), clean_filename(handler.exceeded_name)
        ).message
        return str(message), 413
    try:
        rows = evidence_upload(case=case, user=actor, **fields)
    except (GuardFailed, Forbidden) as exc:
        return str(exc.message), exc.status
    messages.success(
        request,
        ngettext("%(count)d file added.", "%(count)d files added.", len(rows))
        % {"count": len(rows)},
    )
    return None


@login_required
@never_cache
@require_POST
@csrf_exempt
def evidence_upload_staff(request, reference: str):
    """POST from the staff case page. The case is found through the gate before the body is
    read; the size cap is in place before the upload streams; then the CSRF check."""
    case, _level = get_case_or_404(request.user, reference)
    handler = upload.install(request)
    return _evidence_upload_staff(request, case, handler)


@csrf_protect
def _evidence_upload_staff(request, case, handler):
    problem = _evidence_store(request, request.user, case, handler)
    if problem:
        from casework.views.staff import _case_page

        message, status = problem
        return _case_page(request, case.reference, error=message, status=status)
    return HttpResponseRedirect(reverse("casework:case_detail", args=[case.reference]), status=303)


def _worker_response(request, actor, case, mode, handler):
    from casework.views.worker import _render_case

    problem = _evidence_store(request, actor, case, handler)
    if problem:
        message, status = problem
        messages.error(request, message)
        return _render_case(request, actor, case, mode, status=status)
    return HttpResponseRedirect(mode.url(), status=303)


@never_cache
@require_POST
@csrf_exempt
def evidence_upload_track(request):
    """POST from the follow-up page of a worker who proved their receipt code."""
    from casework.views.worker import PageMode, _tracked_case

    tracked = _tracked_case(request)
    if tracked is None:
        messages.info(request, _("Please enter your receipt code again."))
        return HttpResponseRedirect(reverse("casework:track"), status=303)
    holder, case = tracked
    handler = upload.install(request)
    return csrf_protect(_worker_response)(request, holder, case, PageMode("track"), handler)


@never_cache
@require_POST
@csrf_exempt
@login_required
def evidence_upload_mine(request, reference: str):
    """POST from the page of a grievance filed with the worker's account."""
    from casework.views.worker import PageMode

    case, _level = get_case_or_404(request.user, reference, levels=(Access.WORKER,))
    handler = upload.install(request)
    return csrf_protect(_worker_response)(
        request, request.user, case, PageMode("my", case.reference), handler
    )


@never_cache
@require_GET
def evidence_download(request, pk: int):
    """An evidence file, for staff with the whole case or the case's worker; 404 for anyone
    else. Always an attachment, never rendered by the browser."""
    from casework.views.worker import _tracked_case

    tracked = _tracked_case(request)
    item, handle = evidence_open_for_download(
        evidence_id=pk, user=request.user, worker=tracked[0] if tracked else None
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name(item.pk, item.content_type),
        content_type=item.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "no-store"
    return response
