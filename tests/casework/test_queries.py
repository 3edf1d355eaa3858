"""A page costs a fixed number of queries whatever its length (STYLE rule 5): the queue and
the case page run the same number of queries for 5 rows or events as for 50."""

from itertools import cycle

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from casework.choices import ConsentMethod, ConsentScope
from casework.services import (
    case_accept_for_review,
    case_file,
    case_refer,
    consent_grant,
    message_post,
    note_add,
)
from documents.models import DocumentKind, DocumentStatus, GeneratedDocument
from tests.factories import IntakeDataFactory


def _queries(client, user, url) -> tuple[int, object]:
    client.force_login(User.objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def _varied_cases(world, n: int, *, org=None) -> list:
    """Cases of every kind a queue row can show: unassigned, assigned, collective, with several
    categories, with and without a deadline, owned by the district union or by `org` (an
    enterprise union below it, by default)."""
    today = timezone.localdate()
    kinds = cycle(
        [
            {},
            {"assignee": world.caseworker},
            {
                "co_claimant_names": ["李四", "张三"],
                "category_codes": ["WAGE.ARREARS", "WAGE.OVERTIME"],
            },
            {"knew_date": None, "assignee": world.caseworker2},
            {
                "knew_date": today.replace(year=today.year - 1),
                "owning_org": org or world.enterprise,
            },
        ]
    )
    cases = []
    for _ in range(n):
        kind = dict(next(kinds))
        assignee = kind.pop("assignee", None)
        owning_org = kind.pop("owning_org", None)
        case, _ = case_file(data=IntakeDataFactory(**kind), owning_org=owning_org)
        if assignee is not None:
            case = case_accept_for_review(case=case, user=assignee)
        cases.append(case)
    return cases


@pytest.mark.parametrize("who", ["caseworker", "district_supervisor"])
def test_queue_page_runs_the_same_queries_for_5_rows_as_for_50(client, world, who):
    user = getattr(world, who)
    org = world.wujin if who == "caseworker" else world.enterprise  # what each of them sees
    url = reverse("casework:queue")
    _varied_cases(world, 5, org=org)
    client.force_login(user)
    client.get(url)  # the categories' process-local copy is built once, not per page
    five, response = _queries(client, user, url)
    assert len(response.context["page"].object_list) == 5

    _varied_cases(world, 45, org=org)
    fifty, response = _queries(client, user, url)

    assert len(response.context["page"].object_list) == 50
    assert five == fifty


def _referred_to_centre(world, case):
    case = case_accept_for_review(case=case, user=world.district_supervisor)
    consent_grant(
        case=case,
        user=world.district_supervisor,
        scope=ConsentScope.LEGAL_AID_PROVIDER,
        provider=world.centre,
        method=ConsentMethod.PAPER,
    )
    GeneratedDocument.objects.create(
        case=case,
        kind=DocumentKind.REFERRAL_PACKET,
        version=1,
        status=DocumentStatus.READY,
        sha256="0" * 64,
    )
    return case_refer(case=case, user=world.district_supervisor, provider_id=world.centre.pk)


def test_coordinator_inbox_runs_the_same_queries_for_5_referrals_as_for_50(client, world):
    url = reverse("casework:queue")
    for case in _varied_cases(world, 5):
        if case.assignee_id is None:
            _referred_to_centre(world, case)
    five, response = _queries(client, world.coordinator, url)
    small = len(response.context["inbox"].object_list)

    for case in _varied_cases(world, 60):
        if case.assignee_id is None:
            _referred_to_centre(world, case)
    fifty, response = _queries(client, world.coordinator, url)

    assert small >= 2 and len(response.context["inbox"].object_list) >= 30
    assert five == fifty


def test_case_page_runs_the_same_queries_for_5_events_as_for_50(client, world, filed_case):
    case = case_accept_for_review(case=filed_case, user=world.caseworker)
    note_add(case=case, user=world.caseworker, body="第一条内部备注")
    url = reverse("casework:case_detail", args=[case.reference])
    client.force_login(world.caseworker)
    client.get(url)  # reference data's process-local copies are built once, not per page
    five, response = _queries(client, world.caseworker, url)
    assert len(response.context["detail"].timeline) == 5

    for i in range(45):
        if i % 2:
            note_add(case=case, user=world.caseworker2, body=f"内部备注 {i}")
        else:
            message_post(case=case, user=world.caseworker, body=f"消息 {i}")
    fifty, response = _queries(client, world.caseworker, url)

    assert len(response.context["detail"].timeline) == 50
    assert five == fifty
