"""The demo (`seed_demo`), the bench data (`seed_bench`) and the draft intake they use.

The demo takes a while to build (two dozen referral packets are rendered), so the demo tests
share one build: the module-scoped `demo` fixture builds it inside a transaction that is rolled
back when the module ends, and each test still runs in its own savepoint. Tests that need a
database without the demo come first in this file, before the fixture is first used.
"""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test.utils import override_settings

from accounts.models import Membership, Organisation, User
from casework.audit import audit_verify
from casework.choices import CaseState, ReferralState
from casework.demo.bulk import read_bench_marker
from casework.demo.people import DEMO_PASSWORD
from casework.errors import Forbidden, GuardFailed
from casework.models import (
    AuditEvent,
    Case,
    CaseParty,
    CaseUserObjectPermission,
    Claim,
    ConsentRecord,
    Employer,
    Message,
    Note,
    ReferenceCounter,
    Referral,
    Worker,
)
from casework.permissions import Access, access, visible_cases
from casework.services import case_draft_create, case_submit
from casework.validators import is_valid_credit_code, is_valid_id_number
from documents.models import DocumentKind, DocumentStatus, GeneratedDocument

from ..factories import IntakeDataFactory

DEMO_LOGINS = ["worker1", "caseworker1", "supervisor1", "coordinator1", "lawyer1", "analyst1"]
COUNTED = [
    Organisation,
    User,
    Membership,
    Case,
    Worker,
    Employer,
    CaseParty,
    Claim,
    Note,
    Message,
    ConsentRecord,
    Referral,
    AuditEvent,
    CaseUserObjectPermission,
    GeneratedDocument,
]


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


# --- without the demo ---------------------------------------------------------------------------


def test_case_draft_create_saves_a_walk_in_without_submitting_it(world):
    # given a walk-in whose worker has not signed the consent form yet
    data = IntakeDataFactory(consent_union_handling=False, channel="walk_in")

    # when the caseworker saves it as a draft
    case = case_draft_create(data=data, staff=world.caseworker, owning_org=world.wujin)

    # then it is a draft of that union, with one internal event and no consent to union handling
    assert case.state == CaseState.DRAFT
    assert case.owning_org == world.wujin
    assert list(AuditEvent.objects.filter(case=case).values_list("verb", "worker_visible")) == [
        ("draft_saved", False)
    ]
    assert not ConsentRecord.objects.filter(case=case, scope="union_handling").exists()
    assert case in visible_cases(world.caseworker)
    # and it cannot be sent until the consent is there
    with pytest.raises(GuardFailed):
        case_submit(case=case, user=world.caseworker)
    case.refresh_from_db()
    assert case.state == CaseState.DRAFT


def test_case_draft_create_refuses_staff_of_another_union(world):
    before = _counts()

    with pytest.raises(Forbidden):
        case_draft_create(
            data=IntakeDataFactory(), staff=world.other_caseworker, owning_org=world.wujin
        )

    assert _counts() == before


def test_seed_demo_refuses_a_database_that_holds_other_organisations(world):
    before = _counts()

    with pytest.raises(CommandError, match="no demo"):
        call_command("seed_demo", stdout=StringIO())

    assert _counts() == before


