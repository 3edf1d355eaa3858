"""Render robustness (issue 4): the time limit, retrying a failed render, reaping renders that
never finished, and the start-up warning when fast font subsetting is missing."""

import ctypes
import time
from datetime import timedelta

import pytest
from django.core.checks import run_checks
from django.utils import timezone

from casework.errors import Forbidden, GuardFailed, NotFound
from casework.models import AuditEvent
from documents import checks
from documents.models import DocumentKind, DocumentStatus, GeneratedDocument
from documents.rendering import RenderError, render_pdf, time_limit
from documents.services import (
    document_render_now,
    document_request,
    document_retry,
    documents_reap_stuck,
    render_context,
)

PACKET = DocumentKind.REFERRAL_PACKET


def _failed_packet(world, case, render_on_commit, monkeypatch):
    def broken(**kwargs):
        raise RenderError("the renderer refused to fetch a resource")

    monkeypatch.setattr("documents.rendering.render_pdf", broken)
    doc = render_on_commit(document_request, case=case, kind=PACKET, user=world.caseworker)
    monkeypatch.undo()
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.FAILED
    return doc


# --- time limit -------------------------------------------------------------------------------


def test_the_time_limit_interrupts_a_block_that_runs_too_long():
    started = time.monotonic()
    with pytest.raises(RenderError, match="longer than 0.05 seconds"):
        with time_limit(0.05):
            while True:
                pass
    assert time.monotonic() - started < 2


def test_an_interruption_swallowed_inside_the_block_is_repeated():
    # Raised inside a garbage-collector callback or a __del__, the interruption is swallowed by
    # Python; the next one, 0.1 s later, ends the block.
    with pytest.raises(RenderError, match="longer than 0.05 seconds"):
        with time_limit(0.05):
            try:
                while True:
                    pass
            except BaseException:  # noqa: S110 - the swallowing under test
                pass
            while True:
                pass


def test_a_block_that_swallowed_every_interruption_still_fails_when_it_ends():
    with pytest.raises(RenderError, match="longer than 0.05 seconds"):
        with time_limit(0.05):
            deadline = time.monotonic() + 0.4
            while time.monotonic() < deadline:
                try:
                    while time.monotonic() < deadline:
                        pass
                except BaseException:  # noqa: S110 - the swallowing under test
                    pass


def test_the_time_limit_puts_back_a_timer_set_before_it():
    import signal

    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *a: fired.append(1))
    try:
        signal.setitimer(signal.ITIMER_REAL, 5)
        with time_limit(1):
            pass
        remaining, _interval = signal.getitimer(signal.ITIMER_REAL)
        assert 3 < remaining <= 5
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_a_render_over_its_time_limit_fails_with_the_reason(world, reviewed_case):
    doc = document_request(case=reviewed_case, kind=PACKET, user=world.caseworker)
    with pytest.raises(RenderError, match="the render took longer than 0.01 seconds"):
        render_pdf(
            template="documents/referral_packet.html",
            context=render_context(doc),
            time_limit_seconds=0.01,
        )


def test_the_task_records_a_timed_out_render_as_failed(world, reviewed_case, settings):
    settings.RIGHTSDESK = {**settings.RIGHTSDESK, "RENDER_TIME_LIMIT_SECONDS": 0.01}
    doc = document_request(case=reviewed_case, kind=PACKET, user=world.caseworker)
    assert document_render_now(doc.pk) == DocumentStatus.FAILED
    doc.refresh_from_db()
    assert doc.failure_reason == "the render took longer than 0.01 seconds"


# --- retry ------------------------------------------------------------------------------------


def test_retry_queues_a_failed_document_again_audited_and_renders_it(
    world, reviewed_case, render_on_commit, monkeypatch, _documents_settings
):
    doc = _failed_packet(world, reviewed_case, render_on_commit, monkeypatch)
    render_on_commit(document_retry, document=doc, user=world.caseworker)
    doc.refresh_from_db()
    assert (doc.status, doc.version, doc.failure_reason) == (DocumentStatus.READY, 1, "")
    assert doc.pages >= 2 and GeneratedDocument.objects.count() == 1
    retried = AuditEvent.objects.get(case=reviewed_case, verb="document_retried")
    assert retried.actor == world.caseworker
    assert retried.payload == {
        "document": doc.pk,
        "kind": PACKET,
        "version": 1,
        "reason": "the renderer refused to fetch a resource",
    }
    # The packet's own timeline leaves the renderer's bookkeeping out.
    from documents.snapshot import referral_packet_snapshot

    verbs = {e["verb"] for e in referral_packet_snapshot(reviewed_case)["timeline"]}
    assert not {"document_retried", "document_render_failed"} & verbs


