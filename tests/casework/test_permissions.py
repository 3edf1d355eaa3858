"""The permission gate (DESIGN §3, security.md A4/A5): for every kind of person, the list
`visible_cases(user, access=level)` is exactly the set of cases the single-object check
`access(user, case)` puts at that level — over cases in every state, owned by different unions,
some restricted. For the key roles the expected sets are also computed independently, from the
facts the population was built with, not from the gate's code.
"""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.utils import translation

from accounts.models import User
from casework import services as s
from casework.choices import CaseState, Confidentiality, DeclineReason
from casework.errors import NotFound
from casework.models import Case
from casework.permissions import (
    Access,
    ReceiptHolder,
    access,
    allowed_transitions,
    get_case_or_404,
    may,
    visible_cases,
)
from tests.factories import drive_to, referral_prepare, run_on_commit

S = CaseState
LEVELS = (Access.FULL, Access.SUMMARY, Access.WORKER)
ACTIONS = [
    "view", "view_identity", "view_summary", "view_worker", "note", "message", "message_worker",
    "consent", "submit", "accept_for_review", "reject", "claim", "assign", "request_info",
    "resume", "start_mediation", "mediation_failed", "record_agreement", "refer_to_legal_aid",
    "approve_referral", "conflict_check", "accept_referral", "decline_referral",
    "expire_referral", "start_proceedings", "record_outcome", "withdraw", "reopen",
]  # fmt: skip


@dataclass
class Facts:
    """What the population was built with: enough to say who should see a case."""

    case: Case
    owner: str  # city, wujin, xinbei, enterprise
    restricted: bool = False
    referral: str | None = None  # sent, unsent, accepted, declined
    provider: str | None = None  # centre, firm
    lawyer: str | None = None  # username of the accepted lawyer


SUBTREE = {  # which owning unions each union's supervisors oversee (the organisation tree)
    "city": {"city", "wujin", "xinbei", "enterprise"},
    "wujin": {"wujin", "enterprise"},
    "xinbei": {"xinbei"},
    "enterprise": {"enterprise"},
}


def build_population(world, extra) -> list[Facts]:
    """About thirty cases: every state, four owning unions, restricted ones, referrals in
    every condition, anonymous filings and grievances filed by caseworkers for themselves."""
    routes = {
        "wujin": {},
        "xinbei": {"district": "新北区", "caseworker": world.other_caseworker},
        "enterprise": {"owning_org": world.enterprise, "caseworker": extra.enterprise_caseworker},
        "city": {"district": "", "owning_org": world.city},
    }
    facts: list[Facts] = []

    def add(
        state, owner="wujin", *, restricted=False, referral=None, to=None, lawyer_name=None, **kw
    ):
        case = drive_to(world, state, **{**routes[owner], **kw})
        if restricted:
            Case.objects.filter(pk=case.pk).update(confidentiality=Confidentiality.RESTRICTED)
        facts.append(Facts(case, owner, restricted, referral, to, lawyer_name))
        return case

    for state in S.values:  # every state: Wujin, filed by world.worker, worked by world.caseworker
        referral = {S.REFERRED: "sent", S.LEGAL_AID: "accepted", S.PROCEEDINGS: "accepted"}.get(
            state
        )
        add(
            state,
            referral=referral,
            to="centre" if referral else None,
            lawyer_name="lawyer" if referral == "accepted" else None,
        )
    add(S.UNDER_REVIEW, caseworker=world.caseworker2)
    add(S.UNDER_REVIEW, restricted=True)  # assigned to world.caseworker
    add(S.SUBMITTED, restricted=True)  # nobody assigned: supervisors only
    add(S.LEGAL_AID, restricted=True, referral="accepted", to="centre", lawyer_name="lawyer")
    add(S.SUBMITTED, anonymous=True)
    add(S.UNDER_REVIEW, "xinbei", anonymous=True)
    add(S.SUBMITTED, filed_by=world.other_worker)
    add(S.SUBMITTED, filed_by=world.caseworker2)  # a caseworker's own grievance, in their union
    add(S.SUBMITTED, "xinbei", filed_by=world.caseworker)  # ... and one in another union
    add(
        S.REFERRED,
        referral="sent",
        to="firm",
        provider=world.firm,
        coordinator=world.other_coordinator,
    )

    # a referral waiting for a supervisor's approval: not sent to the provider yet
    waiting = add(S.UNDER_REVIEW, referral="unsent", to="centre")
    referral_prepare(waiting, provider=world.centre, by=world.worker)
    s.case_refer(case=waiting, user=world.caseworker, provider_id=world.centre.pk)

    # a referral the centre declined
    declined = add(S.REFERRED, referral="declined", to="centre")
    with run_on_commit():
        s.case_decline_referral(
            case=declined, user=world.coordinator, reason=DeclineReason.CAPACITY
        )

    add(S.SUBMITTED, "xinbei")
    add(S.UNDER_REVIEW, "xinbei")
    add(S.CLOSED, "xinbei")
    add(S.REFERRED, "xinbei", referral="sent", to="centre")
    add(
        S.LEGAL_AID,
        "xinbei",
        referral="accepted",
        to="centre",
        lawyer_name="centre_lawyer2",
        lawyer=extra.centre_lawyer2,
    )
    add(S.SUBMITTED, "enterprise")
    add(S.UNDER_REVIEW, "enterprise")
    add(S.SUBMITTED, "city")
    return facts