@pytest.fixture
def bench_files(settings, tmp_path):
    """The few evidence files seed_bench stores go to a folder of this test."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return tmp_path


def test_seed_bench_writes_cases_with_valid_audit_chains_and_references(db, bench_files):
    call_command("seed_bench", cases=200, seed=7, stdout=StringIO())

    assert Case.objects.count() == 200
    assert read_bench_marker() == (200, 7)
    checked, broken = audit_verify()
    assert broken is None
    assert checked == AuditEvent.objects.count() >= 200 * 2
    # every case has its parties, at least one claim and one category
    assert CaseParty.objects.filter(role="claimant").values("case").distinct().count() == 200
    assert CaseParty.objects.filter(role="respondent").count() == 200
    assert Claim.objects.values("case").distinct().count() == 200
    assert Case.objects.filter(categories__isnull=True).count() == 0
    assert all(
        is_valid_credit_code(code)
        for code in Employer.objects.values_list("credit_code", flat=True)
    )
    ids = [n for n in Worker.objects.values_list("id_number", flat=True) if n]
    assert ids and all(is_valid_id_number(n) for n in ids)
    # references have the counters' format and the counters are ahead of them
    for year, last in ReferenceCounter.objects.values_list("year", "last"):
        refs = Case.objects.filter(reference__startswith=f"CZ-{year}-").values_list(
            "reference", flat=True
        )
        assert max(int(r.rsplit("-", 1)[1]) for r in refs) == last == len(refs)
    assert len(set(Case.objects.values_list("state", flat=True))) >= 8


def test_seed_bench_grants_follow_assignees_and_lawyers_as_the_services_make_them(db, bench_files):
    call_command("seed_bench", cases=200, stdout=StringIO())

    expected = set()
    for case_id, assignee in Case.objects.exclude(assignee=None).values_list("pk", "assignee_id"):
        expected |= {(case_id, assignee, "view_case"), (case_id, assignee, "work_case")}
    for case_id, lawyer in Referral.objects.filter(state=ReferralState.ACCEPTED).values_list(
        "case_id", "lawyer_id"
    ):
        expected |= {(case_id, lawyer, "view_case"), (case_id, lawyer, "work_case")}
    granted = set(
        CaseUserObjectPermission.objects.values_list(
            "content_object_id", "user_id", "permission__codename"
        )
    )
    assert granted == expected
    # each grant has its access_granted event on the case's chain
    events = AuditEvent.objects.filter(verb="access_granted").count()
    assert events == len(expected) // 2


def test_bench_caseworker_sees_exactly_their_unions_cases_and_their_own(db, bench_files):
    call_command("seed_bench", cases=200, seed=3, stdout=StringIO())
    caseworker = User.objects.get(username="bench_cw_1_1")
    union = caseworker.memberships.get().organisation

    visible = set(visible_cases(caseworker).values_list("pk", flat=True))

    expected = set(
        Case.objects.filter(owning_org=union)
        .exclude(confidentiality="restricted")
        .values_list("pk", flat=True)
    ) | set(Case.objects.filter(assignee=caseworker).values_list("pk", flat=True))
    assert visible == expected
    assert visible  # the bench caseworker works the busiest union's queue
    # and the single-object check agrees, case by case
    for case in Case.objects.select_related("owning_org"):
        assert (access(caseworker, case) == Access.FULL) == (case.pk in visible)


def test_seed_bench_refuses_a_database_that_holds_other_data(world):
    before = _counts()

    with pytest.raises(CommandError, match="not bench data"):
        call_command("seed_bench", cases=10, stdout=StringIO())

    assert _counts() == before


# --- the demo -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, built once for this module and rolled back after it."""
    storage = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path_factory.mktemp("demo-files"))},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # The same fast hasher as tests/conftest.py gives every test function.
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(STORAGES=storage, PASSWORD_HASHERS=hashers),
        transaction.atomic(),
    ):
        out = StringIO()
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def test_demo_covers_every_state(demo, db):
    states = set(Case.objects.values_list("state", flat=True))

    assert states == set(CaseState.values)
    assert 55 <= Case.objects.count() <= 70
    assert "Demo loaded." in demo


def test_running_seed_demo_again_changes_nothing(demo, db):
    before = _counts()
    passwords = dict(User.objects.values_list("username", "password"))

    out = StringIO()
    call_command("seed_demo", stdout=out)

    assert _counts() == before
    assert dict(User.objects.values_list("username", "password")) == passwords
    assert "already loaded" in out.getvalue()


def test_seed_demo_again_restores_a_changed_demo_password(demo, db):
    user = User.objects.get(username="caseworker1")
    user.set_password("something-else-entirely")
    user.save()

    call_command("seed_demo", stdout=StringIO())

    user.refresh_from_db()
    assert user.check_password(DEMO_PASSWORD)


@pytest.mark.parametrize("username", DEMO_LOGINS)
def test_demo_users_can_log_in(demo, db, client, username):
    assert client.login(username=username, password=DEMO_PASSWORD)


def test_caseworker1_sees_wujin_but_not_xinbei_while_supervisor1_sees_both(demo, db):
    caseworker = User.objects.get(username="caseworker1")
    supervisor = User.objects.get(username="supervisor1")
    xinbei = Case.objects.filter(owning_org__name_zh="新北区总工会")
    wujin = Case.objects.filter(owning_org__name_zh="武进区总工会")

    seen = set(visible_cases(caseworker).values_list("pk", flat=True))

    assert xinbei.exists() and wujin.exists()
    assert not seen & set(xinbei.values_list("pk", flat=True))
    assert set(wujin.values_list("pk", flat=True)) <= seen
    assert set(visible_cases(supervisor).values_list("pk", flat=True)) == set(
        Case.objects.values_list("pk", flat=True)
    )
    assert not visible_cases(User.objects.get(username="analyst1")).exists()


