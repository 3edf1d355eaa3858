"""Every write of the notifications app: planning and sending deliveries, preferences, marking
read, and the daily sweep's reminders and render retries (sweep.py puts them together).

Sending never runs inside the transaction of the action that caused it: the in-app
notification is created by a task enqueued on commit (casework.tasks.case_event_notify), the
deliveries by that task, and each send by a task of its own. A send that fails is recorded on
its Delivery and retried with backoff; it never touches the case.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.choices import Role
from accounts.models import Membership
from casework.audit import audit_record
from casework.models import AuditEvent, Case, Notification
from casework.models.case import OPEN_STATES

from .channels import channel_for
from .choices import (
    DEFAULT_CHANNELS,
    Channel,
    DeliveryStatus,
    NotificationKind,
    ReminderThreshold,
)
from .content import compose, kind_of
from .models import DeadlineReminder, Delivery, NotificationPreference, TrackReadMark

logger = logging.getLogger("notifications")

# Waits after the 1st, 2nd, … failed attempt; after the last one the delivery is given up
# (the notification stays in the in-app list). About two days in all.
BACKOFF_SECONDS = (60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 24 * 3600)
MAX_ATTEMPTS = len(BACKOFF_SECONDS) + 1
# A delivery "sending" for longer than this lost its worker; it goes back to pending.
SENDING_STALE = dt.timedelta(minutes=15)


# --- preferences ---------------------------------------------------------------------------


def channels_wanted(user, kind: str) -> set[str]:
    pref = NotificationPreference.objects.filter(user=user, kind=kind).first()
    if pref is None:
        return {str(c) for c in DEFAULT_CHANNELS[NotificationKind(kind)]}
    return {c for c, on in ((Channel.EMAIL, pref.email), (Channel.SMS, pref.sms)) if on}


def preferences_of(user) -> dict[str, set[str]]:
    return {kind: channels_wanted(user, kind) for kind in NotificationKind.values}


@transaction.atomic
def preferences_set(*, user, wanted: dict[str, set[str]], language: str | None = None) -> None:
    """Save which channels the user wants per kind (kinds not given are left alone) and, if
    given, the language their email and SMS are written in."""
    from django.conf import settings

    if language is not None:
        if language not in dict(settings.LANGUAGES):
            raise ValueError(f"unknown language {language!r}")
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
    for kind, channels in wanted.items():
        NotificationKind(kind)  # unknown kinds are a programming error
        NotificationPreference.objects.update_or_create(
            user=user,
            kind=kind,
            defaults={"email": Channel.EMAIL in channels, "sms": Channel.SMS in channels},
        )


# --- reading -------------------------------------------------------------------------------


def notifications_mark_read(*, user, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications read, or all of them; returns how many changed.
    Another user's notification is simply not found (0)."""
    from .selectors import unread_count_forget

    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    changed = qs.update(read_at=timezone.now())
    if changed:
        unread_count_forget([user.pk])
    return changed


def worker_notices_mark_read(*, case: Case, actor) -> None:
    """The worker read the notifications on their grievance's page: by receipt code, up to the
    newest worker-visible event; with an account, also their notifications of this case."""
    from .selectors import worker_notice_events

    newest = worker_notice_events(case).order_by("-id").values_list("id", flat=True).first()
    if newest is not None:
        with transaction.atomic():
            mark, _created = TrackReadMark.objects.select_for_update().get_or_create(case=case)
            if mark.seen_event_id < newest:
                mark.seen_event_id = newest
                mark.save(update_fields=["seen_event_id", "updated_at"])
    if getattr(actor, "is_authenticated", False):
        if Notification.objects.filter(recipient=actor, case=case, read_at__isnull=True).update(
            read_at=timezone.now()
        ):
            from .selectors import unread_count_forget

            unread_count_forget([actor.pk])


# --- deliveries ----------------------------------------------------------------------------


def _enqueue_send(delivery_id: int) -> None:
    from .tasks import delivery_send

    try:
        delivery_send.enqueue(delivery_id)
    except Exception:  # noqa: BLE001 - a queue outage must not fail anything; the sweep sends it
        logger.warning("delivery %s could not be enqueued; the sweep will send it", delivery_id)


def _schedule_retry(delivery_id: int, at: dt.datetime) -> None:
    """The next attempt as a deferred task where the backend can defer (django-tasks-db,
    Celery); on any backend the sweep also sends whatever is due."""
    from .tasks import delivery_send

    try:
        if delivery_send.get_backend().supports_defer:
            delivery_send.using(run_after=at).enqueue(delivery_id)
    except Exception:  # noqa: BLE001 - the sweep is the fallback
        logger.warning("the retry of delivery %s could not be scheduled", delivery_id)