# --- who is who, and what they should see according to the facts --------------------------------

CASEWORKER_OF = {"caseworker": "wujin", "caseworker2": "wujin", "other_caseworker": "xinbei",
                 "enterprise_caseworker": "enterprise"}  # fmt: skip
SUPERVISOR_OF = {"supervisor": "city", "district_supervisor": "wujin", "other_supervisor": "xinbei"}
COORDINATOR_OF = {"coordinator": "centre", "other_coordinator": "firm"}
LAWYERS = {"lawyer", "centre_lawyer2", "other_lawyer"}


def people(world, extra, facts: list[Facts]) -> dict[str, object]:
    """Everyone, read fresh from the database (nothing cached from building the population)."""
    users = {u.username: u for u in User.objects.all()}
    anonymous_filings = [f.case for f in facts if f.case.filed_by_id is None]
    assert len(anonymous_filings) == 2
    assert set(users) >= {"root", "inactive_caseworker", "centre_lawyer2", "analyst"}
    return {
        **users,
        "anonymous": AnonymousUser(),
        "receipt_holder": ReceiptHolder(anonymous_filings[0].pk),
        "receipt_holder_other": ReceiptHolder(anonymous_filings[1].pk),
    }


def expected_sets(name: str, person, facts: list[Facts]) -> dict[Access, set[int]]:
    """The cases `name` should see at each level, from the facts alone (DESIGN §3)."""

    def full(f: Facts) -> bool:
        if name in CASEWORKER_OF:
            mine = f.owner == CASEWORKER_OF[name] and not f.restricted
            return mine or (f.case.assignee is not None and f.case.assignee.username == name)
        if name in SUPERVISOR_OF:
            return f.owner in SUBTREE[SUPERVISOR_OF[name]]
        if name in LAWYERS:
            return f.referral == "accepted" and f.lawyer == name
        return False

    def summary(f: Facts) -> bool:
        return (
            name in COORDINATOR_OF and f.referral == "sent" and f.provider == COORDINATOR_OF[name]
        )

    def worker(f: Facts) -> bool:
        if isinstance(person, ReceiptHolder):
            return f.case.pk == person.case_id
        return f.case.filed_by is not None and f.case.filed_by.username == name

    result = {level: set() for level in LEVELS}
    for f in facts:
        for level, rule in (
            (Access.FULL, full),
            (Access.SUMMARY, summary),
            (Access.WORKER, worker),
        ):
            if rule(f):  # the highest level wins
                result[level].add(f.case.pk)
                break
    return result


