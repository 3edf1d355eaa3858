"""Benchmarks of whole requests through the full Django stack (django.test.Client: middleware,
session, the permission gate, selectors, templates) on the bench data of `seed_bench`.

Each function returns a `Benchmark`; `benchmarks()` lists them all. Later issues add theirs
here (or in a module beside it) in the same form.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.db.models import Count
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.choices import OrganisationKind, Role
from accounts.models import Organisation, User
from bench.harness import BenchFailed, Benchmark
from casework.demo.bulk_people import BENCH_PREFIX
from casework.demo.codes import CHANGZHOU_DIVISIONS, credit_code
from casework.models import Case, Note


def _bench_caseworker() -> User:
    """The first caseworker of the first (busiest) bench district union."""
    district = (
        Organisation.objects.filter(
            kind=OrganisationKind.DISTRICT_UNION, name_en__startswith=BENCH_PREFIX
        )
        .order_by("pk")
        .first()
    )
    return (
        User.objects.filter(memberships__organisation=district, memberships__role=Role.CASEWORKER)
        .order_by("username")
        .first()
    )


def _bench_supervisor() -> User:
    city = Organisation.objects.filter(
        kind=OrganisationKind.CITY_FEDERATION, name_en__startswith=BENCH_PREFIX
    ).order_by("pk")[0]
    return User.objects.filter(
        memberships__organisation=city, memberships__role=Role.SUPERVISOR
    ).get()


def _bench_district_supervisor() -> User:
    """The supervisor of the busiest district union: a subtree of 50 organisations at full
    scale (the district and its 49 enterprise unions)."""
    district = (
        Organisation.objects.filter(
            kind=OrganisationKind.DISTRICT_UNION, name_en__startswith=BENCH_PREFIX
        )
        .order_by("pk")
        .first()
    )
    return User.objects.filter(
        memberships__organisation=district, memberships__role=Role.SUPERVISOR
    ).get()


def _client_for(user: User) -> Client:
    """A signed-in session as staff have it after the password and the authenticator code:
    the second factor verified, so every request pays django-otp's device check."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.second_factor import mark_session_verified, requires_second_factor

    client = Client()
    client.force_login(user)
    if requires_second_factor(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        session = client.session
        mark_session_verified(session, device)
        session.save()
    return client


def _get(client: Client, url: str, expect: str = "") -> None:
    response = client.get(url)
    if response.status_code != 200:
        raise BenchFailed(f"GET {url} answered {response.status_code}")
    if expect and expect.encode() not in response.content:
        raise BenchFailed(f"GET {url} did not show {expect!r}")


def page(name: str, user_of, url_of, expect_of=None) -> Benchmark:
    def setup():
        user = user_of()
        url = url_of(user)
        expect = expect_of(user) if expect_of else ""
        client = _client_for(user)
        return lambda: _get(client, url, expect)

    return Benchmark(name, setup)


def _queue(query: str = ""):
    return lambda _user: reverse("casework:queue") + query


def _long_case(_user) -> str:
    """The case with the longest history (seed_bench gives one a few hundred events)."""
    case_id = Note.objects.values("case_id").annotate(n=Count("id")).order_by("-n")[0]["case_id"]
    return Case.objects.get(pk=case_id).reference


def _typical_case(user) -> str:
    return (
        Case.objects.filter(assignee=user, state="proceedings")
        .order_by("-created_at")
        .values_list("reference", flat=True)[0]
    )


# --- anonymous intake ---------------------------------------------------------------------------

# The benchmarks' filings name an employer in 溧阳市, so that they are routed to the last bench
# district union: the busiest one (district 1) is the bench caseworker's and its supervisor's,
# and seventy new claimable cases at the top of their queues would make each run measure a
# different first page from the one before.
INTAKE_DISTRICT = "溧阳市"

NONCE = re.compile(rb'name="nonce" value="([^"]+)"')


def _intake_steps(client: Client) -> str:
    """Walk a worker through the filing steps on a phone; returns the review page's nonce."""
    today = timezone.localdate()
    posts = [
        ("casework:file", [], {"worker_name": "王小明", "sex": "male", "phone": "13812345678"}),
        (
            "casework:file_step",
            ["employer"],
            {
                "employer_name": "常州恒远碳纤维材料有限公司",
                "credit_code": credit_code(CHANGZHOU_DIVISIONS[INTAKE_DISTRICT], "MA1WY8K5"),
                "district": INTAKE_DISTRICT,
                "industrial_chain": "carbon_fibre",
            },
        ),
        (
            "casework:file_step",
            ["events"],
            {
                "category_codes": ["WAGE.ARREARS"],
                "facts": "公司自今年七月起拖欠工资三个月，车间主任说等年底一起结算。" * 3,
                "employment_start": "2022-03-01",
                "knew_date": (today - timedelta(days=90)).isoformat(),
            },
        ),
        (
            "casework:file_step",
            ["claims"],
            {
                "claims-TOTAL_FORMS": "1",
                "claims-INITIAL_FORMS": "0",
                "claims-MIN_NUM_FORMS": "0",
                "claims-MAX_NUM_FORMS": "10",
                "claims-0-item": "拖欠工资",
                "claims-0-amount": "18600.00",
            },
        ),
    ]
    _get(client, reverse("casework:file"))
    for url_name, args, data in posts:
        response = client.post(reverse(url_name, args=args), {**data, "action": "next"})
        if response.status_code != 302:
            raise BenchFailed(f"intake step {args or 'about'} answered {response.status_code}")
    review = client.get(reverse("casework:file_step", args=["review"]))
    match = NONCE.search(review.content)
    if review.status_code != 200 or match is None:
        raise BenchFailed(f"the review step answered {review.status_code} without a nonce")
    return match.group(1).decode()


def _intake_submit(client: Client, nonce: str) -> None:
    response = client.post(
        reverse("casework:file_step", args=["review"]),
        {"consent_union_handling": "on", "nonce": nonce, "action": "submit"},
    )
    if response.status_code != 200 or b"receipt-code" not in response.content:
        raise BenchFailed(f"the final POST answered {response.status_code} without a receipt")


def intake_flow() -> Benchmark:
    """The whole anonymous filing, every step, as a new visitor each time."""

    def setup():
        def run():
            client = Client()
            _intake_submit(client, _intake_steps(client))

        return run

    return Benchmark("intake_flow", setup)


def intake_submit() -> Benchmark:
    """The final POST of an anonymous filing alone: validation, the intake service (worker,
    employer, case, parties, claims, consent, audit events, submit) and the receipt page."""
    state: dict = {}

    def prepare():
        state["client"] = Client()
        state["nonce"] = _intake_steps(state["client"])

    def setup():
        return lambda: _intake_submit(state["client"], state["nonce"])

    return Benchmark("intake_submit", setup, prepare=prepare)


def benchmarks() -> list[Benchmark]:
    from bench.reports import benchmarks as report_benchmarks
    from bench.search import benchmarks as search_benchmarks
    from bench.worker import benchmarks as worker_benchmarks

    return [
        page("queue_caseworker", _bench_caseworker, _queue()),
        page(
            "queue_caseworker_open_by_deadline",
            _bench_caseworker,
            _queue("?state=open&sort=deadline"),
        ),
        page("queue_supervisor", _bench_supervisor, _queue()),
        page("queue_supervisor_subtree", _bench_district_supervisor, _queue()),
        page(
            "queue_supervisor_urgent",
            _bench_supervisor,
            _queue("?state=open&urgent=on&sort=deadline"),
        ),
        page(
            "case_page_long_timeline",
            _bench_caseworker,
            lambda user: reverse("casework:case_detail", args=[_long_case(user)]),
            _long_case,
        ),
        page(
            "case_page",
            _bench_caseworker,
            lambda user: reverse("casework:case_detail", args=[_typical_case(user)]),
            _typical_case,
        ),
        intake_flow(),
        intake_submit(),
        *_api_benchmarks(),
        *report_benchmarks(),
        *search_benchmarks(),
        *worker_benchmarks(),
    ]


def _api_benchmarks() -> list[Benchmark]:
    from bench.api import api_benchmarks  # the REST API's (issue 6)

    return api_benchmarks()