def deliveries_plan(notification_ids, *, enqueue: bool = True) -> list[int]:
    """Create the Delivery rows the recipients' preferences ask for (once per notification and
    channel, whatever the number of runs) and enqueue their sends. Returns the
    ids of the deliveries this call created."""
    now = timezone.now()
    created: list[int] = []
    notes = Notification.objects.filter(pk__in=list(notification_ids)).select_related(
        "recipient", "case"
    )
    for note in notes:
        if not note.recipient.is_active:
            continue
        event = AuditEvent.objects.filter(pk=note.audit_event_id).first()
        if event is None:
            continue
        event.case = note.case
        kind = kind_of(note, event)
        for channel in sorted(channels_wanted(note.recipient, kind)):
            try:
                with transaction.atomic():
                    delivery = Delivery.objects.create(
                        notification=note, channel=channel, kind=kind, next_attempt_at=now
                    )
            except IntegrityError:  # planned by an earlier or concurrent run
                continue
            created.append(delivery.pk)
    if enqueue:
        # Each row above is committed by its own atomic block (the planning task runs outside
        # any transaction), so the sends are enqueued at once. Were a caller to hold an outer
        # transaction, a worker could find the row not yet visible: it then stays pending and
        # the sweep sends it — late, never lost.
        for pk in created:
            _enqueue_send(pk)
    return created


def deliveries_for_event(event_id: int) -> list[int]:
    """The deliveries of every notification one audit event produced."""
    ids = Notification.objects.filter(audit_event_id=event_id).values_list("pk", flat=True)
    return deliveries_plan(list(ids))


def _safe_error(exc: BaseException, address: str) -> str:
    text = f"{type(exc).__name__}: {exc}"
    if address:
        text = text.replace(address, "***")
    return text[:300]


def delivery_send_now(delivery_id: int, *, now: dt.datetime | None = None) -> str:
    """Send one delivery if it is due, and record the result; returns its status.

    The pending row is claimed by one conditional UPDATE, so two workers (or a task and the
    sweep) never both send it. A failure puts it back to pending with the next attempt after a
    backoff, or gives up after MAX_ATTEMPTS; any exception of the channel is caught here, so it
    never reaches whoever caused the notification."""
    now = now or timezone.now()
    claimed = (
        Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return (
            Delivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first() or ""
        )
    delivery = Delivery.objects.select_related("notification__recipient", "notification__case").get(
        pk=delivery_id
    )
    note = delivery.notification

    def finish(status: str, *, error: str = "", next_at=None, sent=False) -> str:
        Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.SENDING).update(
            status=status,
            last_error=error,
            next_attempt_at=next_at,
            sent_at=now if sent else None,
        )
        return status

    if delivery.channel not in channels_wanted(note.recipient, delivery.kind):
        return finish(DeliveryStatus.SKIPPED, error="turned off in the recipient's preferences")
    channel = channel_for(delivery.channel)
    address = channel.address_for(note.recipient) if note.recipient.is_active else ""
    if not address:
        return finish(DeliveryStatus.SKIPPED, error="no address on this channel")
    event = AuditEvent.objects.filter(pk=note.audit_event_id).first()
    if event is None:
        return finish(DeliveryStatus.SKIPPED, error="the event is gone")
    event.case = note.case
    try:
        status = channel.send(address=address, message=compose(note, event, delivery.kind))
    except Exception as exc:  # noqa: BLE001 - any transport failure is recorded and retried
        error = _safe_error(exc, address)
        if delivery.attempts >= MAX_ATTEMPTS:
            logger.warning(
                "delivery %s given up after %s attempts: %s", delivery_id, delivery.attempts, error
            )
            return finish(DeliveryStatus.FAILED, error=error)
        wait = BACKOFF_SECONDS[min(delivery.attempts, len(BACKOFF_SECONDS)) - 1]
        logger.info("delivery %s failed (%s); next attempt in %ss", delivery_id, error, wait)
        next_at = now + dt.timedelta(seconds=wait)
        status = finish(DeliveryStatus.PENDING, error=error, next_at=next_at)
        _schedule_retry(delivery_id, next_at)
        return status
    return finish(status, sent=True)


