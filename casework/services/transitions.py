"""The state machine's services: one function per transition of DESIGN §2.

Each runs `_transition`, which in one transaction locks the case row, checks that it is still
in the state the user saw, checks the permission through the gate (`has_transition_perm`), runs
the transition in memory, checks its guard, saves, writes one audit event and schedules the side
effects on commit. Two people acting at once: the second waits for the first's lock, then finds
the case changed and gets `Conflict` — nothing is written twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed, has_transition_perm

from accounts.choices import Role
from accounts.models import Organisation, User

from ..audit import audit_record
from ..choices import (
    CaseState,
    ConsentScope,
    DeclineReason,
    OutcomeCode,
    ProceedingsStage,
    ReferralState,
    RejectReason,
    Route,
)
from ..errors import Conflict, Forbidden, GuardFailed, NotFound
from ..models import Case, ConsentRecord, Message, Note, Referral
from ..permissions import SYSTEM, Access, access, is_supervisor, may, principal_for
from .deadlines import case_deadlines_recompute
from .grants import grant_case_access
from .records import lock_case


def _require_text(value: str | None, field: str, message) -> str:
    text = (value or "").strip()
    if not text:
        raise GuardFailed(message, field_errors={field: [message]})
    if len(text) > 20_000:
        limit = _("At most %(limit)d characters.") % {"limit": 20_000}
        raise GuardFailed(limit, field_errors={field: [limit]})
    return text


def _require_choice(value: str | None, choices, field: str) -> str:
    if value not in choices.values:
        message = _("Please choose from the list.")
        raise GuardFailed(message, field_errors={field: [message]})
    return value


def _amount(value, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except Exception as exc:  # noqa: BLE001 - any unparsable amount is the user's to fix
        message = _("Amounts are numbers, such as 3000 or 3000.50.")
        raise GuardFailed(message, field_errors={field: [message]}) from exc
    # NaN and Infinity parse as Decimals; NaN would make the comparisons below raise.
    if (
        not amount.is_finite()
        or amount < 0
        or amount >= Decimal("1e12")
        or amount != amount.quantize(Decimal("0.01"))
    ):
        message = _("Amounts are numbers, such as 3000 or 3000.50.")
        raise GuardFailed(message, field_errors={field: [message]})
    return amount


def _transition(
    *,
    case: Case,
    user,
    name: str,
    expected_state: str | None = None,
    guard: Callable[[Case], None] | None = None,
    apply: Callable[[Case], None] | None = None,
    after: Callable[[Case], dict | None] | None = None,
    payload: dict | None = None,
    worker_visible: bool = True,
    method_kwargs: dict | None = None,
    new_filing: NewFiling | None = None,
) -> Case:
    """Run one transition. `guard` raises GuardFailed before anything changes; `apply` sets
    fields on the locked case before the transition; `after` writes related rows and may add
    to the audit payload.

    `new_filing`: the case was inserted by the caller's still open transaction and `case` is
    that instance as written (intake). Nobody else can see the row before the commit, so it is
    neither locked nor read again, its deadlines are computed before the one UPDATE of the
    changed columns (the nearest deadline among them, and whatever `new_filing.before_save`
    sets just before it), the audit event follows the head the caller wrote, and no savepoints
    are taken (an error aborts the whole filing). The checks are the same."""
    from ..tasks import case_event_notify, enqueue_on_commit

    with transaction.atomic(savepoint=new_filing is None):
        if new_filing is None:
            locked = lock_case(case.pk)
        else:
            locked = case
            before = _column_values(locked)
        level = access(user, locked)
        if level == Access.NONE and user is not SYSTEM:
            raise NotFound()
        actor_kind = (
            "system" if user is SYSTEM else ("worker" if level == Access.WORKER else "staff")
        )
        if expected_state is not None and locked.state != expected_state:
            raise Conflict(locked)
        method = getattr(locked, name)
        if not can_proceed(method, check_conditions=False):
            raise Conflict(locked)
        if not has_transition_perm(method, user):
            raise Forbidden()
        if guard is not None:
            guard(locked)
        if apply is not None:
            apply(locked)
        source = locked.state
        method(**(method_kwargs or {}))
        locked.version += 1
        if new_filing is None:
            locked.save()
        else:
            # Its deadlines first, from the case in hand: the nearest one goes out with the
            # same UPDATE as the transition's columns.
            case_deadlines_recompute(locked, new=True)
            if new_filing.before_save is not None:
                new_filing.before_save(locked)
            after_values = _column_values(locked)
            changed = [name for name, value in after_values.items() if before[name] != value]
            locked.save(update_fields=[*changed, "updated_at"])
        extra = after(locked) if after is not None else None
        event = audit_record(
            verb=name,
            actor=user,
            actor_kind=actor_kind,
            case=locked,
            payload={"from": source, "to": locked.state, **(payload or {}), **(extra or {})},
            worker_visible=worker_visible,
            chain_head=new_filing.audit_head if new_filing is not None else None,
        )
        enqueue_on_commit(case_event_notify, event.pk)
        if new_filing is None:
            case_deadlines_recompute(locked)  # every transition: dates, referral, open or closed
    return locked


@dataclass(frozen=True)
class NewFiling:
    """What intake's transaction has just written for a new case (see `_transition`)."""

    category_ids: frozenset[int]
    consent_scopes: frozenset[str]
    audit_head: str  # the hash of the case's last audit event ("filed")
    # Called with the case just before its UPDATE (intake takes the reference's serial there).
    before_save: Callable[[Case], None] | None = None


