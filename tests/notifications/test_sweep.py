"""The daily sweep: reminders at 7, 3 and 1 days and when missed, each sent once; referrals
expired once; stuck renders queued again; the command."""

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from casework.choices import CaseState, ReferralState
from casework.models import AuditEvent, Notification, Referral
from notifications.choices import ReminderThreshold
from notifications.models import DeadlineReminder
from notifications.sweep import sweep_run as _sweep_run
from tests.factories import drive_to, run_on_commit

from .helpers import case_with_one_deadline

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 1)


def sweep_run(**kwargs):
    """The sweep, with what it schedules on commit run after it, as in production."""
    with run_on_commit():
        return _sweep_run(**kwargs)


def _reminder_state(case):
    return {
        "reminders": list(
            DeadlineReminder.objects.filter(case=case)
            .order_by("id")
            .values_list("threshold", "due_date")
        ),
        "events": AuditEvent.objects.filter(case=case, verb="deadline_reminder").count(),
        "notifications": sorted(
            Notification.objects.filter(case=case, verb="deadline_reminder").values_list(
                "recipient__username", flat=True
            )
        ),
    }


def test_reminders_at_7_3_1_days_and_missed_each_once(staff_emails):
    world = staff_emails
    due = TODAY + dt.timedelta(days=10)
    case, deadline = case_with_one_deadline(world, due)

    # 10 days before: nothing yet
    assert sweep_run(today=due - dt.timedelta(days=10)).reminders == 0
    # 7 days before, twice on the same day and once the day after: one reminder
    mail.outbox.clear()
    assert sweep_run(today=due - dt.timedelta(days=7)).reminders == 1
    assert sweep_run(today=due - dt.timedelta(days=7)).reminders == 0
    assert sweep_run(today=due - dt.timedelta(days=6)).reminders == 0
    state = _reminder_state(case)
    assert state["reminders"] == [("7", due)]
    # the assignee and the union's supervisor, in the app and by email
    assert state["notifications"] == ["caseworker", "district_supervisor"]
    assert sorted(m.to[0] for m in mail.outbox) == [
        "caseworker@example.org",
        "district_supervisor@example.org",
    ]
    assert all(case.reference not in m.body for m in mail.outbox)

    for days in (3, 2, 1, 0, -1, -5):
        sweep_run(today=due - dt.timedelta(days=days))
    state = _reminder_state(case)
    assert [t for t, _ in state["reminders"]] == ["7", "3", "1", ReminderThreshold.MISSED]
    assert state["events"] == 4
    assert len(state["notifications"]) == 8


def test_a_moved_deadline_is_reminded_again_and_a_met_one_is_not(staff_emails):
    world = staff_emails
    due = TODAY + dt.timedelta(days=3)
    case, deadline = case_with_one_deadline(world, due)
    sweep_run(today=TODAY)
    # an interruption restarts the period: a new last day, reminded on its own schedule
    later = due + dt.timedelta(days=30)
    type(deadline).objects.filter(pk=deadline.pk).update(due_date=later)
    assert sweep_run(today=later - dt.timedelta(days=2)).reminders == 1
    # met: no more reminders
    from django.utils import timezone

    type(deadline).objects.filter(pk=deadline.pk).update(met_at=timezone.now())
    assert sweep_run(today=later + dt.timedelta(days=1)).reminders == 0
    assert _reminder_state(case)["reminders"] == [("3", due), ("3", later)]


def test_the_lawyer_of_an_accepted_referral_is_reminded_too(staff_emails):
    world = staff_emails
    case, _deadline = case_with_one_deadline(world, TODAY, state=CaseState.LEGAL_AID)
    assert sweep_run(today=TODAY).reminders == 1
    assert _reminder_state(case)["notifications"] == [
        "caseworker",
        "district_supervisor",
        "lawyer",
    ]


def test_closed_cases_get_no_reminders(staff_emails):
    world = staff_emails
    case, _deadline = case_with_one_deadline(world, TODAY, state=CaseState.WITHDRAWN)
    assert sweep_run(today=TODAY).reminders == 0
    assert not DeadlineReminder.objects.filter(case=case).exists()


def test_expired_referral_goes_back_to_the_union_once(staff_emails):
    world = staff_emails
    case = drive_to(world, CaseState.REFERRED)
    referral = Referral.objects.get(case=case, state=ReferralState.PENDING)
    after = referral.response_due + dt.timedelta(days=1)

    first = sweep_run(today=after)
    second = sweep_run(today=after)

    case.refresh_from_db()
    referral.refresh_from_db()
    assert (first.referrals_expired, second.referrals_expired) == (1, 0)
    assert case.state == CaseState.UNDER_REVIEW
    assert referral.state == ReferralState.EXPIRED
    assert AuditEvent.objects.filter(case=case, verb="expire_referral").count() == 1
    # the worker is told, in the same plain words as a decline
    assert (
        Notification.objects.filter(
            case=case, verb="expire_referral", recipient=world.worker
        ).count()
        == 1
    )


def test_a_referral_not_yet_due_stays(staff_emails):
    world = staff_emails
    case = drive_to(world, CaseState.REFERRED)
    referral = Referral.objects.get(case=case, state=ReferralState.PENDING)
    assert sweep_run(today=referral.response_due).referrals_expired == 0
    case.refresh_from_db()
    assert case.state == CaseState.REFERRED


def test_sweep_command_reports_and_refuses_a_bad_date(staff_emails):
    world = staff_emails
    due = TODAY + dt.timedelta(days=1)
    case_with_one_deadline(world, due)
    out = StringIO()
    call_command("sweep", "--today", TODAY.isoformat(), stdout=out)
    assert "reminders=1" in out.getvalue()
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("sweep", "--today", "1 Dec", stdout=StringIO())
    assert DeadlineReminder.objects.count() == 1


def test_sweep_task_runs_the_same_sweep(staff_emails):
    from notifications.tasks import sweep

    world = staff_emails
    case_with_one_deadline(world, TODAY + dt.timedelta(days=3))
    result = sweep.enqueue(TODAY.isoformat())
    assert result.return_value["reminders"] == 1
    assert sweep.enqueue(TODAY.isoformat()).return_value["reminders"] == 0


def test_reminder_emails_in_each_recipients_language(staff_emails):
    from django.utils import translation
    from django.utils.translation import ngettext

    world = staff_emails
    world.caseworker.preferred_language = "en"
    world.caseworker.save(update_fields=["preferred_language"])
    due = dt.date(2026, 12, 8)
    case, _deadline = case_with_one_deadline(world, due)
    mail.outbox.clear()

    sweep_run(today=due - dt.timedelta(days=3))

    by_to = {m.to[0]: m for m in mail.outbox}
    english = by_to["caseworker@example.org"]
    assert english.subject == "Deadline reminder"
    assert (
        "A deadline on a case you are responsible for is 3 days away (last day: 8 Dec 2026)."
        in english.body
    )
    chinese = by_to["district_supervisor@example.org"]  # no language chosen: Chinese
    with translation.override("zh-hans"):
        line = ngettext(
            "A deadline on a case you are responsible for is %(days)d day away "
            "(last day: %(date)s). Sign in to see it.",
            "A deadline on a case you are responsible for is %(days)d days away "
            "(last day: %(date)s). Sign in to see it.",
            3,
        ) % {"days": 3, "date": "2026年12月8日"}
    assert line in chinese.body
    for message in (english, chinese):
        assert case.reference not in message.body + message.subject
        assert "ARB" not in message.body and "时效" not in message.body  # no deadline name
