"""The queue at scale (issue 8): the visible cases in two parts (organisations, direct grants),
counts from the database-kept tally, and pages merged from both parts — all equal to the one
gate's `visible_cases`."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.choices import CaseState, Confidentiality
from casework.models import Case, CaseTally
from casework.permissions import Access, case_scope, visible_cases
from casework.selectors.staff import QueueFilters, _ordering, queue
from casework.services.tally import tally_compact
from tests.casework.test_permissions import build_population, people

SORTS = ("newest", "oldest", "deadline")


@pytest.fixture
def population(world, extra_users):
    """The permission tests' population: every role's rule exercised, restricted cases
    assigned, lawyers after acceptance."""
    return build_population(world, extra_users)


def _visible(person):
    return visible_cases(person, access=Access.FULL)


def _tally_by_org_state() -> dict:
    totals: dict = {}
    for row in CaseTally.objects.all():
        key = (row.org_id, row.state, row.restricted)
        totals[key] = totals.get(key, 0) + row.n
    return {k: v for k, v in totals.items() if v}


def _counted_by_org_state() -> dict:
    totals: dict = {}
    for org_id, state, conf in Case.objects.values_list(
        "owning_org_id", "state", "confidentiality"
    ):
        key = (org_id, state, conf == Confidentiality.RESTRICTED)
        totals[key] = totals.get(key, 0) + 1
    return totals


def test_the_scope_parts_add_up_to_the_visible_cases(world, extra_users, population):
    checked = 0
    for name, person in people(world, extra_users, population).items():
        scope = case_scope(person)
        org = set(Case.objects.filter(scope.org_q()).values_list("pk", flat=True))
        granted = set(Case.objects.filter(scope.granted_q()).values_list("pk", flat=True))
        visible = set(_visible(person).values_list("pk", flat=True))
        assert not org & granted, name
        assert org | granted == visible, name
        checked += bool(granted and org)
    # Someone sees cases through both parts (an assigned restricted case), or the merge is
    # never exercised here.
    assert checked


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("state", ["", "open", CaseState.CLOSED])
def test_every_queue_page_lists_the_visible_cases_in_order(
    world,
    extra_users,
    population,
    settings,
    sort,
    state,
):
    settings.RIGHTSDESK = {**settings.RIGHTSDESK, "QUEUE_PAGE_SIZE": 2}
    for name, person in people(world, extra_users, population).items():
        if not getattr(person, "is_authenticated", False):
            continue
        expected_qs = _visible(person)
        if state == "open":
            expected_qs = expected_qs.filter(state__in=CaseState.open())
        elif state:
            expected_qs = expected_qs.filter(state=state)
        expected = list(expected_qs.order_by(*_ordering(sort)).values_list("pk", flat=True))
        listed, number = [], 1
        while True:
            page, counts = queue(person, QueueFilters(state=state, sort=sort, page=number))
            listed += [row.case.pk for row in page.object_list]
            if not page.has_next():
                break
            number += 1
        assert listed == expected, name
        assert counts.total == len(expected), name
        every_state = dict.fromkeys(CaseState.values, 0)
        for s in _visible(person).values_list("state", flat=True):
            every_state[s] += 1
        assert counts.by_state == every_state, name


def test_the_tally_follows_every_change_and_survives_compaction(world, extra_users, population):
    assert _tally_by_org_state() == _counted_by_org_state()
    case = Case.objects.filter(state=CaseState.SUBMITTED).first()
    Case.objects.filter(pk=case.pk).update(confidentiality=Confidentiality.RESTRICTED)
    Case.objects.filter(pk=case.pk).update(owning_org=world.xinbei)
    Case.objects.filter(state=CaseState.DRAFT).delete()
    assert _tally_by_org_state() == _counted_by_org_state()
    rows_before = CaseTally.objects.count()
    left = tally_compact()
    assert left < rows_before
    assert left == len(_counted_by_org_state())
    assert _tally_by_org_state() == _counted_by_org_state()
    assert tally_compact() == left  # folding again changes nothing


def test_the_queue_counts_come_from_the_tally_and_cost_fixed_queries(
    world, extra_users, population
):
    users = people(world, extra_users, population)
    for name in ("caseworker", "supervisor"):
        person = users[name]
        with CaptureQueriesContext(connection) as captured:
            page, _counts = queue(person, QueueFilters())
            list(page.object_list)
        sql = "\n".join(q["sql"] for q in captured.captured_queries)
        assert "casework_casetally" in sql, sql
        assert len(captured.captured_queries) <= 6, sql


def test_a_row_of_a_large_union_sends_the_supervisor_to_the_case_page_to_assign(
    client, world, extra_users, population, monkeypatch
):
    from django.urls import reverse

    from casework.selectors import staff as staff_selectors

    client.force_login(world.supervisor)
    inline = client.get(reverse("casework:queue")).content.decode()
    assert 'name="assignee" required' in inline
    monkeypatch.setattr(staff_selectors, "ASSIGN_INLINE_MAX", 0)
    page, _counts = queue(world.supervisor, QueueFilters())
    assignable = [row for row in page.object_list if row.can_assign]
    assert assignable and not any(row.assign_inline or row.assignable for row in assignable)
    html = client.get(reverse("casework:queue")).content.decode()
    assert 'name="assignee" required' not in html
    case = assignable[0].case
    assert f'<a href="{reverse("casework:case_detail", args=[case.reference])}">' in html


def test_the_queues_people_follow_memberships_names_and_deactivation(client, world):
    """The assignee filter and the rows' assign menus come from a process-local copy of the
    staff: a new membership, a renamed person and a deactivated one show on the next page."""
    from django.urls import reverse

    from accounts.choices import Role
    from accounts.services import membership_grant, user_deactivate
    from casework.selectors.staff import assignable_by_org, queue_people
    from tests.factories import UserFactory

    def names(person):
        return [str(u) for u in queue_people(person)]

    before = names(world.district_supervisor)
    newcomer = UserFactory(username="zz-newcomer", display_name="新同事")
    assert "新同事" not in names(world.district_supervisor)
    membership_grant(user=newcomer, organisation=world.wujin, role=Role.CASEWORKER)
    assert sorted(names(world.district_supervisor)) == sorted([*before, "新同事"])
    usernames = [u.username for u in queue_people(world.district_supervisor)]
    assert usernames == sorted(usernames)
    assert newcomer.pk in [u.pk for u in assignable_by_org([world.wujin.pk])[world.wujin.pk]]
    client.force_login(world.district_supervisor)
    assert "新同事" in client.get(reverse("casework:queue")).content.decode()

    newcomer.display_name = "新同事（改名）"
    newcomer.save()
    assert "新同事（改名）" in names(world.district_supervisor)
    newcomer.save(update_fields=["last_login"])  # a sign-in: nothing the queue shows
    user_deactivate(user=newcomer)
    assert not any("新同事" in n for n in names(world.district_supervisor))
    assert newcomer.pk not in [u.pk for u in assignable_by_org([world.wujin.pk])[world.wujin.pk]]
    assert "新同事" not in client.get(reverse("casework:queue")).content.decode()


def test_a_page_of_both_parts_is_one_query_where_the_database_allows_it(
    world, extra_users, population
):
    """A queue whose cases come both through the user's organisations and through grants of
    their own (a caseworker given one case of another union) reads the heads of both parts: in
    one UNION ALL on PostgreSQL, which takes LIMIT inside a compound query; in two on SQLite.
    The pages themselves are checked against the visible cases above."""
    both = []
    for person in people(world, extra_users, population).values():
        if not getattr(person, "is_authenticated", False):
            continue
        scope = case_scope(person)
        if scope.has_orgs and Case.objects.filter(scope.granted_q()).exists():
            both.append(person)
    assert both, "the population has someone with both parts"
    for person in both:
        with CaptureQueriesContext(connection) as captured:
            page, _counts = queue(person, QueueFilters())
        reads = [
            q["sql"] for q in captured.captured_queries if '"casework_case"."reference"' in q["sql"]
        ]
        one = connection.features.supports_slicing_ordering_in_compound
        assert len(reads) == (1 if one else 2), reads
        assert ("UNION ALL" in reads[0]) == one
        assert page.object_list
