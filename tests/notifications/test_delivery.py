"""Email and SMS deliveries: content in both languages, preferences, a real SMTP server on
loopback, a mail server that is down, and the action that caused a notice staying done."""

import datetime as dt
import logging

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.translation import gettext

from casework import services as s
from casework.choices import CaseState
from casework.models import AuditEvent, Case, Notification
from notifications.choices import Channel, DeliveryStatus, NotificationKind
from notifications.models import Delivery
from notifications.services import preferences_set
from notifications.sweep import sweep_run
from tests.factories import drive_to, run_on_commit

from .conftest import free_port, smtp_mailers

pytestmark = pytest.mark.django_db

EMPLOYER = "常州恒远碳纤维材料有限公司"


def _accept(world, case):
    with run_on_commit():
        return s.case_accept_for_review(case=case, user=world.caseworker)


def _assert_says_little(message, case):
    """No employer, category, amount or case reference anywhere in the mail (glossary §1.2.5)."""
    html = message.alternatives[0].content if message.alternatives else ""
    for text in (message.subject, message.body, html):
        assert case.reference not in text
        assert EMPLOYER not in text
        assert "18600" not in text and "18,600" not in text
        assert "拖欠" not in text


def test_worker_gets_an_english_email_with_text_and_html(staff_emails):
    world = staff_emails
    case = drive_to(world, CaseState.SUBMITTED)
    mail.outbox.clear()

    _accept(world, case)

    to_worker = [m for m in mail.outbox if m.to == ["worker@example.org"]]
    assert len(to_worker) == 1
    message = to_worker[0]
    assert message.subject == "There is an update on your grievance"
    assert "There is an update on your grievance. Sign in to see it." in message.body
    assert "http://127.0.0.1:8000/notifications/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert '<html lang="en">' in html and 'href="http://127.0.0.1:8000/notifications/"' in html
    _assert_says_little(message, case)
    delivery = Delivery.objects.get(notification__recipient=world.worker, channel=Channel.EMAIL)
    assert (delivery.status, delivery.attempts, delivery.kind) == (
        DeliveryStatus.SENT,
        1,
        NotificationKind.CASE_UPDATE,
    )


def test_worker_who_reads_chinese_gets_chinese(staff_emails):
    world = staff_emails
    world.worker.preferred_language = "zh-hans"
    world.worker.save(update_fields=["preferred_language"])
    case = drive_to(world, CaseState.SUBMITTED)
    mail.outbox.clear()

    _accept(world, case)

    (message,) = [m for m in mail.outbox if m.to == ["worker@example.org"]]
    with translation.override("zh-hans"):
        subject = gettext("There is an update on your grievance")
        line = gettext("There is an update on your grievance. Sign in to see it.")
    assert message.subject == subject
    assert line in message.body
    assert '<html lang="zh-CN">' in message.alternatives[0].content
    _assert_says_little(message, case)


def test_assignee_is_told_of_assignment(staff_emails):
    world = staff_emails
    case = drive_to(world, CaseState.UNDER_REVIEW)
    mail.outbox.clear()

    with run_on_commit():
        s.case_assign(case=case, user=world.district_supervisor, assignee_id=world.caseworker2.pk)

    (message,) = [m for m in mail.outbox if m.to == ["caseworker2@example.org"]]
    with translation.override("zh-hans"):
        assert message.subject == gettext("A case has been assigned to you")
    _assert_says_little(message, case)
    assert Delivery.objects.get(notification__recipient=world.caseworker2).kind == (
        NotificationKind.ASSIGNMENT
    )


def test_preferences_are_respected(staff_emails, caplog):
    world = staff_emails
    preferences_set(user=world.worker, wanted={NotificationKind.CASE_UPDATE: {Channel.SMS}})
    case = drive_to(world, CaseState.SUBMITTED)
    mail.outbox.clear()

    with caplog.at_level(logging.INFO, logger="notifications.channels"):
        _accept(world, case)

    # no email: the worker turned it off; the in-app notice is there all the same
    assert not [m for m in mail.outbox if m.to == ["worker@example.org"]]
    assert Notification.objects.filter(recipient=world.worker, case=case).exists()
    assert not Delivery.objects.filter(
        notification__recipient=world.worker, channel=Channel.EMAIL
    ).exists()
    # SMS through the logging channel: logged, never "sent", and the number masked
    sms = Delivery.objects.get(notification__recipient=world.worker, channel=Channel.SMS)
    assert sms.status == DeliveryStatus.LOGGED
    assert "138****5678" in caplog.text
    assert "13812345678" not in caplog.text


