"""The worker's pages: home, following a grievance up, my grievances (filing: views/filing.py).

Thin views (STYLE): parse input, fetch through the gate, call one service, render. Domain
errors are turned into form errors or messages here; NotFound goes on to the middleware (404).

Privacy rules that shape this module (DESIGN §3, glossary §1.5):
- no IP address or browser string is read or stored;
- the receipt code is shown once, in the response to the filing POST, and never put in a
  URL, the session, a message or a log; only its keyed digest is stored, by the service;
- the filing steps live in the server-side session, encrypted like the identity fields;
- pages with personal data are sent with Cache-Control: no-store;
- a receipt-code session keeps only the case id, and forgets it on "Leave".
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import dateformat
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django.views.defaults import bad_request as django_bad_request

from documents.evidence_selectors import evidence_panel
from notifications.selectors import worker_notices
from notifications.services import worker_notices_mark_read

from ..choices import CaseState, ConsentScope
from ..crypto import lookup_digest
from ..errors import Conflict, DomainError, GuardFailed
from ..forms.worker import (
    CONSENT_TEXT,
    AnswerForm,
    ConsentGrantForm,
    ConsentWithdrawForm,
    MessageForm,
    ReceiptCodeForm,
    max_text,
)
from ..models import Case, ConsentRecord
from ..permissions import Access, ReceiptHolder, get_case_or_404, may, visible_cases
from ..selectors.worker import my_case_cards, worker_case_view
from ..services import (
    case_resume,
    case_withdraw,
    consent_grant,
    consent_withdraw,
    message_post,
    receipt_lookup,
)
from ..services.intake import normalise_receipt_code

logger = logging.getLogger(__name__)

SESSION_TRACK = "rightsdesk_track_case"

# Without an account, the session is the worker's only key: keep it short-lived, so that a
# shared phone does not keep a grievance open for the next person.
TRACK_IDLE_SECONDS = 30 * 60

# Receipt-code guesses: per code (its keyed digest) and for the whole site. Never per IP
# address: no address is read at all.
TRACK_LIMIT_PER_CODE = 10
TRACK_WINDOW_PER_CODE = 15 * 60
TRACK_LIMIT_GLOBAL = 300
TRACK_WINDOW_GLOBAL = 60


# --- small presentation helpers ----------------------------------------------------------------


def _formats() -> dict[str, str]:
    """Date formats of glossary §1.4: 2026年11月24日 / 24 Nov 2026."""
    if (get_language() or "").startswith("en"):
        return {"date_fmt": "j M Y", "datetime_fmt": "j M Y, H:i"}
    return {"date_fmt": "Y年n月j日", "datetime_fmt": "Y年n月j日 H:i"}


def _date_text(value) -> str:
    return dateformat.format(value, _formats()["date_fmt"]) if value else ""


def _period_text(start, end) -> str:
    if start and end:
        return f"{_date_text(start)} – {_date_text(end)}"
    return _date_text(start or end)


def amount_text(value) -> str:
    """¥12,345.60: thousands separator, always two decimals (glossary §1.3)."""
    return f"¥{value:,.2f}" if value is not None else ""


def _render(request, template: str, context: dict | None = None, status: int = 200):
    return render(request, template, {**_formats(), **(context or {})}, status=status)


def _too_long_response(request):
    """413, and a way back to the page the text came from."""
    back = reverse("casework:home")
    match = getattr(request, "resolver_match", None) or _resolve(request.path_info)
    if match is not None:
        if match.url_name in ("file", "file_step"):
            back = request.path
        elif match.url_name == "track_action":
            back = reverse("casework:track_case")
        elif match.url_name == "my_case_action":
            back = reverse("casework:my_case", args=[match.kwargs["reference"]])
    return _render(
        request, "worker/too_long.html", {"limit": f"{max_text():,}", "back_url": back}, status=413
    )


def _resolve(path: str):
    try:
        return resolve(path)
    except Resolver404:
        return None


def reads_post(view):
    """A body larger than DATA_UPLOAD_MAX_MEMORY_SIZE raises when request.POST is read: answer
    with a page that says the text is too long, and do nothing else."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except RequestDataTooBig:
            return _too_long_response(request)

    return wrapped


def bad_request(request, exception=None):
    """handler400: the CSRF check reads the body before any view when CSRF is enforced, so an
    oversized body ends here; other bad requests get Django's page."""
    if isinstance(exception, RequestDataTooBig):
        return _too_long_response(request)
    return django_bad_request(request, exception)


