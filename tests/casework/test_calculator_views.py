"""The calculator screen of a case (issue 3, items 3–4): prefilled forms, parameters in force on
the reference date for the employer's region, and "Add as claim" recomputed on the server."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import User
from casework.choices import CaseState
from casework.models import AuditEvent, Claim
from rights.calculators import economic_compensation
from rights.models import Parameter
from rights.parameter_seed import ensure_parameters
from rights.parameters import parameter_in_force
from tests.factories import case_snapshot, drive_to

N_INPUTS = {
    "start_date": "2019-03-01",
    "end_date": "2025-06-30",
    "avg_monthly_wage_12m": "6200.00",
    "region": "320412",
    "reference_date": "",
    "item_label": "经济补偿",
}


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def case(world):
    """Under review, assigned to world.caseworker; employer in Wujin; parameters seeded."""
    ensure_parameters(Parameter)
    return drive_to(
        world,
        CaseState.UNDER_REVIEW,
        employment_start=date(2019, 3, 1),
        employment_end=date(2025, 6, 30),
        knew_date=date(2025, 7, 1),
    )


def _login(client, user):
    client.force_login(User.objects.get(pk=user.pk))


def _url(case, name=None):
    if name is None:
        return reverse("casework:case_calculators", args=[case.reference])
    return reverse("casework:case_calculator", args=[case.reference, name])


def test_the_list_shows_the_eight_calculators_to_the_assignee(client, world, case):
    _login(client, world.caseworker)
    response = client.get(_url(case))
    assert response.status_code == 200
    body = response.content.decode()
    for name in ("wage_arrears", "minimum_wage_shortfall", "overtime_pay",
                 "economic_compensation", "notice_pay", "unlawful_termination_damages",
                 "double_wage", "annual_leave_pay"):  # fmt: skip
        assert _url(case, name) in body
    assert "economic compensation (N)" in body
    assert "damages for unlawful termination (2N)" in body


def test_every_calculator_page_renders_prefilled_from_the_case(client, world, case):
    _login(client, world.caseworker)
    for name in ("wage_arrears", "minimum_wage_shortfall", "overtime_pay",
                 "economic_compensation", "notice_pay", "unlawful_termination_damages",
                 "double_wage", "annual_leave_pay"):  # fmt: skip
        response = client.get(_url(case, name))
        assert response.status_code == 200, name
    form = client.get(_url(case, "economic_compensation")).context["form"]
    assert form.initial["start_date"] == date(2019, 3, 1)
    assert form.initial["end_date"] == date(2025, 6, 30)
    assert form.initial["region"] == "320412"  # the employer's district, 武进区


@pytest.mark.parametrize("who", ["other_caseworker", "other_supervisor", "lawyer", "worker"])
def test_another_unions_staff_and_others_get_404(client, world, case, who):
    _login(client, getattr(world, who))
    before = case_snapshot(case)
    assert client.get(_url(case)).status_code == 404
    assert client.get(_url(case, "economic_compensation")).status_code == 404
    response = client.post(_url(case, "economic_compensation"), {**N_INPUTS, "action": "add"})
    assert response.status_code == 404
    assert case_snapshot(case) == before


def test_an_unknown_calculator_is_404(client, world, case):
    _login(client, world.caseworker)
    assert client.get(_url(case, "no_such_calculator")).status_code == 404


def test_calculate_shows_amount_lines_citations_and_the_parameters_used(client, world, case):
    _login(client, world.caseworker)
    before = Claim.objects.filter(case=case).count()
    response = client.post(_url(case, "economic_compensation"), {**N_INPUTS, "action": "calculate"})
    assert response.status_code == 200
    body = response.content.decode()
    minimum = parameter_in_force("minimum_wage_monthly", region="320412", on=date(2025, 6, 30))
    average = parameter_in_force(
        "local_average_wage_monthly", region="320412", on=date(2025, 6, 30)
    )
    expected = economic_compensation(
        start_date=date(2019, 3, 1), end_date=date(2025, 6, 30),
        avg_monthly_wage_12m=Decimal("6200.00"), local_min_wage_monthly=minimum.value,
        local_avg_monthly_wage=average.value,
    )  # fmt: skip
    assert f"¥{expected.amount:,.2f}" in body
    assert "LCL Art. 47" in body
    assert "6,200 × 6.5" in body  # the formula line, in English
    assert f'data-parameter="{minimum.pk}"' in body and f'data-parameter="{average.pk}"' in body
    assert "to be confirmed locally" in body  # the seeded rows are unconfirmed
    assert 'value="add"' in body  # the assignee may add it as a claim
    assert Claim.objects.filter(case=case).count() == before


def test_add_as_claim_recomputes_records_the_parameters_and_audits(client, world, case):
    _login(client, world.caseworker)
    before = set(Claim.objects.filter(case=case).values_list("pk", flat=True))
    # when the form is posted with a forged amount
    response = client.post(
        _url(case, "economic_compensation"),
        {**N_INPUTS, "action": "add", "amount": "999999.00"},
    )
    # then the case page follows (303) and exactly one claim exists, with the server's amount
    assert response.status_code == 303
    assert response["Location"] == reverse("casework:case_detail", args=[case.reference])
    claims = Claim.objects.filter(case=case).exclude(pk__in=before)
    assert claims.count() == 1
    claim = claims.get()
    minimum = parameter_in_force("minimum_wage_monthly", region="320412", on=date(2025, 6, 30))
    average = parameter_in_force(
        "local_average_wage_monthly", region="320412", on=date(2025, 6, 30)
    )
    expected = economic_compensation(
        start_date=date(2019, 3, 1), end_date=date(2025, 6, 30),
        avg_monthly_wage_12m=Decimal("6200.00"), local_min_wage_monthly=minimum.value,
        local_avg_monthly_wage=average.value,
    )  # fmt: skip
    assert claim.amount == expected.amount != Decimal("999999.00")
    assert claim.item == "经济补偿"
    assert (claim.period_start, claim.period_end) == (date(2019, 3, 1), date(2025, 6, 30))
    calc = claim.calculation
    assert calc["calculator"] == "economic_compensation"
    assert calc["amount"] == str(expected.amount)
    assert {row["id"] for row in calc["parameter_rows"]} == {minimum.pk, average.pk}
    assert all(row["confirmed"] is False for row in calc["parameter_rows"])
    assert calc["parameters"]["local_min_wage_monthly"] == str(minimum.value)
    assert calc["reference_date"] == "2025-06-30" and calc["region_code"] == "320412"
    # and one audit event with ids and codes only
    event = AuditEvent.objects.filter(case=case, verb="claim_added").get()
    assert event.payload == {
        "claim": claim.pk,
        "calculator": "economic_compensation",
        "parameters": [row["id"] for row in calc["parameter_rows"]],
    }
    assert event.actor_id == world.caseworker.pk


def test_bad_input_is_a_form_error_and_creates_nothing(client, world, case):
    _login(client, world.caseworker)
    before = case_snapshot(case)
    # end before start: the calculator refuses it
    response = client.post(
        _url(case, "economic_compensation"),
        {**N_INPUTS, "end_date": "2018-01-01", "action": "add"},
    )
    assert response.status_code == 400
    assert "The end date is before the start date." in response.content.decode()
    assert response.context["form"].errors["end_date"]
    # an old-rules amount for service that started after 2008: the calculator refuses it
    response = client.post(
        _url(case, "economic_compensation"),
        {**N_INPUTS, "pre_2008_amount": "1000", "action": "add"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["pre_2008_amount"] == [
        "An amount for service before 2008 needs a start date before 1 Jan 2008."
    ]
    # a negative wage: the form refuses it
    response = client.post(
        _url(case, "wage_arrears"),
        {"monthly_wage": "-1", "months_owed": "2", "action": "add"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["monthly_wage"]
    assert case_snapshot(case) == before


def test_no_parameter_in_force_is_a_form_error_and_creates_nothing(client, world, case):
    _login(client, world.caseworker)
    before = case_snapshot(case)
    response = client.post(
        _url(case, "economic_compensation"),
        {**N_INPUTS, "start_date": "2010-01-01", "end_date": "2012-01-01", "action": "add"},
    )
    assert response.status_code == 400
    assert "is in force on 2012-01-01" in response.content.decode()
    assert case_snapshot(case) == before


def test_minimum_wage_shortfall_uses_each_months_parameter(client, world, case):
    _login(client, world.caseworker)
    response = client.post(
        _url(case, "minimum_wage_shortfall"),
        {"month_from": "2024-12-01", "month_to": "2025-01-31", "wage_paid": "2000",
         "region": "320412", "action": "add"},
    )  # fmt: skip
    assert response.status_code == 303
    claim = Claim.objects.filter(case=case, calculation__calculator="minimum_wage_shortfall").get()
    dec = parameter_in_force("minimum_wage_monthly", region="320412", on=date(2024, 12, 1))
    jan = parameter_in_force("minimum_wage_monthly", region="320412", on=date(2025, 1, 1))
    assert claim.amount == (dec.value - 2000) + (jan.value - 2000)
    assert [row["id"] for row in claim.calculation["parameter_rows"]] == [dec.pk, jan.pk]
    assert (claim.period_start, claim.period_end) == (date(2024, 12, 1), date(2025, 1, 31))


def test_the_chinese_page_shows_chinese_formulas(client, world, case, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    _login(client, world.caseworker)
    response = client.post(
        _url(case, "overtime_pay"),
        {"monthly_wage": "6525", "weekday_hours": "10", "action": "calculate"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    assert "工作日延长工作时间" in response.content.decode()