def test_delivery_through_a_real_smtp_server_on_loopback(staff_emails, smtp_server, settings):
    world = staff_emails
    port, collector = smtp_server
    settings.MAILERS = smtp_mailers(port)
    case = drive_to(world, CaseState.SUBMITTED)

    _accept(world, case)

    received = [m for m in collector.messages if "worker@example.org" in m.rcpt_tos]
    assert len(received) == 1
    raw = received[0].content.decode()
    assert "Subject: There is an update on your grievance" in raw
    assert "text/plain" in raw and "text/html" in raw
    assert case.reference not in raw
    assert Delivery.objects.get(notification__recipient=world.worker).status == "sent"


# serialized_rollback: the flush after this real-commit test must not re-create content types
# under a later serialized-rollback test (PostgreSQL: tests marked `postgres`).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_mail_server_down_delays_but_loses_nothing_and_the_action_stays(
    staff_emails, smtp_server, settings
):
    world = staff_emails
    case = drive_to(world, CaseState.SUBMITTED)
    settings.MAILERS = smtp_mailers(free_port())  # nothing listens there: connection refused

    _accept(world, case)  # does not raise, though the send after the commit failed

    # the action is committed (a real commit: this test runs outside a test transaction),
    # with its audit event and its in-app notice
    case.refresh_from_db()
    assert case.state == CaseState.UNDER_REVIEW and case.assignee_id == world.caseworker.pk
    assert AuditEvent.objects.filter(case=case, verb="accept_for_review").count() == 1
    assert Notification.objects.filter(recipient=world.worker, case=case).count() == 1
    delivery = Delivery.objects.get(notification__recipient=world.worker)
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert "ConnectionRefusedError" in delivery.last_error
    assert delivery.next_attempt_at > timezone.now()
    assert "worker@example.org" not in delivery.last_error

    # a sweep before the next attempt is due sends nothing
    sweep_run(now=timezone.now())
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)

    # the mail server is back; the next sweep after the backoff delivers it, once
    port, collector = smtp_server
    settings.MAILERS = smtp_mailers(port)
    later = timezone.now() + dt.timedelta(minutes=2)
    report = sweep_run(now=later)
    sweep_run(now=later + dt.timedelta(minutes=2))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    assert report.deliveries_sent >= 1
    assert len([m for m in collector.messages if "worker@example.org" in m.rcpt_tos]) == 1


def test_a_delivery_is_given_up_after_the_last_attempt(staff_emails, settings):
    from notifications.services import MAX_ATTEMPTS, delivery_send_now

    world = staff_emails
    case = drive_to(world, CaseState.SUBMITTED)
    settings.MAILERS = smtp_mailers(free_port())
    _accept(world, case)
    delivery = Delivery.objects.get(notification__recipient=world.worker)
    now = timezone.now()
    for _ in range(MAX_ATTEMPTS + 2):
        now += dt.timedelta(days=2)
        delivery_send_now(delivery.pk, now=now)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, MAX_ATTEMPTS)
    assert Case.objects.get(pk=case.pk).state == CaseState.UNDER_REVIEW


def test_a_failed_send_is_retried_by_a_deferred_task_where_the_backend_can_defer(
    staff_emails, settings
):
    from django.tasks import task_backends

    from notifications.services import delivery_send_now

    world = staff_emails
    case = drive_to(world, CaseState.SUBMITTED)
    settings.MAILERS = smtp_mailers(free_port())
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.dummy.DummyBackend",
            "QUEUES": ["default", "pdf", "reminders"],
        }
    }
    _accept(world, case)
    # the dummy backend runs nothing: run the notification task by hand (it plans the sends)
    from casework.tasks import case_event_notify

    event = AuditEvent.objects.get(case=case, verb="accept_for_review")
    case_event_notify.call(event.pk)
    delivery = Delivery.objects.get(notification__recipient=world.worker)
    backend = task_backends["default"]
    backend.clear()

    assert delivery_send_now(delivery.pk) == DeliveryStatus.PENDING

    delivery.refresh_from_db()
    (retry,) = backend.results
    assert retry.task.name == "delivery_send" and retry.args == [delivery.pk]
    assert retry.task.run_after == delivery.next_attempt_at