# --- home -----------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
def home(request):
    return _render(request, "home.html")


# --- following up with a receipt code -----------------------------------------------------------


class _CounterUnavailable(Exception):
    pass


def _over_limit(key: str, limit: int, window: int) -> bool:
    """Count one attempt in a fixed window; True when the window already holds `limit`.
    Raises _CounterUnavailable when the cache does not answer."""
    try:
        if cache.add(key, 1, timeout=window):
            return False
        try:
            count = cache.incr(key)
        except ValueError:  # the window expired between add and incr
            cache.add(key, 1, timeout=window)
            return False
    except Exception as exc:  # noqa: BLE001 — whatever the cache backend raises when down
        logger.warning("the receipt-code throttle could not count: %s", type(exc).__name__)
        raise _CounterUnavailable from exc
    return count > limit


# Seconds a client is asked to wait (Retry-After) when the cache does not answer.
TRACK_UNAVAILABLE_RETRY_AFTER = 60


def _track_refusal(code: str) -> tuple[str, int] | None:
    """Why this guess may not be checked now, with the status to answer, or None. Both counters
    count every guess. When the counters cannot be kept (the cache is down) no guess is
    checked: the throttle fails closed (security.md H6), 503, and the page says to try again."""
    try:
        refusal = _track_counted_refusal(code)
    except _CounterUnavailable:
        return _("Following up is unavailable for a moment. Please try again in a minute."), 503
    return (refusal, 429) if refusal else None


