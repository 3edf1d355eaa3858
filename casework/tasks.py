"""Background work of the case domain (django.tasks), always enqueued on commit.

Tasks take ids, never model instances, and are safe to run twice: a notification is unique per
recipient and audit event.
"""

from django.db import IntegrityError, transaction
from django.tasks import task

from .models import AuditEvent, Notification


def _recipients(event: AuditEvent) -> set[int]:
    case = event.case
    people: set[int] = set()
    if event.worker_visible and case.filed_by_id and event.actor_kind != "worker":
        people.add(case.filed_by_id)
    if case.assignee_id and event.actor_id != case.assignee_id:
        people.add(case.assignee_id)
    if event.verb in {"assigned", "claimed"} and event.payload.get("assignee"):
        people.add(event.payload["assignee"])
    if event.verb == "accept_referral" and isinstance(event.payload.get("lawyer"), int):
        people.add(event.payload["lawyer"])  # the lawyer the provider assigned
    # Events that name who must be told, e.g. the lawyer when the worker ends representation.
    people.update(pk for pk in event.payload.get("notify") or [] if isinstance(pk, int))
    people.discard(event.actor_id)
    return people


@task(queue_name="default")
def case_event_notify(event_id: int) -> int:
    """In-app notifications for one audit event; returns how many were created."""
    event = AuditEvent.objects.select_related("case").filter(pk=event_id).first()
    if event is None or event.case is None:
        return 0
    from notifications.selectors import unread_count_forget

    created = 0
    for recipient_id in sorted(_recipients(event)):
        try:
            with transaction.atomic():
                Notification.objects.create(
                    recipient_id=recipient_id,
                    case=event.case,
                    verb=event.verb,
                    audit_event_id=event.pk,
                )
                created += 1
                unread_count_forget([recipient_id])
        except IntegrityError:  # already notified by an earlier run of this task
            continue
    # Email and SMS for them (preferences decide), sent by tasks of their own after commit.
    from notifications.services import deliveries_for_event

    deliveries_for_event(event.pk)
    return created
