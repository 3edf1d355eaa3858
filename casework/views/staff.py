"""Staff pages: the queue (`/cases/`) and the case page (`/cases/<reference>/`) with its actions.

Thin views: parse the input, fetch the case through the gate, call one service, render.
Every page that names a case asks `get_case_or_404`, so a case the user may not see is
missing (404) on the page and on every POST endpoint alike. Domain errors become responses
here: a lost race (Conflict) re-renders the case page with status 409 and its current state, a
failed guard (GuardFailed) re-renders it with the form's field errors and status 400; NotFound
and Forbidden go on to casework.middleware (404 and 403 pages).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.choices import Role
from documents.evidence_selectors import evidence_panel
from rights.selectors import case_category_panels

from ..choices import CaseState
from ..errors import Conflict, GuardFailed, NotFound
from ..forms import staff as forms
from ..models import Case, Referral
from ..permissions import Access, allowed_transitions, get_case_or_404, may, principal_for
from ..selectors import staff as selectors
from ..selectors.case_rows import case_rows_preload
from ..selectors.deadlines import case_deadline_panel
from ..services import (
    case_accept_for_review,
    case_accept_referral,
    case_approve_referral,
    case_assign,
    case_claim,
    case_decline_referral,
    case_mediation_failed,
    case_record_agreement,
    case_record_outcome,
    case_refer,
    case_referral_conflict_check,
    case_reject,
    case_reopen,
    case_request_info,
    case_resume,
    case_start_mediation,
    case_submit,
    case_withdraw,
    message_post,
    note_add,
)
from ..services.proceedings import proceeding_start
from ..services.records import case_view_record
from .consent_forms import consent_forms

FULL_OR_SUMMARY = (Access.FULL, Access.SUMMARY)


class SeeOther(HttpResponseRedirect):
    status_code = 303


def staff_view(view):
    """Signed-in users only (anonymous users go to the login page), never cached."""
    return login_required(never_cache(view))


# --- the queue -------------------------------------------------------------------------------


def _query_without(request, *keys) -> str:
    params = request.GET.copy()
    for key in keys:
        params.pop(key, None)
    return params.urlencode()


@staff_view
@require_GET
def queue(request):
    """The queue of cases the user may work, and a coordinator's inbox of pending referrals."""
    user = request.user
    p = principal_for(user)
    if not p.works_queue:
        raise Http404
    has_queue = bool(p.roles & {Role.CASEWORKER, Role.SUPERVISOR, Role.LAWYER})
    context = {"has_queue": has_queue, "principal": p}
    if has_queue:
        form = forms.QueueFilterForm(
            request.GET,
            categories=selectors.queue_categories(),
            people=selectors.queue_people(user),
        )
        filters = form.filters(page=request.GET.get("page") or 1)
        page, counts = selectors.queue(user, filters)
        state_query = _query_without(request, "page", "state")
        context.update(
            form=form,
            filters=filters,
            page=page,
            counts=counts,
            state_tabs=[
                (value, label, counts.by_state.get(value, 0)) for value, label in CaseState.choices
            ],
            state_query=state_query,
            page_query=_query_without(request, "page"),
            next_url=request.get_full_path(),
        )
    context["inbox"] = selectors.coordinator_inbox(
        user, page_number=request.GET.get("inbox_page") or 1
    )
    context["inbox_query"] = _query_without(request, "inbox_page")
    return render(request, "staff/queue.html", context)


# --- the case page ---------------------------------------------------------------------------