def _track_counted_refusal(code: str) -> str | None:
    window = int(time.time() // TRACK_WINDOW_GLOBAL)
    if _over_limit(f"rightsdesk:track:all:{window}", TRACK_LIMIT_GLOBAL, TRACK_WINDOW_GLOBAL):
        return _("Many people are following up right now. Please try again in a minute.")
    digest = lookup_digest("receipt-attempts", normalise_receipt_code(code))
    if _over_limit(f"rightsdesk:track:code:{digest}", TRACK_LIMIT_PER_CODE, TRACK_WINDOW_PER_CODE):
        return _("Too many tries with this receipt code. Please wait 15 minutes and try again.")
    return None


def _tracked_case(request) -> tuple[ReceiptHolder, Case] | None:
    """The case this session proved a receipt code for, fetched through the gate."""
    case_id = request.session.get(SESSION_TRACK)
    if not isinstance(case_id, int):
        return None
    holder = ReceiptHolder(case_id)
    case = visible_cases(holder, access=Access.WORKER).select_related("owning_org").first()
    if case is None:
        request.session.pop(SESSION_TRACK, None)
        return None
    return holder, case


@never_cache
@reads_post
def track(request):
    """Follow up (查询进度): the receipt code opens the worker's page of that grievance."""
    status = 200
    if request.method == "POST":
        form = ReceiptCodeForm(request.POST)
        if form.is_valid():
            code = form.cleaned_data["code"]
            refusal = _track_refusal(code)
            case = None if refusal else receipt_lookup(code)
            if refusal:
                form.add_error("code", refusal[0])
                status = refusal[1]
            elif case is None:
                form.add_error(
                    "code",
                    _(
                        "No grievance was found for this receipt code. Check the code and try again."
                    ),
                )
            else:
                # A new session key: whoever knew the old one learns nothing about this case.
                request.session.cycle_key()
                request.session[SESSION_TRACK] = case.pk
                if not request.user.is_authenticated:
                    request.session.set_expiry(TRACK_IDLE_SECONDS)
                return redirect("casework:track_case")
        form.mark_invalid()
    elif request.method == "GET":
        form = ReceiptCodeForm()
    else:
        return HttpResponseNotAllowed(["GET", "POST"])
    tracked = _tracked_case(request)
    response = _render(
        request,
        "worker/track.html",
        {"form": form, "tracked": tracked[1] if tracked else None},
        status=status,
    )
    if status == 503:
        response["Retry-After"] = str(TRACK_UNAVAILABLE_RETRY_AFTER)
    return response


@dataclass(frozen=True)
class PageMode:
    """Where the worker's page of one grievance lives: tracking by code, or my account."""

    kind: str  # "track" or "my"
    reference: str = ""

    def url(self, action: str | None = None) -> str:
        if self.kind == "track":
            return (
                reverse("casework:track_action", args=[action])
                if action
                else reverse("casework:track_case")
            )
        if action:
            return reverse("casework:my_case_action", args=[self.reference, action])
        return reverse("casework:my_case", args=[self.reference])

    def evidence_url(self) -> str:
        if self.kind == "track":
            return reverse("documents:evidence_upload_track")
        return reverse("documents:evidence_upload_mine", args=[self.reference])

    def urls(self) -> dict[str, str]:
        urls = {a.replace("-", "_"): self.url(a) for a in CASE_ACTIONS}
        urls["page"] = self.url()
        if self.kind == "track":
            urls["leave"] = reverse("casework:track_leave")
        return urls


CASE_ACTIONS = ("message", "answer", "consent", "consent-withdraw", "withdraw", "notices-read")
PROVIDER_CONSENT_STATES = {CaseState.UNDER_REVIEW, CaseState.AWAITING_WORKER, CaseState.REFERRED}


def _render_case(
    request, actor, case: Case, mode: PageMode, *, forms: dict | None = None, status=200
):
    view = worker_case_view(case)
    forms = forms or {}
    can = {
        "message": case.is_open and may(actor, "message_worker", case),
        "answer": case.state == CaseState.AWAITING_WORKER and may(actor, "resume", case),
        "withdraw": case.is_open and may(actor, "withdraw", case),
        "consent": case.is_open and may(actor, "consent", case),
        "withdraw_consent": may(actor, "consent", case),
    }
    grantable = []
    if can["consent"]:
        for scope in (
            ConsentScope.UNION_MEDIATION,
            ConsentScope.EMPLOYER_DISCLOSURE,
            ConsentScope.LABOUR_INSPECTORATE,
        ):
            if scope not in view.consents_in_force:
                grantable.append({"scope": scope.value, "text": CONSENT_TEXT[scope]})
        if case.state in PROVIDER_CONSENT_STATES and view.providers:
            grantable.append(
                {
                    "scope": ConsentScope.LEGAL_AID_PROVIDER.value,
                    "text": _(
                        "I agree that the union may give my case file, including my identity and "
                        "evidence, to the legal-aid provider I choose:"
                    ),
                    "form": forms.get("consent") or ConsentGrantForm(providers=view.providers),
                }
            )
    consents = [
        {
            "record": c,
            "text": (
                CONSENT_TEXT[c.scope]
                % {"provider": c.provider.name if c.provider else _("a legal-aid provider")}
                if c.scope == ConsentScope.LEGAL_AID_PROVIDER
                else CONSENT_TEXT.get(c.scope, c.get_scope_display())
            ),
        }
        for c in view.consents
    ]
    for c in view.claims:
        c.amount_text = amount_text(c.amount)
        c.period_text = _period_text(c.period_start, c.period_end)
    context = {
        "view": view,
        "case": case,
        "mode": mode,
        "urls": mode.urls(),
        "can": can,
        "grantable": grantable,
        "consents": consents,
        "consent_error": forms.get("consent_error"),
        "consent_form_errors": bool(forms.get("consent") and forms["consent"].errors),
        "amount_recovered": amount_text(case.amount_recovered) if case.amount_recovered else "",
        "message_form": forms.get("message") or MessageForm(auto_id="id_message_%s"),
        "answer_form": forms.get("answer") or AnswerForm(auto_id="id_answer_%s"),
        "evidence": evidence_panel(case, actor, upload_url=mode.evidence_url()),
        "notices": worker_notices(case, actor),
    }
    return _render(request, "worker/case.html", context, status=status)


def _apply_domain_errors(form, error: DomainError, field_map: dict[str, str]) -> None:
    if not error.field_errors:
        form.add_error(None, str(error.message))
    for name, problems in error.field_errors.items():
        target = field_map.get(name, name)
        for problem in problems:
            form.add_error(target if target in form.fields else None, str(problem))


def _case_action(request, actor, case: Case, mode: PageMode, action: str):
    """Message the union, answer its question, grant or withdraw consent, withdraw."""
    if action not in CASE_ACTIONS:
        raise Http404
    if action == "withdraw" and request.method == "GET":
        if not (case.is_open and may(actor, "withdraw", case)):
            return redirect(mode.url())
        return _render(request, "worker/withdraw_confirm.html", {"case": case, "urls": mode.urls()})
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])

    form = None
    try:
        if action == "message":
            form = MessageForm(request.POST, auto_id="id_message_%s")
            if not form.is_valid():
                form.mark_invalid()
                return _render_case(request, actor, case, mode, forms={"message": form})
            message_post(case=case, user=actor, body=form.cleaned_data["body"])
            messages.success(request, _("Your message has been sent to the union."))
        elif action == "answer":
            form = AnswerForm(request.POST, auto_id="id_answer_%s")
            if not form.is_valid():
                form.mark_invalid()
                return _render_case(request, actor, case, mode, forms={"answer": form})
            case_resume(
                case=case,
                user=actor,
                answer=form.cleaned_data["body"],
                expected_state=CaseState.AWAITING_WORKER,
            )
            messages.success(
                request,
                _("Thank you. Your answer has been sent and the union is working on it again."),
            )
        elif action == "consent":
            form = ConsentGrantForm(request.POST)
            if not form.is_valid():
                if request.POST.get("scope") == ConsentScope.LEGAL_AID_PROVIDER:
                    return _render_case(request, actor, case, mode, forms={"consent": form})
                return _render_case(
                    request,
                    actor,
                    case,
                    mode,
                    forms={"consent_error": _("Please choose from the list.")},
                )
            consent_grant(
                case=case,
                user=actor,
                scope=form.cleaned_data["scope"],
                provider=form.cleaned_data.get("provider"),
            )
            messages.success(request, _("Your consent has been recorded."))
        elif action == "consent-withdraw":
            form = ConsentWithdrawForm(request.POST)
            record = (
                ConsentRecord.objects.filter(case=case, pk=form.cleaned_data["consent_id"]).first()
                if form.is_valid()
                else None
            )
            if record is None:
                raise Http404
            consent_withdraw(consent=record, user=actor)
            messages.success(request, _("Your consent has been withdrawn."))
        elif action == "notices-read":
            worker_notices_mark_read(case=case, actor=actor)
        elif action == "withdraw":
            expected = request.POST.get("state")
            case_withdraw(
                case=case,
                user=actor,
                expected_state=expected if expected in CaseState.values else None,
            )
            messages.success(
                request, _("You withdrew your grievance. The union will stop working on it.")
            )
    except Conflict as error:
        messages.warning(
            request,
            _(
                "Your grievance has just changed; it is now: %(state)s. Please check it and try again."
            )
            % {"state": error.case.worker_state_label},
        )
    except GuardFailed as error:
        # A problem with what was typed goes next to the field; a refusal of the action
        # itself (e.g. the grievance has ended, so the form is gone) becomes a message.
        if action in ("message", "answer") and form is not None and error.field_errors:
            _apply_domain_errors(form, error, {"answer": "body"})
            form.mark_invalid()
            return _render_case(request, actor, case, mode, forms={action: form})
        if (
            action == "consent"
            and form is not None
            and request.POST.get("scope") == ConsentScope.LEGAL_AID_PROVIDER
        ):
            _apply_domain_errors(form, error, {})
            return _render_case(request, actor, case, mode, forms={"consent": form})
        messages.error(request, str(error.message))
    return redirect(mode.url())