def test_retry_of_a_document_that_did_not_fail_is_refused_and_changes_nothing(
    world, reviewed_case, render_on_commit
):
    doc = render_on_commit(document_request, case=reviewed_case, kind=PACKET, user=world.caseworker)
    doc.refresh_from_db()
    before = GeneratedDocument.objects.filter(pk=doc.pk).values().get()
    with pytest.raises(GuardFailed):
        document_retry(document=doc, user=world.caseworker)
    assert GeneratedDocument.objects.filter(pk=doc.pk).values().get() == before
    assert not AuditEvent.objects.filter(verb="document_retried").exists()


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("other_caseworker", NotFound),
        ("worker", NotFound),
        ("coordinator", NotFound),
        ("caseworker2", Forbidden),
    ],
)
def test_retry_needs_what_asking_for_the_filing_needs(
    world, reviewed_case, render_on_commit, monkeypatch, who, error
):
    doc = _failed_packet(world, reviewed_case, render_on_commit, monkeypatch)
    with pytest.raises(error):
        document_retry(document=doc, user=getattr(world, who))
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.FAILED
    assert not AuditEvent.objects.filter(verb="document_retried").exists()


# --- reaping renders that never finished ------------------------------------------------------


def _rendering_since(doc, minutes_ago: int):
    started = timezone.now() - timedelta(minutes=minutes_ago)
    GeneratedDocument.objects.filter(pk=doc.pk).update(
        status=DocumentStatus.RENDERING, render_started_at=started
    )


def test_the_reaper_fails_renders_stuck_longer_than_the_setting_once(
    world, reviewed_case, render_on_commit, settings, _documents_settings
):
    stuck = document_request(case=reviewed_case, kind=PACKET, user=world.caseworker)
    busy = document_request(case=reviewed_case, kind=PACKET, user=world.caseworker)
    queued = document_request(case=reviewed_case, kind=PACKET, user=world.caseworker)
    _rendering_since(stuck, 16)
    _rendering_since(busy, 5)
    assert documents_reap_stuck() == 1
    stuck.refresh_from_db()
    assert stuck.status == DocumentStatus.FAILED
    assert stuck.failure_reason == "the render did not finish within 15 minutes"
    assert GeneratedDocument.objects.get(pk=busy.pk).status == DocumentStatus.RENDERING
    assert GeneratedDocument.objects.get(pk=queued.pk).status == DocumentStatus.QUEUED
    events = AuditEvent.objects.filter(verb="document_render_failed")
    assert [e.payload["document"] for e in events] == [stuck.pk]
    # Idempotent: a second sweep finds nothing more and writes nothing.
    assert documents_reap_stuck() == 0
    assert AuditEvent.objects.filter(verb="document_render_failed").count() == 1
    # The setting decides: at 4 minutes the busy one is stuck too.
    settings.RIGHTSDESK = {**settings.RIGHTSDESK, "RENDER_STUCK_MINUTES": 4}
    assert documents_reap_stuck() == 1
    assert GeneratedDocument.objects.get(pk=busy.pk).failure_reason == (
        "the render did not finish within 4 minutes"
    )
    # A reaped document can be retried.
    render_on_commit(document_retry, document=stuck, user=world.caseworker)
    assert GeneratedDocument.objects.get(pk=stuck.pk).status == DocumentStatus.READY


def test_a_render_that_finishes_after_it_was_reaped_is_discarded(
    world, reviewed_case, monkeypatch, _documents_settings
):
    doc = document_request(case=reviewed_case, kind=PACKET, user=world.caseworker)
    real = render_pdf

    def slow(**kwargs):
        result = real(**kwargs)
        documents_reap_stuck(now=timezone.now() + timedelta(hours=1))  # meanwhile, the sweep
        return result

    monkeypatch.setattr("documents.rendering.render_pdf", slow)
    assert document_render_now(doc.pk) == DocumentStatus.FAILED
    doc.refresh_from_db()
    assert doc.file.name == "" and doc.sha256 == ""
    assert _documents_settings.listdir("generated")[1] == []


# --- the start-up warning ---------------------------------------------------------------------


def _warnings():
    # Only the checks tagged "documents": the model checks would ask the database for its features.
    return run_checks(tags=["documents"], include_deployment_checks=True)


def test_no_warning_where_harfbuzz_subset_is_installed():
    assert checks.fast_font_subsetting() is True
    assert _warnings() == []


def test_a_missing_harfbuzz_subset_gives_warning_w001(monkeypatch):
    real = ctypes.CDLL

    def without_subset(name, *args, **kwargs):
        if "subset" in str(name):
            raise OSError(f"{name}: cannot open shared object file")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(checks.ctypes, "CDLL", without_subset)
    assert checks.fast_font_subsetting() is False
    (warning,) = _warnings()
    assert warning.id == "documents.W001" and warning.level == 30  # WARNING
    assert "libharfbuzz-subset0" in warning.hint


# --- the retry route --------------------------------------------------------------------------


