"""Writes beside the state machine: assignment, notes and messages (consent: consent.py)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.models import User

from ..audit import audit_record
from ..errors import Conflict, Forbidden, GuardFailed, NotFound
from ..minimise import is_receipt_case, worker_time
from ..models import Case, Message, Note
from ..permissions import Access, access, may
from .grants import grant_case_access, revoke_case_access

MAX_TEXT = 20_000


def lock_case(case_pk: int) -> Case:
    """The case row, locked for the rest of the transaction (PostgreSQL: SELECT … FOR UPDATE;
    SQLite's IMMEDIATE transactions already hold the write lock). NotFound if it is gone."""
    locked = (
        Case.objects.select_for_update(of=("self",))
        .select_related("owning_org")
        .filter(pk=case_pk)
        .first()
    )
    if locked is None:
        raise NotFound()
    return locked


def _locked(
    case_pk: int,
    user,
    action: str,
    expected_version: int | None = None,
    *,
    worker_action: str | None = None,
) -> tuple[Case, Access]:
    """Lock the case and check, through the gate, that the user may take `action` on it (or
    `worker_action` when the user is the case's worker). Hidden → NotFound, not allowed →
    Forbidden."""
    locked = lock_case(case_pk)
    level = access(user, locked)
    if level == Access.NONE:
        raise NotFound()
    # A stale page first: someone who saw an older version lost a race (409), whatever the
    # case allows now (a claimed case no longer allows "claim", which would read as 403).
    if expected_version is not None and locked.version != expected_version:
        raise Conflict(locked)
    if not may(user, worker_action if level == Access.WORKER and worker_action else action, locked):
        raise Forbidden()
    return locked, level


def _text(value: str | None, field: str, empty_message) -> str:
    text = (value or "").strip()
    if not text:
        raise GuardFailed(empty_message, field_errors={field: [empty_message]})
    if len(text) > MAX_TEXT:
        message = _("At most %(limit)d characters.") % {"limit": MAX_TEXT}
        raise GuardFailed(message, field_errors={field: [message]})
    return text


def _notify_on_commit(event_id: int) -> None:
    from ..tasks import case_event_notify, enqueue_on_commit

    enqueue_on_commit(case_event_notify, event_id)


def _set_assignee(case: Case, assignee: User, actor: User, verb: str) -> Case:
    previous = case.assignee
    if previous is not None and previous.pk != assignee.pk:
        revoke_case_access(case=case, user=previous)
    case.assignee = assignee
    case.version += 1
    case.save(update_fields=["assignee", "version", "updated_at"])
    grant_case_access(case=case, user=assignee)
    event = audit_record(
        verb=verb,
        actor=actor,
        case=case,
        payload={"assignee": assignee.pk, "previous": previous.pk if previous else None},
    )
    _notify_on_commit(event.pk)
    return case


@transaction.atomic
def case_claim(*, case: Case, user: User, expected_version: int | None = None) -> Case:
    """Claim (认领) an unassigned open case of one's own union. Whoever loses a race to claim
    finds the case taken (Conflict), not a refusal."""
    locked, _level = _locked(case.pk, user, "view", expected_version)
    if locked.assignee_id is not None or not locked.is_open:
        raise Conflict(locked)
    if not may(user, "claim", locked):
        raise Forbidden()
    return _set_assignee(locked, user, user, "claimed")


def assignable_users(case: Case):
    """Caseworkers and supervisors of the owning organisation, who may work it."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__organisation_id=case.owning_org_id,
            memberships__role__in=[Role.CASEWORKER, Role.SUPERVISOR],
        )
        .distinct()
        .order_by("username")
    )


@transaction.atomic
def case_assign(
    *, case: Case, user: User, assignee_id, expected_version: int | None = None
) -> Case:
    """Assign (分派): a supervisor gives the case to a caseworker of the owning union."""
    locked, _level = _locked(case.pk, user, "assign", expected_version)
    if not locked.is_open:
        raise Conflict(locked)
    assignee = assignable_users(locked).filter(pk=assignee_id).first()
    if assignee is None:
        message = _("Please choose a caseworker of the owning union.")
        raise GuardFailed(message, field_errors={"assignee": [message]})
    if locked.assignee_id == assignee.pk:
        return locked
    return _set_assignee(locked, assignee, user, "assigned")


@transaction.atomic
def note_add(*, case: Case, user: User, body: str) -> Note:
    """An internal note (内部备注): staff only, never shown to the worker."""
    locked, _level = _locked(case.pk, user, "note")
    note = Note.objects.create(
        case=locked, author=user, body=_text(body, "body", _("The note is empty."))
    )
    audit_record(verb="note_added", actor=user, case=locked, payload={"note": note.pk})
    return note


@transaction.atomic
def message_post(*, case: Case, user, body: str) -> Message:
    """A message in the thread with the worker, from staff or from the worker."""
    locked, level = _locked(case.pk, user, "message", worker_action="message_worker")
    by_worker = level == Access.WORKER
    if by_worker and not locked.is_open:
        raise GuardFailed(_("This grievance is finished; messages can no longer be sent."))
    text = _text(body, "body", _("The message is empty."))
    message = Message.objects.create(
        case=locked, author=None if by_worker else user, from_worker=by_worker, body=text
    )
    if by_worker and is_receipt_case(locked):
        # An anonymous filer's message is kept to the day (casework.minimise, G6).
        latest = (
            Message.objects.filter(case=locked)
            .exclude(pk=message.pk)
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        message.created_at = worker_time(locked, after=latest)
        Message.objects.filter(pk=message.pk).update(created_at=message.created_at)
    event = audit_record(
        verb="message_sent",
        actor=user,
        actor_kind="worker" if by_worker else "staff",
        case=locked,
        payload={"message": message.pk, "from_worker": by_worker},
        worker_visible=True,
    )
    _notify_on_commit(event.pk)
    return message


@transaction.atomic
def identity_view_record(*, case: Case, user: User, worker_ids: list[int] | None = None):
    """Audit one unmasked view of workers' phone or ID numbers (DESIGN §3: every unmasked view
    is audited). The payload carries ids only. Refused for users who may not see identities."""
    return _identity_view(case=case, user=user, worker_ids=worker_ids)


def _identity_view(*, case: Case, user: User, worker_ids: list[int] | None):
    if access(user, case) == Access.NONE:
        raise NotFound()
    if not may(user, "view_identity", case):
        raise Forbidden()
    return audit_record(
        verb="identity_viewed",
        actor=user,
        case=case,
        payload={"workers": sorted(int(pk) for pk in (worker_ids or []))},
    )


@transaction.atomic
def case_view_record(
    *, case: Case, user: User, level: str, via: str, worker_ids: list[int] | None = None
):
    """The read-access log (security.md G1 "case view"): exactly one audit event for each time
    a member of staff opens a case — its page or the API's case — ids only. A view that shows
    workers' phone or ID numbers is that event ("identity_viewed", with the workers shown);
    any other view is "case_viewed", with the level of access it was shown at ("full" or
    "summary") and where ("page" or "api"). A worker reading their own case is not logged."""
    if worker_ids:
        return _identity_view(case=case, user=user, worker_ids=worker_ids)
    if access(user, case) == Access.NONE:
        raise NotFound()
    return audit_record(
        verb="case_viewed", actor=user, case=case, payload={"level": level, "via": via}
    )
