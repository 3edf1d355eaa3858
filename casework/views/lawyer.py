"""The lawyer's workspace: "my cases" (/legal-aid/) and the proceedings of a case.

The case file itself is the staff case page, which the lawyer sees in full through the grants
made on acceptance; the proceedings panel on it posts here."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..forms.provider import ProceedingDatesForm, ProceedingStartForm
from ..permissions import Access, principal_for
from ..selectors import referrals as selectors
from ..services.proceedings import proceeding_start, proceeding_update
from .provider import case_form_post
from .staff import staff_view

CHECKBOXES = ("final_award", "award_extended")


@staff_view
@require_GET
def my_cases(request):
    p = principal_for(request.user)
    if not p.lawyer_org_ids:
        raise Http404
    return render(request, "lawyer/my_cases.html", {"rows": selectors.lawyer_cases(request.user)})


@staff_view
@require_POST
def proceeding_start_view(request, reference: str):
    return case_form_post(
        request,
        reference,
        ProceedingStartForm,
        lambda case, form: proceeding_start(
            case=case,
            user=request.user,
            stage=form.cleaned_data["stage"],
            forum=form.cleaned_data["forum"],
            filed_on=form.cleaned_data["filed_on"],
            case_number=form.cleaned_data["case_number"],
            expected_state=form.cleaned_data["expected_state"],
        ),
        _("The stage of proceedings was recorded; the deadlines were recomputed."),
        levels=(Access.FULL,),
    )


@staff_view
@require_POST
def proceeding_update_view(request, reference: str, proceeding_id: int):
    return case_form_post(
        request,
        reference,
        ProceedingDatesForm,
        lambda case, form: proceeding_update(
            case=case,
            user=request.user,
            proceeding_id=proceeding_id,
            # A field left out of the post stays as it is; a checkbox left out is unticked.
            **{k: v for k, v in form.cleaned_data.items() if k in request.POST or k in CHECKBOXES},
        ),
        _("The dates were recorded; the deadlines were recomputed."),
        levels=(Access.FULL,),
    )
