from casework.choices import CaseState
from casework.models import AuditEvent
from casework.services import case_accept_for_review


def test_filed_case_is_submitted_to_the_district_union(world, filed_case):
    assert filed_case.state == CaseState.SUBMITTED
    assert filed_case.owning_org == world.wujin
    assert list(AuditEvent.objects.filter(case=filed_case).values_list("verb", flat=True)) == [
        "filed",
        "submit",
    ]


def test_caseworker_accepts_for_review_and_becomes_assignee(world, filed_case):
    case = case_accept_for_review(case=filed_case, user=world.caseworker)
    assert case.state == CaseState.UNDER_REVIEW
    assert case.assignee == world.caseworker
