"""A hand-counted population of grievances for the report tests.

The cases are written straight to the tables (as `seed_bench` does), with the moments each one
was submitted, answered and ended chosen here, so that every figure of the report can be counted
by hand from the table in `report_world`'s docstring. The first responses are audit events
written by the real `audit_record` on a simulated clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.utils import timezone

from casework.audit import audit_record
from casework.choices import Channel, ReferralState
from casework.demo.clock import simulated_time
from casework.models import Case, Claim, Employer, Referral
from rights.deadline_models import CaseDeadline, DeadlineRule
from rights.models import Category
from tests.factories import build_world

TZ = timezone.get_fixed_timezone(480)
PERIOD = (dt.date(2026, 1, 1), dt.date(2026, 6, 30))


def at(month: int, day: int, year: int = 2026, hour: int = 12) -> dt.datetime:
    return dt.datetime(year, month, day, hour, 0, tzinfo=TZ)


@pytest.fixture(autouse=True)
def _local_cache(settings):
    """A cache of the test's own: the file cache under var/ is shared with other runs."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "reports-tests",
        }
    }
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@dataclass
class ReportWorld:
    world: object
    cases: dict[int, Case] = field(default_factory=dict)
    employer_a: Employer | None = None
    employer_b: Employer | None = None


_serial = iter(range(1, 10_000))


def make_case(
    org,
    employer,
    state: str,
    submitted: dt.datetime | None,
    *,
    closed: dt.datetime | None = None,
    channel: str = Channel.WEB,
    categories=("WAGE.ARREARS",),
    outcome: str = "",
    awarded=None,
    recovered=None,
    claimants: int = 1,
    claims=(),
    first_response_hours: int | None = None,
    first_verb: str = "accept_for_review",
) -> Case:
    case = Case(
        reference=f"CZ-2026-9{next(_serial):05d}",
        channel=channel,
        owning_org=org,
        facts="测试事实：公司拖欠工资。",
        state=state,
        primary_employer=employer,
        claimant_count=claimants,
        submitted_at=submitted,
        closed_at=closed,
        outcome=outcome,
        amount_awarded=None if awarded is None else Decimal(awarded),
        amount_recovered=None if recovered is None else Decimal(recovered),
    )
    case.save()
    case.categories.set(Category.objects.filter(code__in=categories))
    for amount in claims:
        Claim.objects.create(case=case, item="请求事项", amount=Decimal(amount))
    if first_response_hours is not None:
        with simulated_time(submitted + dt.timedelta(hours=first_response_hours, seconds=-1)):
            audit_record(verb=first_verb, case=case, actor_kind="staff")
    return case


def make_referral(case, provider, sent: dt.datetime, state: str, answered_after_hours=None):
    return Referral.objects.create(
        case=case,
        provider=provider,
        state=state,
        sent_at=sent,
        responded_at=None
        if answered_after_hours is None
        else sent + dt.timedelta(hours=answered_after_hours),
    )


def make_deadline(case, code: str, due: dt.date, met: dt.datetime | None):
    return CaseDeadline.objects.create(
        case=case,
        rule=DeadlineRule.objects.get(code=code),
        trigger_date=due - dt.timedelta(days=3),
        due_date=due,
        computed_at=timezone.now(),
        met_at=met,
    )


