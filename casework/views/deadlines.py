"""The deadlines of a case (`/cases/<reference>/deadlines/`): the list with citations, and
the forms that change the key dates and record a suspension or an interruption.

Thin views: through the gate (404 for anyone who may not see the case in full), parse, one
service, 303 back to the page.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from ..errors import Conflict, Forbidden, GuardFailed
from ..forms.deadlines import FORMS
from ..permissions import get_case_or_404
from ..selectors.deadlines import case_deadline_panel, deadline_form_options
from ..services.deadlines import case_key_dates_update, deadline_interrupt, deadline_suspend
from .staff import SeeOther, staff_view

SERVICES = {
    "key_dates": case_key_dates_update,
    "suspend": deadline_suspend,
    "interrupt": deadline_interrupt,
}
SUCCESS = {
    "key_dates": gettext_lazy("The key dates were changed and the deadlines recomputed."),
    "suspend": gettext_lazy("The suspension was recorded and the deadlines recomputed."),
    "interrupt": gettext_lazy("The interruption was recorded and the deadlines recomputed."),
}


def _page(request, case, *, bound=None, error="", status=200):
    panel = case_deadline_panel(case, request.user, bound=bound)
    return render(
        request,
        "rights/case_deadlines.html",
        {"case": case, "deadline_panel": panel, "error": error},
        status=status,
    )


@staff_view
@require_GET
def case_deadlines(request, reference: str):
    case, _level = get_case_or_404(request.user, reference)
    return _page(request, case)


@staff_view
@require_POST
def case_deadlines_action(request, reference: str, action: str):
    case, _level = get_case_or_404(request.user, reference)
    form_class = FORMS[action]
    panel = case_deadline_panel(case, request.user)
    if not panel.may_edit:
        raise Forbidden()
    form = form_class(request.POST, options=deadline_form_options())
    if not form.is_valid():
        return _page(
            request,
            case,
            bound={action: form},
            error=_("Please correct the marked fields."),
            status=400,
        )
    try:
        SERVICES[action](case=case, user=request.user, **form.service_kwargs())
    except Conflict as exc:
        return _page(request, case, error=str(exc.message), status=409)
    except GuardFailed as exc:
        form.add_domain_errors(exc)
        return _page(request, case, bound={action: form}, error=str(exc.message), status=400)
    messages.success(request, str(SUCCESS[action]))
    return SeeOther(reverse("casework:case_deadlines", args=[reference]))