def _column_values(case: Case) -> dict:
    return {
        f.name: getattr(case, f.attname)
        for f in Case._meta.concrete_fields
        if not f.primary_key and f.name != "updated_at"
    }


# --- intake and review ---------------------------------------------------------------------


def _submit_guard(case: Case, new_filing: NewFiling | None = None) -> None:
    """DESIGN §2: a category, an employer, the facts and consent to union handling. For a new
    filing, its categories and consents are the rows its transaction has just written."""
    missing = {}
    if not (new_filing.category_ids if new_filing else case.categories.exists()):
        missing["category_codes"] = [_("Please choose at least one kind of problem.")]
    if case.primary_employer_id is None:
        missing["employer_name"] = [_("Please give the employer's name.")]
    if not case.facts.strip():
        missing["facts"] = [_("Please tell us what happened.")]
    if not (
        ConsentScope.UNION_HANDLING in new_filing.consent_scopes
        if new_filing
        else _consent_in_force(case, ConsentScope.UNION_HANDLING)
    ):
        missing["consent_union_handling"] = [
            _("The union can only take up your grievance with your consent.")
        ]
    if missing:
        raise GuardFailed(_("The grievance cannot be sent yet."), field_errors=missing)


def case_submit(
    *, case: Case, user, expected_state: str | None = None, new_filing: NewFiling | None = None
) -> Case:
    """Send a draft (DESIGN §2). `new_filing`: intake submitting the case its own transaction
    has just written (see `_transition`)."""
    return _transition(
        case=case,
        user=user,
        name="submit",
        expected_state=expected_state,
        guard=partial(_submit_guard, new_filing=new_filing),
        new_filing=new_filing,
    )


def case_accept_for_review(*, case: Case, user: User, expected_state: str | None = None) -> Case:
    """Accept for review (受理): the caseworker takes the case and becomes its assignee."""

    def after(c: Case):
        grant_case_access(case=c, user=user)
        return {"assignee": user.pk}

    return _transition(
        case=case,
        user=user,
        name="accept_for_review",
        expected_state=expected_state,
        method_kwargs={"by": user},
        after=after,
    )


def case_reject(
    *, case: Case, user: User, reason: str, route: str, expected_state: str | None = None
) -> Case:
    """Not accepted (不予受理): a reason code and where the worker can go instead."""
    _require_choice(reason, RejectReason, "reason")
    _require_choice(route, Route, "route")
    return _transition(
        case=case,
        user=user,
        name="reject",
        expected_state=expected_state,
        method_kwargs={"reason": reason, "route": route},
        payload={"reason": reason, "route": route},
    )


def case_request_info(
    *, case: Case, user: User, question: str, expected_state: str | None = None
) -> Case:
    """Ask the worker for more (补充材料): the question goes into the worker's thread."""
    text = _require_text(question, "question", _("Please write the question to the worker."))

    def after(c: Case):
        msg = Message.objects.create(case=c, author=user, body=text, is_question=True)
        return {"message": msg.pk}

    return _transition(
        case=case, user=user, name="request_info", expected_state=expected_state, after=after
    )