@pytest.fixture
def report_world(db) -> ReportWorld:
    """Period 1 Jan – 30 Jun 2026. Employer A: 武进区, carbon fibre; B: 新北区, textiles.

    | # | union | emp | state | submitted | ended | channel | categories | first resp. | other |
    | 1 | wujin | A | closed settled 1000/1000 | Jan 10 | Feb 10 | web | WAGE.ARREARS | 24 h | claims 1200 |
    | 2 | wujin | A | closed mediation 2000/1500 | Jan 20 | Mar 1 | walk-in | WAGE.ARREARS, WAGE.OVERTIME | 48 h | claims 2000+500 |
    | 3 | wujin | A | under review | Feb 5 | | web | WAGE.ARREARS | 24 h | FIRST_RESPONSE met in time |
    | 4 | wujin | A | rejected | Feb 15 | Feb 17 | phone | OTHER | 48 h (reject) | |
    | 5 | wujin | A | submitted | Mar 1 | | web | WAGE.ARREARS | — | FIRST_RESPONSE missed |
    | 6 | wujin | A | withdrawn | Mar 3 | Mar 10 | web | TERM.UNLAWFUL | 72 h | ARB_LIMIT passed (ended: not counted) |
    | 7 | enterprise | A | closed award_won 5000/4000 | Apr 2 | May 2 | walk-in | TERM.UNLAWFUL | 24 h | 12 workers, claims 6000 |
    | 8 | enterprise | A | referred | Apr 10 | | walk-in | WAGE.ARREARS | 24 h | 3 workers; referral pending |
    | 9 | xinbei | B | legal aid | May 5 | | web | WAGE.OVERTIME | 24 h | referral accepted after 48 h; ARB_LIMIT met late |
    | 10 | xinbei | B | closed award_partly_won 3000/3000 | May 6 | Jun 5 | web | WAGE.ARREARS | 96 h | claims 4000 |
    | 11 | xinbei | B | under review | Jun 1 | | 12351 | WAGE.ARREARS | 24 h | referral declined |
    | 12 | wujin | A | closed settled 100/100 | 20 Dec 2025 | Jan 15 | web | WAGE.ARREARS | 24 h | opened before the period |
    | 13 | wujin | A | draft | — | | web | WAGE.ARREARS | — | never counted |
    """
    w = build_world()
    a = Employer.objects.create(
        name="常州恒远碳纤维材料有限公司", district="武进区", industrial_chain="carbon_fibre"
    )
    b = Employer.objects.create(
        name="常州锦华纺织有限公司", district="新北区", industrial_chain="textiles"
    )
    c = {}
    c[1] = make_case(
        w.wujin,
        a,
        "closed",
        at(1, 10),
        closed=at(2, 10),
        outcome="settled",
        awarded="1000",
        recovered="1000",
        claims=["1200"],
        first_response_hours=24,
    )
    c[2] = make_case(
        w.wujin,
        a,
        "closed",
        at(1, 20),
        closed=at(3, 1),
        channel=Channel.WALK_IN,
        categories=("WAGE.ARREARS", "WAGE.OVERTIME"),
        outcome="mediation_agreement",
        awarded="2000",
        recovered="1500",
        claims=["2000", "500"],
        first_response_hours=48,
    )
    c[3] = make_case(w.wujin, a, "under_review", at(2, 5), first_response_hours=24)
    c[4] = make_case(
        w.wujin,
        a,
        "rejected",
        at(2, 15),
        closed=at(2, 17),
        channel=Channel.PHONE,
        categories=("OTHER",),
        first_response_hours=48,
        first_verb="reject",
    )
    c[5] = make_case(w.wujin, a, "submitted", at(3, 1))
    c[6] = make_case(
        w.wujin,
        a,
        "withdrawn",
        at(3, 3),
        closed=at(3, 10),
        categories=("TERM.UNLAWFUL",),
        first_response_hours=72,
    )
    c[7] = make_case(
        w.enterprise,
        a,
        "closed",
        at(4, 2),
        closed=at(5, 2),
        channel=Channel.WALK_IN,
        categories=("TERM.UNLAWFUL",),
        outcome="award_won",
        awarded="5000",
        recovered="4000",
        claimants=12,
        claims=["6000"],
        first_response_hours=24,
    )
    c[8] = make_case(
        w.enterprise,
        a,
        "referred",
        at(4, 10),
        channel=Channel.WALK_IN,
        claimants=3,
        first_response_hours=24,
    )
    c[9] = make_case(
        w.xinbei, b, "legal_aid", at(5, 5), categories=("WAGE.OVERTIME",), first_response_hours=24
    )
    c[10] = make_case(
        w.xinbei,
        b,
        "closed",
        at(5, 6),
        closed=at(6, 5),
        outcome="award_partly_won",
        awarded="3000",
        recovered="3000",
        claims=["4000"],
        first_response_hours=96,
    )
    c[11] = make_case(
        w.xinbei,
        b,
        "under_review",
        at(6, 1),
        channel=Channel.HOTLINE_12351,
        first_response_hours=24,
    )
    c[12] = make_case(
        w.wujin,
        a,
        "closed",
        at(12, 20, year=2025),
        closed=at(1, 15),
        outcome="settled",
        awarded="100",
        recovered="100",
        first_response_hours=24,
    )
    c[13] = make_case(w.wujin, a, "draft", None)
    make_referral(c[8], w.centre, at(4, 15), ReferralState.PENDING)
    make_referral(c[9], w.centre, at(5, 10), ReferralState.ACCEPTED, answered_after_hours=48)
    make_referral(c[11], w.centre, at(6, 3), ReferralState.DECLINED, answered_after_hours=24)
    make_deadline(c[3], "FIRST_RESPONSE", dt.date(2026, 2, 10), at(2, 6))
    make_deadline(c[3], "TERM_PAPERS", dt.date(2026, 2, 20), None)  # the employer's: left out
    make_deadline(c[5], "FIRST_RESPONSE", dt.date(2026, 3, 4), None)
    make_deadline(c[6], "ARB_LIMIT", dt.date(2026, 3, 20), None)  # withdrawn: not counted
    make_deadline(c[9], "ARB_LIMIT", dt.date(2026, 5, 20), at(5, 25))
    return ReportWorld(world=w, cases=c, employer_a=a, employer_b=b)
