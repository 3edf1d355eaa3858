"""Sensitive data at rest (DESIGN §3, glossary §1.5–1.6, security.md E6): phone and ID numbers
are encrypted in the database and shown masked; the anonymous receipt code carries at least 80
bits, is stored nowhere, and finds its case however the worker types it. Also the identifier
validators: the unified social credit code (GB 32100-2015) and the resident ID number
(GB 11643-1999), checked against an independent implementation written here.
"""

import math
import re
import string
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from casework import crypto
from casework.masking import mask_address, mask_id_number, mask_name, mask_phone
from casework.models import Employer, Worker
from casework.services import case_file, receipt_lookup
from casework.services.intake import (
    RECEIPT_ALPHABET,
    RECEIPT_LENGTH,
    new_receipt_code,
    normalise_receipt_code,
)
from casework.validators import (
    is_valid_credit_code,
    is_valid_id_number,
    validate_credit_code,
)
from tests.factories import IntakeDataFactory

ID_NUMBER = "32041219900108123X"  # valid check character X; Wujin District, born 8 Jan 1990
PHONE = "13812345678"


def raw_worker(worker_id: int) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT phone, id_number, id_number_digest FROM casework_worker WHERE id = %s",
            [worker_id],
        )
        phone, id_number, digest = cursor.fetchone()
    return {"phone": phone, "id_number": id_number, "digest": digest}


def database_dump() -> str:
    """Every cell of every table, as text: what someone with a copy of the database sees."""
    cells = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                cells.extend(
                    bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v)
                    for v in row
                )
    return "\n".join(cells)


# --- identity fields encrypted at rest ---------------------------------------------------------


def test_phone_and_id_number_are_not_stored_in_clear(world):
    case, _ = case_file(
        data=IntakeDataFactory(phone=PHONE, id_number=ID_NUMBER), filed_by=world.worker
    )
    raw = raw_worker(case.primary_worker_id)

    for column in ("phone", "id_number"):
        assert raw[column].startswith("gAAAAA")  # a Fernet token
        assert PHONE not in raw[column] and ID_NUMBER not in raw[column]
    assert crypto.decrypt(raw["phone"]) == PHONE
    assert crypto.decrypt(raw["id_number"]) == ID_NUMBER
    assert raw["digest"] == Worker.digest_for(ID_NUMBER) and ID_NUMBER not in raw["digest"]
    dump = database_dump()
    assert PHONE not in dump and ID_NUMBER not in dump and ID_NUMBER[:17] not in dump


def test_the_orm_reads_them_back_in_clear(world):
    case, _ = case_file(
        data=IntakeDataFactory(phone=PHONE, id_number=ID_NUMBER.lower()), filed_by=world.worker
    )
    worker = Worker.objects.get(pk=case.primary_worker_id)
    assert worker.phone == PHONE
    assert worker.id_number == ID_NUMBER  # normalised to upper case
    assert Worker.objects.filter(id_number_digest=Worker.digest_for(ID_NUMBER)).get() == worker


def test_the_same_number_encrypts_differently_each_time(world):
    first, _ = case_file(data=IntakeDataFactory(phone=PHONE), filed_by=world.worker)
    second, _ = case_file(data=IntakeDataFactory(phone=PHONE), filed_by=world.other_worker)
    assert (
        raw_worker(first.primary_worker_id)["phone"]
        != raw_worker(second.primary_worker_id)["phone"]
    )


def test_an_empty_number_stays_empty(world):
    case, _ = case_file(data=IntakeDataFactory(phone="", id_number=""), filed_by=world.worker)
    raw = raw_worker(case.primary_worker_id)
    assert raw == {"phone": "", "id_number": "", "digest": ""}


def test_a_wrong_key_fails_loudly_and_an_old_key_still_decrypts(settings):
    token = crypto.encrypt(PHONE)
    try:
        settings.FIELD_ENCRYPTION_KEY = "a-new-key," + settings.FIELD_ENCRYPTION_KEY
        crypto._fernet.cache_clear()
        assert crypto.decrypt(token) == PHONE  # rotation: the old key still decrypts
        assert crypto.decrypt(crypto.encrypt(PHONE)) == PHONE
        settings.FIELD_ENCRYPTION_KEY = "an-unrelated-key"
        crypto._fernet.cache_clear()
        with pytest.raises(ValueError, match="cannot be decrypted"):
            crypto.decrypt(token)
    finally:
        crypto._fernet.cache_clear()


# --- masks (glossary §1.6) -------------------------------------------------------------------


