"""The five generated filings besides the referral packet (DESIGN §5, issue 4): each requested
through documents.services on a case in the right state, rendered by its task (immediate in the
tests), and read back from the PDF with pypdf; the refusals; the filters the filings print with.
Planted markup and the case page's panel are in test_filings_safety.py."""

from datetime import date

import pytest
from django.utils import translation

from casework.choices import CaseState, OutcomeCode
from casework.errors import Forbidden, GuardFailed, NotFound
from casework.models import Case
from documents.kinds import FILINGS
from documents.models import DocumentKind, GeneratedDocument
from tests.factories import IntakeDataFactory, case_snapshot, drive_to, run_on_commit

from .filing_support import (
    PARTICULARS,
    K,
    add_evidence,
    assert_in,
    generate,
    id_number,
    pdf_text,
)

# --- the acceptance receipt ----------------------------------------------------------------------


def test_acceptance_receipt_prints_the_acceptance_claims_deadlines_and_follow_up(world):
    case = drive_to(world, CaseState.UNDER_REVIEW, occupation="操作工")
    doc = generate(case, K.COMPLAINT_RECEIPT, world.caseworker2)  # any caseworker of the union
    text = pdf_text(doc)
    assert_in(
        text,
        "受理回执",
        "Acceptance receipt",
        case.reference,
        "王小明",
        "常州恒远碳纤维材料有限公司",
        "武进区总工会已于",
        "受理您的诉求",
        "Wujin District Federation of Trade Unions",
        "accepted your grievance for review",
        "拖欠工资",
        "人民币18,600.00元",
        "CNY 18,600.00",
        "拖欠、克扣工资",
        "wage arrears or deductions",
        # the limitation period the deadline engine computed, with its citation
        "2027年8月16日（含当日）",
        "16 August 2027",
        "劳动争议调解仲裁法第二十七条",
        "我的诉求",
        "My grievances",
        "12351",
    )
    assert doc.case.reference in doc.snapshot["reference"]


def test_acceptance_receipt_of_an_anonymous_case_never_prints_the_receipt_code(world):
    from casework.services import case_accept_for_review, case_file

    case, code = case_file(data=IntakeDataFactory(), anonymous=True)
    case = case_accept_for_review(case=case, user=world.caseworker)
    doc = generate(case, K.COMPLAINT_RECEIPT, world.caseworker)
    text = pdf_text(doc)
    assert_in(text, "查询进度", "receipt code you were given")
    plain = code.replace("-", "")
    assert plain not in text.replace("-", "") and code not in str(doc.snapshot)


# --- the labour arbitration application --------------------------------------------------------


def test_arbitration_application_prints_the_fields_of_ldmal_article_28(world):
    import json

    from casework.services.intake import ClaimItem
    from documents.snapshot import unseal

    number = id_number()
    case = drive_to(
        world,
        CaseState.UNDER_REVIEW,
        id_number=number,
        claims=[
            ClaimItem(
                item="拖欠工资",
                amount="18600.00",
                period_start=date(2026, 7, 1),
                period_end=date(2026, 9, 30),
            ),
            ClaimItem(item="解除劳动合同经济补偿", amount="15500.00"),
        ],
        **PARTICULARS,
    )
    add_evidence(case, world.caseworker, description="2026年7月工资条", source_note="职工手机拍摄")
    doc = generate(case, K.ARBITRATION_APPLICATION, world.caseworker)
    text = pdf_text(doc)
    assert_in(
        text,
        "劳动仲裁申请书",
        "Labour arbitration application",
        case.reference,
        # Art. 28 item 1: the applicant and the respondent
        "申请人",
        "王小明",
        "男",
        "1990年3月7日",
        "7 March 1990",
        number,
        "13812345678",
        "碳纤维操作工",
        "常州市武进区湖塘镇人民路1号",
        "被申请人",
        "Respondent",
        "常州恒远碳纤维材料有限公司",
        "91320412MA1WY8K5BP",
        "常州市武进区滆湖中路8号",
        "张建国",
        # item 2: the claims, itemised, and the facts and reasons
        "仲裁请求",
        "Claims",
        "请求裁决被申请人支付申请人拖欠工资人民币18,600.00元（计算期间：2026年7月1日至2026年9月30日）",
        "解除劳动合同经济补偿15,500.00元",
        "CNY 15,500.00",
        "人民币34,100.00元",
        "CNY 34,100.00",
        "事实与理由",
        "Facts and reasons",
        "公司自2026年7月起拖欠工资三个月。",
        "第二十八条",
        # item 3: the evidence and its sources; witnesses
        "证据和证据来源",
        "Evidence and its sources",
        "2026年7月工资条",
        "工会收集：职工手机拍摄",
        "证人姓名和住所",
        "Witnesses: names and addresses",
        # addressed to the commission (blank here, with the jurisdiction rule), signed and dated
        "第二十一条",
        "武进区",
        "申请人（签名）",
        "副本1份",
    )
    # The ID number is printed in full but stored sealed, as the phone is.
    stored = json.dumps(doc.snapshot, ensure_ascii=False)
    assert number not in stored and "13812345678" not in stored
    assert unseal(doc.snapshot)["applicants"][0]["id_number"] == number