def case_resume(*, case: Case, user, answer: str = "", expected_state: str | None = None) -> Case:
    """Back to review: the worker answers (their answer is required), or the assignee resumes."""
    by_worker = access(user, case) == Access.WORKER
    text = (
        _require_text(answer, "answer", _("Please write your answer."))
        if by_worker
        else (answer or "").strip()
    )

    def after(c: Case):
        if text:
            msg = Message.objects.create(
                case=c, author=None if by_worker else user, from_worker=by_worker, body=text
            )
            return {"message": msg.pk}
        return None

    return _transition(
        case=case, user=user, name="resume", expected_state=expected_state, after=after
    )


def _consent_in_force(case: Case, scope: str, provider: Organisation | None = None) -> bool:
    qs = ConsentRecord.objects.filter(case=case, scope=scope, withdrawn_at__isnull=True)
    if provider is not None:
        qs = qs.filter(provider=provider)
    return qs.exists()


# --- mediation -------------------------------------------------------------------------------


def case_start_mediation(
    *, case: Case, user: User, reveals_identity: bool = True, expected_state: str | None = None
) -> Case:
    """Start mediation (开始调解). Where mediation reveals the worker to the employer, the
    worker's consent to that disclosure must be in force."""

    def guard(c: Case):
        if reveals_identity and not _consent_in_force(c, ConsentScope.EMPLOYER_DISCLOSURE):
            message = _(
                "Mediation that reveals the worker to the employer needs the worker's consent to disclose their identity."
            )
            raise GuardFailed(message, field_errors={"reveals_identity": [message]})

    return _transition(
        case=case,
        user=user,
        name="start_mediation",
        expected_state=expected_state,
        guard=guard,
        payload={"reveals_identity": bool(reveals_identity)},
    )


def case_mediation_failed(
    *, case: Case, user: User, note: str, expected_state: str | None = None
) -> Case:
    """Mediation failed (调解不成): a note on why, kept internal."""
    text = _require_text(note, "note", _("Please note why mediation failed."))

    def after(c: Case):
        return {"note": Note.objects.create(case=c, author=user, body=text).pk}

    return _transition(
        case=case, user=user, name="mediation_failed", expected_state=expected_state, after=after
    )


def case_record_agreement(
    *, case: Case, user: User, terms: str, amount=None, expected_state: str | None = None
) -> Case:
    """Record the mediation agreement (达成调解协议) and close with that outcome."""
    text = _require_text(terms, "terms", _("Please write the terms of the agreement."))
    value = _amount(amount, "amount")

    def guard(c: Case):
        # A mediation agreement names both parties and both sign it (LDMAL Art. 14): recording
        # one reveals the worker to the employer, however the mediation was started.
        if not _consent_in_force(c, ConsentScope.EMPLOYER_DISCLOSURE):
            raise GuardFailed(
                _(
                    "A mediation agreement names the worker, so it needs the worker's consent to disclose their identity to the employer."
                )
            )

    def after(c: Case):
        note = Note.objects.create(case=c, author=user, body=text)
        return {"note": note.pk, "amount": str(value) if value is not None else None}

    return _transition(
        case=case,
        user=user,
        name="record_agreement",
        expected_state=expected_state,
        guard=guard,
        method_kwargs={"amount": value},
        after=after,
    )


# --- referral --------------------------------------------------------------------------------


def _provider(provider_id) -> Organisation:
    org = Organisation.objects.filter(pk=provider_id).first()
    if org is None or not org.is_provider:
        message = _("Please choose a legal-aid provider.")
        raise GuardFailed(message, field_errors={"provider": [message]})
    return org


def _referral_guard(case: Case, provider: Organisation, *, packet: bool = True) -> None:
    from .referrals import referral_packet_generated

    errors = {}
    if not _consent_in_force(case, ConsentScope.LEGAL_AID_PROVIDER, provider):
        errors["provider"] = [
            _("The worker has not consented to sharing the case with this provider.")
        ]
    if packet and not referral_packet_generated(case):
        errors["packet"] = [_("Generate the referral packet first.")]
    if errors:
        raise GuardFailed(_("The case cannot be referred yet."), field_errors=errors)


def _send_referral(c: Case, referral: Referral, approver: User | None) -> dict:
    referral.sent_at = timezone.now()
    referral.response_due = timezone.localdate() + timedelta(
        days=referral.provider.referral_response_days
    )
    referral.approved_by = approver
    referral.save(update_fields=["sent_at", "response_due", "approved_by"])
    from .referrals import referral_conflict_run

    referral_conflict_run(referral=referral)  # automatic, at sending (casework.services.referrals)
    return {
        "referral": referral.pk,
        "provider": referral.provider_id,
        "response_due": referral.response_due.isoformat(),
    }