def test_worker_masks_follow_the_glossary(world):
    case, _ = case_file(
        data=IntakeDataFactory(phone=PHONE, id_number=ID_NUMBER), filed_by=world.worker
    )
    worker = Worker.objects.get(pk=case.primary_worker_id)
    assert worker.phone_masked == "138****5678"
    assert worker.id_number_masked == "3204**********123X"
    assert "19900108" not in worker.id_number_masked  # the date of birth is always hidden


@pytest.mark.parametrize(
    ("mask", "value", "masked"),
    [
        (mask_phone, "13812345678", "138****5678"),
        (mask_phone, "0519-86651234", "0519-****1234"),
        (mask_phone, "025-8665123", "025-****5123"),
        (mask_phone, "", ""),
        (mask_id_number, "32041219900108123X", "3204**********123X"),
        (mask_id_number, "", ""),
        (mask_name, "王小明", "王**"),
        (mask_name, "欧阳娜娜", "欧**"),
        (mask_name, "Wang", "W**"),
        (mask_address, "常州市武进区湖塘镇某路8号", "******"),
    ],
)
def test_masks(mask, value, masked):
    assert mask(value) == masked


def test_a_mask_does_not_reveal_the_length(world):
    assert mask_name("王五") == mask_name("王小明明") == "王**"
    assert mask_address("常州市武进区湖塘镇", "常州市武进区") == "常州市武进区******"
    assert mask_address("常州市武进区湖塘镇某路8号某小区", "常州市武进区") == "常州市武进区******"
    assert len(mask_phone("0519-86651234")) == len(mask_phone("0519-6651234"))


# --- the anonymous receipt code ----------------------------------------------------------------


def test_receipt_codes_carry_at_least_80_bits():
    assert len(set(RECEIPT_ALPHABET)) == len(RECEIPT_ALPHABET) == 32
    assert not set("ILOU") & set(RECEIPT_ALPHABET)  # no look-alikes
    assert RECEIPT_LENGTH == 16
    assert RECEIPT_LENGTH * math.log2(len(RECEIPT_ALPHABET)) >= 80
    pattern = re.compile(rf"^[{RECEIPT_ALPHABET}]{{4}}(-[{RECEIPT_ALPHABET}]{{4}}){{3}}$")
    codes = [new_receipt_code() for _ in range(500)]
    assert all(pattern.match(code) for code in codes), codes[:3]
    assert len(set(codes)) == len(codes)
    # Every symbol is used, about equally (8000 draws: 250 expected each, sd ≈ 16)
    symbols = Counter("".join(codes).replace("-", ""))
    assert set(symbols) == set(RECEIPT_ALPHABET)
    assert all(150 < n < 350 for n in symbols.values()), symbols


def test_the_receipt_code_is_stored_nowhere(world):
    case, code = case_file(data=IntakeDataFactory(), anonymous=True)
    bare = code.replace("-", "")
    dump = database_dump()
    for form in (code, bare, code.lower(), bare.lower()):
        assert form not in dump
    assert case.receipt_digest and len(case.receipt_digest) == 64
    assert case.filed_by is None


def test_a_worker_with_an_account_gets_no_receipt_code(world):
    case, code = case_file(data=IntakeDataFactory(), filed_by=world.worker)
    assert code is None and case.receipt_digest is None


def _spaced(code: str) -> str:
    return code.replace("-", " ")


@pytest.mark.parametrize(
    "typed",
    [
        lambda c: c,
        str.lower,
        lambda c: c.replace("-", ""),
        lambda c: c.replace("-", "").lower(),
        _spaced,
        lambda c: f"  {c}  ",
        lambda c: c.swapcase(),
    ],
    ids=["as-shown", "lower", "no-hyphens", "lower-no-hyphens", "spaces", "padded", "mixed-case"],
)
def test_the_receipt_code_finds_its_case_however_it_is_typed(world, typed):
    case, code = case_file(data=IntakeDataFactory(), anonymous=True)
    found = receipt_lookup(typed(code))
    assert found is not None and found.pk == case.pk


def test_look_alike_letters_are_read_as_digits(world, monkeypatch):
    monkeypatch.setattr("casework.services.intake.new_receipt_code", lambda: "7KQ0-M2XD-91RA-4HZC")
    case, code = case_file(data=IntakeDataFactory(), anonymous=True)
    assert code == "7KQ0-M2XD-91RA-4HZC"
    assert receipt_lookup("7kqo-m2xd-9iRA-4hzc").pk == case.pk
    assert receipt_lookup("7KQO M2XD 9LRA 4HZC").pk == case.pk


