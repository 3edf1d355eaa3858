"""Reads for the worker's pages: my grievances, and the worker's view of one grievance.

The worker sees the worker-visible part of their case only: audit events marked
worker_visible, described in plain words with "the union" as the actor (never a staff
member's name), the message thread without authors, their consents, and what they filed.
Internal notes are never read here. Each read costs a fixed number of queries, whatever the
length of the timeline or the thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.choices import OrganisationKind
from accounts.models import Organisation

from ..choices import (
    WORKER_OUTCOME_LABELS,
    WORKER_REOPEN_TEXT,
    WORKER_ROUTE_TEXT,
    WORKER_STAGE_LABELS,
    CaseState,
    ConsentScope,
)
from ..models import AuditEvent, Case, Claim, ConsentRecord, Message
from ..permissions import Access, visible_cases


def my_cases(user) -> QuerySet[Case]:
    """The grievances filed with this account, newest first (one query)."""
    return (
        visible_cases(user, access=Access.WORKER)
        .select_related("owning_org", "primary_employer")
        .order_by("-created_at", "-id")
    )


def my_case_cards(user) -> list[Case]:
    """ "My grievances": what each card shows (employer, state, reference, filing date) of the
    grievances filed with this account, newest first. One query, no more columns than that."""
    return list(
        my_cases(user)
        .select_related(None)
        .select_related("primary_employer")
        .only("id", "reference", "state", "created_at", "primary_employer__name")
    )


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    verb: str
    text: str
    detail: str = ""
    by_worker: bool = False


# Plain words for each worker-visible event (glossary §2.6, worker register).
_REFERRAL_BACK = _("The legal-aid provider cannot take it on; the union will keep working on it.")
_PLAIN = {
    "accept_for_review": _("The union has taken on your grievance."),
    "reject": _("The union cannot take this on."),
    "request_info": _("The union asked you for more information."),
    "start_mediation": _("The union started mediation with your employer."),
    "mediation_failed": _("Mediation ended without agreement; the union is working on it again."),
    "record_agreement": _("Mediation succeeded. Your grievance is finished."),
    "accept_referral": _("A legal-aid lawyer has taken on your case."),
    "decline_referral": _REFERRAL_BACK,
    "expire_referral": _REFERRAL_BACK,
    "reopen": _("The union has reopened your grievance."),
    "withdraw_referral": _(
        "You withdrew your consent, so your case will not go to the legal-aid provider. "
        "The union is working on it again."
    ),
    "representation_ended": _(
        "You withdrew your consent to share with the legal-aid provider. Your lawyer and the "
        "union have been told that you no longer want the lawyer to act for you."
    ),
}
_CONSENT_SHORT = {
    ConsentScope.UNION_HANDLING: _("the union may handle your grievance"),
    ConsentScope.UNION_MEDIATION: _("the union may mediate with your employer"),
    ConsentScope.EMPLOYER_DISCLOSURE: _("the union may tell your employer who you are"),
    ConsentScope.LEGAL_AID_PROVIDER: _("the union may give your case file to a legal-aid provider"),
    ConsentScope.LABOUR_INSPECTORATE: _(
        "the union may pass your information to the labour inspectorate"
    ),
}


# What each state means for the worker, and what happens next (worker register).
STATE_HELP = {
    CaseState.SUBMITTED: _("The union has received your grievance and will look at it soon."),
    CaseState.UNDER_REVIEW: _(
        "A union caseworker is working on your grievance. If the union needs anything, it asks you here."
    ),
    CaseState.AWAITING_WORKER: _("The union has a question for you. Please answer it below."),
    CaseState.MEDIATION: _("The union is talking with your employer to reach an agreement."),
    CaseState.REFERRED: _(
        "The union has asked a legal-aid provider to take on your case and is waiting for its reply."
    ),
    CaseState.LEGAL_AID: _("A legal-aid lawyer is handling your case now."),
    CaseState.PROCEEDINGS: _("Your lawyer is taking your case through arbitration or the court."),
    CaseState.CLOSED: _("Your grievance is finished."),
    CaseState.REJECTED: _("The union cannot take this on. Here is where you can go instead:"),
    CaseState.WITHDRAWN: _("The union has stopped working on it. You can file again at any time."),
}


def _describe(event: AuditEvent, provider_names: dict[int, str]) -> TimelineEntry | None:
    """One event in plain words, or None for events the worker does not need to read."""
    verb, payload = event.verb, event.payload or {}
    by_worker = event.actor_kind == "worker"
    text, detail = "", ""
    if verb == "filed":
        return None  # "submit" follows at once and says it
    if verb == "submit":
        text = (
            _("You submitted the grievance.")
            if by_worker
            else _("The union registered and submitted the grievance on your behalf.")
        )
    elif verb == "resume":
        text = (
            _("You answered. The union is working on it again.")
            if by_worker
            else _("The union is working on it again.")
        )
    elif verb == "withdraw":
        text = (
            _("You withdrew the grievance.")
            if payload.get("by_worker")
            else _("The grievance was withdrawn at your request.")
        )
    elif verb == "refer_to_legal_aid":
        name = provider_names.get(payload.get("provider"))
        text = (
            _("The union passed your case to %(provider)s for legal aid.") % {"provider": name}
            if name
            else _("The union passed your case to legal aid.")
        )
    elif verb == "start_proceedings":
        stage = WORKER_STAGE_LABELS.get(payload.get("stage"))
        text = _("Your lawyer started proceedings.")
        detail = str(stage) if stage else ""
    elif verb == "stage_updated":
        stage = WORKER_STAGE_LABELS.get(payload.get("stage"))
        text = _("Your case has moved to a new stage.")
        detail = str(stage) if stage else ""
    elif verb == "record_outcome":
        text = _("Your grievance is finished.")
        outcome = WORKER_OUTCOME_LABELS.get(payload.get("outcome"))
        detail = str(outcome) if outcome else ""
    elif verb == "message_sent":
        text = (
            _("You sent a message to the union.")
            if payload.get("from_worker")
            else _("The union sent you a message.")
        )
    elif verb in ("consent_granted", "consent_withdrawn"):
        scope = _CONSENT_SHORT.get(payload.get("scope"), "")
        if verb == "consent_granted":
            text = (
                _("You gave consent: %(scope)s.")
                if by_worker
                else _("The union recorded your consent: %(scope)s.")
            )
        else:
            text = (
                _("You withdrew consent: %(scope)s.")
                if by_worker
                else _("The union recorded that you withdrew consent: %(scope)s.")
            )
        text = text % {"scope": scope}
    elif verb in _PLAIN:
        text = _PLAIN[verb]
        if verb == "reject":
            route = WORKER_ROUTE_TEXT.get(payload.get("route"))
            detail = str(route) if route else ""
        elif verb == "reopen":
            why = WORKER_REOPEN_TEXT.get(payload.get("reason"))
            detail = str(why) if why else ""
    else:
        return None  # an event without worker wording is not shown rather than shown raw
    return TimelineEntry(
        at=event.occurred_at, verb=verb, text=str(text), detail=detail, by_worker=by_worker
    )


def worker_timeline(
    case: Case, *, provider_names: dict[int, str] | None = None
) -> list[TimelineEntry]:
    """The worker's progress (办理进度): worker-visible events only, oldest first (one query).

    `provider_names` maps the providers the worker consented to share with to their names;
    any other provider stays unnamed.
    """
    events = (
        AuditEvent.objects.filter(case=case, worker_visible=True)
        .only("occurred_at", "verb", "payload", "actor_kind")
        .order_by("occurred_at", "id")
    )
    names = provider_names or {}
    return [entry for entry in (_describe(e, names) for e in events) if entry is not None]


def worker_thread(case: Case) -> list[Message]:
    """The thread with the union, oldest first, without authors (one query)."""
    return list(
        Message.objects.filter(case=case)
        .only("body", "from_worker", "is_question", "created_at")
        .order_by("created_at", "id")
    )


def worker_consents(case: Case) -> list[ConsentRecord]:
    """The worker's consents, in force first (one query)."""
    return list(
        ConsentRecord.objects.filter(case=case)
        .select_related("provider")
        .order_by("withdrawn_at", "-granted_at", "-id")
    )


