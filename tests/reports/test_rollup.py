"""The rollup (reports.rollup) gives exactly the figures counted afresh from the cases
(reports.sources.DirectSource), on random grievances, and stays so after they change."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone, translation

from casework.audit import audit_record
from casework.choices import Channel, IndustrialChain, OutcomeCode, ReferralState
from casework.demo.clock import simulated_time
from casework.models import Case, Employer
from privacy.purge import case_purge
from reports import rollup
from reports.aggregates import build
from reports.filters import ReportFilters
from reports.models import ReportCell
from reports.sources import DirectSource
from rights.models import Category
from tests.factories import build_world

from .conftest import TZ, make_case, make_deadline, make_referral

STATES = [
    "submitted",
    "under_review",
    "rejected",
    "referred",
    "legal_aid",
    "withdrawn",
    "closed",
    "draft",
]
DISTRICTS = ["武进区", "新北区", "天宁区", ""]
DEADLINES = ["FIRST_RESPONSE", "ARB_LIMIT", "APPEAL", "ENFORCE"]


def _moment(rng: random.Random) -> dt.datetime:
    start = dt.datetime(2025, 10, 1, tzinfo=TZ)
    return start + dt.timedelta(minutes=rng.randrange(0, 330 * 24 * 60))


def _random_case(rng, orgs, employers, categories, provider):
    state = rng.choice(STATES)
    submitted = None if state == "draft" else _moment(rng)
    ended = state in ("rejected", "withdrawn", "closed")
    closed = submitted + dt.timedelta(hours=rng.randrange(1, 2000)) if ended else None
    is_closed = state == "closed"
    case = make_case(
        rng.choice(orgs),
        rng.choice(employers),
        state,
        submitted,
        closed=closed,
        channel=rng.choice(Channel.values),
        categories=rng.sample(categories, rng.randint(0, 2)),
        outcome=rng.choice(OutcomeCode.values + [""]) if is_closed else "",
        awarded=str(rng.randrange(0, 90000)) if is_closed and rng.random() < 0.8 else None,
        recovered=str(rng.randrange(0, 90000)) if is_closed and rng.random() < 0.7 else None,
        claimants=rng.choice([1, 1, 1, 2, 5, 10, 14]),
        claims=[str(rng.randrange(1, 50000)) for _ in range(rng.randint(0, 2))],
        first_response_hours=rng.randrange(1, 300) if submitted and rng.random() < 0.7 else None,
        first_verb=rng.choice(["accept_for_review", "reject"]),
    )
    if submitted and rng.random() < 0.3:
        state_ = rng.choice(ReferralState.values)
        answered = None if state_ == ReferralState.PENDING else rng.randrange(1, 400)
        make_referral(case, provider, submitted + dt.timedelta(hours=5), state_, answered)
    if submitted and rng.random() < 0.5:
        due = (submitted + dt.timedelta(days=rng.randrange(-30, 400))).date()
        met = None
        if rng.random() < 0.5:
            met = dt.datetime.combine(
                due + dt.timedelta(days=rng.randrange(-5, 5)), dt.time(23, 30), tzinfo=TZ
            )
        make_deadline(case, rng.choice(DEADLINES), due, met)
    return case


@pytest.fixture
def random_world(db):
    rng = random.Random(20261126)
    w = build_world()
    orgs = [w.city, w.wujin, w.xinbei, w.enterprise]
    employers = [
        Employer.objects.create(
            name=f"雇主{i}",
            district=rng.choice(DISTRICTS),
            industrial_chain=rng.choice(IndustrialChain.values + [""]),
        )
        for i in range(25)
    ] + [None]
    categories = list(Category.objects.filter(active=True).values_list("code", flat=True))
    cases = [_random_case(rng, orgs, employers, categories, w.centre) for _ in range(300)]
    return w, rng, cases, orgs


FILTERS = [
    ReportFilters(date_from=dt.date(2025, 10, 1), date_to=dt.date(2026, 8, 31)),
    ReportFilters(date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 6, 30)),
    ReportFilters(date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 31)),
    ReportFilters.default(),
]


def _both(w, filters):
    out = []
    for direct in (False, True):
        with translation.override("en"):
            out.append(build((w.city.path,), filters, direct=direct))
    return out


def _compare(fast, slow, f):
    (fast_tree, fast_parts), (slow_tree, slow_parts) = fast, slow
    assert fast_tree["summary"] == slow_tree["summary"], f
    for a, b in zip(fast_tree["tables"], slow_tree["tables"], strict=True):
        assert a == b, (f, a["key"])
    assert fast_parts == slow_parts, f


def _assert_same(w, orgs):
    used = []
    for base in FILTERS:
        for org in [None, *orgs]:
            f = ReportFilters(
                date_from=base.date_from,
                date_to=base.date_to,
                organisation_id=None if org is None else org.pk,
            )
            fast, slow = _both(w, f)
            _compare(fast, slow, f)
            used.append(f)
    # The rollup was read, not the fallback: it holds cells, and it answers these filters.
    assert ReportCell.objects.exists()
    return used


def _uses_rollup(w, filters) -> bool:
    from reports.aggregates import scoped_cases
    from reports.tables import Report, bounds, months_of

    start, end = bounds(filters)
    cases = scoped_cases((w.city.path,), filters)
    r = Report(cases=cases, cohort=cases, months=months_of(filters), start=start, end=end)
    return isinstance(rollup.rollup_source((w.city.path,), filters, r), rollup.RollupSource)


def test_the_rollup_equals_the_direct_count(random_world):
    w, _rng, _cases, orgs = random_world
    for f in FILTERS:
        assert _uses_rollup(w, f)
    _assert_same(w, orgs)


def test_filters_the_rollup_cannot_answer_fall_back(random_world):
    w, *_ = random_world
    for f in (
        ReportFilters(date_from=dt.date(2026, 1, 2), date_to=dt.date(2026, 6, 30)),
        ReportFilters(date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 6, 29)),
        ReportFilters(
            date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 6, 30), category="WAGE.ARREARS"
        ),
        ReportFilters(
            date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 6, 30), chain="textiles"
        ),
    ):
        assert not _uses_rollup(w, f)
        fast, slow = _both(w, f)
        _compare(fast, slow, f)


def test_the_rollup_follows_changes(random_world):
    w, rng, cases, orgs = random_world
    _assert_same(w, orgs)  # builds the rollup
    submitted = [c for c in cases if c.submitted_at is not None]
    # Transitions saved through the ORM (no audit event): closed, reopened, moved, re-dated.
    for case in rng.sample(submitted, 40):
        choice = rng.random()
        if choice < 0.3:
            change = {
                "state": "closed",
                "closed_at": case.submitted_at + dt.timedelta(hours=rng.randrange(1, 900)),
                "outcome": rng.choice(OutcomeCode.values),
                "amount_recovered": rng.randrange(0, 5000),
            }
        elif choice < 0.5:  # reopened
            change = {"state": "under_review", "closed_at": None, "outcome": ""}
        elif choice < 0.7:  # transferred to another union
            change = {"owning_org": rng.choice(orgs)}
        else:
            change = {"claimant_count": rng.choice([1, 3, 12])}
        # update() sends no signal: the audit event the services write is what is noticed.
        Case.objects.filter(pk=case.pk).update(**change)
        with simulated_time(timezone.now()):
            audit_record(verb="note_add", case=case, actor_kind="staff")
    _assert_same(w, orgs)
    # Saved through the ORM without an audit event (signals), categories changed, an employer
    # moved to another district, a first response recorded.
    for case in rng.sample(submitted, 15):
        case = Case.objects.get(pk=case.pk)
        case.channel = rng.choice(Channel.values)
        case.save(update_fields=["channel"])
        case.categories.set(Category.objects.order_by("?")[:2])
    employer = Employer.objects.exclude(district="新北区").first()
    employer.district = "新北区"
    employer.save()
    case = rng.choice(submitted)
    with simulated_time(case.submitted_at + dt.timedelta(hours=3)):
        audit_record(verb="accept_for_review", case=case, actor_kind="staff")
    _assert_same(w, orgs)
    # Purged and deleted grievances.
    ended = list(Case.objects.filter(state__in=("closed", "rejected", "withdrawn")))
    for case in rng.sample(ended, 5):
        case_purge(case=case, reason="retention")
    for case in rng.sample([c for c in submitted if Case.objects.filter(pk=c.pk).exists()], 3):
        for claim in case.claims.all():
            claim.delete()
    _assert_same(w, orgs)


def test_direct_source_is_what_the_report_used_to_count(random_world):
    """The direct source is the unchanged code path the rollup is compared with."""
    w, *_ = random_world
    f = FILTERS[0]
    from reports.aggregates import scoped_cases
    from reports.tables import Report, bounds, months_of

    start, end = bounds(f)
    cases = scoped_cases((w.city.path,), f)
    r = Report(
        cases=cases,
        cohort=cases.filter(submitted_at__gte=start, submitted_at__lt=end),
        months=months_of(f),
        start=start,
        end=end,
    )
    source = DirectSource(r)
    assert sum(row["n"] for row in source.cube()) == r.cohort.count() > 200


# --- the incremental refresh -------------------------------------------------------------------


def _snapshot() -> dict:
    """Everything the rollup holds, the sums as cents (SQLite keeps them as floats)."""
    from decimal import Decimal

    from reports.models import ReportEmployerTotal, ReportMembership

    def cells(own):
        out = {}
        for node, month, kind, key, n, x, y, z, a, b in ReportCell.objects.filter(
            own=own
        ).values_list("node_id", "month", "kind", "key", "n", "x", "y", "z", "a", "b"):
            cents = [Decimal(str(v)).quantize(Decimal("0.01")) for v in (a, b)]
            figures = (n, x, y, z, *cents)
            assert any(figures), (node, month, kind, key)  # no empty cell is kept
            out[(node, month, kind, key)] = figures
        return out

    return {
        "cells": cells(False),
        "own": cells(True),
        "employers": sorted(ReportEmployerTotal.objects.values_list("node_id", "employer_id", "n")),
        "members": sorted(
            ReportMembership.objects.values_list(
                "case_id", "org_id", "employer_id", "month", "ended_month"
            )
        ),
    }


def _refresh_then_compare_with_rebuild():
    from reports.models import ReportRollupState

    built = ReportRollupState.objects.get().built_at
    rollup.refresh()
    assert ReportRollupState.objects.get().built_at == built  # refreshed, not rebuilt
    refreshed = _snapshot()
    rollup.reports_rollup_rebuild()
    rebuilt = _snapshot()
    assert refreshed["cells"] and refreshed["own"] and refreshed["members"]
    for part in ("cells", "own", "employers", "members"):
        assert refreshed[part] == rebuilt[part], part


def _audited(case, verb="note_add"):
    with simulated_time(timezone.now()):
        audit_record(verb=verb, case=case, actor_kind="staff")


def _change_new_filings(w, rng, cases, orgs):
    employers = list(Employer.objects.all())
    categories = list(Category.objects.filter(active=True).values_list("code", flat=True))
    for _ in range(5):
        case = _random_case(rng, orgs, employers, categories, w.centre)
        _audited(case, "submit")


def _change_transitions(w, rng, cases, orgs):
    for case in rng.sample([c for c in cases if c.state == "submitted"], 5):
        Case.objects.filter(pk=case.pk).update(state="under_review")
        _audited(case, "accept_for_review")


def _change_closing(w, rng, cases, orgs):
    for case in rng.sample([c for c in cases if c.state == "under_review"], 5):
        Case.objects.filter(pk=case.pk).update(
            state="closed",
            closed_at=case.submitted_at + dt.timedelta(hours=rng.randrange(1, 900)),
            outcome=rng.choice(OutcomeCode.values),
            amount_awarded=rng.randrange(0, 5000),
            amount_recovered=rng.randrange(0, 5000),
        )
        _audited(case, "close")


def _change_reopening(w, rng, cases, orgs):
    for case in rng.sample([c for c in cases if c.state == "closed"], 5):
        Case.objects.filter(pk=case.pk).update(state="under_review", closed_at=None, outcome="")
        _audited(case, "reopen")


def _change_transfer(w, rng, cases, orgs):
    for case in rng.sample([c for c in cases if c.submitted_at is not None], 5):
        others = [o for o in orgs if o.pk != case.owning_org_id]
        Case.objects.filter(pk=case.pk).update(owning_org=rng.choice(others))
        _audited(case, "transfer")


def _change_categories(w, rng, cases, orgs):
    for case in rng.sample([c for c in cases if c.submitted_at is not None], 5):
        case.categories.set(Category.objects.order_by("?")[: rng.randint(0, 2)])


def _change_employer(w, rng, cases, orgs):
    employer = Employer.objects.get(
        pk=Case.objects.filter(submitted_at__isnull=False, primary_employer__isnull=False)
        .values_list("primary_employer_id", flat=True)
        .first()
    )
    employer.district = "天宁区" if employer.district != "天宁区" else "新北区"
    employer.industrial_chain = "textiles" if employer.industrial_chain != "textiles" else ""
    employer.save()
    # A grievance moved to another employer, saved without an audit event.
    case = Case.objects.filter(submitted_at__isnull=False).exclude(primary_employer=employer)[0]
    case.primary_employer = employer
    case.save(update_fields=["primary_employer"])


def _change_deleted(w, rng, cases, orgs):
    # The purge keeps the case row for the statistics and deletes its claims, referrals,
    # deadlines and events: closed cases with claims, so that the rollup must change ("claimed"),
    # in primary-key order, so that the sample is the same on every database.
    ended = list(
        Case.objects.filter(state="closed", claims__isnull=False).distinct().order_by("pk")
    )
    for case in rng.sample(ended, 3):
        case_purge(case=case, reason="retention")


@pytest.mark.parametrize(
    "change",
    [
        _change_new_filings,
        _change_transitions,
        _change_closing,
        _change_reopening,
        _change_transfer,
        _change_categories,
        _change_employer,
        _change_deleted,
    ],
)
def test_a_refresh_leaves_what_a_rebuild_counts(random_world, change):
    w, rng, cases, orgs = random_world
    rollup.reports_rollup_rebuild()
    before = _snapshot()
    change(w, rng, cases, orgs)
    _refresh_then_compare_with_rebuild()
    assert _snapshot() != before  # the change reached the rollup


def test_many_changes_in_turn_keep_the_rollup_exact(random_world):
    w, rng, cases, orgs = random_world
    rollup.reports_rollup_rebuild()
    for change in (_change_new_filings, _change_transfer, _change_closing, _change_categories):
        change(w, rng, cases, orgs)
        rollup.refresh()
    _change_reopening(w, rng, cases, orgs)
    _refresh_then_compare_with_rebuild()
    _assert_same(w, orgs)


def _queries_of_one_change(w, rng, orgs) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rollup.reports_rollup_rebuild()
    case = Case.objects.filter(state="submitted").order_by("pk").first()
    Case.objects.filter(pk=case.pk).update(owning_org=orgs[(orgs.index(case.owning_org) + 1) % 4])
    _audited(case, "transfer")
    with CaptureQueriesContext(connection) as ctx:
        rollup.refresh()
    return len(ctx.captured_queries)


def test_a_refresh_after_one_change_does_not_grow_with_the_cases(random_world):
    w, rng, cases, orgs = random_world
    small = _queries_of_one_change(w, rng, orgs)
    employers = list(Employer.objects.all())
    categories = list(Category.objects.filter(active=True).values_list("code", flat=True))
    for _ in range(600):
        _random_case(rng, orgs, employers, categories, w.centre)
    large = _queries_of_one_change(w, rng, orgs)
    assert Case.objects.count() >= 900
    # The count measured on SQLite: as many with three times the cases.
    assert small == large <= 35


def test_a_refresh_of_many_cases_reads_them_through_a_subquery(random_world, monkeypatch):
    w, rng, cases, orgs = random_world
    rollup.reports_rollup_rebuild()
    monkeypatch.setattr(rollup, "MAX_IDS", 0)  # every id list is "too long"
    _change_transfer(w, rng, cases, orgs)
    _change_closing(w, rng, cases, orgs)
    _refresh_then_compare_with_rebuild()


def test_a_view_of_identities_or_a_download_changes_no_cell(random_world, monkeypatch):
    """Access records name a case but change no figure: the refresh recounts nothing for them,
    and a real change is still seen."""
    from django.db import transaction

    w, rng, cases, orgs = random_world
    rollup.reports_rollup_rebuild()
    recounted = []
    original = rollup._recount

    def spy(ids, state):
        recounted.append(set(ids))
        return original(ids, state)

    monkeypatch.setattr(rollup, "_recount", spy)
    case = cases[0]
    with transaction.atomic():
        for verb in ("identity_viewed", "document_downloaded", "evidence_downloaded"):
            audit_record(verb=verb, actor=w.caseworker, case=case, payload={})
    rollup.refresh()
    assert recounted in ([], [set()])
    with transaction.atomic():
        audit_record(verb="note_added", actor=w.caseworker, case=case, payload={})
    rollup.refresh()
    assert recounted[-1] == {case.pk}