def test_a_wrong_receipt_code_finds_nothing(world):
    case, code = case_file(data=IntakeDataFactory(), anonymous=True)
    bare = code.replace("-", "")
    other = next(c for c in RECEIPT_ALPHABET if c != bare[7])
    wrong = [
        bare[:7] + other + bare[8:],  # one character changed
        bare[:15],  # one short
        bare + "A",  # one long
        bare[::-1] if bare[::-1] != bare else "0" * 16,
        "",
        "    ",
        "0" * 16,
        bare * 1000,  # long input is refused before hashing
        "正" * 16,
    ]
    for typed in wrong:
        assert receipt_lookup(typed) is None, typed
    assert receipt_lookup(code).pk == case.pk


def test_normalising_a_receipt_code():
    assert normalise_receipt_code("abcd-efgh jkmn-pqrs") == "ABCDEFGHJKMNPQRS"
    assert normalise_receipt_code("o0-i1-l1") == "001111"
    assert normalise_receipt_code(None) == ""


# --- the unified social credit code (GB 32100-2015) -------------------------------------------

# Written here from the standard, not imported: 31 characters (no I, O, S, V, Z); the weight of
# position i is 3^i mod 31; the check character makes the weighted sum a multiple of 31.
GB32100 = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def gb32100_check(body: str) -> str:
    total = sum(GB32100.index(c) * pow(3, i, 31) for i, c in enumerate(body))
    return GB32100[-total % 31]


KNOWN_VALID = [
    "91350100M000100Y43",  # the example in GB 32100-2015
    "914403001922038216",
    "9144030071526726XG",
    "91320412MA1WY8K5BP",  # the factories' employer
]


def computed_codes() -> list[str]:
    """Codes built here: registration authority, type, region, body, check character."""
    bodies = [
        "91320412" + "MA1WY8K5B",
        "12320400" + "466285513",
        "52320412" + "MJ0000000",
        "93320400" + "YYYYYYYYY",
        "Y1320400" + "000000001",
        "11100000" + "000013127",
    ]
    return [body + gb32100_check(body) for body in bodies]


@pytest.mark.parametrize("code", KNOWN_VALID + computed_codes())
def test_valid_credit_codes_pass(code):
    assert gb32100_check(code[:17]) == code[17]  # the independent check agrees
    assert is_valid_credit_code(code)
    assert is_valid_credit_code(code.lower())
    validate_credit_code(code)


@pytest.mark.parametrize("code", KNOWN_VALID + computed_codes())
def test_every_single_character_change_of_a_valid_code_fails(code):
    substitutes = GB32100 + "IOSVZ" + "-* " + "中"
    changed = 0
    for position in range(18):
        for char in substitutes:
            if char == code[position]:
                continue
            mutated = code[:position] + char + code[position + 1 :]
            assert not is_valid_credit_code(mutated), mutated
            changed += 1
    assert changed == 18 * (len(substitutes) - 1)


@pytest.mark.parametrize(
    "code",
    ["", "   ", None, "91350100M000100Y4", "91350100M000100Y433", "9" * 18, "91350100M000100Y4\n3"],
)
def test_malformed_credit_codes_fail(code):
    assert code is None or code[:17] != "9" * 17 or gb32100_check(code[:17]) != "9"
    assert not is_valid_credit_code(code)


def test_the_validator_and_the_model_field_refuse_a_bad_code():
    with pytest.raises(ValidationError) as refused:
        validate_credit_code("91350100M000100Y44")
    assert refused.value.code == "credit_code"
    employer = Employer(name="某公司", credit_code="91350100M000100Y44")
    with pytest.raises(ValidationError) as refused:
        employer.full_clean()
    assert "credit_code" in refused.value.message_dict


# --- the resident ID number (GB 11643-1999, ISO 7064 MOD 11-2) -------------------------------


def gb11643_check(body: str) -> str:
    total = sum(int(c) * (2 ** (17 - i) % 11) for i, c in enumerate(body))
    return "10X98765432"[total % 11]


@pytest.mark.parametrize("number", [ID_NUMBER, "11010519491231002X", "320412198001011232"])
def test_resident_id_numbers(number):
    if gb11643_check(number[:17]) != number[17]:
        number = number[:17] + gb11643_check(number[:17])
    assert is_valid_id_number(number) and is_valid_id_number(number.lower())
    for position in range(18):
        for char in string.digits + "X":
            if char != number[position]:
                mutated = number[:position] + char + number[position + 1 :]
                assert not is_valid_id_number(mutated), mutated
