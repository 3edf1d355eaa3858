"""The sweep retries stuck renders: a render whose worker died (failed by the reaper) and a
render whose task never ran are queued again once, and rendered once."""

import datetime as dt
from unittest import mock

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from casework.choices import CaseState
from casework.models import AuditEvent
from documents.models import DocumentKind, DocumentStatus, GeneratedDocument
from documents.services import document_request
from notifications.models import RenderRetry
from notifications.sweep import sweep_run
from tests.factories import FAKE_PDF, drive_to, run_on_commit

pytestmark = pytest.mark.django_db

STORAGES = {
    **settings.STORAGES,
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
}


def _lost_render(case):
    """A packet asked for, whose render task was lost (never ran)."""
    dummy = {
        "default": {
            "BACKEND": "django.tasks.backends.dummy.DummyBackend",
            "QUEUES": ["default", "pdf", "reminders"],
        }
    }
    with override_settings(TASKS=dummy), run_on_commit():
        doc = document_request(case=case, kind=DocumentKind.REFERRAL_PACKET, user=case.assignee)
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.QUEUED
    long_ago = timezone.now() - dt.timedelta(hours=2)
    GeneratedDocument.objects.filter(pk=doc.pk).update(created_at=long_ago)
    return doc


def _sweep():
    with (
        override_settings(STORAGES=STORAGES),
        mock.patch("documents.rendering.render_pdf", return_value=(FAKE_PDF, 1)) as render,
        run_on_commit(),
    ):
        report = sweep_run()
    return report, render.call_count


@pytest.mark.parametrize("how", ["queued", "stuck"])
def test_a_stuck_render_is_retried_once_and_rendered_once(world, how):
    case = drive_to(world, CaseState.UNDER_REVIEW)
    doc = _lost_render(case)
    if how == "stuck":  # its worker died while rendering
        GeneratedDocument.objects.filter(pk=doc.pk).update(
            status=DocumentStatus.RENDERING,
            render_started_at=timezone.now() - dt.timedelta(hours=1),
        )

    report, renders = _sweep()

    doc.refresh_from_db()
    assert doc.status == DocumentStatus.READY and doc.sha256
    assert renders == 1
    assert report.renders_requeued == 1
    assert report.renders_failed_stuck == (1 if how == "stuck" else 0)
    assert list(RenderRetry.objects.filter(document=doc).values_list("attempt", "reason")) == [
        (1, how)
    ]
    retried = AuditEvent.objects.filter(case=case, verb="document_retried", actor_kind="system")
    assert retried.count() == (1 if how == "stuck" else 0)

    again, renders_again = _sweep()
    assert (again.renders_requeued, again.renders_failed_stuck, renders_again) == (0, 0, 0)
    assert RenderRetry.objects.filter(document=doc).count() == 1


def test_a_render_that_really_failed_waits_for_a_person(world):
    case = drive_to(world, CaseState.UNDER_REVIEW)
    doc = _lost_render(case)
    GeneratedDocument.objects.filter(pk=doc.pk).update(
        status=DocumentStatus.FAILED, failure_reason="render error: ValueError"
    )
    report, renders = _sweep()
    doc.refresh_from_db()
    assert (doc.status, report.renders_requeued, renders) == (DocumentStatus.FAILED, 0, 0)
    assert not RenderRetry.objects.exists()
