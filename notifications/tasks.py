"""Background work of the notifications app (django.tasks), enqueued on commit.

Tasks take ids and are safe to run twice, on any django.tasks backend: a delivery is claimed by
one conditional UPDATE before it is sent, and the sweep's reminders are unique rows.
"""

from django.tasks import task


@task(queue_name="default")
def delivery_send(delivery_id: int) -> str:
    """Send one email or SMS delivery (or record why not); returns its status."""
    from .services import delivery_send_now

    return delivery_send_now(delivery_id)


@task(queue_name="reminders")
def sweep(today: str | None = None) -> dict:
    """The daily sweep as a task (what `manage.py sweep` runs); returns its counts."""
    import datetime as dt

    from .sweep import sweep_run

    return sweep_run(today=dt.date.fromisoformat(today) if today else None).as_dict()
