"""Consent pages (glossary §2.10): staff record a consent signed on paper, with its scan, and a
withdrawal the worker made on paper or in person; the worker withdraws their own consent after
a confirmation step, from /my/<reference>/ or the receipt-code page.

Thin views: through the gate, parse, one service (casework.services.consent), respond. The
staff forms carry a scan: as for evidence uploads, the case is found through the gate and the
size cap installed before the body is read, then the CSRF check runs.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from accounts.models import Organisation
from documents import upload
from documents.evidence import clean_filename, refused, too_large_message

from ..errors import Conflict, GuardFailed
from ..forms.consent import ConsentPaperForm, ConsentWithdrawForm, WorkerConsentWithdrawForm
from ..forms.worker import CONSENT_TEXT
from ..models import ConsentRecord
from ..permissions import Access, get_case_or_404, may
from ..selectors import staff as selectors
from ..services.consent import consent_grant, consent_withdraw
from . import staff as staff_views
from . import worker as worker_views

# --- staff ----------------------------------------------------------------------------------


def _staff_files_action(request, reference, form_class, run, success):
    case, _level = get_case_or_404(
        request.user, reference, levels=(Access.FULL,), queryset=selectors.case_queryset()
    )
    handler = upload.install(request)
    return _staff_files_action_checked(request, case, handler, form_class, run, success)


@csrf_protect
def _staff_files_action_checked(request, case, handler, form_class, run, success):
    form = form_class(request.POST, request.FILES, options=selectors.action_options(case))
    if handler.exceeded:
        message = refused(
            too_large_message(handler.max_bytes), clean_filename(handler.exceeded_name)
        ).message
        form.is_valid()
        form.add_error("scan", str(message))
        return staff_views._case_page(
            request, case.reference, bound={form.name: form}, error=str(message), status=413
        )
    if not form.is_valid():
        return staff_views._case_page(
            request,
            case.reference,
            bound={form.name: form},
            error=_("Please correct the marked fields."),
            status=400,
        )
    try:
        run(case, form)
    except Conflict as exc:
        return staff_views._case_page(request, case.reference, error=str(exc.message), status=409)
    except GuardFailed as exc:
        if "files" in exc.field_errors:  # the evidence check names its own field
            exc.field_errors["scan"] = exc.field_errors.pop("files")
        form.add_domain_errors(exc)
        return staff_views._case_page(
            request, case.reference, bound={form.name: form}, error=str(exc.message), status=400
        )
    messages.success(request, success)
    return staff_views._done(request, case.reference)


@login_required
@never_cache
@require_POST
@csrf_exempt
def case_consent_paper(request, reference: str):
    """Record a consent the worker signed on paper, with the scan of the signed form."""

    def run(case, form):
        provider_id = form.cleaned_data.get("provider")
        provider = Organisation.objects.filter(pk=provider_id).first() if provider_id else None
        return consent_grant(
            case=case,
            user=request.user,
            scope=form.cleaned_data["scope"],
            provider=provider,
            scan=form.cleaned_data["scan"],
        )

    return _staff_files_action(
        request, reference, ConsentPaperForm, run, _("Consent recorded with the scan.")
    )


@login_required
@never_cache
@require_POST
@csrf_exempt
def case_consent_withdraw(request, reference: str):
    """Record that the worker withdrew a consent (on paper, by phone, in person)."""

    def run(case, form):
        record = ConsentRecord.objects.filter(case=case, pk=form.cleaned_data["consent_id"]).first()
        if record is None:
            raise Http404
        return consent_withdraw(
            consent=record,
            user=request.user,
            reason=form.cleaned_data["reason"],
            scan=form.cleaned_data.get("scan"),
        )

    return _staff_files_action(
        request, reference, ConsentWithdrawForm, run, _("The withdrawal of consent was recorded.")
    )


# --- the worker -----------------------------------------------------------------------------


def _consent_text(record: ConsentRecord) -> str:
    if record.scope in CONSENT_TEXT and "%(provider)s" in str(CONSENT_TEXT[record.scope]):
        name = record.provider.name if record.provider else _("a legal-aid provider")
        return CONSENT_TEXT[record.scope] % {"provider": name}
    return str(CONSENT_TEXT.get(record.scope, record.get_scope_display()))


def _worker_withdraw(request, actor, case, mode):
    """GET: the confirmation page for one consent in force; POST: withdraw it."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if not may(actor, "consent", case):
        raise Http404
    data = request.POST if request.method == "POST" else {"consent_id": request.GET.get("consent")}
    form = WorkerConsentWithdrawForm(data)
    record = (
        ConsentRecord.objects.select_related("provider")
        .filter(case=case, pk=form.cleaned_data["consent_id"])
        .first()
        if form.is_valid()
        else None
    )
    if record is None:
        raise Http404
    if record.withdrawn_at is not None:
        messages.info(request, _("This consent has already been withdrawn."))
        return redirect(mode.url())
    if request.method == "GET":
        form = WorkerConsentWithdrawForm(initial={"consent_id": record.pk})
    else:
        try:
            consent_withdraw(consent=record, user=actor, reason=form.cleaned_data["reason"])
        except Conflict as error:
            messages.warning(
                request,
                _(
                    "Your grievance has just changed; it is now: %(state)s. Please check it and try again."
                )
                % {"state": error.case.worker_state_label},
            )
            return redirect(mode.url())
        except GuardFailed as error:
            messages.error(request, str(error.message))
            return redirect(mode.url())
        messages.success(request, _("Your consent has been withdrawn."))
        return redirect(mode.url())
    return worker_views._render(
        request,
        "worker/consent_withdraw_confirm.html",
        {
            "case": case,
            "record": record,
            "text": _consent_text(record),
            "form": form,
            "is_provider": record.scope == "legal_aid_provider",
            "action": _withdraw_url(mode),
            "back": mode.url(),
        },
    )


def _withdraw_url(mode) -> str:
    if mode.kind == "track":
        return reverse("casework:track_consent_withdraw")
    return reverse("casework:my_consent_withdraw", args=[mode.reference])


@never_cache
@login_required
@worker_views.reads_post
def my_consent_withdraw(request, reference: str):
    case, _level = get_case_or_404(request.user, reference, levels=(Access.WORKER,))
    return _worker_withdraw(
        request, request.user, case, worker_views.PageMode("my", case.reference)
    )


@never_cache
@worker_views.reads_post
def track_consent_withdraw(request):
    tracked = worker_views._tracked_case(request)
    if tracked is None:
        messages.info(request, _("Please enter your receipt code again."))
        return redirect("casework:track")
    holder, case = tracked
    return _worker_withdraw(request, holder, case, worker_views.PageMode("track"))
