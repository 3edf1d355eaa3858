"""The worker's pages: home, filing a grievance, following it up, my grievances.

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

import json
import secrets
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
from django.utils.datastructures import MultiValueDict
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.defaults import bad_request as django_bad_request

from ..choices import CaseState, ConsentScope
from ..crypto import decrypt, encrypt, lookup_digest
from ..errors import Conflict, DomainError, GuardFailed
from ..forms.worker import (
    CONSENT_TEXT,
    MAX_CLAIM_ROWS,
    AboutYouForm,
    AnswerForm,
    ConsentForm,
    ConsentGrantForm,
    ConsentWithdrawForm,
    EmployerForm,
    EventsForm,
    MessageForm,
    ReceiptCodeForm,
    claim_formset,
    max_text,
)
from ..models import Case, ConsentRecord
from ..permissions import Access, ReceiptHolder, access, get_case_or_404, may, visible_cases
from ..selectors.worker import my_cases as select_my_cases
from ..selectors.worker import worker_case_view
from ..services import (
    IntakeData,
    case_file,
    case_resume,
    case_withdraw,
    consent_grant,
    consent_withdraw,
    message_post,
    receipt_lookup,
)
from ..services.intake import ClaimItem, IntakeInvalid, normalise_receipt_code

SESSION_INTAKE = "rightsdesk_intake"
SESSION_TRACK = "rightsdesk_track_case"

# Without an account, the session is the worker's only key: keep it short-lived, so that a
# shared phone does not keep a grievance open for the next person.
INTAKE_IDLE_SECONDS = 2 * 60 * 60
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


def home(request):
    return _render(request, "home.html")


# --- filing: the steps ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    template: str


STEPS = [
    Step("about", gettext_lazy("About you"), "worker/file/about.html"),
    Step("employer", gettext_lazy("Your employer"), "worker/file/employer.html"),
    Step("events", gettext_lazy("What happened and when"), "worker/file/events.html"),
    Step("claims", gettext_lazy("What you are asking for"), "worker/file/claims.html"),
    Step("review", gettext_lazy("Consent and check"), "worker/file/review.html"),
]
STEP_SLUGS = [s.slug for s in STEPS]
INPUT_STEPS = STEP_SLUGS[:-1]
FORM_CLASSES = {"about": AboutYouForm, "employer": EmployerForm, "events": EventsForm}

# Which step owns each field the intake service may complain about.
FIELD_STEP = {
    **{name: slug for slug, cls in FORM_CLASSES.items() for name in cls.base_fields},
    "co_claimant_names": "about",
    "claims": "claims",
    "consent_union_handling": "review",
}


def _step_url(slug: str) -> str:
    return (
        reverse("casework:file")
        if slug == STEP_SLUGS[0]
        else reverse("casework:file_step", args=[slug])
    )


def _fresh_intake() -> dict:
    return {"data": {}, "done": [], "nonce": secrets.token_urlsafe(16)}


def _load_intake(request) -> dict:
    token = request.session.get(SESSION_INTAKE)
    if not token:
        return _fresh_intake()
    try:
        state = json.loads(decrypt(token))
    except (ValueError, TypeError):  # an old key or a damaged session: start again
        return _fresh_intake()
    return state if isinstance(state, dict) and "data" in state else _fresh_intake()


def _save_intake(request, state: dict) -> None:
    # Encrypted: the steps hold the worker's name, phone and ID number, and sessions are rows
    # in the database like any other.
    request.session[SESSION_INTAKE] = encrypt(json.dumps(state, ensure_ascii=False))
    if not request.user.is_authenticated:
        request.session.set_expiry(INTAKE_IDLE_SECONDS)


def _clear_intake(request) -> None:
    request.session.pop(SESSION_INTAKE, None)


def _allowed_keys(slug: str) -> set[str]:
    if slug == "claims":
        keys = {
            f"claims-{k}"
            for k in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS")
        }
        for i in range(MAX_CLAIM_ROWS):
            keys |= {
                f"claims-{i}-{name}" for name in ("item", "amount", "period_start", "period_end")
            }
        return keys
    if slug == "review":
        return set(ConsentForm.base_fields)
    return set(FORM_CLASSES[slug].base_fields)


def _raw_from_post(post, slug: str) -> dict[str, list[str]]:
    """What the worker typed in this step, limited to the step's own fields and sizes."""
    limit = max_text() + 1
    return {
        key: [v[:limit] for v in post.getlist(key)[:100]]
        for key in post
        if key in _allowed_keys(slug)
    }


