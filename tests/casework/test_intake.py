"""Bad intake at the service level: each problem is refused with IntakeInvalid, names its field
with a message a person understands, and creates nothing at all.

Messages are checked through `refusal(data, lang)`, which files and renders the messages in one
language. The English wording is asserted now; the Chinese catalogue comes later — add its
wording as a "zh-hans" entry in MESSAGES and the same tests check it.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import TestCase
from django.utils import timezone, translation

from casework.models import (
    AuditEvent,
    Case,
    CaseParty,
    CaseUserObjectPermission,
    Claim,
    ConsentRecord,
    Employer,
    Notification,
    ReferenceCounter,
    Worker,
)
from casework.services import case_file
from casework.services.intake import ClaimItem, IntakeInvalid
from rights.models import Category
from tests.factories import IntakeDataFactory

VALID_CODE = "91320412MA1WY8K5BP"

# Field key -> message, by language. The language keys present are the ones asserted.
MESSAGES = {
    "required_name": {"en": "Please give your name.", "zh-hans": "请填写您的姓名。"},
    "required_employer": {"en": "Please give the employer's name.", "zh-hans": "请填写单位名称。"},
    "required_facts": {"en": "Please tell us what happened.", "zh-hans": "请告诉我们发生了什么。"},
    "required_category": {"en": "Please choose at least one kind of problem."},
    "choose": {"en": "Please choose from the list."},
    "consent": {"en": "The union can only take up your grievance with your consent."},
    "credit_code": {
        "en": "The unified social credit code must be 18 characters and its last character must "
        "match the check digit.",
        "zh-hans": "统一社会信用代码应为18位，且最后一位须与校验码一致。",
    },
    "too_long_20000": {"en": "At most 20000 characters.", "zh-hans": "最多20000个字。"},
    "future_date": {"en": "This date cannot be in the future.", "zh-hans": "日期不能晚于今天。"},
    "amount": {"en": "Amounts are numbers, such as 3000 or 3000.50."},
    "id_number": {"en": "This is not a valid resident ID number."},
    "phone": {"en": "A phone number has digits only."},
    "birth_past": {"en": "The date of birth must be in the past."},
    "employment_order": {"en": "The end of employment cannot be before its start."},
    "summary": {"en": "Please correct the marked fields.", "zh-hans": "请修改标出的内容。"},
}


def expected(message_key: str, lang: str) -> str:
    return MESSAGES[message_key][lang]


def counts() -> dict:
    """Everything a filing writes, counted."""
    return {
        "cases": Case.objects.count(),
        "workers": Worker.objects.count(),
        "employers": Employer.objects.count(),
        "parties": CaseParty.objects.count(),
        "claims": Claim.objects.count(),
        "consents": ConsentRecord.objects.count(),
        "audit": AuditEvent.objects.count(),
        "notifications": Notification.objects.count(),
        "grants": CaseUserObjectPermission.objects.count(),
        "categories_linked": Case.categories.through.objects.count(),
        "counters": list(
            ReferenceCounter.objects.order_by("pk").values_list("prefix", "year", "last")
        ),
    }


def refusal(data, *, lang: str = "en", filer=None, anonymous: bool = False) -> tuple[dict, str]:
    """File `data`; expect IntakeInvalid, nothing created and nothing scheduled. Returns the
    field errors and the summary message, rendered in `lang`."""
    before = counts()
    with translation.override(lang):
        with (
            TestCase.captureOnCommitCallbacks() as scheduled,
            pytest.raises(IntakeInvalid) as refused,
        ):
            case_file(data=data, filed_by=filer, anonymous=anonymous)
        errors = {k: [str(m) for m in v] for k, v in refused.value.field_errors.items()}
        summary = str(refused.value.message)
    assert refused.value.status == 400
    assert scheduled == []
    assert counts() == before
    return errors, summary


@pytest.fixture(params=["account", "anonymous"])
def filer(request, world):
    """Both ways a worker files; and a filing already on record, so that the reference counter
    exists and must not move."""
    case_file(data=IntakeDataFactory(), filed_by=world.other_worker)
    if request.param == "account":
        return {"filer": world.worker, "anonymous": False}
    return {"filer": None, "anonymous": True}


def assert_only(errors: dict, field: str, message_key: str, lang: str = "en") -> None:
    assert set(errors) == {field}, errors
    assert errors[field] == [expected(message_key, lang)]


# --- the positive control: a good filing writes what `counts` counts ---------------------------


def test_a_valid_filing_creates_the_case_and_everything_around_it(world, filer):
    before = counts()
    case, receipt = case_file(
        data=IntakeDataFactory(), filed_by=filer["filer"], anonymous=filer["anonymous"]
    )
    after = counts()
    assert after["cases"] == before["cases"] + 1
    assert after["workers"] == before["workers"] + 1
    assert after["employers"] == before["employers"]  # same credit code: the employer on record
    assert after["parties"] == before["parties"] + 2
    assert after["claims"] == before["claims"] + 1
    assert after["consents"] == before["consents"] + 2
    assert after["audit"] == before["audit"] + 2  # filed, submit
    assert after["counters"][0][2] == before["counters"][0][2] + 1
    assert (receipt is not None) == filer["anonymous"]


# --- missing fields ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "field", "message_key"),
    [
        ({"worker_name": ""}, "worker_name", "required_name"),
        ({"worker_name": "   "}, "worker_name", "required_name"),
        ({"employer_name": ""}, "employer_name", "required_employer"),
        ({"facts": ""}, "facts", "required_facts"),
        ({"facts": " \n\t "}, "facts", "required_facts"),
        ({"category_codes": []}, "category_codes", "required_category"),
        ({"consent_union_handling": False}, "consent_union_handling", "consent"),
    ],
    ids=["name", "name-blank", "employer", "facts", "facts-blank", "category", "consent"],
)
def test_a_missing_field_is_named(world, filer, override, field, message_key):
    errors, summary = refusal(IntakeDataFactory(**override), **filer)
    assert_only(errors, field, message_key)
    assert summary == expected("summary", "en")


def test_every_missing_field_is_named_at_once(world, filer):
    data = IntakeDataFactory(
        worker_name="", employer_name="", facts="", category_codes=[], consent_union_handling=False
    )
    errors, _ = refusal(data, **filer)
    assert set(errors) == {
        "worker_name",
        "employer_name",
        "facts",
        "category_codes",
        "consent_union_handling",
    }


# --- the unified social credit code ----------------------------------------------------------


def _with(code: str, position: int, char: str) -> str:
    return code[:position] + char + code[position + 1 :]


@pytest.mark.parametrize(
    "code",
    [
        _with(VALID_CODE, 17, "Q"),  # wrong check character
        _with(VALID_CODE, 17, "0"),
        _with(VALID_CODE, 3, "9"),  # a changed digit no longer matches the check character
        VALID_CODE[:17],  # 17 characters
        VALID_CODE + "0",  # 19 characters
        VALID_CODE[:10],
        _with(VALID_CODE, 10, "I"),  # letters GB 32100 leaves out: I O S V Z
        _with(VALID_CODE, 10, "O"),
        _with(VALID_CODE, 10, "S"),
        _with(VALID_CODE, 10, "V"),
        _with(VALID_CODE, 10, "Z"),
        _with(VALID_CODE, 4, "-"),
        "9132 0412MA1WY8K5B",
        "９１３２０４１２ＭＡ１ＷＹ８Ｋ５ＢＰ",  # full-width characters
    ],
)
def test_a_malformed_credit_code_is_refused(world, filer, code):
    errors, _ = refusal(IntakeDataFactory(credit_code=code), **filer)
    assert_only(errors, "credit_code", "credit_code")


@pytest.mark.parametrize("code", [VALID_CODE.lower(), f"  {VALID_CODE} ", ""])
def test_a_valid_credit_code_in_lower_case_or_with_spaces_or_none_is_accepted(world, code):
    case, _ = case_file(data=IntakeDataFactory(credit_code=code), filed_by=world.worker)
    assert case.primary_employer.credit_code == code.strip().upper()


# --- sizes, dates, amounts, choices ----------------------------------------------------------


def test_a_10_megabyte_facts_text_is_refused(world, filer):
    facts = "薪" * (10 * 1024 * 1024 // 3)  # 10 MB in UTF-8
    errors, _ = refusal(IntakeDataFactory(facts=facts), **filer)
    assert_only(errors, "facts", "too_long_20000")


def test_facts_of_exactly_the_limit_are_accepted_and_one_more_is_refused(world):
    case, _ = case_file(data=IntakeDataFactory(facts="薪" * 20_000), filed_by=world.worker)
    assert len(case.facts) == 20_000
    errors, _ = refusal(IntakeDataFactory(facts="薪" * 20_001), filer=world.worker)
    assert_only(errors, "facts", "too_long_20000")


@pytest.mark.parametrize(
    "field", ["worker_name", "employer_name", "address", "phone", "hotline_ticket"]
)
def test_an_overlong_short_field_is_refused(world, field):
    errors, _ = refusal(IntakeDataFactory(**{field: "1" * 1000}), filer=world.worker)
    assert field in errors
    assert errors[field][-1].startswith("At most ")


@pytest.mark.parametrize(
    "field", ["knew_date", "employment_start", "employment_end", "injury_date"]
)
def test_a_date_in_the_future_is_refused(world, filer, field):
    tomorrow = timezone.localdate() + timedelta(days=1)
    override = {field: tomorrow}
    if field == "employment_end":
        override["employment_start"] = date(2024, 3, 1)
    errors, _ = refusal(IntakeDataFactory(**override), **filer)
    assert_only(errors, field, "future_date")


def test_the_knew_of_infringement_date_may_be_today(world):
    case, _ = case_file(
        data=IntakeDataFactory(knew_date=timezone.localdate()), filed_by=world.worker
    )
    assert case.knew_date == timezone.localdate()


def test_employment_cannot_end_before_it_starts(world):
    data = IntakeDataFactory(employment_start=date(2025, 5, 1), employment_end=date(2025, 4, 30))
    errors, _ = refusal(data, filer=world.worker)
    assert_only(errors, "employment_end", "employment_order")


def test_a_date_of_birth_must_be_in_the_past(world):
    errors, _ = refusal(IntakeDataFactory(date_of_birth=timezone.localdate()), filer=world.worker)
    assert_only(errors, "date_of_birth", "birth_past")


@pytest.mark.parametrize(
    "amount",
    [
        "-1",
        "-0.01",
        "abc",
        "一万",
        "3000,50",
        "12.345",
        "1e12",
        "NaN",
        "sNaN",
        "Infinity",
        "-Infinity",
        "1 000",
    ],
)
def test_a_negative_or_malformed_amount_is_refused(world, filer, amount):
    data = IntakeDataFactory(claims=[ClaimItem(item="拖欠工资", amount=amount)])
    errors, _ = refusal(data, **filer)
    assert_only(errors, "claims", "amount")


@pytest.mark.parametrize("amount", ["0", "3000", "3000.5", "3000.50", "999999999999.99"])
def test_sane_amounts_are_accepted(world, amount):
    case, _ = case_file(
        data=IntakeDataFactory(claims=[ClaimItem(item="工资", amount=amount)]),
        filed_by=world.worker,
    )
    assert case.claims.get().amount == Decimal(amount)


def test_a_claim_needs_a_description(world):
    errors, _ = refusal(
        IntakeDataFactory(claims=[ClaimItem(item="  ", amount="100")]), filer=world.worker
    )
    assert set(errors) == {"claims"}


@pytest.mark.parametrize(
    "codes", [["NO.SUCH.CATEGORY"], ["WAGE.ARREARS", "NO.SUCH.CATEGORY"], ["wage.arrears"]]
)
def test_an_unknown_category_is_refused(world, filer, codes):
    errors, _ = refusal(IntakeDataFactory(category_codes=codes), **filer)
    assert_only(errors, "category_codes", "choose")


def test_an_inactive_category_is_refused(world):
    Category.objects.filter(code="WAGE.ARREARS").update(active=False)
    errors, _ = refusal(IntakeDataFactory(), filer=world.worker)
    assert_only(errors, "category_codes", "choose")


@pytest.mark.parametrize(
    ("override", "field", "message_key"),
    [
        ({"id_number": "320412199001011234"}, "id_number", "id_number"),
        ({"phone": "138-abcd-5678"}, "phone", "phone"),
        ({"sex": "other"}, "sex", "choose"),
        ({"skill_grade": "grade_9"}, "skill_grade", "choose"),
        ({"industrial_chain": "steel"}, "industrial_chain", "choose"),
        ({"channel": "fax"}, "channel", "choose"),
    ],
)
def test_other_bad_values_are_named(world, override, field, message_key):
    errors, _ = refusal(IntakeDataFactory(**override), filer=world.worker)
    assert_only(errors, field, message_key)


def test_too_many_co_claimants_are_refused(world):
    errors, _ = refusal(IntakeDataFactory(co_claimant_names=["张三"] * 501), filer=world.worker)
    assert set(errors) == {"co_claimant_names"}


# --- language ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", sorted({lang for m in MESSAGES.values() for lang in m}))
def test_messages_come_in_each_catalogued_language(world, lang):
    data = IntakeDataFactory(
        worker_name="", credit_code=VALID_CODE[:17], knew_date=date(2999, 1, 1)
    )
    errors, summary = refusal(data, lang=lang, filer=world.worker)
    assert errors["worker_name"] == [expected("required_name", lang)]
    assert errors["credit_code"] == [expected("credit_code", lang)]
    assert errors["knew_date"] == [expected("future_date", lang)]
    assert summary == expected("summary", lang)


# --- both languages ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
@pytest.mark.parametrize(
    ("override", "field", "message_key"),
    [
        ({"worker_name": ""}, "worker_name", "required_name"),
        ({"employer_name": ""}, "employer_name", "required_employer"),
        ({"facts": ""}, "facts", "required_facts"),
        ({"credit_code": "91320412MA1WY8K5BQ"}, "credit_code", "credit_code"),
        ({"facts": "欠" * (10 * 1024 * 1024)}, "facts", "too_long_20000"),
        ({"knew_date": "tomorrow"}, "knew_date", "future_date"),
    ],
    ids=["name", "employer", "facts", "credit-code", "10MB-facts", "future-knew-date"],
)
def test_bad_intake_is_explained_in_both_languages(world, lang, override, field, message_key):
    if override.get("knew_date") == "tomorrow":
        override = {"knew_date": timezone.localdate() + timedelta(days=1)}
    before = counts()
    errors, summary = refusal(IntakeDataFactory(**override), lang=lang)
    assert errors[field] == [expected(message_key, lang)]
    assert summary == expected("summary", lang)
    assert counts() == before


# --- the submit of a case intake has just written (issue 8) ----------------------------------------


def _derived(case: Case) -> dict:
    """What the submit leaves behind for a case, apart from its identity and timestamps."""
    from casework.models import CaseSearchTerm
    from rights.deadline_models import CaseDeadline

    case = Case.objects.get(pk=case.pk)
    return {
        "state": case.state,
        "version": case.version,
        "submitted": case.submitted_at is not None,
        "next_deadline": case.next_deadline,
        "deadlines": sorted(
            CaseDeadline.objects.filter(case=case).values_list(
                "rule__code", "trigger_date", "due_date", "met_at"
            )
        ),
        "terms": sorted(
            (kind, term if kind != "ref" else "<ref>")
            for kind, term in CaseSearchTerm.objects.filter(case=case).values_list("kind", "term")
        ),
        "last_verb": AuditEvent.objects.filter(case=case).order_by("-id").first().verb,
    }


def test_a_filing_is_submitted_as_a_draft_is_submitted_later(world):
    """Intake submits the case its own transaction has just written without locking or reading
    it again: the state, the deadlines, the nearest deadline, the search terms, the case
    tally and the audit chain come out as they do for a draft saved and submitted later."""
    from casework.models import CaseTally
    from casework.services import case_draft_create, case_submit

    today = timezone.localdate()
    fields = {
        "knew_date": today - timedelta(days=30),
        "employment_end": today - timedelta(days=40),
        "co_claimant_names": ["李四"],
    }
    filed, _ = case_file(data=IntakeDataFactory(**fields), filed_by=world.worker)
    draft = case_draft_create(
        data=IntakeDataFactory(**fields), staff=world.caseworker, owning_org=filed.owning_org
    )
    submitted = case_submit(case=draft, user=world.caseworker)

    assert filed.reference.startswith("CZ-") and filed.reference != submitted.reference
    assert _derived(filed) == _derived(submitted)
    assert _derived(filed)["deadlines"] and _derived(filed)["next_deadline"] is not None
    assert list(
        AuditEvent.objects.filter(case=filed).order_by("id").values_list("verb", flat=True)
    ) == ["filed", "submit"]
    tally = {
        state: sum(
            CaseTally.objects.filter(org_id=filed.owning_org_id, state=state).values_list(
                "n", flat=True
            )
        )
        for state in ("draft", "submitted")
    }
    assert tally == {"draft": 0, "submitted": 2}
    from casework.audit import audit_verify

    checked, broken = audit_verify()
    assert broken is None and checked >= 4


def test_a_category_deactivated_behind_the_local_copy_is_refused(world):
    """The categories are checked against the process-local copy first; one deactivated in the
    database without the copy knowing (no signal) still refuses the filing, writing nothing."""
    from rights.selectors import active_categories

    assert "WAGE.ARREARS" in {c.code for c in active_categories()}  # the copy is built
    Category.objects.filter(code="WAGE.ARREARS").update(active=False)  # no signal
    assert "WAGE.ARREARS" in {c.code for c in active_categories()}  # the copy does not know
    errors, _ = refusal(IntakeDataFactory(), filer=world.worker)
    assert_only(errors, "category_codes", "choose")
