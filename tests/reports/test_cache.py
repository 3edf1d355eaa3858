"""The report is cached, and a change to a case shows at once."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from casework import services
from casework.choices import CaseState
from casework.models import Case
from reports import cache as report_cache
from reports.filters import ReportFilters
from reports.selectors import report_data
from tests.factories import drive_to, run_on_commit

from .conftest import PERIOD


def _state_count(data, state):
    table = next(t for t in data["tables"] if t["key"] == "by_state")
    return next((r["cells"][0] for r in table["rows"] if r["key"] == state), None)


def _read(user, filters):
    with translation.override("en"), CaptureQueriesContext(connection) as queries:
        data = report_data(user, filters)
    return data, len(queries)


def test_a_second_read_comes_from_the_cache(report_world):
    f = ReportFilters(date_from=PERIOD[0], date_to=PERIOD[1])
    first, cold = _read(report_world.world.analyst, f)
    second, warm = _read(report_world.world.analyst, f)
    assert second == first
    assert cold > 10 and warm <= 3


def test_a_transition_shows_at_once(world):
    """Through the real services: filed, then accepted for review. Each writes audit events,
    which move the change marker."""
    today = timezone.localdate()
    f = ReportFilters(date_from=today - dt.timedelta(days=30), date_to=today)
    cases = [drive_to(world, CaseState.SUBMITTED) for _ in range(10)]
    before, _ = _read(world.analyst, f)
    assert _state_count(before, "submitted") == 10
    assert _state_count(before, "under_review") == "<5"  # none yet
    for case in cases[:5]:
        with run_on_commit():
            services.case_accept_for_review(case=case, user=world.caseworker)
    after, _ = _read(world.analyst, f)
    assert _state_count(after, "submitted") == 5
    assert _state_count(after, "under_review") == 5


def test_a_case_saved_without_an_audit_event_shows_at_once(report_world):
    """A change the audit chain does not see (an edit in the admin) moves the marker, through
    the rollup's list of changes."""
    f = ReportFilters(date_from=PERIOD[0], date_to=PERIOD[1])
    before, _ = _read(report_world.world.analyst, f)
    assert before["summary"][0]["cells"] == [11]
    marker = report_cache.change_marker()
    case = report_world.cases[13]  # the draft: submit it, by hand, in February
    Case.objects.filter(pk=case.pk).update(
        state=CaseState.SUBMITTED, submitted_at=timezone.make_aware(dt.datetime(2026, 2, 2))
    )
    Case.objects.get(pk=case.pk).save(update_fields=["updated_at"])
    assert report_cache.change_marker() != marker
    after, _ = _read(report_world.world.analyst, f)
    assert after["summary"][0]["cells"] == [12]


def test_the_marker_moves_with_the_audit_chain_alone(report_world):
    """Bulk loaders write audit rows without signals; the highest id still moves the key."""
    from casework.audit import audit_record

    marker = report_cache.change_marker()
    audit_record(verb="note_added", case=report_world.cases[3], actor_kind="staff")
    assert report_cache.change_marker() != marker


def test_reports_in_each_language_are_kept_apart(report_world):
    f = ReportFilters(date_from=PERIOD[0], date_to=PERIOD[1])
    with translation.override("en"):
        english = report_data(report_world.world.analyst, f)
    with translation.override("zh-hans"):
        chinese = report_data(report_world.world.analyst, f)
    assert english["tables"][0]["rows"][0]["label"] == "Jan 2026"
    assert chinese["tables"][0]["rows"][0]["label"] == "2026年1月"


def test_an_audit_event_committed_out_of_id_order_moves_the_marker(report_world):
    """PostgreSQL can commit the transaction holding id n after the one holding n + 5: the
    highest id stays, the number of recent events does not."""
    from casework.models import AuditEvent

    def event(pk: int) -> None:
        AuditEvent.objects.create(
            id=pk,
            chain_key=0,
            occurred_at=timezone.now(),
            actor_kind="system",
            verb="test",
            prev_hash="0" * 64,
            hash=f"{pk:064x}",
        )

    top = AuditEvent.objects.order_by("-id").values_list("id", flat=True)[0]
    event(top + 10)
    marker = report_cache.change_marker()
    event(top + 5)  # the late one
    assert report_cache.change_marker() != marker


def test_the_services_schedule_nothing_more_on_commit(world):
    """Invalidation adds no callback to a service's transaction (their tests count them)."""
    case = drive_to(world, CaseState.SUBMITTED)
    with run_on_commit() as scheduled:
        services.case_accept_for_review(case=case, user=world.caseworker)
    assert not [c for c in scheduled if "reports" in repr(c) or "mark_dirty" in repr(c)]


def test_invalidate_moves_the_marker(report_world):
    """What the bench's cold report does before each run."""
    marker = report_cache.change_marker()
    report_cache.invalidate()
    assert report_cache.change_marker() != marker