def listed(person, level) -> set[int]:
    return set(visible_cases(person, access=level).values_list("pk", flat=True))


def single(person, level) -> set[int]:
    cases = Case.objects.select_related("owning_org")
    return {case.pk for case in cases if access(person, case) == level}


@pytest.fixture
def population(world, extra_users):
    facts = build_population(world, extra_users)
    assert Case.objects.count() == len(facts)
    return facts


# --- lists equal the single-object check ---------------------------------------------------------


def test_every_list_equals_the_single_object_check(world, extra_users, population):
    mismatches = {}
    for name, person in people(world, extra_users, population).items():
        for level in LEVELS:
            in_list, by_check = listed(person, level), single(person, level)
            if in_list != by_check:
                mismatches[(name, level.value)] = {
                    "only_in_list": sorted(in_list - by_check),
                    "only_by_check": sorted(by_check - in_list),
                }
    assert mismatches == {}


def test_every_list_matches_the_facts(world, extra_users, population):
    mismatches = {}
    for name, person in people(world, extra_users, population).items():
        expected = expected_sets(name, person, population)
        for level in LEVELS:
            if listed(person, level) != expected[level] or single(person, level) != expected[level]:
                mismatches[(name, level.value)] = {
                    "expected": sorted(expected[level]),
                    "listed": sorted(listed(person, level)),
                    "single": sorted(single(person, level)),
                }
    assert mismatches == {}


def test_the_population_exercises_every_rule(world, extra_users, population):
    # The facts test above proves nothing if the sets are empty: check that they are not.
    everyone = people(world, extra_users, population)
    sizes = {
        (name, level): len(expected_sets(name, everyone[name], population)[level])
        for name in ("caseworker", "caseworker2", "district_supervisor", "supervisor", "coordinator",
                     "other_coordinator", "lawyer", "centre_lawyer2", "worker", "receipt_holder")
        for level in LEVELS
    }  # fmt: skip
    assert sizes[("caseworker", Access.FULL)] > sizes[("caseworker2", Access.FULL)] > 0
    assert sizes[("supervisor", Access.FULL)] == len(population)
    assert 0 < sizes[("district_supervisor", Access.FULL)] < len(population)
    assert sizes[("coordinator", Access.SUMMARY)] == 2
    assert sizes[("other_coordinator", Access.SUMMARY)] == 1
    assert sizes[("lawyer", Access.FULL)] == 3
    assert sizes[("centre_lawyer2", Access.FULL)] == 1
    assert sizes[("worker", Access.WORKER)] > 10
    assert sizes[("receipt_holder", Access.WORKER)] == 1
    for name in ("analyst", "root", "inactive_caseworker", "anonymous", "other_lawyer"):
        assert all(not v for v in expected_sets(name, everyone[name], population).values()), name


@pytest.mark.parametrize(
    "name",
    ["analyst", "root", "inactive_caseworker", "anonymous", "other_lawyer", "other_supervisor"],
)
def test_people_without_a_part_in_wujin_cases_see_none_of_them(
    world, extra_users, population, name
):
    person = people(world, extra_users, population)[name]
    wujin = {f.case.pk for f in population if f.owner in ("wujin", "enterprise")}
    for level in LEVELS:
        assert not (listed(person, level) & wujin)
        assert not (single(person, level) & wujin)


# --- model-level permissions change nothing (security.md A5) -------------------------------------


