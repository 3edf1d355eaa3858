"""The legal-aid eligibility screen (issue 3, item 5): the pure rules (Legal Aid Law Art. 31,
41, 42 and the Union Legal Aid Measures Art. 10), the services' gate and audit, and the page."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import User
from casework.choices import CaseState
from casework.errors import GuardFailed, NotFound
from casework.models import AuditEvent
from casework.models.eligibility import EligibilityAssessment
from casework.services.eligibility import (
    eligibility_assess,
    eligibility_override,
    eligibility_prefill,
)
from rights import eligibility as el
from rights import eligibility_rules as rules
from tests.factories import drive_to

STANDARD = Decimal("2280")  # a stand-in for the local monthly minimum wage [U]


def _facts(**kw) -> el.Facts:
    base = {"matter_types": (rules.WAGES,), "income_standard": STANDARD}
    return el.Facts(**{**base, **kw})


# --- the pure rules ---------------------------------------------------------------------------


def test_art42_item3_migrant_worker_claiming_unpaid_wages_passes_without_a_means_test():
    # Given a migrant worker claiming unpaid wages, income unknown and no other exemption
    result = el.evaluate(_facts(migrant_worker=True, household_income=None))
    # Then the Art. 42 exemption passes, the means test does not apply, and the worker is eligible
    exemption = result.criterion("la_exemption")
    assert exemption.passed is True
    assert "Art. 42, item 3" in exemption.citation_en
    assert "第42条第3项" in exemption.citation_zh
    assert result.criterion("la_means").outcome == el.NOT_APPLICABLE
    assert result.criterion("la_means").passed is None
    assert result.tracks[el.LEGAL_AID] == el.ELIGIBLE
    assert result.overall == el.ELIGIBLE


def test_art42_item3_also_exempts_a_migrant_worker_claiming_work_injury_compensation():
    result = el.evaluate(
        _facts(
            matter_types=(rules.WORK_INJURY,), migrant_worker=True, household_income=Decimal("9000")
        )
    )
    assert result.criterion("la_exemption").passed is True
    assert "Art. 31, item 7" in result.criterion("la_matter").citation_en
    assert result.overall == el.ELIGIBLE


def test_art42_a_migrant_worker_with_a_social_insurance_claim_is_not_exempt():
    # Art. 42 item 3 names labour remuneration and work-injury compensation only
    result = el.evaluate(
        _facts(
            matter_types=(rules.SOCIAL_INSURANCE,),
            migrant_worker=True,
            household_income=Decimal("5000"),
        )
    )
    assert result.criterion("la_exemption").outcome == el.NOT_APPLICABLE
    assert result.criterion("la_means").passed is False


def test_art41_an_applicant_above_the_income_standard_with_no_exemption_fails_the_means_test():
    # Given household income per person above the standard, no Art. 42 exemption
    result = el.evaluate(_facts(household_income=Decimal("3500.00")))
    means = result.criterion("la_means")
    # Then Art. 41's means criterion fails, with the figures in the reason
    assert means.passed is False
    assert "Legal Aid Law Art. 41" in means.citation_en
    assert "¥3,500.00" in means.reason_en and "¥2,280.00" in means.reason_en
    assert "高于经济困难标准" in means.reason_zh
    # and without evidence of a serious infringement the union's Art. 10 fails as well
    assert result.criterion("union_means").passed is False
    assert "Union Legal Aid Measures Art. 10" in result.criterion("union_means").citation_en
    assert result.overall == el.NOT_ELIGIBLE


def test_art41_income_within_the_standard_passes_the_means_test():
    result = el.evaluate(_facts(household_income=STANDARD))
    assert result.criterion("la_means").passed is True
    assert result.overall == el.ELIGIBLE


def test_union_measures_art10_item2_serious_infringement_replaces_the_means_condition():
    result = el.evaluate(_facts(household_income=Decimal("3500"), serious_infringement=True))
    assert result.tracks[el.LEGAL_AID] == el.NOT_ELIGIBLE
    assert result.criterion("union_means").passed is True
    assert "Art. 10, item 2" in result.criterion("union_means").citation_en
    assert result.tracks[el.UNION_LEGAL_AID] == el.ELIGIBLE
    assert result.overall == el.ELIGIBLE


def test_art31_a_matter_outside_art31_fails():
    # Given a matter that is none of Art. 31's (e.g. a skill-assessment dispute)
    result = el.evaluate(_facts(matter_types=(rules.OTHER,), household_income=Decimal("1000")))
    matter = result.criterion("la_matter")
    # Then the Art. 31 line fails and the legal-aid track is not eligible
    assert matter.passed is False
    assert matter.citation_en == "Legal Aid Law Art. 31"
    assert result.tracks[el.LEGAL_AID] == el.NOT_ELIGIBLE
    # while union legal aid still takes a labour matter (Measures Art. 2)
    assert result.criterion("union_scope").passed is True


def test_art31_an_applicant_who_already_has_an_agent_fails():
    result = el.evaluate(_facts(migrant_worker=True, represented=True))
    assert result.criterion("la_no_agent").passed is False
    assert result.tracks[el.LEGAL_AID] == el.NOT_ELIGIBLE


def test_art41_unknown_income_needs_information():
    # Given no exemption and no income statement
    result = el.evaluate(_facts(household_income=None))
    # Then the means line is unknown and the result asks for information, not a refusal
    assert result.criterion("la_means").outcome == el.UNKNOWN
    assert result.criterion("la_means").passed is None
    assert result.overall == el.NEEDS_INFORMATION


def test_art34_an_unknown_local_standard_needs_information():
    result = el.evaluate(_facts(household_income=Decimal("1000"), income_standard=None))
    assert result.criterion("la_means").outcome == el.UNKNOWN
    assert "standard" in result.criterion("la_means").reason_en
    assert result.overall == el.NEEDS_INFORMATION


def test_art42_items1_and_2_exempt_without_a_migrant_claim():
    result = el.evaluate(
        _facts(
            matter_types=(rules.SOCIAL_INSURANCE,),
            no_fixed_income_group=True,
            assistance_recipient=True,
        )
    )
    citation = result.criterion("la_exemption").citation_en
    assert "Art. 42, item 1" in citation and "Art. 42, item 2" in citation
    assert result.overall == el.ELIGIBLE


def test_every_line_has_a_citation_and_both_languages_and_the_result_round_trips_as_json():
    facts = _facts(migrant_worker=True, household_income=Decimal("1234.5"))
    result = el.evaluate(facts)
    assert [c.code for c in result.criteria] == [
        "la_matter",
        "la_no_agent",
        "la_exemption",
        "la_means",
        "union_scope",
        "union_membership",
        "union_means",
    ]
    for line in result.criteria:
        assert line.reason_en and line.reason_zh and line.citation_en and line.citation_zh
    assert el.Facts.from_json(facts.to_json()) == facts
    assert el.evaluate(facts.to_json()).to_json() == result.to_json()


def test_unconfirmed_rules_are_flagged_to_be_confirmed_locally():
    assert rules.PARAMETERS["legal_aid_standard_basis"].confirmed is False
    result = el.evaluate(_facts(household_income=Decimal("1000")))
    assert result.criterion("la_means").confirmed is False
    assert result.criterion("la_matter").confirmed is True


def test_category_codes_map_to_matter_types():
    assert rules.matters_for_categories(
        ["INJURY.BENEFITS", "WAGE.ARREARS", "SKILL.ASSESSMENT_PROCESS"]
    ) == [
        rules.WAGES,
        rules.WORK_INJURY,
        rules.OTHER,
    ]
    assert rules.matter_for_category("SI.ARREARS") == rules.SOCIAL_INSURANCE
    assert rules.matter_for_category("REL.CONFIRM") == rules.LABOUR_RELATIONSHIP


# --- the services -------------------------------------------------------------------------------


@pytest.fixture
def case(world):
    """A wage-arrears case of a migrant worker, under review by world.caseworker (Wujin)."""
    return drive_to(world, CaseState.UNDER_REVIEW, migrant_worker=True)


def _audit(case, verb):
    return list(AuditEvent.objects.filter(case=case, verb=verb))


def test_prefill_takes_the_matter_from_the_categories_and_the_migrant_flag_from_the_worker(case):
    initial = eligibility_prefill(case)
    assert initial["matter_types"] == [rules.WAGES]
    assert initial["migrant_worker"] is True
    assert initial["claims_wages_or_injury"] is True


def test_the_assignee_assesses_and_the_assessment_is_kept_and_audited(world, case):
    facts = eligibility_prefill(case)
    first = eligibility_assess(case=case, user=world.caseworker, facts=facts)
    second = eligibility_assess(
        case=case, user=world.caseworker, facts={**facts, "migrant_worker": False}
    )
    assert first.overall == el.ELIGIBLE
    assert second.overall == el.NEEDS_INFORMATION
    assert EligibilityAssessment.objects.filter(case=case).count() == 2  # history kept
    events = _audit(case, "eligibility_assessed")
    assert [e.payload["assessment"] for e in events] == [first.pk, second.pk]
    assert events[0].payload["overall"] == el.ELIGIBLE


def test_another_unions_caseworker_cannot_assess_and_nothing_is_written(world, case):
    before = AuditEvent.objects.count()
    with pytest.raises(NotFound):
        eligibility_assess(case=case, user=world.other_caseworker, facts=eligibility_prefill(case))
    assert EligibilityAssessment.objects.count() == 0
    assert AuditEvent.objects.count() == before


def test_the_worker_cannot_assess_their_own_case(world, case):
    with pytest.raises(NotFound):
        eligibility_assess(case=case, user=world.worker, facts={})
    assert EligibilityAssessment.objects.count() == 0


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_override_without_a_reason_is_refused_and_nothing_is_written(world, case, reason):
    assessment = eligibility_assess(case=case, user=world.caseworker, facts={})
    before = AuditEvent.objects.count()
    with pytest.raises(GuardFailed) as exc:
        eligibility_override(
            assessment=assessment, user=world.caseworker, result=el.ELIGIBLE, reason=reason
        )
    assert "reason" in exc.value.field_errors
    assessment.refresh_from_db()
    assert assessment.override is False and assessment.override_reason == ""
    assert AuditEvent.objects.count() == before


def test_an_override_with_a_reason_is_recorded_and_audited_without_the_reason(world, case):
    assessment = eligibility_assess(case=case, user=world.caseworker, facts={})
    assert assessment.overall == el.NEEDS_INFORMATION
    reason = "职工已提交诚信承诺书，收入低于标准。"
    eligibility_override(
        assessment=assessment, user=world.caseworker, result=el.ELIGIBLE, reason=reason
    )
    assessment.refresh_from_db()
    assert assessment.override is True
    assert assessment.effective_result == el.ELIGIBLE
    assert assessment.overridden_by_id == world.caseworker.pk
    [event] = _audit(case, "eligibility_overridden")
    assert event.payload == {
        "assessment": assessment.pk,
        "from": el.NEEDS_INFORMATION,
        "to": el.ELIGIBLE,
    }
    assert reason not in str(event.payload)


def test_another_unions_caseworker_cannot_override(world, case):
    assessment = eligibility_assess(case=case, user=world.caseworker, facts={})
    with pytest.raises(NotFound):
        eligibility_override(
            assessment=assessment, user=world.other_caseworker, result=el.ELIGIBLE, reason="x"
        )
    assessment.refresh_from_db()
    assert assessment.override is False
    assert _audit(case, "eligibility_overridden") == []


def test_an_override_to_needs_information_is_refused(world, case):
    assessment = eligibility_assess(case=case, user=world.caseworker, facts={})
    with pytest.raises(GuardFailed):
        eligibility_override(
            assessment=assessment,
            user=world.caseworker,
            result=el.NEEDS_INFORMATION,
            reason="x",
        )
    assessment.refresh_from_db()
    assert assessment.override is False


# --- the page --------------------------------------------------------------------------------


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"


def _login(client, user):
    client.force_login(User.objects.get(pk=user.pk))


def test_the_page_renders_for_the_assignee_prefilled_from_the_case(client, world, case, english):
    _login(client, world.caseworker)
    url = reverse("casework:case_eligibility", args=[case.reference])
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert re.search(r'<input[^>]*value="wages"[^>]*checked', body)
    assert not re.search(r'<input[^>]*value="other"[^>]*checked', body)
    assert re.search(r'<input[^>]*name="migrant_worker"[^>]*checked', body)
    assert "Not assessed yet." in body


def test_the_page_renders_in_chinese_by_default(client, world, case):
    eligibility_assess(case=case, user=world.caseworker, facts=eligibility_prefill(case))
    _login(client, world.caseworker)
    response = client.get(reverse("casework:case_eligibility", args=[case.reference]))
    assert response.status_code == 200
    assert "《法律援助法》第42条第3项" in response.content.decode()


def test_assessing_from_the_page_shows_each_criterion_with_its_citation(
    client, world, case, english
):
    _login(client, world.caseworker)
    url = reverse("casework:case_eligibility", args=[case.reference])
    response = client.post(
        url,
        {"matter_types": ["wages"], "claims_wages_or_injury": "on", "migrant_worker": "on"},
    )
    assert response.status_code == 303
    page = client.get(url)
    body = page.content.decode()
    assert "Legal Aid Law Art. 42, item 3" in body
    assert 'data-code="la_means"' in body
    assert EligibilityAssessment.objects.get(case=case).overall == el.ELIGIBLE


def test_overriding_from_the_page_needs_a_reason(client, world, case, english):
    assessment = eligibility_assess(case=case, user=world.caseworker, facts={})
    _login(client, world.caseworker)
    url = reverse("casework:case_eligibility_override", args=[case.reference])
    refused = client.post(url, {"assessment": assessment.pk, "result": "eligible", "reason": ""})
    assert refused.status_code == 400
    assessment.refresh_from_db()
    assert assessment.override is False
    done = client.post(
        url, {"assessment": assessment.pk, "result": "eligible", "reason": "Integrity commitment"}
    )
    assert done.status_code == 303
    assessment.refresh_from_db()
    assert assessment.override_result == "eligible"


@pytest.mark.parametrize("who", ["other_caseworker", "worker", "coordinator", "analyst"])
def test_the_page_is_missing_for_people_who_may_not_see_the_case(client, world, case, who):
    _login(client, getattr(world, who))
    url = reverse("casework:case_eligibility", args=[case.reference])
    assert client.get(url).status_code == 404
    assert client.post(url, {"matter_types": ["wages"]}).status_code == 404
    assert EligibilityAssessment.objects.count() == 0
