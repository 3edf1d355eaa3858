"""Referral services beside the state machine (issue 5, part 2–3; DESIGN §2–3).

- Sending: the provider must fit the case (districts served, matter types); the referral packet
  is generated as the referring user when the referral is made (`referral_packet_generate`).
- The conflict check (利益冲突审查): an automatic search of the provider's own past and current
  cases — those it accepted — for a party this case shares (employer credit code, party names,
  the worker's ID number by its lookup digest). It runs when the referral is sent and again
  whenever the coordinator asks; its matches (references of the provider's own cases only) are
  recorded on the Referral. A match blocks acceptance until the coordinator records, with a
  reason, that it is not a conflict (e.g. other workers against the same employer).
- Expiry: `referrals_expire_due(today)` returns every referral left unanswered past its
  response deadline (Legal Aid Law Art. 43: seven days by default, set per provider) to the
  union's queue, each exactly once however often or concurrently it runs.
- Four-eyes: a supervisor may return a referral waiting for approval for changes; it is then
  withdrawn and the caseworker may refer again.
"""

from __future__ import annotations

import logging
from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation

from ..audit import audit_record
from ..choices import CaseState, ReferralState
from ..errors import Conflict, GuardFailed, NotFound
from ..models import Case, CaseParty, Referral
from ..permissions import Access, access, may
from .records import lock_case

logger = logging.getLogger(__name__)

MATCH_CREDIT_CODE = "credit_code"
MATCH_NAME = "name"
MATCH_ID_NUMBER = "id_number"


# --- choosing a provider ----------------------------------------------------------------------


def case_district(case: Case) -> str:
    employer = case.primary_employer
    return (employer.district or "").strip() if employer is not None else ""


def provider_fit_errors(provider: Organisation, case: Case) -> list[str]:
    """Why this provider does not take this case (empty: it does). Districts served against
    the employer's district; matter types against the case's categories."""
    errors = []
    if not provider.serves_district(case_district(case)):
        errors.append(_("This provider does not serve the employer's district."))
    wanted = set(provider.matter_types.values_list("pk", flat=True))
    if wanted and not wanted & set(case.categories.values_list("pk", flat=True)):
        errors.append(_("This provider does not take this kind of grievance."))
    return errors


def referral_provider_check(provider: Organisation, case: Case) -> None:
    errors = provider_fit_errors(provider, case)
    if errors:
        raise GuardFailed(errors[0], field_errors={"provider": [str(e) for e in errors]})


def referral_packet_generate(*, case: Case, user):
    """The referral packet (转介材料), generated as the referring user when the referral is
    made: a new version with the data snapshot of this moment, rendered on commit."""
    from documents.models import DocumentKind
    from documents.services import document_request

    return document_request(case=case, kind=DocumentKind.REFERRAL_PACKET, user=user)


def referral_packet_generated(case: Case) -> bool:
    """A packet has been generated (queued, rendering or ready): what sending needs."""
    from documents.models import DocumentKind, DocumentStatus, GeneratedDocument

    return (
        GeneratedDocument.objects.filter(case=case, kind=DocumentKind.REFERRAL_PACKET)
        .exclude(status=DocumentStatus.FAILED)
        .exists()
    )


# --- the conflict check -------------------------------------------------------------------------


def _norm(name: str) -> str:
    return "".join((name or "").split()).casefold()