@never_cache
def track_case(request):
    tracked = _tracked_case(request)
    if tracked is None:
        messages.info(request, _("Please enter your receipt code."))
        return redirect("casework:track")
    holder, case = tracked
    return _render_case(request, holder, case, PageMode("track"))


@never_cache
@reads_post
def track_action(request, action: str):
    tracked = _tracked_case(request)
    if tracked is None:
        messages.info(request, _("Please enter your receipt code again."))
        return redirect("casework:track")
    holder, case = tracked
    return _case_action(request, holder, case, PageMode("track"), action)


@never_cache
def track_leave(request):
    """Forget the grievance on this device."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    request.session.pop(SESSION_TRACK, None)
    if not request.user.is_authenticated:
        request.session.flush()
    messages.success(
        request,
        _("This device no longer shows your grievance. Use your receipt code to come back."),
    )
    return redirect("casework:home")


# --- my grievances (account holders) ------------------------------------------------------------


@never_cache
@login_required
def my_cases(request):
    return _render(request, "worker/my_cases.html", {"cases": my_case_cards(request.user)})


@never_cache
@login_required
def my_case(request, reference: str):
    case, _level = get_case_or_404(request.user, reference, levels=(Access.WORKER,))
    return _render_case(request, request.user, case, PageMode("my", case.reference))


@never_cache
@login_required
@reads_post
def my_case_action(request, reference: str, action: str):
    case, _level = get_case_or_404(request.user, reference, levels=(Access.WORKER,))
    return _case_action(request, request.user, case, PageMode("my", case.reference), action)