def _bind(slug: str, raw: dict | None, *, signed_in: bool = False):
    """The step's form (or the claim rows), bound to what was typed, if anything."""
    data = MultiValueDict(raw) if raw is not None else None
    if slug == "claims":
        return claim_formset(data)
    if slug == "review":
        return ConsentForm(data, signed_in=signed_in)
    return FORM_CLASSES[slug](data)


def _first_incomplete(state: dict) -> str:
    for slug in INPUT_STEPS:
        if slug not in state["done"]:
            return slug
    return "review"


def _set_done(state: dict, slug: str, done: bool) -> None:
    if done and slug not in state["done"]:
        state["done"].append(slug)
    if not done and slug in state["done"]:
        state["done"].remove(slug)


def _mark(form) -> None:
    if hasattr(form, "forms"):
        for row in form.forms:
            row.mark_invalid()
    else:
        form.mark_invalid()


def _render_step(
    request, slug: str, form, state: dict, *, show_errors=False, extra_errors=(), status=200
):
    index = STEP_SLUGS.index(slug)
    if show_errors:
        _mark(form)
    context = {
        "step": STEPS[index],
        "step_number": index + 1,
        "step_count": len(STEPS),
        "steps": [
            {
                "step": s,
                "number": i + 1,
                "current": i == index,
                "done": s.slug in state["done"],
                "url": _step_url(s.slug),
            }
            for i, s in enumerate(STEPS)
        ],
        "form": form,
        "show_errors": show_errors,
        "extra_errors": [str(e) for e in extra_errors],
        "action_url": _step_url(slug),
        "back_url": _step_url(STEP_SLUGS[index - 1]) if index else None,
        "signed_in": request.user.is_authenticated,
    }
    if slug == "review":
        context["summary"] = _summary(state)
        context["nonce"] = state["nonce"]
    if slug == "claims":
        context["can_add_row"] = form.total_form_count() < MAX_CLAIM_ROWS
    if slug == "events":
        context["facts_limit"] = max_text()
    return _render(request, STEPS[index].template, context, status=status)


def _summary(state: dict) -> list[dict]:
    """What the worker entered, step by step, in words, for the check before submitting."""
    words = {"date_text": _date_text, "join": _join, "yes": _("Yes"), "no": _("No")}
    sections = []
    for step in STEPS[:3]:
        form = _bind(step.slug, state["data"].get(step.slug))
        if form.is_bound and form.is_valid():
            rows = form.summary_rows(**words)
            sections.append({"title": step.title, "url": _step_url(step.slug), "rows": rows})
    claims = _bind("claims", state["data"].get("claims"))
    rows = []
    if claims.is_bound and claims.is_valid():
        for claim in claims.cleaned_data:
            if claim and (claim.get("item") or "").strip():
                amount = amount_text(claim.get("amount"))
                period = _period_text(claim.get("period_start"), claim.get("period_end"))
                rows.append(
                    {"label": claim["item"], "value": " · ".join(p for p in (amount, period) if p)}
                )
    sections.append(
        {
            "title": STEPS[3].title,
            "url": _step_url("claims"),
            "rows": rows,
            "empty": _("Nothing entered. The union can help you work it out."),
        }
    )
    return sections