def test_demo_audit_chains_verify(demo, db):
    out = StringIO()
    call_command("verify_audit", stdout=out)  # raises CommandError at a broken link
    checked, broken = audit_verify()

    assert broken is None
    assert "audit chain intact" in out.getvalue()
    assert checked == AuditEvent.objects.count() > 300
    # the histories happened over months, in order along each chain
    first = AuditEvent.objects.order_by("occurred_at").first().occurred_at
    last = AuditEvent.objects.order_by("-occurred_at").first().occurred_at
    assert (last - first).days > 180
    for case in Case.objects.all()[:10]:
        times = list(
            AuditEvent.objects.filter(chain_key=case.pk)
            .order_by("id")
            .values_list("occurred_at", flat=True)
        )
        assert times == sorted(times)


def test_demo_referrals_went_the_real_way(demo, db):
    coordinator = User.objects.get(username="coordinator1")
    states = list(Referral.objects.values_list("state", flat=True))

    # pending referrals wait in the coordinator's inbox, within their response window
    assert visible_cases(coordinator, access=Access.SUMMARY).count() >= 3
    assert states.count(ReferralState.DECLINED) >= 1
    assert states.count(ReferralState.EXPIRED) >= 1
    # one is still waiting for the supervisor's approval
    assert Referral.objects.filter(state=ReferralState.PENDING, sent_at__isnull=True).exists()
    # every sent referral had a ready packet and the worker's consent for that provider
    for referral in Referral.objects.exclude(sent_at=None):
        assert GeneratedDocument.objects.filter(
            case=referral.case, kind=DocumentKind.REFERRAL_PACKET, status=DocumentStatus.READY
        ).exists()
        assert ConsentRecord.objects.filter(
            case=referral.case, scope="legal_aid_provider", provider=referral.provider
        ).exists()
    # and the accepted lawyer holds the grants
    lawyer = User.objects.get(username="lawyer1")
    for case in Case.objects.filter(
        referrals__lawyer=lawyer, referrals__state=ReferralState.ACCEPTED
    ):
        assert access(lawyer, case) == Access.FULL


def test_demo_has_urgent_cases_collective_grievances_and_worker1s_cases(demo, db):
    open_cases = Case.objects.filter(state__in=CaseState.open()).exclude(state=CaseState.DRAFT)

    assert sum(1 for case in open_cases if case.is_urgent) >= 3
    assert Case.objects.filter(claimant_count__gt=1).count() >= 5
    worker1 = User.objects.get(username="worker1")
    assert visible_cases(worker1, access=Access.WORKER).count() >= 4
    assert Case.objects.filter(filed_by=None, receipt_digest__isnull=False).count() >= 10
    assert all(
        is_valid_credit_code(code)
        for code in Employer.objects.values_list("credit_code", flat=True)
    )
    assert {"2025", "2026"} <= {
        ref.split("-")[1] for ref in Case.objects.values_list("reference", flat=True)
    }


def test_demo_cases_carry_calculated_claims_that_recompute_from_their_inputs(demo, db):
    from casework.forms.calculators import CALCULATORS

    calculated = [
        claim
        for claim in Claim.objects.select_related("case").order_by("pk")
        if claim.calculation and claim.calculation.get("citations")
    ]
    with_parameters = [c for c in calculated if c.calculation.get("parameter_rows")]

    assert len(calculated) >= 8
    assert len(with_parameters) >= 6
    assert {c.calculation["calculator"] for c in calculated} >= {
        "wage_arrears",
        "overtime_pay",
        "economic_compensation",
        "unlawful_termination_damages",
        "double_wage",
        "annual_leave_pay",
    }
    for claim in calculated:
        stored = claim.calculation
        form = CALCULATORS[stored["calculator"]](stored["inputs"], case=claim.case)
        again = form.calculate()
        assert again is not None, form.errors
        assert again.result.amount == claim.amount
        assert [row["id"] for row in again.parameter_rows] == [
            row["id"] for row in stored["parameter_rows"]
        ]
