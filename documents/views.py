"""Generated filings: ask for one from the case page, download a ready one."""

from django.contrib import messages
from django.http import FileResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from casework.errors import Forbidden, GuardFailed
from casework.permissions import get_case_or_404

from .kinds import download_filename
from .services import document_open_for_download, document_request


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
