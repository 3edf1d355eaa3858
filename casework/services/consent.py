"""Consent (同意) and its withdrawal (撤回同意), glossary §2.10.

A worker decides by consent records with scopes who may learn what (DESIGN §3). Each record
says when, how (confirmed online by the worker, or signed on paper with the scan kept as
evidence) and by whom it was given or withdrawn. Withdrawal takes effect on the next request but
does not undo what was already done (PIPL Art. 15). Withdrawing the consent to share with a
legal-aid provider also acts on the referral to that provider (PIPL Art. 23: a separate consent
naming the recipient):

- before the provider accepted: the referral is withdrawn (转介 已撤回) and the case returns to
  review — through the `withdraw_referral` transition, run by the system actor;
- after it accepted: the worker has ended the representation. The referral records it, the
  lawyer and the assignee are notified, and the case stays where it is for them to decide
  (the lawyer records the outcome, or the worker's grievance is withdrawn).
"""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation

from ..audit import audit_record
from ..choices import CaseState, ConsentMethod, ConsentScope, ReferralState
from ..errors import GuardFailed, NotFound
from ..minimise import worker_time
from ..models import Case, ConsentRecord, Referral
from ..permissions import SYSTEM, Access
from .records import MAX_TEXT, _locked, _notify_on_commit

REASON_MAX = 2_000
CONSENT_WITHDRAWN = "consent_withdrawn"


def _store_scan(case: Case, user, scan, description) -> tuple[object | None, list[str]]:
    """The scan of a signed form, stored as evidence of the case (documents.services), and the
    stored file names to delete again if the transaction fails."""
    if scan is None:
        return None, []
    from documents.services import evidence_upload

    rows = evidence_upload(case=case, user=user, files=[scan], description=str(description))
    return rows[0], [r.file.name for r in rows]


