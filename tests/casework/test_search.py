"""Staff search (issue 8): by reference, worker name, employer name or credit code, through the
search index, behind the gate; the index follows intake, the bulk rebuild and the purge."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User
from casework.choices import CaseState
from casework.models import CaseSearchTerm
from casework.selectors.search import search_normalise
from casework.selectors.staff import QueueFilters, queue
from casework.services import case_file
from casework.services.search import case_search_index, search_index_rebuild
from privacy.purge import case_purge
from tests.factories import IntakeDataFactory, drive_to


def _refs(user, text: str) -> set[str]:
    page, _counts = queue(user, QueueFilters(q=text))
    return {row.case.reference for row in page.object_list}


@pytest.fixture
def cases(world):
    """Three grievances of the Wujin union, one of Xinbei's."""
    ming = case_file(
        data=IntakeDataFactory(worker_name="王小明", co_claimant_names=["李四"]),
        filed_by=world.worker,
    )[0]
    fang = case_file(
        data=IntakeDataFactory(
            worker_name="王芳",
            employer_name="常州纺织品有限公司",
            credit_code="",
        ),
    )[0]
    acme = case_file(
        data=IntakeDataFactory(
            worker_name="Zhang  Wei",
            employer_name="Acme Precision Ltd",
            credit_code="",
        ),
    )[0]
    xinbei = case_file(
        data=IntakeDataFactory(worker_name="赵六六", district="新北区", credit_code=""),
    )[0]
    return ming, fang, acme, xinbei


def test_finds_by_reference_whole_or_its_start_in_any_case_and_spacing(world, cases):
    ming, fang, _acme, _x = cases
    assert _refs(world.caseworker, ming.reference) == {ming.reference}
    assert _refs(world.caseworker, f"  {ming.reference.lower()} ") == {ming.reference}
    # the start of a reference: every Wujin case of the year
    start = ming.reference[: len(ming.reference) - 6]
    assert ming.reference in _refs(world.caseworker, start)
    assert fang.reference in _refs(world.caseworker, start)


def test_finds_by_worker_name_of_two_three_and_more_characters(world, cases):
    ming, fang, acme, _x = cases
    assert _refs(world.caseworker, "王芳") == {fang.reference}
    assert _refs(world.caseworker, "王小明") == {ming.reference}
    assert _refs(world.caseworker, "小明") == {ming.reference}  # two characters inside a name
    assert _refs(world.caseworker, "王") == set()  # one character: only a whole term
    assert _refs(world.caseworker, "李四") == {ming.reference}  # a co-claimant
    # Latin names: any case, any spacing
    assert _refs(world.caseworker, "zhang wei") == {acme.reference}
    assert _refs(world.caseworker, "ZHANGWEI") == {acme.reference}
    assert _refs(world.caseworker, "gwe") == {acme.reference}


def test_finds_by_employer_name_whole_start_or_inside(world, cases):
    ming, fang, acme, _x = cases
    assert _refs(world.caseworker, "常州纺织品有限公司") == {fang.reference}
    assert _refs(world.caseworker, "纺织") == {fang.reference}
    assert _refs(world.caseworker, "织品有限") == {fang.reference}
    assert _refs(world.caseworker, "恒远碳纤维") == {ming.reference}
    assert _refs(world.caseworker, "precision") == {acme.reference}
    assert _refs(world.caseworker, "ＡＣＭＥ") == {acme.reference}  # full-width letters


def test_finds_by_credit_code_whole_or_its_start(world, cases):
    ming, _fang, _acme, _x = cases
    code = IntakeDataFactory().credit_code
    assert _refs(world.caseworker, code) == {ming.reference}
    assert _refs(world.caseworker, code.lower()) == {ming.reference}
    assert _refs(world.caseworker, code[:8]) == {ming.reference}


def test_finds_nothing_for_what_no_case_names(world, cases):
    for text in ("张三丰", "CZ-1999-000001", "913299", "纺织厂", "小王"):
        assert _refs(world.caseworker, text) == set(), text
    # and an empty or blank query does not filter
    assert len(_refs(world.caseworker, "   ")) == 3