def deliveries_release_stale(*, now: dt.datetime) -> int:
    """Deliveries left "sending" by a worker that died go back to pending (sent at least once:
    a worker killed after the mail server accepted a message may cause a second copy)."""
    return Delivery.objects.filter(
        status=DeliveryStatus.SENDING, claimed_at__lt=now - SENDING_STALE
    ).update(status=DeliveryStatus.PENDING, next_attempt_at=now)


def deliveries_due(*, now: dt.datetime):
    return Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)


def notifications_unplanned(*, now: dt.datetime, days: int = 2) -> list[int]:
    """Recent notifications with no delivery row: their planning task was lost (or the queue
    was down). Planning them again creates only what preferences ask for."""
    return list(
        Notification.objects.filter(created_at__gte=now - dt.timedelta(days=days))
        .filter(deliveries__isnull=True)
        .values_list("pk", flat=True)
    )


# --- deadline reminders ---------------------------------------------------------------------


def threshold_for(days_left: int) -> str | None:
    """The reminder due for a deadline `days_left` days away: the nearest of 7, 3 and 1 days
    (the last day itself counts as 1), or missed once the last day has passed."""
    if days_left < 0:
        return ReminderThreshold.MISSED
    if days_left <= 1:
        return ReminderThreshold.DAYS_1
    if days_left <= 3:
        return ReminderThreshold.DAYS_3
    if days_left <= 7:
        return ReminderThreshold.DAYS_7
    return None


def case_supervisors(case: Case) -> list[int]:
    """The supervisors of the case's organisation, or of the nearest organisation above it
    that has any."""
    org = case.owning_org
    chain = [int(p) for p in (org.path or "").strip("/").split("/") if p.isdigit()]
    if org.pk not in chain:
        chain.append(org.pk)
    rows = Membership.objects.filter(
        organisation_id__in=chain, role=Role.SUPERVISOR, user__is_active=True
    ).values_list("organisation_id", "user_id")
    by_org: dict[int, set[int]] = {}
    for org_id, user_id in rows:
        by_org.setdefault(org_id, set()).add(user_id)
    for org_id in reversed(chain):
        if by_org.get(org_id):
            return sorted(by_org[org_id])
    return []


def case_lawyers(case: Case) -> list[int]:
    """The lawyer of an accepted referral: once a provider has the case, its deadlines are
    theirs to meet as well (DESIGN §1)."""
    from casework.choices import ReferralState
    from casework.models import Referral

    return sorted(
        pk
        for pk in Referral.objects.filter(
            case=case, state=ReferralState.ACCEPTED, lawyer__is_active=True
        ).values_list("lawyer_id", flat=True)
        if pk is not None
    )


def reminders_due(today: dt.date):
    from rights.models import CaseDeadline

    open_states = [s for s in OPEN_STATES if s != "draft"]
    return (
        CaseDeadline.objects.filter(
            met_at__isnull=True,
            rule__kind="deadline",
            case__state__in=open_states,
            due_date__lte=today + dt.timedelta(days=7),
        )
        .select_related("case__owning_org", "rule")
        .order_by("due_date", "id")
    )


def reminders_send_due(*, today: dt.date) -> int:
    """Send each deadline reminder that is due (7, 3 and 1 days before the last day, and once
    missed) to the assignee, the supervisors and the lawyer of an accepted referral, once: the DeadlineReminder row is inserted in
    the same transaction as the audit event that notifies them, under a unique constraint, so
    a second or concurrent sweep finds it taken and sends nothing. Returns how many went out."""
    from casework.services.records import _notify_on_commit

    sent = 0
    for deadline in reminders_due(today):
        threshold = threshold_for((deadline.due_date - today).days)
        if threshold is None:
            continue
        key = {
            "case_id": deadline.case_id,
            "rule_id": deadline.rule_id,
            "due_date": deadline.due_date,
            "threshold": threshold,
        }
        if DeadlineReminder.objects.filter(**key).exists():
            continue
        case = deadline.case
        try:
            with transaction.atomic():
                reminder = DeadlineReminder.objects.create(**key)
                notify = [
                    pk
                    for pk in case_supervisors(case) + case_lawyers(case)
                    if pk != case.assignee_id
                ]
                event = audit_record(
                    verb="deadline_reminder",
                    actor=None,
                    actor_kind="system",
                    case=case,
                    payload={
                        "rule": deadline.rule.code,
                        "due": deadline.due_date.isoformat(),
                        "threshold": str(threshold),
                        "notify": notify,
                    },
                )
                reminder.audit_event_id = event.pk
                reminder.save(update_fields=["audit_event_id"])
                _notify_on_commit(event.pk)
        except IntegrityError:  # a concurrent sweep sent it
            continue
        sent += 1
    return sent