def test_global_permissions_change_nothing(world, extra_users, population):
    # Given what everyone sees now
    before = {
        (name, level): listed(person, level)
        for name, person in people(world, extra_users, population).items()
        for level in LEVELS
    }
    # When caseworkers, a coordinator and the analyst get model-level case permissions,
    # directly and through a group
    perms = Permission.objects.filter(
        content_type__app_label="casework",
        codename__in=["view_case", "change_case", "work_case", "view_referral_summary"],
    )
    assert perms.count() == 4
    group = Group.objects.create(name="Caseworkers")
    group.permissions.set(perms)
    for username in (
        "caseworker",
        "caseworker2",
        "other_caseworker",
        "coordinator",
        "analyst",
        "worker",
    ):
        user = User.objects.get(username=username)
        user.user_permissions.set(perms)
        user.groups.add(group)
        assert User.objects.get(pk=user.pk).has_perm("casework.view_case")
    # Then every list and every single-object answer is what it was, and what the facts say
    everyone = people(world, extra_users, population)
    for (name, level), seen in before.items():
        assert listed(everyone[name], level) == seen, (name, level)
        assert single(everyone[name], level) == seen, (name, level)
        assert seen == expected_sets(name, everyone[name], population)[level], (name, level)
    # and no action opens up for the analyst
    analyst = everyone["analyst"]
    assert not any(may(analyst, action, f.case) for f in population for action in ACTIONS)


# --- may(): spot checks ---------------------------------------------------------------------------


def test_an_analyst_can_do_nothing_to_any_case(world, extra_users, population):
    analyst = User.objects.get(username="analyst")
    for f in population:
        case = Case.objects.select_related("owning_org").get(pk=f.case.pk)
        assert access(analyst, case) == Access.NONE
        assert [a for a in ACTIONS if may(analyst, a, case)] == []
        assert allowed_transitions(analyst, case) == []
        with pytest.raises(NotFound):
            get_case_or_404(analyst, case.reference, levels=LEVELS)


def test_a_coordinator_sees_a_summary_without_identity_until_acceptance(world):
    case = drive_to(world, S.REFERRED)
    coordinator = User.objects.get(pk=world.coordinator.pk)
    assert access(coordinator, case) == Access.SUMMARY
    allowed = {a for a in ACTIONS if may(coordinator, a, case)}
    assert allowed == {"view_summary", "conflict_check", "accept_referral", "decline_referral"}
    assert not may(coordinator, "view_identity", case) and not may(coordinator, "view", case)
    assert set(allowed_transitions(coordinator, case)) == {"accept_referral", "decline_referral"}
    with pytest.raises(NotFound):
        get_case_or_404(coordinator, case.reference)  # the full file: no
    found, level = get_case_or_404(coordinator, case.reference, levels=(Access.SUMMARY,))
    assert found.pk == case.pk and level == Access.SUMMARY
    # After acceptance the coordinator sees nothing more; the case is the lawyer's
    with run_on_commit():
        s.case_referral_conflict_check(case=case, user=coordinator, conflict_found=False)
        s.case_accept_referral(case=case, user=coordinator, lawyer_id=world.lawyer.pk)
    case = Case.objects.select_related("owning_org").get(pk=case.pk)
    assert access(User.objects.get(pk=coordinator.pk), case) == Access.NONE


def test_a_lawyer_gets_the_full_file_only_after_acceptance(world, extra_users):
    # Before acceptance: nothing, not even a summary
    case = drive_to(world, S.REFERRED)
    for lawyer in (world.lawyer, extra_users.centre_lawyer2, world.other_lawyer):
        lawyer = User.objects.get(pk=lawyer.pk)
        assert access(lawyer, case) == Access.NONE
        assert [a for a in ACTIONS if may(lawyer, a, case)] == []
    # After acceptance: the assigned lawyer has the full file, identity included; colleagues
    # at the same provider still nothing
    with run_on_commit():
        s.case_referral_conflict_check(case=case, user=world.coordinator, conflict_found=False)
        s.case_accept_referral(case=case, user=world.coordinator, lawyer_id=world.lawyer.pk)
    case = Case.objects.select_related("owning_org").get(pk=case.pk)
    lawyer = User.objects.get(pk=world.lawyer.pk)
    assert access(lawyer, case) == Access.FULL
    assert all(
        may(lawyer, a, case)
        for a in ("view", "view_identity", "note", "message", "start_proceedings")
    )
    assert not may(lawyer, "accept_for_review", case) and not may(lawyer, "reopen", case)
    assert set(allowed_transitions(lawyer, case)) == {
        "start_proceedings",
        "record_outcome",
        "withdraw",
    }
    colleague = User.objects.get(pk=extra_users.centre_lawyer2.pk)
    assert access(colleague, case) == Access.NONE
    with pytest.raises(NotFound):
        get_case_or_404(colleague, case.reference)