def _case_page(
    request, reference: str, *, bound: dict | None = None, error: str = "", status: int = 200
):
    """Render the case page at the user's level of access, with any bound (failed) form in
    place of its blank one and an error message on top. Identity is shown unmasked (and the
    view audited) only on a plain GET: a page re-rendered after a refused action records
    nothing, so a refusal changes nothing."""
    user = request.user
    bound = bound or {}
    case, level = get_case_or_404(
        user, reference, levels=FULL_OR_SUMMARY, queryset=selectors.case_queryset()
    )
    if level == Access.FULL:
        selectors.case_referrals(case)  # read once; the gate's checks below reuse the live one
        case_rows_preload(case)  # the page's lists of rows, in one query
    allowed = set(allowed_transitions(user, case))
    state = {"expected_state": case.state}
    if level == Access.SUMMARY:
        summary = selectors.case_summary(user, case)
        options = {"lawyers": summary.lawyers}
        action_forms = []
        if may(user, "conflict_check", case):
            action_forms.append(
                bound.get("conflict_check") or forms.ConflictCheckForm(options=options)
            )
        for name in ("accept_referral", "decline_referral"):
            if name in allowed:
                cls = forms.TRANSITION_FORMS[name]
                action_forms.append(bound.get(name) or cls(initial=state, options=options))
        if request.method == "GET":
            case_view_record(case=case, user=user, level="summary", via="page")
        return render(
            request,
            "staff/case_summary.html",
            {"case": case, "summary": summary, "action_forms": action_forms, "error": error},
            status=status,
        )

    is_open = case.state in CaseState.open()
    may_assign = is_open and may(user, "assign", case)
    detail = selectors.case_detail(case, with_assignable=may_assign)
    options = {
        "providers": detail.providers,
        "lawyers": detail.lawyers,
        "assignable": detail.assignable,
    }

    def form(cls, name=None, initial=None):
        return bound.get(name or cls.name) or cls(initial=initial, options=options)

    transition_forms = []
    for name, cls in forms.TRANSITION_FORMS.items():
        if name not in allowed:
            continue
        if name == "refer_to_legal_aid" and detail.live_referral is not None:
            continue  # one live referral at a time; a waiting one is shown with its approval
        transition_forms.append(form(cls, initial=state))
    version = {"version": case.version, "next": ""}
    show_identity = request.method == "GET" and may(user, "view_identity", case)
    if request.method == "GET":
        shown = [
            pt.worker_id
            for pt in detail.workers
            if show_identity and (pt.worker.phone or pt.worker.id_number)
        ]
        case_view_record(case=case, user=user, level="full", via="page", worker_ids=shown)
    may_refer = may(user, "refer_to_legal_aid", case)
    context = {
        "case": case,
        "detail": detail,
        "error": error,
        "show_identity": show_identity,
        "transition_forms": transition_forms,
        "approve_form": (
            form(forms.ApproveReferralForm, initial=state)
            if detail.awaiting_approval
            and case.state == CaseState.UNDER_REVIEW
            and may(user, "approve_referral", case)
            else None
        ),
        "claim_form": form(forms.ClaimForm, initial=version)
        if is_open and may(user, "claim", case)
        else None,
        "assign_form": (
            form(forms.AssignForm, initial={**version, "assignee": case.assignee_id})
            if may_assign
            else None
        ),
        "note_form": form(forms.NoteForm) if may(user, "note", case) else None,
        "message_form": form(forms.MessageForm) if may(user, "message", case) else None,
        **consent_forms(form, case, user),
        "conflict_form": form(forms.ConflictCheckForm)
        if may(user, "conflict_check", case)
        else None,
        # The packet is what a referral needs, so it is offered where a referral can start.
        "may_generate_packet": may_refer and case.state == CaseState.UNDER_REVIEW,
        "show_documents": may_refer or detail.packet is not None,
        "category_panels": case_category_panels(case, categories=detail.categories),
        "deadline_panel": case_deadline_panel(case, user),
        "evidence": evidence_panel(
            case, user, upload_url=reverse("documents:evidence_upload", args=[case.reference])
        ),
    }
    return render(request, "staff/case_detail.html", context, status=status)


@staff_view
@require_GET
def case_detail(request, reference: str):
    return _case_page(request, reference)


# --- acting on a case ------------------------------------------------------------------------


def _done(request, reference: str, next_url: str = ""):
    """303 to where the user came from (a safe `next`), else back to the case page, or to the
    queue when the action took the case out of the user's sight (a coordinator who accepted)."""
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return SeeOther(next_url)
    try:
        get_case_or_404(
            request.user, reference, levels=FULL_OR_SUMMARY, queryset=selectors.case_queryset()
        )
    except NotFound:
        return SeeOther(reverse("casework:queue"))
    return SeeOther(reverse("casework:case_detail", args=[reference]))


def _act(
    request,
    reference: str,
    form_class: type[forms.ActionForm],
    run: Callable[[Case, forms.ActionForm], object],
    success: Callable[[object], str],
    *,
    levels=(Access.FULL,),
):
    """The shape of every POST on a case: through the gate, parse, one service, respond."""
    case, _level = get_case_or_404(
        request.user, reference, levels=levels, queryset=selectors.case_queryset()
    )
    form = form_class(request.POST, options=selectors.action_options(case))
    if not form.is_valid():
        return _case_page(
            request,
            reference,
            bound={form.name: form},
            error=_("Please correct the marked fields."),
            status=400,
        )
    try:
        result = run(case, form)
    except Conflict as exc:
        return _case_page(request, reference, error=str(exc.message), status=409)
    except GuardFailed as exc:
        form.add_domain_errors(exc)
        return _case_page(
            request, reference, bound={form.name: form}, error=str(exc.message), status=400
        )
    messages.success(request, success(result))
    return _done(request, reference, form.cleaned_data.get("next") or "")