def _join(items) -> str:
    separator = "; " if (get_language() or "").startswith("en") else "；"
    return separator.join(items)


def _period_text(start, end) -> str:
    if start and end:
        return f"{_date_text(start)} – {_date_text(end)}"
    return _date_text(start or end)


def _intake_data(forms: dict, consent: ConsentForm) -> IntakeData:
    """The filing as the intake service takes it. The step forms name their fields after
    IntakeData's, except the co-workers, which the service calls co-claimants."""
    values = {slug: forms[slug].cleaned_data for slug in FORM_CLASSES}
    fields = {**values["about"], **values["employer"], **values["events"]}
    fields["co_claimant_names"] = fields.pop("co_workers")
    fields["category_codes"] = list(fields["category_codes"])
    claims = [
        ClaimItem(
            item=row["item"].strip(),
            amount=row.get("amount"),
            period_start=row.get("period_start"),
            period_end=row.get("period_end"),
        )
        for row in forms["claims"].cleaned_data
        if row and (row.get("item") or "").strip()
    ]
    return IntakeData(
        **fields,
        claims=claims,
        consent_union_handling=consent.cleaned_data["consent_union_handling"],
        consent_employer_disclosure=consent.cleaned_data["consent_employer_disclosure"],
    )


@never_cache
@reads_post
def file_step(request, step: str = "about"):
    """One step of filing a grievance. GET shows it; POST saves it and moves on or back."""
    if step not in STEP_SLUGS:
        raise Http404
    state = _load_intake(request)
    first_open = _first_incomplete(state)
    if STEP_SLUGS.index(step) > STEP_SLUGS.index(first_open):
        return redirect(_step_url(first_open))

    if request.method == "GET":
        raw = state["data"].get(step)
        form = _bind(step, raw, signed_in=request.user.is_authenticated)
        return _render_step(request, step, form, state)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])

    action = request.POST.get("action", "next")
    if action == "cancel":
        _clear_intake(request)
        messages.info(request, _("What you entered has been deleted."))
        return redirect("casework:home")
    if step == "review" and action in ("submit", "next"):
        return _file_submit(request, state)

    raw = _raw_from_post(request.POST, step)
    index = STEP_SLUGS.index(step)
    if step == "claims" and action == "add":
        shown = (raw.get("claims-TOTAL_FORMS") or ["0"])[0]
        rows = int(shown) if shown.isdigit() else 0
        raw["claims-TOTAL_FORMS"] = [str(min(rows + 1, MAX_CLAIM_ROWS))]
    form = _bind(step, raw, signed_in=request.user.is_authenticated)
    valid = form.is_valid()
    state["data"][step] = raw
    if step != "review":
        _set_done(state, step, valid)
    _save_intake(request, state)
    if action == "back" and index > 0:
        return redirect(_step_url(STEP_SLUGS[index - 1]))
    if action == "add":
        return redirect(_step_url(step) + f"#claims-row-{int(raw['claims-TOTAL_FORMS'][0])}")
    if valid and step != "review":
        return redirect(_step_url(STEP_SLUGS[index + 1]))
    return _render_step(request, step, form, state, show_errors=True)