def test_search_never_reveals_a_case_the_user_cannot_see(world, cases):
    _m, _f, _a, xinbei = cases
    # Given a Xinbei case, a Wujin caseworker finds nothing by its worker, reference or employer,
    for text in ("赵六六", xinbei.reference, "六六"):
        assert _refs(world.caseworker, text) == set(), text
    # while Xinbei's caseworker and the city supervisor do.
    assert _refs(world.other_caseworker, "赵六六") == {xinbei.reference}
    assert _refs(world.supervisor, "赵六六") == {xinbei.reference}
    # The page says the same.
    client = Client()
    client.force_login(User.objects.get(pk=world.caseworker.pk))
    response = client.get(reverse("casework:queue"), {"q": "赵六六"})
    assert response.status_code == 200
    assert xinbei.reference not in response.content.decode()


def test_the_api_case_list_searches_the_same_way(world, cases):
    from api.tokens import token_create

    ming, *_ = cases
    membership = world.caseworker.memberships.order_by("pk").first()
    _row, raw = token_create(user=world.caseworker, membership_id=membership.pk, name="t")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = client.get("/api/v1/cases/", {"q": "小明"}).json()
    assert [r["reference"] for r in body["results"]] == [ming.reference]
    assert client.get("/api/v1/cases/", {"q": "赵六六"}).json()["count"] == 0


def _index(case) -> set[tuple[str, str, str]]:
    return set(CaseSearchTerm.objects.filter(case=case).values_list("kind", "term", "grams"))


def test_intake_indexes_reference_workers_employer_and_code(world, cases):
    ming, *_ = cases
    code = IntakeDataFactory().credit_code
    assert _index(ming) == {
        ("ref", ming.reference.lower(), ""),
        ("name", "王小明", " 王小 小明 "),
        ("name", "李四", " 李四 "),
        (
            "name",
            "常州恒远碳纤维材料有限公司",
            " 常州 州恒 恒远 远碳 碳纤 纤维 维材 材料 料有 有限 限公 公司 ",
        ),
        ("code", code.lower(), ""),
    }


def test_the_rebuild_writes_what_the_services_write(world, cases):
    # Given the index the services wrote,
    before = set(CaseSearchTerm.objects.values_list("case_id", "kind", "term", "grams"))
    # when it is rebuilt from the database in bulk (and again by the command),
    rows, _seconds = search_index_rebuild()
    after = set(CaseSearchTerm.objects.values_list("case_id", "kind", "term", "grams"))
    call_command("search_reindex", stdout=StringIO())
    # then it holds the same terms, and searches find the same.
    assert after == before and rows == len(before)
    assert set(CaseSearchTerm.objects.values_list("case_id", "kind", "term", "grams")) == before
    ming, fang, acme, _x = cases
    assert _refs(world.caseworker, "小明") == {ming.reference}
    assert _refs(world.caseworker, "纺织") == {fang.reference}
    assert _refs(world.caseworker, "Zhang Wei") == {acme.reference}


def test_reindexing_a_case_follows_a_changed_name(world, cases):
    ming, *_ = cases
    worker = ming.primary_worker
    worker.name = "王大明"
    worker.save(update_fields=["name"])
    case_search_index([ming.pk])
    assert _refs(world.caseworker, "王大明") == {ming.reference}
    assert _refs(world.caseworker, "王小明") == set()
    assert _refs(world.caseworker, "小明") == set()


def test_a_purged_case_is_not_found_by_its_workers_and_keeps_no_name_in_the_index(
    world, django_capture_on_commit_callbacks
):
    case = drive_to(world, CaseState.WITHDRAWN, worker_name="钱多多", co_claimant_names=["孙七"])
    assert _refs(world.supervisor, "钱多多") == {case.reference}
    with django_capture_on_commit_callbacks(execute=True):
        case_purge(case=case, reason="retention")
    # Not found by either worker's name, nor any part of it,
    for text in ("钱多多", "多多", "孙七"):
        assert _refs(world.supervisor, text) == set(), text
    # no name of theirs anywhere in the index (the FTS table holds the same rows),
    stored = list(CaseSearchTerm.objects.values_list("term", "grams"))
    assert not any("钱" in t or "多多" in g or "孙" in t for t, g in stored)
    # and the stripped case is still found by what it keeps: its reference and employer.
    assert _refs(world.supervisor, case.reference) == {case.reference}
    assert case.reference in _refs(world.supervisor, "恒远碳纤维")
    assert {k for k, _t, _g in _index(case)} == {"ref", "name", "code"}


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("  CZ-2026-000123 ", "cz-2026-000123"),
        ("王 小明", "王小明"),
        ("Ａｃｍｅ\u3000Ltd", "acmeltd"),
        ("", ""),
    ],
)
def test_normalisation(raw, normal):
    assert search_normalise(raw) == normal