def test_the_assignee_retries_from_the_case_page(
    client, sign_in, world, reviewed_case, render_on_commit, monkeypatch, _documents_settings
):
    from django.urls import reverse

    doc = _failed_packet(world, reviewed_case, render_on_commit, monkeypatch)
    url = reverse("documents:retry", args=[doc.pk])
    assert sign_in(world.caseworker).get(url).status_code == 405
    from tests.factories import run_on_commit

    with run_on_commit():
        response = client.post(url)
    assert response.status_code == 303
    assert response["Location"] == reverse("casework:case_detail", args=[reviewed_case.reference])
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.READY


@pytest.mark.parametrize("who", ["other_caseworker", "worker", "lawyer"])
def test_the_retry_route_is_404_for_those_who_may_not_see_the_case(
    client, sign_in, world, reviewed_case, render_on_commit, monkeypatch, who
):
    from django.urls import reverse

    doc = _failed_packet(world, reviewed_case, render_on_commit, monkeypatch)
    sign_in(getattr(world, who))
    assert client.post(reverse("documents:retry", args=[doc.pk])).status_code == 404
    assert client.post(reverse("documents:retry", args=[doc.pk + 100])).status_code == 404
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.FAILED
    assert not AuditEvent.objects.filter(verb="document_retried").exists()


# --- memory limit and hostile layouts (security.md D7) ------------------------------------------


def test_the_memory_limit_stops_a_block_that_allocates_too_much_and_is_put_back():
    import resource

    from documents.rendering import memory_limit

    before = resource.getrlimit(resource.RLIMIT_AS)
    with pytest.raises(RenderError, match="more than 64 MB of memory"):
        with memory_limit(64 * 1024 * 1024):
            bytearray(256 * 1024 * 1024)
    assert resource.getrlimit(resource.RLIMIT_AS) == before
    assert len(bytearray(256 * 1024 * 1024)) == 256 * 1024 * 1024  # the limit is gone


def test_every_render_runs_under_the_memory_limit(monkeypatch, settings):
    """render_pdf applies RENDER_MEMORY_LIMIT_MB around the whole render. (A real render
    pushed past a tiny limit may fail inside Pango, which aborts the process on a failed
    allocation — the worker's death, which the redelivery tests cover — so the limit is
    observed here rather than hit.)"""
    import resource
    from contextlib import contextmanager

    from documents import rendering

    settings.RIGHTSDESK = {**settings.RIGHTSDESK, "RENDER_MEMORY_LIMIT_MB": 300}
    seen = []
    original = rendering.memory_limit

    @contextmanager
    def recording(extra_bytes):
        with original(extra_bytes):
            seen.append((extra_bytes, resource.getrlimit(resource.RLIMIT_AS)[0]))
            yield

    monkeypatch.setattr(rendering, "memory_limit", recording)
    monkeypatch.setattr(rendering, "render_html", lambda **kw: "<p>工资</p>")
    _pdf, pages = render_pdf(template="unused", context={})
    assert pages == 1 and len(seen) == 1
    extra, soft_during = seen[0]
    assert extra == 300 * 1024 * 1024
    assert soft_during != resource.RLIM_INFINITY  # in force while the render ran
    assert resource.getrlimit(resource.RLIMIT_AS)[0] != soft_during  # and lifted after


HOSTILE = {
    "10 000 nested divs": "<div>" * 10_000 + "x" + "</div>" * 10_000,
    "font-size 1e9px": '<p style="font-size:1e9px">工资</p>' * 50,
    "@page size 1e6cm": "<style>@page{size:1e6cm 1e6cm}</style><p>x</p>",
    "a 20 000-row table": "<table>" + "<tr><td>a</td><td>b</td></tr>" * 20_000 + "</table>",
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_layouts_end_within_the_time_and_memory_limits(monkeypatch, settings, name):
    """Markup nobody can type (fields are escaped, D1/D9) but a template bug could produce:
    each either renders or fails with a RenderError, within the time limit and the memory
    limit — never a crash of another kind, never an unbounded render."""
    from documents import rendering

    settings.RIGHTSDESK = {**settings.RIGHTSDESK, "RENDER_MEMORY_LIMIT_MB": 512}
    monkeypatch.setattr(rendering, "render_html", lambda **kw: HOSTILE[name])
    started = time.monotonic()
    try:
        _pdf, pages = render_pdf(template="unused", context={}, time_limit_seconds=3)
    except RenderError as exc:
        outcome = str(exc)
        assert (
            "longer than 3 seconds" in outcome
            or "memory" in outcome
            or "nested too deeply" in outcome
        ), outcome
    except Exception as exc:  # noqa: BLE001 — recorded by the service as "render error: <type>"
        # WeasyPrint's own failure on absurd values (font-size 1e9px: ZeroDivisionError); the
        # task records any Exception as a failed render with its type
        # (test_the_task_records_a_timed_out_render_as_failed shows the path).
        assert name == "font-size 1e9px", (name, exc)
    else:
        assert 1 <= pages <= 5_000, pages
    # The time limit's signal lands between WeasyPrint's steps: allow it some seconds more.
    assert time.monotonic() - started < 3 + 3