def _file_submit(request, state: dict):
    """The final POST: validate every step again, file through the service, show the result."""
    signed_in = request.user.is_authenticated
    consent = _bind("review", _raw_from_post(request.POST, "review"), signed_in=signed_in)
    state["data"]["review"] = _raw_from_post(request.POST, "review")

    forms = {slug: _bind(slug, state["data"].get(slug)) for slug in INPUT_STEPS}
    for slug in INPUT_STEPS:
        if not forms[slug].is_bound or not forms[slug].is_valid():
            _set_done(state, slug, False)
            _save_intake(request, state)
            return _render_step(request, slug, forms[slug], state, show_errors=forms[slug].is_bound)
    if not consent.is_valid():
        _save_intake(request, state)
        return _render_step(request, "review", consent, state, show_errors=True)
    if request.POST.get("nonce") != state.get("nonce"):
        _save_intake(request, state)
        return _render_step(
            request,
            "review",
            consent,
            state,
            extra_errors=[
                _("This page was out of date. Please check your answers and submit again.")
            ],
        )
    # A second press of the button (or a second tab) must not file the grievance twice.
    if not cache.add(f"rightsdesk:intake-nonce:{state['nonce']}", 1, timeout=24 * 60 * 60):
        _clear_intake(request)
        messages.warning(
            request,
            _(
                "This grievance was already submitted. If you did not see your receipt code, "
                "please file it again."
            ),
        )
        return redirect("casework:home")

    anonymous = not signed_in or consent.cleaned_data.get("anonymous", False)
    data = _intake_data(forms, consent)
    try:
        case, receipt = case_file(
            data=data, filed_by=None if anonymous else request.user, anonymous=anonymous
        )
    except IntakeInvalid as error:
        cache.delete(f"rightsdesk:intake-nonce:{state['nonce']}")
        return _intake_invalid(request, state, consent, error)
    except DomainError as error:
        cache.delete(f"rightsdesk:intake-nonce:{state['nonce']}")
        _save_intake(request, state)
        return _render_step(
            request, "review", consent, state, show_errors=True, extra_errors=[error.message]
        )

    _clear_intake(request)
    if receipt is not None:
        # Shown once, in this response only: never in a URL, the session or a message.
        response = _render(
            request, "worker/file/receipt.html", {"case": case, "receipt_code": receipt}
        )
        response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
        return response
    messages.success(request, _("Submitted. The union has received your grievance."))
    if access(request.user, case) == Access.WORKER:
        return redirect("casework:my_case", reference=case.reference)
    return redirect("casework:my_cases")


def _intake_invalid(request, state: dict, consent: ConsentForm, error: IntakeInvalid):
    """Send each of the service's complaints back to the step that owns the field."""
    by_step: dict[str, dict[str, list]] = {}
    for name, problems in error.field_errors.items():
        by_step.setdefault(FIELD_STEP.get(name, "review"), {})[name] = problems
    slug = next(s for s in STEP_SLUGS if s in by_step)
    form = consent if slug == "review" else _bind(slug, state["data"].get(slug))
    form.is_valid()
    extra = []
    for name, problems in by_step[slug].items():
        field_name = "co_workers" if name == "co_claimant_names" else name
        if hasattr(form, "fields") and field_name in form.fields:
            for problem in problems:
                form.add_error(field_name, str(problem))
        else:
            extra.extend(str(p) for p in problems)
    if slug != "review":
        _set_done(state, slug, False)
    _save_intake(request, state)
    return _render_step(request, slug, form, state, show_errors=True, extra_errors=extra)


# --- following up with a receipt code -----------------------------------------------------------


def _over_limit(key: str, limit: int, window: int) -> bool:
    """Count one attempt in a fixed window; True when the window already holds `limit`."""
    if cache.add(key, 1, timeout=window):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # the window expired between add and incr
        cache.add(key, 1, timeout=window)
        return False
    return count > limit


def _track_refusal(code: str) -> str | None:
    """Why this guess may not be checked now, or None. Both counters count every guess."""
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
                form.add_error("code", refusal)
                status = 429
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
    return _render(
        request,
        "worker/track.html",
        {"form": form, "tracked": tracked[1] if tracked else None},
        status=status,
    )


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

    def urls(self) -> dict[str, str]:
        urls = {a.replace("-", "_"): self.url(a) for a in CASE_ACTIONS}
        urls["page"] = self.url()
        if self.kind == "track":
            urls["leave"] = reverse("casework:track_leave")
        return urls


CASE_ACTIONS = ("message", "answer", "consent", "consent-withdraw", "withdraw")
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
    cases = list(select_my_cases(request.user))
    return _render(request, "worker/my_cases.html", {"cases": cases})


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