def test_a_restricted_case_is_for_its_assignee_and_supervisors_only(world):
    case = drive_to(world, S.UNDER_REVIEW)
    Case.objects.filter(pk=case.pk).update(confidentiality=Confidentiality.RESTRICTED)
    case = Case.objects.select_related("owning_org").get(pk=case.pk)
    seen = {u.username: access(User.objects.get(pk=u.pk), case) for u in (
        world.caseworker, world.caseworker2, world.district_supervisor, world.supervisor,
        world.other_supervisor, world.worker,
    )}  # fmt: skip
    assert seen == {
        "caseworker": Access.FULL,  # the assignee
        "caseworker2": Access.NONE,
        "district_supervisor": Access.FULL,
        "supervisor": Access.FULL,
        "other_supervisor": Access.NONE,
        "worker": Access.WORKER,
    }


def test_the_worker_may_only_take_worker_actions(world):
    case = drive_to(world, S.AWAITING_WORKER)
    worker = User.objects.get(pk=world.worker.pk)
    assert access(worker, case) == Access.WORKER
    allowed = {a for a in ACTIONS if may(worker, a, case)}
    assert allowed == {"view_worker", "submit", "resume", "withdraw", "message_worker", "consent"}
    assert set(allowed_transitions(worker, case)) == {"resume", "withdraw"}
    assert [a for a in ACTIONS if may(User.objects.get(pk=world.other_worker.pk), a, case)] == []


def test_denied_looks_exactly_like_missing(world):
    case = drive_to(world, S.UNDER_REVIEW)
    with translation.override("en"):
        with pytest.raises(NotFound) as denied:
            get_case_or_404(world.other_caseworker, case.reference)
        with pytest.raises(NotFound) as missing:
            get_case_or_404(world.other_caseworker, "CZ-2026-999999")
        assert (denied.value.status, str(denied.value.message)) == (
            missing.value.status,
            str(missing.value.message),
        )


# --- totals and facets per actor (security.md §7 A4) ---------------------------------------------


def test_every_queue_total_and_state_facet_equals_the_visible_set(
    world, extra_users, population, client
):
    from collections import Counter

    from django.urls import reverse

    from tests.api.conftest import client_for

    everyone = people(world, extra_users, population)
    staff = [*CASEWORKER_OF, *SUPERVISOR_OF, *LAWYERS]
    checked = 0
    for name in staff:
        person = everyone[name]
        expected = expected_sets(name, person, population)[Access.FULL]
        # (each case's current state: the population's objects predate a declined referral)
        by_state = Counter(Case.objects.filter(pk__in=expected).values_list("state", flat=True))
        # The queue's facets (read from the tally where nothing narrows the queue) and the API
        # list's count, both against the facts.
        client.force_login(person)
        response = client.get(reverse("casework:queue"), {"state": "all"})
        if response.status_code == 200 and "counts" in response.context:
            counts = response.context["counts"]
            got = {state: n for state, n in counts.by_state.items() if n}
            assert got == dict(by_state), name
            assert counts.states_total == len(expected), name
            checked += 1
        api = client_for(person).get("/api/v1/cases/", {"page_size": 200})
        assert api.status_code == 200, name
        assert api.json()["count"] == len(expected), name
        client.logout()
    assert checked >= len(CASEWORKER_OF) + len(SUPERVISOR_OF)