def _start_proceedings(*, case, user, expected_state, stage, forum, filing_date) -> Case:
    """The case page's "Start proceedings" form: the same service as the lawyer's proceedings
    panel, so the first stage is recorded as a proceeding whose dates drive the deadlines."""
    proceeding = proceeding_start(
        case=case,
        user=user,
        stage=stage,
        forum=forum,
        filed_on=filing_date,
        expected_state=expected_state,
    )
    return proceeding.case


TRANSITION_SERVICES: dict[str, Callable] = {
    "submit": case_submit,
    "accept_for_review": case_accept_for_review,
    "reject": case_reject,
    "request_info": case_request_info,
    "resume": case_resume,
    "start_mediation": case_start_mediation,
    "mediation_failed": case_mediation_failed,
    "record_agreement": case_record_agreement,
    "refer_to_legal_aid": case_refer,
    "accept_referral": case_accept_referral,
    "decline_referral": case_decline_referral,
    "start_proceedings": _start_proceedings,
    "record_outcome": case_record_outcome,
    "withdraw": case_withdraw,
    "reopen": case_reopen,
}


def _transition_done(name: str, result) -> str:
    if name == "refer_to_legal_aid" and isinstance(result, Referral):
        return _("The referral is waiting for a supervisor's approval.")
    return {
        "submit": _("The grievance was submitted."),
        "accept_for_review": _("You accepted the case for review and are now its assignee."),
        "reject": _("The case was rejected."),
        "request_info": _("Your question was sent to the worker."),
        "resume": _("Review resumed."),
        "start_mediation": _("Mediation started."),
        "mediation_failed": _("Mediation failed was recorded; the case is back under review."),
        "record_agreement": _("The mediation agreement was recorded; the case is closed."),
        "refer_to_legal_aid": _("The case was referred to legal aid."),
        "accept_referral": _("You accepted the referral and assigned the lawyer."),
        "decline_referral": _("You declined the referral; the case is back with the union."),
        "start_proceedings": _("Proceedings started."),
        "record_outcome": _("The outcome was recorded; the case is closed."),
        "withdraw": _("The case was withdrawn at the worker's recorded request."),
        "reopen": _("The case was reopened."),
    }[name]


@staff_view
@require_POST
def case_transition(request, reference: str, name: str):
    """POST one transition by name (the explicit mapping above; any other name is missing)."""
    service = TRANSITION_SERVICES.get(name)
    if service is None:
        raise Http404

    def run(case, form):
        return service(
            case=case, user=request.user, expected_state=form.expected(), **form.service_kwargs()
        )

    return _act(
        request,
        reference,
        forms.TRANSITION_FORMS[name],
        run,
        lambda result: _transition_done(name, result),
        levels=FULL_OR_SUMMARY,
    )


@staff_view
@require_POST
def case_approve_referral_view(request, reference: str):
    return _act(
        request,
        reference,
        forms.ApproveReferralForm,
        lambda case, form: case_approve_referral(
            case=case, user=request.user, expected_state=form.expected()
        ),
        lambda _result: _("You approved the referral; it has been sent to the provider."),
    )


@staff_view
@require_POST
def case_claim_view(request, reference: str):
    return _act(
        request,
        reference,
        forms.ClaimForm,
        lambda case, form: case_claim(
            case=case, user=request.user, expected_version=form.cleaned_data["version"]
        ),
        lambda _result: _("You claimed the case %(reference)s.") % {"reference": reference},
    )


@staff_view
@require_POST
def case_assign_view(request, reference: str):
    def run(case, form):
        return case_assign(
            case=case,
            user=request.user,
            assignee_id=int(form.cleaned_data["assignee"]),
            expected_version=form.cleaned_data["version"],
        )

    return _act(
        request,
        reference,
        forms.AssignForm,
        run,
        lambda result: (
            _("%(reference)s is assigned to %(name)s.")
            % {"reference": reference, "name": result.assignee}
        ),
    )


@staff_view
@require_POST
def case_note_view(request, reference: str):
    return _act(
        request,
        reference,
        forms.NoteForm,
        lambda case, form: note_add(case=case, user=request.user, body=form.cleaned_data["body"]),
        lambda _result: _("Internal note added."),
    )


@staff_view
@require_POST
def case_message_view(request, reference: str):
    return _act(
        request,
        reference,
        forms.MessageForm,
        lambda case, form: message_post(
            case=case, user=request.user, body=form.cleaned_data["body"]
        ),
        lambda _result: _("Message sent."),
    )


@staff_view
@require_POST
def case_referral_conflict_check_view(request, reference: str):
    return _act(
        request,
        reference,
        forms.ConflictCheckForm,
        lambda case, form: case_referral_conflict_check(
            case=case, user=request.user, **form.service_kwargs()
        ),
        lambda referral: (
            _("Conflict check recorded: possible conflict.")
            if referral.conflict_found
            else _("Conflict check recorded: no conflict found.")
        ),
        levels=FULL_OR_SUMMARY,
    )
