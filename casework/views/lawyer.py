"""The lawyer's workspace: "my cases" (/legal-aid/) and the proceedings of a case.

The case file itself is the staff case page, which the lawyer sees in full through the grants
made on acceptance; the proceedings panel on it posts here."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..errors import Conflict, GuardFailed
from ..forms.provider import ProceedingDatesForm, ProceedingStartForm
from ..permissions import get_case_or_404, principal_for
from ..selectors import referrals as selectors
from ..selectors.staff import case_queryset
from ..services.proceedings import proceeding_start, proceeding_update
from .staff import SeeOther, _case_page, staff_view

CHECKBOXES = ("final_award", "award_extended")


@staff_view
@require_GET
def my_cases(request):
    p = principal_for(request.user)
    if not p.lawyer_org_ids:
        raise Http404
    return render(request, "lawyer/my_cases.html", {"rows": selectors.lawyer_cases(request.user)})


def _run(request, reference, form, run, done):
    case, _level = get_case_or_404(request.user, reference, queryset=case_queryset())
    if not form.is_valid():
        return _case_page(
            request, reference, error=_("Please correct the marked fields."), status=400
        )
    try:
        run(case, form.cleaned_data)
    except Conflict as exc:
        return _case_page(request, reference, error=str(exc.message), status=409)
    except GuardFailed as exc:
        return _case_page(request, reference, error=str(exc.message), status=400)
    messages.success(request, done)
    return SeeOther(reverse("casework:case_detail", args=[reference]))


@staff_view
@require_POST
def proceeding_start_view(request, reference: str):
    return _run(
        request,
        reference,
        ProceedingStartForm(request.POST),
        lambda case, data: proceeding_start(
            case=case,
            user=request.user,
            stage=data["stage"],
            forum=data["forum"],
            filed_on=data["filed_on"],
            case_number=data["case_number"],
            expected_state=data["expected_state"],
        ),
        _("The stage of proceedings was recorded; the deadlines were recomputed."),
    )


@staff_view
@require_POST
def proceeding_update_view(request, reference: str, proceeding_id: int):
    return _run(
        request,
        reference,
        ProceedingDatesForm(request.POST),
        lambda case, data: proceeding_update(
            case=case,
            user=request.user,
            proceeding_id=proceeding_id,
            # A field left out of the post stays as it is; a checkbox left out is unticked.
            **{k: v for k, v in data.items() if k in request.POST or k in CHECKBOXES},
        ),
        _("The dates were recorded; the deadlines were recomputed."),
    )