def test_a_long_firm_name_is_looked_up_by_its_trade_name_and_checked_whole(world, cases):
    from casework.selectors.search import _distinctive

    ming, fang, _acme, _x = cases
    assert _distinctive("常州恒远碳纤维材料有限公司") == "恒远"
    assert _distinctive("常州纺织品有限公司") == "纺织品"
    assert _distinctive("王小明") == "王小明"
    assert _refs(world.caseworker, "常州恒远碳纤维材料有限公司") == {ming.reference}
    assert _refs(world.caseworker, "恒远碳纤维材料有限公司") == {ming.reference}
    # The trade name matches, the rest of the query does not: not found.
    assert _refs(world.caseworker, "常州恒远纺织有限公司") == set()
    assert _refs(world.caseworker, "江苏纺织品有限公司") == set()


def test_both_forms_of_the_filter_find_the_same_cases(world, cases, monkeypatch):
    """The queue fetches a search's few matches by primary key (on PostgreSQL), and leaves the
    database to choose with a plain IN when it has counted many of them: the city supervisor,
    who sees every case, gets the same answer either way."""
    import casework.selectors.staff as staff
    from casework.models import Case
    from casework.selectors.search import case_search_q

    ming, fang, acme, xinbei = cases
    texts = {
        "王": set(),
        "王芳": {fang.reference},
        "小明": {ming.reference},
        "赵六六": {xinbei.reference},
        "zhang wei": {acme.reference},
        ming.reference: {ming.reference},
        IntakeDataFactory().credit_code[:8]: {ming.reference},
        "恒远碳纤维": {ming.reference, xinbei.reference},
    }
    for text, expected in texts.items():
        for few in (False, True):
            found = set(
                Case.objects.filter(case_search_q(text, few=few)).values_list(
                    "reference", flat=True
                )
            )
            assert found == expected, (text, few)
        assert _refs(world.supervisor, text) == expected, text
    # The queue takes the plain IN above WALK_ABOVE cases: the same rows.
    monkeypatch.setattr(staff, "WALK_ABOVE", 0)
    for text, expected in texts.items():
        assert _refs(world.supervisor, text) == expected, text


def test_few_matches_counts_the_index_terms_on_postgresql_only(
    world, cases, monkeypatch, django_assert_num_queries
):
    """`few_matches` reads the search index alone; on PostgreSQL the queue counts a narrow
    search by fetching its cases by key (`= ANY(ARRAY(…))`), whatever the planner guesses of
    its LIKE patterns, and a wide one with a plain IN. Elsewhere nothing is asked."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    import casework.selectors.staff as staff
    from casework.selectors.search import few_matches

    if connection.vendor != "postgresql":
        with django_assert_num_queries(0):
            assert few_matches("王芳", 10) is False
        return
    with django_assert_num_queries(1):
        assert few_matches("王芳", 1) is True  # one term: 王芳
    start = cases[0].reference[:-6]  # the start of all four references: four terms
    assert few_matches(start, 4) is True
    assert few_matches(start, 3) is False

    def count_queries(text: str) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            _refs(world.supervisor, text)
        return [q["sql"] for q in captured.captured_queries if 'COUNT("casework_case"' in q["sql"]]

    narrow = count_queries("王芳")
    assert narrow and all("= ANY(ARRAY(" in sql for sql in narrow), narrow
    monkeypatch.setattr(staff, "WALK_ABOVE", 0)  # now every search is a wide one
    wide = count_queries("王芳")
    assert wide and not any("= ANY(ARRAY(" in sql for sql in wide), wide
