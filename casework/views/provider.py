"""The coordinator's pages: the inbox (/referrals/) and the conflict check of a referral.

Thin views: the gate (`get_case_or_404` at SUMMARY level), one service, a redirect. Errors the
user can cause come back as a message on the summary page (400); a case the user may not see
is missing (404) on every route."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..errors import Conflict, GuardFailed
from ..forms.provider import ConflictClearForm, ReturnForChangesForm
from ..permissions import Access, get_case_or_404, principal_for
from ..selectors import referrals as selectors
from ..selectors.staff import case_queryset
from ..services.referrals import (
    case_referral_conflict_check,
    referral_conflict_clear,
    referral_return_for_changes,
)
from .staff import FULL_OR_SUMMARY, SeeOther, _case_page, staff_view


@staff_view
@require_GET
def inbox(request):
    p = principal_for(request.user)
    if not p.coordinator_org_ids:
        raise Http404
    page = selectors.provider_inbox(request.user, page_number=request.GET.get("page") or 1)
    return render(request, "provider/inbox.html", {"inbox": page})


def case_form_post(request, reference, form_class, run, done: str, *, levels=FULL_OR_SUMMARY):
    """A POST on a case from the provider's side (coordinator or lawyer): through the gate,
    a plain form (or none), one service, back to the case page."""
    case, _level = get_case_or_404(request.user, reference, levels=levels, queryset=case_queryset())
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        return _case_page(
            request, reference, error=_("Please correct the marked fields."), status=400
        )
    try:
        run(case, form)
    except Conflict as exc:
        return _case_page(request, reference, error=str(exc.message), status=409)
    except GuardFailed as exc:
        return _case_page(request, reference, error=str(exc.message), status=400)
    messages.success(request, done)
    return SeeOther(reverse("casework:case_detail", args=[reference]))


@staff_view
@require_POST
def conflict_check_run(request, reference: str):
    """Run the automatic conflict check again (the provider's cases may have changed)."""
    return case_form_post(
        request,
        reference,
        None,
        lambda case, _form: case_referral_conflict_check(case=case, user=request.user),
        _("The conflict check was run again."),
        levels=(Access.SUMMARY,),
    )


@staff_view
@require_POST
def conflict_clear(request, reference: str):
    return case_form_post(
        request,
        reference,
        ConflictClearForm,
        lambda case, form: referral_conflict_clear(
            case=case, user=request.user, note=form.cleaned_data["note"]
        ),
        _("Recorded: the matches are not a conflict."),
        levels=(Access.SUMMARY,),
    )


@staff_view
@require_POST
def return_for_changes(request, reference: str):
    return case_form_post(
        request,
        reference,
        ReturnForChangesForm,
        lambda case, form: referral_return_for_changes(
            case=case, user=request.user, note=form.cleaned_data["note"]
        ),
        _("The referral was returned for changes."),
        levels=(Access.FULL,),
    )
