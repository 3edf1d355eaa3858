"""Filing a grievance (/file/): five short steps on a phone, no JavaScript needed.

The steps live in the server-side session, encrypted like the identity fields (they hold the
worker's name, phone and ID number) and are cleared after filing. The final POST calls the one
intake service; an anonymous filer sees the receipt code once, in the response to that POST.
Shared helpers and the privacy rules are in views/worker.py.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.sessions.backends.base import UpdateError
from django.core.cache import cache
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from ..crypto import decrypt, encrypt
from ..errors import DomainError
from ..forms.worker import (
    MAX_CLAIM_ROWS,
    AboutYouForm,
    ConsentForm,
    EmployerForm,
    EventsForm,
    claim_formset,
    max_text,
    worker_category_choices,
)
from ..permissions import Access, access
from ..services import (
    IntakeData,
    case_file,
)
from ..services.intake import ClaimItem, IntakeInvalid
from .worker import _date_text, _period_text, _render, amount_text, reads_post

SESSION_INTAKE = "rightsdesk_intake"

# Without an account, the session is the worker's only key: keep it short-lived, so that a
# shared phone does not keep a half-written grievance open for the next person.
INTAKE_IDLE_SECONDS = 2 * 60 * 60

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


def _clear_intake_saved(request) -> None:
    """Delete the draft and save the session now, inside the filing's transaction (case_file's
    `then`): the draft goes in the same commit as the grievance, and the response does not
    write the session again with a commit of its own. A session that is gone meanwhile (signed
    out in another tab) has no draft left to delete."""
    _clear_intake(request)
    try:
        request.session.save()
    except UpdateError:
        return
    request.session.modified = False


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


def _cleaned(form):
    """A valid step's cleaned data (a form's dict, the claim rows' list), as JSON can hold it:
    dates and amounts tagged. None when it holds anything else (then the step is bound and
    validated again on the final POST)."""

    def dump(value):
        if isinstance(value, dict):
            return {k: dump(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [dump(v) for v in value]
        if isinstance(value, date):
            return {"__date__": value.isoformat()}
        if isinstance(value, Decimal):
            return {"__decimal__": str(value)}
        if value is None or isinstance(value, str | bool | int):
            return value
        raise TypeError(type(value))

    try:
        return dump(form.cleaned_data)
    except TypeError:
        return None


def _restored(value):
    if isinstance(value, list):
        return [_restored(v) for v in value]
    if isinstance(value, dict):
        if "__date__" in value:
            return date.fromisoformat(value["__date__"])
        if "__decimal__" in value:
            return Decimal(value["__decimal__"])
        return {k: _restored(v) for k, v in value.items()}
    return value


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


def _intake_data(cleaned: dict, consent: ConsentForm) -> IntakeData:
    """The filing as the intake service takes it, from each step's cleaned data. The step
    forms name their fields after IntakeData's, except the co-workers, which the service calls
    co-claimants."""
    fields = {**cleaned["about"], **cleaned["employer"], **cleaned["events"]}
    fields["co_claimant_names"] = fields.pop("co_workers")
    fields["category_codes"] = list(fields["category_codes"])
    claims = [
        ClaimItem(
            item=row["item"].strip(),
            amount=row.get("amount"),
            period_start=row.get("period_start"),
            period_end=row.get("period_end"),
        )
        for row in cleaned["claims"]
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
        # What the step's form made of it, for the final POST (see _file_submit).
        clean = state.setdefault("clean", {})
        clean.pop(step, None)
        if valid and action != "add":
            if (cleaned := _cleaned(form)) is not None:
                clean[step] = cleaned
    _save_intake(request, state)
    if action == "back" and index > 0:
        return redirect(_step_url(STEP_SLUGS[index - 1]))
    if action == "add":
        return redirect(_step_url(step) + f"#claims-row-{int(raw['claims-TOTAL_FORMS'][0])}")
    if valid and step != "review":
        return redirect(_step_url(STEP_SLUGS[index + 1]))
    return _render_step(request, step, form, state, show_errors=True)


def _stored_step(state: dict, slug: str):
    """The cleaned data the step's form made of exactly what is stored for it, when it was
    valid (saved with the step: see file_step), else None. Chosen categories must still be
    among those a worker may choose (the service checks that they are still active)."""
    stored = state.get("clean", {}).get(slug)
    if slug not in state["done"] or stored is None:
        return None
    cleaned = _restored(stored)
    if slug == "events":
        choosable = {code for code, _label in worker_category_choices()}
        if not set(cleaned.get("category_codes") or ()) <= choosable:
            return None
    return cleaned


def _file_submit(request, state: dict):
    """The final POST: every step valid (what each step's form made of it when it was saved,
    or the step bound and validated again), file through the service — which checks
    everything again — and show the result."""
    signed_in = request.user.is_authenticated
    state["data"]["review"] = _raw_from_post(request.POST, "review")
    consent = _bind("review", state["data"]["review"], signed_in=signed_in)

    cleaned = {}
    for slug in INPUT_STEPS:
        cleaned[slug] = _stored_step(state, slug)
        if cleaned[slug] is not None:
            continue
        form = _bind(slug, state["data"].get(slug))
        if not form.is_bound or not form.is_valid():
            _set_done(state, slug, False)
            _save_intake(request, state)
            return _render_step(request, slug, form, state, show_errors=form.is_bound)
        cleaned[slug] = form.cleaned_data
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
    data = _intake_data(cleaned, consent)
    try:
        case, receipt = case_file(
            data=data,
            filed_by=None if anonymous else request.user,
            anonymous=anonymous,
            then=lambda: _clear_intake_saved(request),
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