@dataclass
class WorkerCaseView:
    """Everything the worker's page of one grievance shows."""

    case: Case
    timeline: list[TimelineEntry]
    thread: list[Message]
    question: Message | None
    consents: list[ConsentRecord]
    categories: list
    claims: list[Claim]
    providers: list[Organisation]
    consents_in_force: set[str] = field(default_factory=set)

    @property
    def state_help(self):
        return STATE_HELP.get(self.case.state)

    @property
    def stage_label(self):
        if self.case.state == CaseState.PROCEEDINGS and self.case.stage:
            return WORKER_STAGE_LABELS.get(self.case.stage)
        return None

    @property
    def outcome_label(self):
        return WORKER_OUTCOME_LABELS.get(self.case.outcome) if self.case.outcome else None

    @property
    def route_text(self):
        return WORKER_ROUTE_TEXT.get(self.case.reject_route) if self.case.reject_route else None


def worker_case_view(case: Case) -> WorkerCaseView:
    """The worker's page of one grievance in six queries, whatever its length. The case must
    already have passed the gate at the worker level."""
    consents = worker_consents(case)
    provider_names = {
        c.provider_id: c.provider.name
        for c in consents
        if c.scope == ConsentScope.LEGAL_AID_PROVIDER and c.provider_id
    }
    thread = worker_thread(case)
    questions = [m for m in thread if m.is_question]
    question = questions[-1] if case.state == CaseState.AWAITING_WORKER and questions else None
    return WorkerCaseView(
        case=case,
        timeline=worker_timeline(case, provider_names=provider_names),
        thread=thread,
        question=question,
        consents=consents,
        categories=list(case.categories.order_by("sort_order", "code")),
        claims=list(Claim.objects.filter(case=case).order_by("id")),
        providers=list(
            Organisation.objects.filter(kind__in=OrganisationKind.providers()).order_by(
                "kind", "name_zh"
            )
        ),
        consents_in_force={
            c.scope for c in consents if c.in_force and c.scope != ConsentScope.LEGAL_AID_PROVIDER
        },
    )