def _forget_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def _reason(value: str | None, *, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        message = _("Record how and when the worker withdrew consent.")
        raise GuardFailed(message, field_errors={"reason": [message]})
    if len(text) > REASON_MAX:
        message = _("At most %(limit)d characters.") % {"limit": REASON_MAX}
        raise GuardFailed(message, field_errors={"reason": [message]})
    return text


def consent_grant(
    *,
    case: Case,
    user,
    scope: str,
    provider: Organisation | None = None,
    method: str = ConsentMethod.ONLINE,
    scan=None,
) -> ConsentRecord:
    """Record a consent (同意). The worker (account or receipt code) confirms online; staff who
    work the case record a consent the worker signed on paper, with the scan of the signed
    form (个人信息处理同意书) kept as evidence of the case. The case page requires the scan; the
    demo seed and imports of old paper records may record without one.

    A consent already in force is returned as it is (a second click records nothing), except
    that a new scan is refused rather than dropped."""
    if scope not in ConsentScope.values:
        message = _("Please choose from the list.")
        raise GuardFailed(message, field_errors={"scope": [message]})
    stored: list[str] = []
    try:
        with transaction.atomic():
            locked, level = _locked(case.pk, user, "message", worker_action="consent")
            by_worker = level == Access.WORKER
            if scope == ConsentScope.LEGAL_AID_PROVIDER:
                if provider is None or not provider.is_provider:
                    message = _("Please choose a legal-aid provider.")
                    raise GuardFailed(message, field_errors={"provider": [message]})
            else:
                provider = None
            existing = ConsentRecord.objects.filter(
                case=locked, scope=scope, provider=provider, withdrawn_at__isnull=True
            ).first()
            if existing is not None:
                if scan is not None and not by_worker:
                    message = _("This consent is already on record.")
                    raise GuardFailed(message, field_errors={"scope": [message]})
                return existing
            evidence, stored = (
                (None, []) if by_worker else _store_scan(locked, user, scan, _("Consent form"))
            )
            record = ConsentRecord.objects.create(
                case=locked,
                scope=scope,
                provider=provider,
                method=ConsentMethod.ONLINE if by_worker else ConsentMethod.PAPER,
                granted_by=user if getattr(user, "is_authenticated", False) else None,
                granted_by_worker=by_worker,
                evidence=evidence,
            )
            event = audit_record(
                verb="consent_granted",
                actor=user,
                actor_kind="worker" if by_worker else "staff",
                case=locked,
                payload={
                    "consent": record.pk,
                    "scope": scope,
                    "provider": provider.pk if provider else None,
                    "method": record.method,
                    "evidence": evidence.pk if evidence else None,
                },
                worker_visible=True,
            )
            _notify_on_commit(event.pk)
            return record
    except BaseException:
        _forget_files(stored)
        raise


def consent_withdraw(*, consent: ConsentRecord, user, reason: str = "", scan=None) -> ConsentRecord:
    """Withdraw a consent (撤回同意). The worker withdraws their own online (a reason is
    optional); staff record a withdrawal the worker made on paper or in person, saying how and
    when (required), with the scan of a signed withdrawal if there is one. Withdrawing the
    provider consent acts on the referral (see the module docstring). Withdrawing twice records
    nothing the second time."""
    stored: list[str] = []
    try:
        with transaction.atomic():
            locked, level = _locked(consent.case_id, user, "message", worker_action="consent")
            by_worker = level == Access.WORKER
            record = (
                ConsentRecord.objects.select_for_update().filter(pk=consent.pk, case=locked).first()
            )
            if record is None:
                raise NotFound()
            if record.withdrawn_at is not None:
                return record
            text = _reason(reason, required=not by_worker)
            evidence, stored = (
                (None, [])
                if by_worker
                else _store_scan(locked, user, scan, _("Withdrawal of consent"))
            )
            # An anonymous filer's withdrawal is kept to the day (casework.minimise, G6).
            record.withdrawn_at = (
                worker_time(locked, after=record.granted_at) if by_worker else timezone.now()
            )
            record.withdrawn_by = user if getattr(user, "is_authenticated", False) else None
            record.withdrawn_by_worker = by_worker
            record.withdrawal_method = ConsentMethod.ONLINE if by_worker else ConsentMethod.PAPER
            record.withdrawal_evidence = evidence
            record.withdrawal_reason = text[:MAX_TEXT]
            record.save(
                update_fields=[
                    "withdrawn_at",
                    "withdrawn_by",
                    "withdrawn_by_worker",
                    "withdrawal_method",
                    "withdrawal_evidence",
                    "withdrawal_reason",
                ]
            )
            event = audit_record(
                verb="consent_withdrawn",
                actor=user,
                actor_kind="worker" if by_worker else "staff",
                case=locked,
                payload={
                    "consent": record.pk,
                    "scope": record.scope,
                    "provider": record.provider_id,
                    "method": record.withdrawal_method,
                    "evidence": evidence.pk if evidence else None,
                },
                worker_visible=True,
            )
            _notify_on_commit(event.pk)
            if record.scope == ConsentScope.LEGAL_AID_PROVIDER and record.provider_id:
                _provider_consent_withdrawn(locked, record, user, by_worker)
            return record
    except BaseException:
        _forget_files(stored)
        raise


def _provider_consent_withdrawn(case: Case, record: ConsentRecord, user, by_worker: bool) -> None:
    """The live referral to the provider the consent named: withdrawn before acceptance, the
    representation ended after it."""
    referral = (
        Referral.objects.select_for_update()
        .filter(
            case=case,
            provider_id=record.provider_id,
            state__in=[ReferralState.PENDING, ReferralState.ACCEPTED],
        )
        .first()
    )
    if referral is None:
        return
    if referral.state == ReferralState.PENDING:
        _withdraw_pending_referral(case, referral, user, by_worker)
    elif referral.representation_ended_at is None:
        _end_representation(case, referral, user, by_worker)


def _withdraw_pending_referral(case: Case, referral: Referral, user, by_worker: bool) -> None:
    now = timezone.now()

    def mark(_case=None):
        referral.state = ReferralState.WITHDRAWN
        referral.withdrawn_at = now
        referral.withdrawal_reason = CONSENT_WITHDRAWN
        referral.save(update_fields=["state", "withdrawn_at", "withdrawal_reason"])
        return {"referral": referral.pk, "provider": referral.provider_id}

    if referral.sent_at is None or case.state != CaseState.REFERRED:
        # Waiting for a supervisor's approval: it never went out; the case is under review.
        payload = mark()
        audit_record(
            verb="referral_withdrawn",
            actor=user,
            actor_kind="worker" if by_worker else "staff",
            case=case,
            payload={**payload, "reason": CONSENT_WITHDRAWN},
        )
        return
    from .transitions import _transition

    _transition(
        case=case,
        user=SYSTEM,
        name="withdraw_referral",
        expected_state=CaseState.REFERRED,
        after=mark,
        payload={"reason": CONSENT_WITHDRAWN},
    )


def _end_representation(case: Case, referral: Referral, user, by_worker: bool) -> None:
    """After acceptance, withdrawing the provider consent ends the representation: recorded on
    the referral and in the timeline; the lawyer and the assignee are told (one notification
    each). The state does not change: the lawyer records the outcome (e.g. the application
    withdrawn) or the grievance is withdrawn, as the worker wants."""
    referral.representation_ended_at = timezone.now()
    referral.save(update_fields=["representation_ended_at"])
    notify = sorted({pk for pk in (referral.lawyer_id, case.assignee_id) if pk is not None})
    event = audit_record(
        verb="representation_ended",
        actor=user,
        actor_kind="worker" if by_worker else "staff",
        case=case,
        payload={
            "referral": referral.pk,
            "provider": referral.provider_id,
            "lawyer": referral.lawyer_id,
            "notify": notify,
        },
        worker_visible=True,
    )
    _notify_on_commit(event.pk)
