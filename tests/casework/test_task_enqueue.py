"""A task goes with the transaction that asks for it (casework.tasks.enqueue_on_commit): on the
database task backend its row is written in that transaction, so it commits with the filing or
not at all, and costs no commit of its own; on any other backend it is sent after the commit."""

import pytest
from django.db import transaction
from django.test import TestCase
from django_tasks_db.models import DBTaskResult

from casework.models import AuditEvent
from casework.services import case_file
from tests.factories import IntakeDataFactory

NOTIFY = "casework.tasks.case_event_notify"


class Boom(Exception):
    pass


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": ["default", "pdf", "reminders"],
        }
    }


def _queued() -> list[list]:
    return [
        row.args_kwargs["args"]
        for row in DBTaskResult.objects.filter(task_path=NOTIFY).order_by("enqueued_at")
    ]


def test_a_filing_writes_its_notification_task_in_its_own_transaction(world, database_tasks):
    with TestCase.captureOnCommitCallbacks() as scheduled:
        case, _receipt = case_file(data=IntakeDataFactory(), filed_by=world.worker)
    submitted = AuditEvent.objects.get(case=case, verb="submit")
    # The row is there before any commit hook has run, and none was scheduled for it.
    assert _queued() == [[submitted.pk]]
    assert not [c for c in scheduled if "case_event_notify" in repr(c)]


def test_a_filing_rolled_back_leaves_no_task_behind(world, database_tasks):
    with pytest.raises(Boom), transaction.atomic():
        case_file(data=IntakeDataFactory(), filed_by=world.worker)
        assert len(_queued()) == 1
        raise Boom
    assert _queued() == []


def test_on_another_backend_the_task_is_sent_after_the_commit(world):
    """The suite's backend (in-process) stands for Celery: nothing is sent before the commit."""
    with TestCase.captureOnCommitCallbacks() as scheduled:
        case, _receipt = case_file(data=IntakeDataFactory(), filed_by=world.worker)
        assert DBTaskResult.objects.count() == 0
    assert [c for c in scheduled if "case_event_notify" in repr(c)]
    assert AuditEvent.objects.filter(case=case, verb="submit").exists()
