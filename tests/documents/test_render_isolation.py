"""Rendering DoS (security.md D7): a hostile render ties up a task worker, not the web side.

The web request that asks for a packet only enqueues its render (the database task backend,
as in production) and answers at once with a redirect. The render runs in a worker process
of its own (tests/documents/hostile_worker.py: the render task's renderer with the worker's
settings, given a layout that runs far longer than its time limit); while it runs, /healthz
and the case page answer quickly, and the worker stops the render at its time limit.
"""

import json
import os
import subprocess
import sys
import time

from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from documents.models import DocumentKind, DocumentStatus, GeneratedDocument
from tests.factories import run_on_commit

PACKET = DocumentKind.REFERRAL_PACKET
# The worker's render time limit here (production's default is 30 s): the 20 000-row table
# needs well over a minute of a core on this machine, so it is still running when the web
# side is asked, and is stopped by the limit.
WORKER_LIMIT_SECONDS = 6
LAYOUT = "a 20 000-row table"
# Generous bounds for a busy 2-core machine; each answer takes well under a second when idle.
QUICK_SECONDS = 5.0


def _timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_the_web_side_answers_while_a_hostile_render_runs_in_the_worker(
    client, sign_in, world, reviewed_case, settings, tmp_path
):
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": ["default", "pdf", "reminders"],
        }
    }
    case_page = reverse("casework:case_detail", args=[reviewed_case.reference])
    sign_in(world.caseworker)

    # The request for the packet only enqueues it.
    with run_on_commit():
        response, asked = _timed(
            lambda: client.post(
                reverse("documents:request", args=[reviewed_case.reference, PACKET])
            )
        )
    assert response.status_code == 303 and response["Location"] == case_page
    assert asked < QUICK_SECONDS, asked
    doc = GeneratedDocument.objects.get(case=reviewed_case, kind=PACKET)
    assert doc.status == DocumentStatus.QUEUED  # nothing was rendered in the web process
    queued = DBTaskResult.objects.get(task_path="documents.tasks.document_render")
    assert (queued.queue_name, queued.args_kwargs["args"]) == ("pdf", [doc.pk])

    # A worker process takes a hostile render.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "RIGHTSDESK_RENDER_TIME_LIMIT": str(WORKER_LIMIT_SECONDS),
        "RIGHTSDESK_RENDER_MEMORY_LIMIT_MB": "512",
        "RIGHTSDESK_VAR_DIR": str(tmp_path / "var"),
    }
    env.pop("DATABASE_URL", None)
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.documents.hostile_worker", LAYOUT],
        cwd=django_settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        first = worker.stdout.readline()
        assert first.startswith("rendering "), first
        render_started = time.monotonic()
        time.sleep(1.0)  # well into the layout

        # Meanwhile the web side answers: the health check (anonymous) and a page.
        answers = []
        for _ in range(3):
            health, seconds = _timed(lambda: Client().get("/healthz"))
            answers.append(("healthz", health.status_code, seconds))
            page, seconds = _timed(lambda: client.get(case_page))
            answers.append(("case page", page.status_code, seconds))
        still_rendering = worker.poll() is None

        outcome = json.loads(worker.stdout.readline())
        worker.wait(30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()

    assert [(what, status) for what, status, _s in answers] == [
        ("healthz", 200),
        ("case page", 200),
    ] * 3
    assert max(s for _w, _c, s in answers) < QUICK_SECONDS, answers
    assert still_rendering, "the render ended before the web side was asked"
    # The worker stopped the render at its limit (plus the time the signal takes to land).
    assert outcome["outcome"] == (
        f"RenderError: the render took longer than {WORKER_LIMIT_SECONDS} seconds"
    ), outcome
    assert outcome["seconds"] < WORKER_LIMIT_SECONDS + 6, outcome
    assert time.monotonic() - render_started < WORKER_LIMIT_SECONDS + 10
    # And the web side never touched the queued render.
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.QUEUED