def test_arbitration_application_of_a_case_without_particulars_leaves_blanks(world):
    case = drive_to(world, CaseState.AWAITING_WORKER)
    doc = generate(case, K.ARBITRATION_APPLICATION, world.caseworker)
    applicant = doc.snapshot["applicants"][0]
    # nothing is invented: what the intake did not give stays empty and prints as a blank line
    assert applicant["sex"] is None and applicant["date_of_birth"] is None
    assert applicant["id_number"] == "" and doc.snapshot["forum"]["name"] == ""
    text = pdf_text(doc)
    assert_in(text, "出生日期", "Date of birth", "劳动人事争议仲裁委员会", "空白处由申请人填写")


# --- the legal-aid application -----------------------------------------------------------------


def test_legal_aid_application_prints_the_exemption_the_assessment_found(world):
    from casework.services.eligibility import eligibility_assess

    number = id_number("32041219851111002")
    case = drive_to(
        world, CaseState.UNDER_REVIEW, migrant_worker=True, id_number=number, **PARTICULARS
    )
    eligibility_assess(
        case=case,
        user=world.caseworker,
        facts={"matter_types": ["wages"], "migrant_worker": True, "represented": False},
    )
    doc = generate(case, K.LEGAL_AID_APPLICATION, world.caseworker)
    text = pdf_text(doc)
    assert_in(
        text,
        "法律援助申请表",
        "Legal-aid application form",
        case.reference,
        "王小明",
        number,
        "常州恒远碳纤维材料有限公司",
        "劳动报酬（工资等）",
        "《法律援助法》第三十一条第五项",
        "Legal Aid Law Art. 31, item 5",
        "免予核查经济困难状况",
        "Exempt from verification of economic difficulty",
        "《法律援助法》第四十二条第三项",
        "请求支付劳动报酬或者给予工伤事故人身损害赔偿的进城务工人员",
        "人民币18,600.00元",
        "2027年8月16日（含当日）",
        "本人承诺",
        "I declare that what is written above",
        "申请人（签名或者按指印）",
    )
    assert doc.snapshot["assessment"]["exemption"]["code"] == "la_exemption"


def test_legal_aid_application_without_an_assessment_asks_for_the_means_by_hand(world):
    case = drive_to(world, CaseState.UNDER_REVIEW)
    doc = generate(case, K.LEGAL_AID_APPLICATION, world.supervisor)
    assert doc.snapshot["assessment"] is None and doc.snapshot["provider"] is None
    text = pdf_text(doc)
    assert_in(
        text,
        "家庭人均月收入",
        "Monthly household income per person",
        "请勾选并附证明材料",
        "第四十二条",
        "第三十八条",
    )


# --- the mediation agreement -------------------------------------------------------------------


def test_mediation_agreement_in_mediation_leaves_the_terms_to_be_filled_in(world):
    case = drive_to(world, CaseState.MEDIATION, **PARTICULARS)
    doc = generate(case, K.MEDIATION_AGREEMENT, world.caseworker)
    assert doc.snapshot["recorded"] is None and doc.snapshot["amount"] is None
    text = pdf_text(doc)
    assert_in(
        text,
        "调解协议书",
        "Mediation agreement",
        "王小明",
        "常州恒远碳纤维材料有限公司",
        "张建国",
        "武进区总工会",
        "调解员",
        "caseworker",
        "调解协议尚未记录",
        "第十四条",
        "支付令",
        "payment order",
        "调解员（签名）",
        "调解组织印章",
    )


