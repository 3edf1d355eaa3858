"""The read-access log and the refusal log (security.md §7 G1: "authz denial", "case view (read-
access log like Primero access_log)" — exactly one structured entry per event with actor id,
action, object id, UTC timestamp and outcome, and no worker name, ID number or note text).

- Each time a member of staff opens a case (its page, its summary, the API's case) exactly one
  audit event is written: "identity_viewed" when phone or ID numbers were shown, else
  "case_viewed" with the level and the channel. A refused view, a page re-rendered after a
  refused action, and a worker reading their own case write none.
- Each refusal is one line of the security.authz log, through the configured handler: UTC time,
  route (the action), object, account and status (the outcome)."""

import io
import json
import logging
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from casework.choices import CaseState
from casework.models import AuditEvent
from casework.services import case_accept_for_review, note_add
from security.logging import ScrubFilter, UTCFormatter
from tests.api.conftest import client_for
from tests.factories import drive_to

READ_VERBS = ("case_viewed", "identity_viewed")
NOTE = "内部备注：职工的朋友在人事部"


def _reads(case) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(case=case, verb__in=READ_VERBS).order_by("id"))


def _browser(user) -> Client:
    client = Client()
    client.force_login(type(user).objects.get(pk=user.pk))
    return client


def _assert_ids_only(event: AuditEvent, case) -> None:
    text = json.dumps(event.payload, ensure_ascii=False)
    worker = case.primary_worker
    for secret in (worker.name, worker.phone, worker.id_number, NOTE):
        assert not secret or secret not in text, secret
    assert event.occurred_at.utcoffset() == timedelta(0)


@pytest.fixture
def case(world, filed_case):
    case = case_accept_for_review(case=filed_case, user=world.caseworker)
    note_add(case=case, user=world.caseworker, body=NOTE)
    return case


def test_each_staff_view_of_a_case_page_writes_exactly_one_read_event(world, case):
    url = reverse("casework:case_detail", args=[case.reference])
    # caseworker2: full access, identities masked; the assignee: identities shown.
    for user, verb, payload in [
        (world.caseworker2, "case_viewed", {"level": "full", "via": "page"}),
        (world.caseworker, "identity_viewed", {"workers": [case.primary_worker_id]}),
    ]:
        client = _browser(user)
        for n in (1, 2):
            before = _reads(case)
            assert client.get(url).status_code == 200
            after = _reads(case)
            assert len(after) == len(before) + 1, (user, n)
            event = after[-1]
            assert (event.verb, event.actor_id, event.payload) == (verb, user.pk, payload)
            _assert_ids_only(event, case)


def test_a_summary_view_is_logged_at_its_level(world):
    case = drive_to(world, CaseState.REFERRED)
    before = len(_reads(case))
    response = _browser(world.coordinator).get(
        reverse("casework:case_detail", args=[case.reference])
    )
    assert response.status_code == 200
    assert "staff/case_summary.html" in [t.name for t in response.templates]
    reads = _reads(case)
    assert len(reads) == before + 1
    assert (reads[-1].verb, reads[-1].actor_id, reads[-1].payload) == (
        "case_viewed",
        world.coordinator.pk,
        {"level": "summary", "via": "page"},
    )


def test_the_apis_case_is_logged_once_per_answer(world, case):
    client = client_for(world.caseworker2)
    for _ in (1, 2):
        before = len(_reads(case))
        assert client.get(f"/api/v1/cases/{case.reference}/").status_code == 200
        reads = _reads(case)
        assert len(reads) == before + 1
        assert (reads[-1].verb, reads[-1].payload) == (
            "case_viewed",
            {"level": "full", "via": "api"},
        )


def test_refused_views_and_re_rendered_pages_and_the_workers_own_reads_write_nothing(world, case):
    api = client_for(world.other_caseworker)  # creating its token is audited: before counting
    total = AuditEvent.objects.count()
    url = reverse("casework:case_detail", args=[case.reference])
    assert _browser(world.other_caseworker).get(url).status_code == 404
    assert api.get(f"/api/v1/cases/{case.reference}/").status_code == 404
    # A refused action re-renders the page: that is not a view.
    response = _browser(world.caseworker2).post(
        reverse("casework:case_transition", args=[case.reference, "withdraw"]),
        {"expected_state": CaseState.SUBMITTED},
    )
    assert response.status_code in (400, 403, 409)
    worker = _browser(world.worker)
    assert worker.get(reverse("casework:my_case", args=[case.reference])).status_code == 200
    assert AuditEvent.objects.count() == total


def test_read_events_stay_out_of_the_timeline(world, case):
    client = _browser(world.caseworker2)
    url = reverse("casework:case_detail", args=[case.reference])
    client.get(url)
    timeline = client.get(url).context["detail"].timeline
    verbs = {getattr(item, "verb", None) for item in timeline}
    assert not verbs & set(READ_VERBS)
    assert len(_reads(case)) == 2


def test_the_access_log_command_lists_who_read_the_case(world, case):
    _browser(world.caseworker2).get(reverse("casework:case_detail", args=[case.reference]))
    _browser(world.caseworker).get(reverse("casework:case_detail", args=[case.reference]))
    out = io.StringIO()
    call_command("access_log", case.reference, stdout=out)
    lines = out.getvalue().splitlines()
    reads = [line for line in lines if "viewed" in line]
    assert len(reads) == 2
    assert f"actor={world.caseworker2.pk}" in reads[0] and "case_viewed" in reads[0]
    assert f"actor={world.caseworker.pk}" in reads[1] and "identity_viewed" in reads[1]
    assert all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ", line) for line in reads)
    assert case.primary_worker.name not in out.getvalue()


def test_the_access_log_command_refuses_an_unknown_reference(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="CZ-1999-999999"):
        call_command("access_log", "CZ-1999-999999", stdout=io.StringIO())


def test_a_refusal_is_one_log_line_with_utc_time_action_object_actor_and_outcome(world, case):
    # The console handler of settings.LOGGING is the one that writes the lines.
    console = settings.LOGGING["handlers"]["console"]
    assert console["formatter"] == "utc" and "scrub" in console["filters"]
    assert settings.LOGGING["formatters"]["utc"]["()"] == "security.logging.UTCFormatter"

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(UTCFormatter())
    handler.addFilter(ScrubFilter())
    authz = logging.getLogger("security.authz")
    authz.addHandler(handler)
    try:
        response = _browser(world.other_caseworker).get(
            reverse("casework:case_detail", args=[case.reference])
        )
    finally:
        authz.removeHandler(handler)
    assert response.status_code == 404
    (line,) = stream.getvalue().splitlines()
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z WARNING security\.authz authz_refused "
        rf"status=404 method=GET route=casework:case_detail object={case.reference} "
        rf"actor={world.other_caseworker.pk}",
        line,
    ), line


def test_the_formatter_writes_utc_whatever_the_local_zone(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
        record.created = 0.5  # 1970-01-01T00:00:00.500Z; 08:00 in Shanghai
        record.msecs = 500
        assert UTCFormatter().format(record) == "1970-01-01T00:00:00.500Z INFO x m"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