@transaction.atomic
def case_refer(
    *, case: Case, user: User, provider_id, expected_state: str | None = None
) -> Case | Referral:
    """Refer to legal aid (转介法律援助). Where the owning organisation requires it and the
    referrer is not a supervisor, the referral waits for a supervisor's approval before it goes
    (four-eyes); the case stays under review meanwhile."""
    provider = _provider(provider_id)
    locked = lock_case(case.pk)
    if access(user, locked) == Access.NONE:
        raise NotFound()
    if expected_state is not None and locked.state != expected_state:
        raise Conflict(locked)
    # The state before the permission, as in _transition: from another state the answer is
    # Conflict (409) for whoever asks, not Forbidden.
    if locked.state != CaseState.UNDER_REVIEW:
        raise Conflict(locked)
    if not may(user, "refer_to_legal_aid", locked):
        raise Forbidden()
    if Referral.objects.filter(
        case=locked, state__in=[ReferralState.PENDING, ReferralState.ACCEPTED]
    ).exists():
        raise GuardFailed(_("This case already has a referral in progress."))
    from .referrals import referral_packet_generate, referral_provider_check

    referral_provider_check(provider, locked)
    _referral_guard(locked, provider, packet=False)
    # The packet is generated on sending, as the referring user (its snapshot is this moment).
    referral_packet_generate(case=locked, user=user)
    referral = Referral.objects.create(case=locked, provider=provider, created_by=user)
    needs_approval = locked.owning_org.requires_referral_approval and not is_supervisor(
        principal_for(user), locked
    )
    if needs_approval:
        audit_record(
            verb="referral_requested",
            actor=user,
            case=locked,
            payload={"referral": referral.pk, "provider": provider.pk},
        )
        return referral

    return _transition(
        case=locked,
        user=user,
        name="refer_to_legal_aid",
        after=lambda c: _send_referral(c, referral, None),
    )


def case_approve_referral(*, case: Case, user: User, expected_state: str | None = None) -> Case:
    """A supervisor approves a referral waiting for approval; it is sent to the provider."""

    def guard(c: Case):
        if not may(user, "approve_referral", c):
            raise Forbidden()
        referral = _awaiting_approval(c)
        _referral_guard(c, referral.provider)

    def after(c: Case):
        return _send_referral(c, _awaiting_approval(c), user)

    return _transition(
        case=case,
        user=user,
        name="refer_to_legal_aid",
        expected_state=expected_state,
        guard=guard,
        after=after,
        payload={"approved": True},
    )


def _awaiting_approval(case: Case) -> Referral:
    referral = (
        Referral.objects.select_related("provider")
        .filter(case=case, state=ReferralState.PENDING, sent_at__isnull=True)
        .first()
    )
    if referral is None:
        raise GuardFailed(_("There is no referral waiting for approval."))
    return referral


def _pending_referral(case: Case) -> Referral:
    referral = (
        Referral.objects.select_related("provider")
        .filter(case=case, state=ReferralState.PENDING, sent_at__isnull=False)
        .first()
    )
    if referral is None:
        raise GuardFailed(_("There is no referral waiting for a reply."))
    return referral


def case_accept_referral(
    *, case: Case, user: User, lawyer_id, expected_state: str | None = None
) -> Case:
    """Accept the referral (接收转介): needs a passed conflict check and a lawyer of the provider."""

    def guard(c: Case):
        referral = _pending_referral(c)
        if not referral.conflict_passed:
            message = _("Run the conflict check first; a case with a conflict cannot be accepted.")
            raise GuardFailed(message, field_errors={"conflict": [message]})
        lawyer = User.objects.filter(
            pk=lawyer_id,
            is_active=True,
            memberships__organisation=referral.provider,
            memberships__role=Role.LAWYER,
        ).first()
        if lawyer is None:
            message = _("Please choose a lawyer of this provider.")
            raise GuardFailed(message, field_errors={"lawyer": [message]})
        c._chosen_lawyer = lawyer

    def after(c: Case):
        referral = _pending_referral(c)
        referral.state = ReferralState.ACCEPTED
        referral.responded_at = timezone.now()
        referral.lawyer = c._chosen_lawyer
        referral.save(update_fields=["state", "responded_at", "lawyer"])
        grant_case_access(case=c, user=c._chosen_lawyer)
        return {"referral": referral.pk, "lawyer": c._chosen_lawyer.pk}

    return _transition(
        case=case,
        user=user,
        name="accept_referral",
        expected_state=expected_state,
        guard=guard,
        after=after,
    )