def test_mediation_agreement_once_recorded_prints_the_terms_and_capital_amount(world):
    case = drive_to(world, CaseState.CLOSED)
    assert case.outcome == OutcomeCode.MEDIATION_AGREEMENT
    doc = generate(case, K.MEDIATION_AGREEMENT, world.caseworker)
    text = pdf_text(doc)
    assert_in(
        text,
        "公司于十日内支付欠薪。",
        "人民币18,600.00元（大写：人民币壹万捌仟陆佰元整）",
        "CNY 18,600.00",
        "The respondent pays the applicant",
    )


def test_mediation_agreement_is_refused_for_a_case_closed_another_way(world):
    from casework.services import case_record_outcome

    case = drive_to(world, CaseState.UNDER_REVIEW)
    case = case_record_outcome(case=case, user=world.caseworker, outcome=OutcomeCode.SETTLED)
    case = Case.objects.select_related("owning_org").get(pk=case.pk)
    before = case_snapshot(case)
    with pytest.raises(GuardFailed):
        generate(case, K.MEDIATION_AGREEMENT, world.caseworker)
    assert case_snapshot(case) == before
    assert not GeneratedDocument.objects.filter(case=case).exists()


# --- the closing report ------------------------------------------------------------------------


def test_closing_report_of_a_mediated_case(world):
    case = drive_to(world, CaseState.CLOSED)
    doc = generate(case, K.CLOSING_REPORT, world.caseworker)
    text = pdf_text(doc)
    assert_in(
        text,
        "结案报告",
        "Closing report",
        case.reference,
        "已结案",
        "达成调解协议",
        "mediation agreement",
        "王小明",
        "常州恒远碳纤维材料有限公司",
        "请求金额合计",
        "人民币18,600.00元",
        "Awarded or agreed",
        "18,600.00元",
        "Recovered",
        "期限遵守情况",
        "达成调解协议，结案",
        "reached a mediation agreement; case closed",
        "结案人",
        "caseworker",
        "第五十条",
    )
    standings = {d["id"]: d["standing"]["code"] for d in doc.snapshot["deadlines"]}
    assert standings["FIRST_RESPONSE"] == "met"
    assert standings["ARB_LIMIT"] == "not_reached"


def test_closing_report_of_a_withdrawn_case_names_the_worker_who_withdrew(world):
    case = drive_to(world, CaseState.WITHDRAWN)
    doc = generate(case, K.CLOSING_REPORT, world.district_supervisor)
    assert doc.snapshot["closed_by"]["verb"] == "withdraw"
    text = pdf_text(doc)
    assert_in(text, "已撤回", "职工撤回诉求", "the worker withdrew the grievance", "撤回了诉求")


# --- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "kind", "who", "error"),
    [
        # not in this state
        (CaseState.SUBMITTED, K.COMPLAINT_RECEIPT, "caseworker", GuardFailed),
        (CaseState.UNDER_REVIEW, K.MEDIATION_AGREEMENT, "caseworker", GuardFailed),
        (CaseState.UNDER_REVIEW, K.CLOSING_REPORT, "caseworker", GuardFailed),
        (CaseState.CLOSED, K.ARBITRATION_APPLICATION, "caseworker", GuardFailed),
        (CaseState.WITHDRAWN, K.COMPLAINT_RECEIPT, "supervisor", GuardFailed),
        # not this person
        (CaseState.UNDER_REVIEW, K.ARBITRATION_APPLICATION, "caseworker2", Forbidden),
        (CaseState.UNDER_REVIEW, K.LEGAL_AID_APPLICATION, "caseworker2", Forbidden),
        (CaseState.MEDIATION, K.MEDIATION_AGREEMENT, "caseworker2", Forbidden),
        (CaseState.CLOSED, K.CLOSING_REPORT, "caseworker2", Forbidden),
        # does not see the case at all
        (CaseState.UNDER_REVIEW, K.COMPLAINT_RECEIPT, "other_caseworker", NotFound),
        (CaseState.UNDER_REVIEW, K.ARBITRATION_APPLICATION, "lawyer", NotFound),
        (CaseState.UNDER_REVIEW, K.LEGAL_AID_APPLICATION, "analyst", NotFound),
        (CaseState.UNDER_REVIEW, K.COMPLAINT_RECEIPT, "worker", NotFound),
    ],
)
def test_refused_requests_create_nothing(world, state, kind, who, error):
    case = drive_to(world, state)
    before = case_snapshot(case)
    with pytest.raises(error):
        generate(case, kind, getattr(world, who))
    assert case_snapshot(case) == before
    assert not GeneratedDocument.objects.filter(case=case).exists()


