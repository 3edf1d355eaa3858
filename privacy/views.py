"""The worker's data page (download a copy, ask for erasure) and the supervisors' queue of
erasure requests. Thin views: the gate and the services decide."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from casework.errors import DomainError, NotFound
from casework.permissions import Access, get_case_or_404, principal_for
from casework.selectors.worker import my_cases

from .selectors import erasure_queue, my_erasure_requests
from .services import (
    MAX_REASON,
    erasure_request_create,
    erasure_request_decide,
    personal_data_export,
)


@never_cache
@login_required
def my_data(request):
    """Your data (我的个人信息): what is held, a copy to download, erasure requests."""
    requests_ = list(my_erasure_requests(request.user))
    pending = {r.case_id for r in requests_ if r.state == "pending"}
    cases = list(my_cases(request.user))
    return render(
        request,
        "privacy/my_data.html",
        {
            "cases": cases,
            "ended": [c for c in cases if not c.is_open and c.pk not in pending],
            "requests": requests_,
        },
    )


@never_cache
@login_required
def my_data_export(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    archive, _files = personal_data_export(user=request.user)
    response = FileResponse(
        archive,
        as_attachment=True,
        filename=f"rightsdesk-my-data-{timezone.localdate():%Y%m%d}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@never_cache
@login_required
def erasure_request(request, reference: str):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    case, _level = get_case_or_404(request.user, reference, levels=(Access.WORKER,))
    try:
        erasure_request_create(user=request.user, case=case)
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _(
                "Your request has been sent. A union supervisor will decide on it; you will see the answer here."
            ),
        )
    return redirect("privacy:my_data")


@never_cache
@login_required
@require_safe
def erasure_queue_page(request):
    """Supervisors: erasure requests waiting for a decision."""
    if not principal_for(request.user).supervisor_paths:
        raise NotFound()
    return render(
        request,
        "privacy/erasure_queue.html",
        {"requests": list(erasure_queue(request.user)), "max_reason": MAX_REASON},
    )


@never_cache
@login_required
def erasure_decide(request, pk: int):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    decision = request.POST.get("decision")
    if decision not in ("approve", "decline"):
        messages.error(request, _("Please choose to approve or decline."))
        return redirect("privacy:erasure_queue")
    try:
        done = erasure_request_decide(
            user=request.user,
            request_id=pk,
            approve=decision == "approve",
            reason=request.POST.get("reason", ""),
        )
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if done.state == "approved":
            messages.success(request, _("Approved: the grievance's personal data was erased."))
        else:
            messages.success(request, _("Declined. The worker will see your reason."))
    return redirect("privacy:erasure_queue")