def conflict_matches(referral: Referral) -> list[dict]:
    """The provider's own cases (it accepted a referral of them; open or closed) that share a
    party with the referred case: [{"reference", "match"}] sorted by reference. Three queries."""
    case = referral.case
    parties = list(
        CaseParty.objects.filter(case=case).select_related("worker", "employer").order_by("id")
    )
    codes = {p.employer.credit_code for p in parties if p.employer and p.employer.credit_code}
    names = {p.employer.name for p in parties if p.employer and p.employer.name}
    names |= {
        p.employer.legal_representative
        for p in parties
        if p.employer and p.employer.legal_representative
    }
    names |= {p.worker.name for p in parties if p.worker and p.worker.name}
    digests = {p.worker.id_number_digest for p in parties if p.worker and p.worker.id_number_digest}
    own_cases = Referral.objects.filter(
        provider_id=referral.provider_id, state=ReferralState.ACCEPTED
    ).exclude(case_id=case.pk)
    q = Q(pk__in=[])
    if codes:
        q |= Q(employer__credit_code__in=codes)
    if names:
        q |= Q(employer__name__in=names) | Q(worker__name__in=names)
        q |= Q(employer__legal_representative__in=names)
    if digests:
        q |= Q(worker__id_number_digest__in=digests)
    rows = (
        CaseParty.objects.filter(q, case_id__in=own_cases.values("case_id"))
        .select_related("worker", "employer", "case")
        .only(
            "case__reference",
            "worker__name",
            "worker__id_number_digest",
            "employer__name",
            "employer__credit_code",
            "employer__legal_representative",
        )
    )
    wanted = {_norm(n) for n in names}
    found: set[tuple[str, str]] = set()
    for row in rows:
        ref = row.case.reference
        if row.employer is not None:
            if row.employer.credit_code and row.employer.credit_code in codes:
                found.add((ref, MATCH_CREDIT_CODE))
            if {_norm(row.employer.name), _norm(row.employer.legal_representative)} & wanted:
                found.add((ref, MATCH_NAME))
        if row.worker is not None:
            if row.worker.id_number_digest and row.worker.id_number_digest in digests:
                found.add((ref, MATCH_ID_NUMBER))
            if _norm(row.worker.name) in wanted:
                found.add((ref, MATCH_NAME))
    return [{"reference": r, "match": m} for r, m in sorted(found)]


def referral_conflict_run(*, referral: Referral, actor=None) -> Referral:
    """Run the automatic check and record its result on the referral (inside the caller's
    transaction). `actor` None: the system, at sending."""
    matches = conflict_matches(referral)
    referral.conflict_matches = matches
    referral.conflict_found = bool(matches)
    referral.conflict_checked_at = timezone.now()
    referral.conflict_cleared_at, referral.conflict_cleared_by = None, None
    referral.conflict_clear_note = ""
    referral.save(
        update_fields=[
            "conflict_matches",
            "conflict_found",
            "conflict_checked_at",
            "conflict_cleared_at",
            "conflict_cleared_by",
            "conflict_clear_note",
        ]
    )
    audit_record(
        verb="conflict_checked",
        actor=actor,
        actor_kind="system" if actor is None else "staff",
        case=referral.case,
        payload={
            "referral": referral.pk,
            "conflict_found": bool(matches),
            "matches": len(matches),
        },
    )
    return referral


def _pending_for_coordinator(case: Case, user) -> tuple[Case, Referral]:
    locked = lock_case(case.pk)
    if access(user, locked) == Access.NONE or not may(user, "conflict_check", locked):
        raise NotFound()
    referral = (
        Referral.objects.select_related("provider", "case")
        .filter(case=locked, state=ReferralState.PENDING, sent_at__isnull=False)
        .first()
    )
    if referral is None:
        raise GuardFailed(_("There is no referral waiting for a reply."))
    return locked, referral


@transaction.atomic
def case_referral_conflict_check(
    *, case: Case, user, conflict_found: bool | None = None, note: str = ""
) -> Referral:
    """The coordinator runs the conflict check (利益冲突审查) against the provider's own past
    and current cases. The automatic search is always run and recorded. `conflict_found`:
    None takes its result; True records a conflict the coordinator knows of; False records
    "no conflict", which, where the search found matches, is a clearance after review and
    needs the coordinator's reason in `note`."""
    _locked, referral = _pending_for_coordinator(case, user)
    referral_conflict_run(referral=referral, actor=user)
    text = (note or "").strip()[:2000]
    if conflict_found is True and not referral.conflict_found:
        referral.conflict_found = True
        referral.save(update_fields=["conflict_found"])
    elif conflict_found is False and referral.conflict_found:
        if not text:
            message = _(
                "The check found cases of yours that share a party with this one. Explain why "
                "they are not a conflict, or decline the referral."
            )
            raise GuardFailed(message, field_errors={"note": [message]})
        referral_conflict_clear(case=case, user=user, note=text)
    return referral