def test_every_kind_is_registered_with_a_template_title_and_button():
    from django.template.loader import get_template

    from documents import labels

    assert list(FILINGS) == list(DocumentKind.values)
    for kind, spec in FILINGS.items():
        assert kind in labels.DOCUMENT_TITLES
        get_template(spec.template)
        with translation.override("en"):
            assert str(spec.generate_label).startswith("Generate")


# --- the legal-aid side: provider, lawyer, forum, outcome --------------------------------------


def test_legal_aid_application_of_a_referred_case_names_the_provider(world):
    case = drive_to(world, CaseState.REFERRED)
    doc = generate(case, K.LEGAL_AID_APPLICATION, world.caseworker)
    assert doc.snapshot["provider"]["zh"] == "常州市法律援助中心"
    assert_in(
        pdf_text(doc), "申请的法律援助机构", "常州市法律援助中心", "Changzhou Legal Aid Centre"
    )


def test_the_lawyer_files_at_the_recorded_forum_and_reports_the_outcome(world):
    from casework.services import case_record_outcome

    case = drive_to(world, CaseState.PROCEEDINGS)
    application = generate(case, K.ARBITRATION_APPLICATION, world.lawyer)
    assert_in(pdf_text(application), "此致", "常州市劳动人事争议仲裁委员会")
    with run_on_commit():
        case_record_outcome(
            case=case,
            user=world.lawyer,
            outcome=OutcomeCode.AWARD_PARTLY_WON,
            amount_awarded="15000",
            amount_recovered="9300",
        )
    case = Case.objects.select_related("owning_org").get(pk=case.pk)
    report = generate(case, K.CLOSING_REPORT, world.lawyer)
    assert report.snapshot["recovered_share"] == "50"  # 9,300.00 of 18,600.00
    assert_in(
        pdf_text(report),
        "仲裁裁决：请求部分获支持",
        "award: claims partly upheld",
        "劳动争议仲裁",
        "常州市劳动人事争议仲裁委员会",
        "常州市法律援助中心",
        "lawyer",
        "人民币18,600.00元",
        "15,000.00元",
        "9,300.00元",
        "50%",
        "记录结果并结案",
    )


def test_mediation_agreement_needs_the_consent_to_disclose_the_worker_to_the_employer(world):
    from casework.services import consent_withdraw

    case = drive_to(world, CaseState.MEDIATION)
    consent_withdraw(consent=case.consents.get(scope="employer_disclosure"), user=world.worker)
    case = Case.objects.select_related("owning_org").get(pk=case.pk)
    before = case_snapshot(case)
    with pytest.raises(GuardFailed) as refused:
        generate(case, K.MEDIATION_AGREEMENT, world.caseworker)
    with translation.override("en"):
        assert "consent to disclose their identity" in str(refused.value.message)
    assert case_snapshot(case) == before
    assert not GeneratedDocument.objects.filter(case=case).exists()


# --- the filters the filings add -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "value", "expected"),
    [
        ("zh_capital", "12345.60", "壹万贰仟叁佰肆拾伍元陆角整"),  # glossary §1.3
        ("zh_capital", "18600", "壹万捌仟陆佰元整"),
        ("zh_capital", "100500", "壹拾万零伍佰元整"),
        ("zh_capital", "1005.05", "壹仟零伍元零伍分"),
        ("zh_capital", "100000000.5", "壹亿元伍角整"),
        ("zh_capital", "0", "零元整"),
        ("zh_capital", "0.37", "叁角柒分"),
        ("zh_capital", None, ""),
        ("zh_capital", "-5", ""),
        (
            "zh_articles",
            "劳动争议调解仲裁法第27条第1–3款",
            "劳动争议调解仲裁法第二十七条第一款至第三款",
        ),
        ("zh_articles", "民法典第201–203条", "民法典第二百零一条至第二百零三条"),
        ("zh_articles", "《法律援助法》第42条第3项", "《法律援助法》第四十二条第三项"),
        ("zh_articles", "第10条、第110条、第1001条", "第十条、第一百一十条、第一千零一条"),
        ("zh_articles", "LDMAL Art. 27", "LDMAL Art. 27"),
    ],
)
def test_filing_filters(expression, value, expected):
    from django.template import Context, Template

    rendered = Template("{% load filing %}{{ v|" + expression + " }}").render(Context({"v": value}))
    assert rendered == expected


def test_zh_articles_output_is_still_escaped():
    from django.template import Context, Template

    rendered = Template("{% load filing %}{{ v|zh_articles }}").render(
        Context({"v": "第1条<img src=x>"})
    )
    assert rendered == "第一条&lt;img src=x&gt;"
