"""Background work of the case domain (django.tasks), always enqueued with the transaction
that asks for it (`enqueue_on_commit`).

Tasks take ids, never model instances, and are safe to run twice: a notification is unique per
recipient and audit event.
"""

from functools import partial

from django.db import IntegrityError, transaction
from django.tasks import task

from .models import AuditEvent, Notification


def enqueue_on_commit(task_, *args) -> None:
    """Have `task_(*args)` run if, and once, the current transaction commits.

    On the database task backend (the one-machine default) the task's row is written now, in
    the caller's transaction: it commits with the rows the task is about, or not at all, and
    the filing or transition pays no second commit for it. A worker cannot see the row before
    the commit. On any other backend (Celery on Redis) nothing can join the transaction, so the
    task is sent once it has committed (`transaction.on_commit`). Outside a transaction either
    way enqueues at once."""
    from django_tasks_db import DatabaseBackend

    if isinstance(task_.get_backend(), DatabaseBackend):
        task_.enqueue(*args)
    else:
        transaction.on_commit(partial(task_.enqueue, *args))


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