def case_decline_referral(
    *, case: Case, user: User, reason: str, note: str = "", expected_state: str | None = None
) -> Case:
    """Decline the referral (拒绝转介) with a reason code; the case returns to the union."""
    _require_choice(reason, DeclineReason, "reason")

    def after(c: Case):
        referral = _pending_referral(c)
        referral.state = ReferralState.DECLINED
        referral.responded_at = timezone.now()
        referral.decline_reason, referral.decline_note = reason, (note or "").strip()[:2000]
        referral.save(update_fields=["state", "responded_at", "decline_reason", "decline_note"])
        return {"referral": referral.pk, "reason": reason}

    return _transition(
        case=case, user=user, name="decline_referral", expected_state=expected_state, after=after
    )


def case_expire_referral(*, case: Case, today: date | None = None) -> Case:
    """The daily sweep returns a referral left unanswered past its response deadline."""
    today = today or timezone.localdate()

    def guard(c: Case):
        referral = _pending_referral(c)
        if referral.response_due is None or referral.response_due >= today:
            raise GuardFailed(_("The referral's response deadline has not passed."))

    def after(c: Case):
        referral = _pending_referral(c)
        referral.state = ReferralState.EXPIRED
        referral.save(update_fields=["state"])
        return {"referral": referral.pk}

    return _transition(case=case, user=SYSTEM, name="expire_referral", guard=guard, after=after)


# --- legal aid and outcomes ----------------------------------------------------------------


def case_start_proceedings(
    *,
    case: Case,
    user: User,
    stage: str,
    forum: str,
    filing_date: date | None,
    expected_state: str | None = None,
) -> Case:
    """Start proceedings (启动仲裁/诉讼): the forum and the filing date."""
    _require_choice(stage, ProceedingsStage, "stage")
    forum_text = _require_text(forum, "forum", _("Please name the forum."))[:200]
    if filing_date is None or filing_date > timezone.localdate():
        message = _("Please give the filing date; it cannot be in the future.")
        raise GuardFailed(message, field_errors={"filing_date": [message]})
    return _transition(
        case=case,
        user=user,
        name="start_proceedings",
        expected_state=expected_state,
        method_kwargs={"stage": stage, "forum": forum_text, "filing_date": filing_date},
        payload={"stage": stage, "filing_date": filing_date.isoformat()},
    )


def case_record_outcome(
    *,
    case: Case,
    user: User,
    outcome: str,
    amount_awarded=None,
    amount_recovered=None,
    expected_state: str | None = None,
) -> Case:
    """Record the outcome (记录结果) and close: an outcome code, amounts awarded and recovered."""
    _require_choice(outcome, OutcomeCode, "outcome")
    awarded = _amount(amount_awarded, "amount_awarded")
    recovered = _amount(amount_recovered, "amount_recovered")
    return _transition(
        case=case,
        user=user,
        name="record_outcome",
        expected_state=expected_state,
        method_kwargs={
            "outcome": outcome,
            "amount_awarded": awarded,
            "amount_recovered": recovered,
        },
        payload={"outcome": outcome},
    )


def case_withdraw(
    *, case: Case, user, worker_request_note: str = "", expected_state: str | None = None
) -> Case:
    """Withdraw (撤回): by the worker, or by staff on the worker's recorded request."""
    by_worker = access(user, case) == Access.WORKER
    text = (
        ""
        if by_worker
        else _require_text(
            worker_request_note,
            "worker_request_note",
            _("Record how and when the worker asked to withdraw."),
        )
    )

    def after(c: Case):
        live = Referral.objects.filter(case=c, state=ReferralState.PENDING)
        live.update(state=ReferralState.WITHDRAWN)
        if text:
            return {"note": Note.objects.create(case=c, author=user, body=text).pk}
        return None

    return _transition(
        case=case,
        user=user,
        name="withdraw",
        expected_state=expected_state,
        after=after,
        payload={"by_worker": by_worker},
    )
