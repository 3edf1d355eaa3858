"""Two sweeps at once, each in its own thread and database connection (PostgreSQL): every
reminder goes out once, the referral expires once, every delivery is sent once. Each sweep's
audit writes are slowed, so the second really arrives while the first holds its rows.

Marked `postgres` (deselected on SQLite, whose in-memory test database refuses concurrent
writers): DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres TEST_DATABASE_NAME=test_rd_notify
"""

import datetime as dt
import threading
import time
from unittest import mock

import pytest
from django.core import mail
from django.db import connections

from casework.audit import audit_record
from casework.choices import CaseState, ReferralState
from casework.models import AuditEvent, Notification, Referral
from notifications.models import DeadlineReminder, Delivery
from notifications.sweep import sweep_run
from tests.factories import drive_to

from .helpers import case_with_one_deadline

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TODAY = dt.date(2026, 12, 1)


def slow_audit_record(**kwargs):
    time.sleep(0.2)
    return audit_record(**kwargs)


def run_together(*calls):
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = ("ok", call())
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            results[index] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    with mock.patch("notifications.services.audit_record", side_effect=slow_audit_record):
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return results


def test_two_sweeps_at_once_send_each_reminder_once_and_expire_once(staff_emails):
    world = staff_emails
    cases = [
        case_with_one_deadline(world, TODAY + dt.timedelta(days=days))[0] for days in (7, 3, 0)
    ]
    referred = drive_to(world, CaseState.REFERRED)
    referral = Referral.objects.get(case=referred, state=ReferralState.PENDING)
    from rights.models import CaseDeadline

    CaseDeadline.objects.filter(case=referred).delete()  # only the expiry counts for it
    today = max(TODAY, referral.response_due + dt.timedelta(days=1))
    if today != TODAY:  # keep the deadlines where they were relative to the sweep's day
        for case, days in zip(cases, (7, 3, 0), strict=True):
            CaseDeadline.objects.filter(case=case).update(due_date=today + dt.timedelta(days=days))
    mail.outbox.clear()

    results = run_together(lambda: sweep_run(today=today), lambda: sweep_run(today=today))

    assert [kind for kind, _ in results] == ["ok", "ok"], results
    reports = [report for _, report in results]
    # between them, three reminders and one expiry: never one twice
    assert sum(r.reminders for r in reports) == 3
    assert sum(r.referrals_expired for r in reports) == 1
    assert DeadlineReminder.objects.count() == 3
    assert sorted(DeadlineReminder.objects.values_list("threshold", flat=True)) == ["1", "3", "7"]
    assert AuditEvent.objects.filter(verb="deadline_reminder").count() == 3
    assert AuditEvent.objects.filter(case=referred, verb="expire_referral").count() == 1
    # the assignee and the supervisor once per reminder, in the app and by one email each
    assert Notification.objects.filter(verb="deadline_reminder").count() == 6
    reminder_mail = Delivery.objects.filter(notification__verb="deadline_reminder")
    assert reminder_mail.count() == 6
    assert set(reminder_mail.values_list("status", flat=True)) == {"sent"}
    assert set(reminder_mail.values_list("attempts", flat=True)) == {1}
    assert len([m for m in mail.outbox if "caseworker@example.org" in m.to]) >= 3

    # and a third sweep afterwards changes nothing
    before = (
        DeadlineReminder.objects.count(),
        AuditEvent.objects.count(),
        Notification.objects.count(),
        Delivery.objects.count(),
    )
    report = sweep_run(today=today)
    assert (report.reminders, report.referrals_expired) == (0, 0)
    assert before == (
        DeadlineReminder.objects.count(),
        AuditEvent.objects.count(),
        Notification.objects.count(),
        Delivery.objects.count(),
    )