@transaction.atomic
def referral_conflict_clear(*, case: Case, user, note: str) -> Referral:
    """The coordinator reviewed the matches and found no conflict (e.g. the provider acts for
    other workers against the same employer): recorded with the reason, then the referral may
    be accepted."""
    _locked, referral = _pending_for_coordinator(case, user)
    text = (note or "").strip()[:2000]
    if referral.conflict_checked_at is None or not referral.conflict_found:
        raise GuardFailed(_("There is no possible conflict to clear."))
    if not text:
        message = _("Please give the reason why this is not a conflict.")
        raise GuardFailed(message, field_errors={"note": [message]})
    referral.conflict_cleared_at = timezone.now()
    referral.conflict_cleared_by = user
    referral.conflict_clear_note = text
    referral.save(
        update_fields=["conflict_cleared_at", "conflict_cleared_by", "conflict_clear_note"]
    )
    audit_record(
        verb="conflict_cleared", actor=user, case=referral.case, payload={"referral": referral.pk}
    )
    return referral


# --- four-eyes: returning a referral for changes ---------------------------------------------


@transaction.atomic
def referral_return_for_changes(*, case: Case, user, note: str) -> Referral:
    """A supervisor returns a referral waiting for approval (退回修改) with a note: it is
    withdrawn, the case stays under review, and the caseworker may refer again."""
    from .records import _locked, note_add

    locked, _level = _locked(case.pk, user, "approve_referral")
    text = (note or "").strip()
    if not text:
        message = _("Please say what should change.")
        raise GuardFailed(message, field_errors={"note": [message]})
    referral = Referral.objects.filter(
        case=locked, state=ReferralState.PENDING, sent_at__isnull=True
    ).first()
    if referral is None:
        raise GuardFailed(_("There is no referral waiting for approval."))
    referral.state = ReferralState.WITHDRAWN
    referral.withdrawn_at = timezone.now()
    referral.withdrawal_reason = "returned_for_changes"
    referral.save(update_fields=["state", "withdrawn_at", "withdrawal_reason"])
    written = note_add(case=locked, user=user, body=text[:20_000])
    audit_record(
        verb="referral_returned",
        actor=user,
        case=locked,
        payload={"referral": referral.pk, "note": written.pk},
    )
    return referral


# --- expiry -------------------------------------------------------------------------------------


def referrals_due(today: date):
    """Pending, sent referrals whose last day to answer has passed."""
    return Referral.objects.filter(
        state=ReferralState.PENDING, sent_at__isnull=False, response_due__lt=today
    )


def referrals_expire_due(today: date | None = None) -> int:
    """Expire every referral left unanswered past its response deadline; the case returns to
    the union's queue under review, with the expiry in its timeline and a notice to the
    assignee (case_event_notify). Idempotent: each case is locked and re-read before it
    changes, so a second or concurrent run finds it no longer referred and skips it. Returns
    how many this run expired."""
    from .transitions import case_expire_referral

    today = today or timezone.localdate()
    expired = 0
    for case_id in list(
        referrals_due(today).order_by("response_due", "id").values_list("case_id", flat=True)
    ):
        case = Case.objects.filter(pk=case_id, state=CaseState.REFERRED).first()
        if case is None:
            continue
        try:
            case_expire_referral(case=case, today=today)
        except (Conflict, GuardFailed, NotFound):
            continue  # answered, withdrawn or expired by someone else meanwhile
        expired += 1
    return expired
