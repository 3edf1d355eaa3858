"""The deadline engine wired to cases (issue 3, item 2): deadlines computed from a case's dates
and events, recomputed when they change, the queue sorted by the nearest one."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from casework.choices import CaseState
from casework.errors import GuardFailed
from casework.models import AuditEvent, Case
from casework.selectors.staff import QueueFilters, queue
from casework.services import case_file, case_record_outcome
from casework.services.deadlines import (
    case_deadlines_recompute,
    case_key_dates_update,
    deadline_interrupt,
    deadline_suspend,
)
from rights.deadline_models import (
    CaseDeadline,
    CaseDeadlineEvent,
    DeadlineRule,
    Holiday,
    OrganisationDeadlineTarget,
    calendar_invalidate,
    db_calendar,
)
from rights.deadlines import add_years, due_date, rule_due_date
from tests.factories import IntakeDataFactory, UserFactory, case_snapshot, drive_to

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_calendar():
    """Holiday edits roll back with the test; the cached calendar must not outlive them."""
    calendar_invalidate()
    yield
    calendar_invalidate()


def today():
    return timezone.localdate()


def deadline(case, code) -> CaseDeadline:
    return CaseDeadline.objects.select_related("rule").get(case=case, rule__code=code)


def limitation_for(knew):
    return rule_due_date(DeadlineRule.objects.get(code="ARB_LIMIT"), knew, calendar=db_calendar())


def test_filing_a_case_creates_its_deadlines_with_citations_and_sets_the_nearest(world):
    knew, ended = today() - timedelta(days=40), today() - timedelta(days=30)
    case, _ = case_file(
        data=IntakeDataFactory(knew_date=knew, employment_end=ended), filed_by=world.worker
    )

    codes = set(CaseDeadline.objects.filter(case=case).values_list("rule__code", flat=True))
    assert {"ARB_LIMIT", "ARB_LIMIT_WAGE", "TERM_PAPERS", "FIRST_RESPONSE"} <= codes
    limit = deadline(case, "ARB_LIMIT")
    assert limit.trigger_date == knew
    assert limit.due_date == limitation_for(knew)
    assert "劳动争议调解仲裁法第27条" in limit.rule.citation
    first = deadline(case, "FIRST_RESPONSE")
    assert first.due_date == db_calendar().add_working_days(today(), 3)  # 3 working days
    case.refresh_from_db()
    # The nearest deadline binding the worker: the union's own response target is shown on the
    # case but does not make every new case urgent in the queue.
    assert case.next_deadline == limit.due_date


def _queue_refs(user):
    page, _counts = queue(user, QueueFilters(state=CaseState.UNDER_REVIEW, sort="deadline"))
    return [row.case.reference for row in page]


def test_changing_the_knew_date_moves_the_limitation_deadline_and_the_queue_order(world):
    a = drive_to(world, CaseState.UNDER_REVIEW, knew_date=today() - timedelta(days=200))
    b = drive_to(world, CaseState.UNDER_REVIEW, knew_date=today() - timedelta(days=100))
    a.refresh_from_db()
    assert a.next_deadline == limitation_for(today() - timedelta(days=200))
    assert _queue_refs(world.caseworker) == [a.reference, b.reference]

    new_knew = today() - timedelta(days=10)
    case_key_dates_update(
        case=a, user=world.caseworker, knew_date=new_knew, expected_version=a.version
    )

    a.refresh_from_db()
    assert deadline(a, "ARB_LIMIT").due_date == limitation_for(new_knew)
    assert a.next_deadline == limitation_for(new_knew)
    assert _queue_refs(world.caseworker) == [b.reference, a.reference]
    event = AuditEvent.objects.filter(case_id=a.pk, verb="key_dates_changed").get()
    assert event.payload == {"fields": ["knew_date"]}


def test_a_future_key_date_is_refused_and_changes_nothing(world):
    case = drive_to(world, CaseState.UNDER_REVIEW)
    before = case_snapshot(case)
    with pytest.raises(GuardFailed):
        case_key_dates_update(
            case=case, user=world.caseworker, knew_date=today() + timedelta(days=1)
        )
    assert case_snapshot(case) == before


def test_a_suspension_of_k_days_moves_the_limitation_date_by_k_days(world):
    knew = today() - timedelta(days=100)
    case = drive_to(world, CaseState.UNDER_REVIEW, knew_date=knew)
    k = 12
    start = today() - timedelta(days=60)

    deadline_suspend(
        case=case, user=world.caseworker, start=start, end=start + timedelta(days=k - 1)
    )

    calendar = db_calendar()
    moved = deadline(case, "ARB_LIMIT").due_date
    assert moved == calendar.roll_forward(add_years(knew, 1) + timedelta(days=k))
    assert moved == due_date(
        knew, 1, "years", calendar=calendar, suspensions=[(start, start + timedelta(days=k - 1))]
    )
    event = AuditEvent.objects.filter(case_id=case.pk, verb="deadline_suspended").get()
    assert set(event.payload) == {"event", "rule"} and event.payload["rule"] == "ARB_LIMIT"


def test_an_interruption_restarts_the_limitation_period(world):
    knew = today() - timedelta(days=300)
    case = drive_to(world, CaseState.UNDER_REVIEW, knew_date=knew)
    on = today() - timedelta(days=5)

    deadline_interrupt(case=case, user=world.caseworker, on=on, note="单位书面承诺支付")

    assert deadline(case, "ARB_LIMIT").due_date == limitation_for(on)
    case.refresh_from_db()
    assert case.next_deadline == limitation_for(on)
    assert CaseDeadlineEvent.objects.filter(case=case, kind="interruption").count() == 1


def test_a_suspension_of_a_rule_that_has_none_is_refused_and_changes_nothing(world):
    case = drive_to(world, CaseState.UNDER_REVIEW)
    before = case_snapshot(case)
    with pytest.raises(GuardFailed):
        deadline_suspend(
            case=case,
            user=world.caseworker,
            start=today() - timedelta(days=3),
            end=today() - timedelta(days=1),
            rule_code="TERM_PAPERS",
        )
    assert case_snapshot(case) == before
    assert not CaseDeadlineEvent.objects.filter(case=case).exists()


def test_an_organisations_own_first_response_target_overrides_the_default_in_its_subtree(world):
    rule = DeadlineRule.objects.get(code="FIRST_RESPONSE")
    OrganisationDeadlineTarget.objects.create(
        organisation=world.city, rule=rule, period=20, unit="days"
    )
    OrganisationDeadlineTarget.objects.create(
        organisation=world.wujin, rule=rule, period=10, unit="days"
    )

    wujin_case = drive_to(world, CaseState.SUBMITTED)  # routed to the Wujin union
    xinbei_case = drive_to(world, CaseState.SUBMITTED, district="新北区")
    enterprise_case = drive_to(world, CaseState.SUBMITTED, owning_org=world.enterprise)

    calendar = db_calendar()
    assert deadline(wujin_case, "FIRST_RESPONSE").due_date == calendar.roll_forward(
        today() + timedelta(days=10)
    )
    # Xinbei has no target of its own: the city's applies.
    assert deadline(xinbei_case, "FIRST_RESPONSE").due_date == calendar.roll_forward(
        today() + timedelta(days=20)
    )
    # The enterprise union sits under Wujin: Wujin's target, the most specific one above it.
    assert deadline(enterprise_case, "FIRST_RESPONSE").due_date == calendar.roll_forward(
        today() + timedelta(days=10)
    )


def test_a_holiday_added_in_the_admin_changes_the_computed_due_date(client, world):
    knew = today() - timedelta(days=30)
    case = drive_to(world, CaseState.UNDER_REVIEW, knew_date=knew)
    before = deadline(case, "ARB_LIMIT").due_date
    assert not Holiday.objects.filter(date=before).exists()
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)

    response = client.post(
        reverse("admin:rights_holiday_add"),
        {
            "date": before.isoformat(),
            "kind": "holiday",
            "name_zh": "测试假日",
            "name_en": "test holiday",
            "source": "test",
            "confirmed": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    call_command("recompute_deadlines", stdout=open("/dev/null", "w"))

    after = deadline(case, "ARB_LIMIT").due_date
    assert after == db_calendar().next_working_day(before)
    assert after > before
    case.refresh_from_db()
    assert case.next_deadline == after


def test_closing_a_case_clears_its_nearest_deadline_and_keeps_its_deadlines(world):
    case = drive_to(world, CaseState.UNDER_REVIEW)
    assert case.next_deadline is not None
    rows = CaseDeadline.objects.filter(case=case).count()

    case_record_outcome(case=case, user=world.caseworker, outcome="settled")

    case.refresh_from_db()
    assert case.next_deadline is None
    assert CaseDeadline.objects.filter(case=case).count() == rows
    case_deadlines_recompute(case)
    assert Case.objects.get(pk=case.pk).next_deadline is None


def _urls(case):
    return [
        reverse(name, args=[case.reference])
        for name in (
            "casework:case_deadlines",
            "casework:case_deadlines_key_dates",
            "casework:case_deadlines_suspend",
            "casework:case_deadlines_interrupt",
        )
    ]


def test_the_deadline_pages_are_404_for_another_unions_caseworker_and_change_nothing(client, world):
    case = drive_to(world, CaseState.UNDER_REVIEW)
    before = case_snapshot(case)
    client.force_login(world.other_caseworker)
    data = {
        "version": case.version,
        "knew_date": (today() - timedelta(days=3)).isoformat(),
        "rule": "ARB_LIMIT",
        "start": (today() - timedelta(days=3)).isoformat(),
        "end": (today() - timedelta(days=2)).isoformat(),
        "on": (today() - timedelta(days=2)).isoformat(),
    }
    page, *actions = _urls(case)
    assert client.get(page).status_code == 404
    for url in actions:
        assert client.post(url, data).status_code == 404
    assert case_snapshot(case) == before
    assert not CaseDeadlineEvent.objects.filter(case=case).exists()


def test_the_caseworker_sees_the_deadlines_and_changes_the_key_dates_on_the_page(client, world):
    case = drive_to(world, CaseState.UNDER_REVIEW)
    client.force_login(world.caseworker)
    page = client.get(reverse("casework:case_deadlines", args=[case.reference]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "劳动争议调解仲裁法第27条" in body
    assert 'action="' + reverse("casework:case_deadlines_suspend", args=[case.reference]) in body

    new_knew = today() - timedelta(days=20)
    response = client.post(
        reverse("casework:case_deadlines_key_dates", args=[case.reference]),
        {
            "version": case.version,
            "knew_date": new_knew.isoformat(),
            "employment_start": case.employment_start.isoformat(),
        },
    )

    assert response.status_code == 303
    assert deadline(case, "ARB_LIMIT").due_date == limitation_for(new_knew)


def test_a_stale_key_dates_form_is_a_conflict_and_changes_nothing(client, world):
    case = drive_to(world, CaseState.UNDER_REVIEW)
    before = case_snapshot(case)
    client.force_login(world.caseworker)
    response = client.post(
        reverse("casework:case_deadlines_key_dates", args=[case.reference]),
        {"version": case.version - 1, "knew_date": (today() - timedelta(days=5)).isoformat()},
    )
    assert response.status_code == 409
    assert case_snapshot(case) == before
