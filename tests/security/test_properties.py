"""Property tests and fuzzing of the parsers that take untrusted input (security.md matrix H4,
H5): the identity-number and credit-code validators, the receipt-code parser and its keyed
digest, the display-name normaliser and the attachment names, the upload sniffer and checker,
the image re-encoder, the Office metadata stripper and the log scrubber. Hypothesis draws the
inputs: every property 1 000 examples per run, the decoders included (the generated images and
Office files are small: the properties are about metadata, not size), ten times as many with
HYPOTHESIS_PROFILE=nightly (tests/profiles.py); the upload fuzzing (H5) 500, nightly 5 000. A
failing example is shrunk and replayed from Hypothesis's database, and the ones found so far
are pinned with @example.

There is no HTML sanitizer to test (H4's first property): no field is ever printed as HTML;
every one is escaped by the templates (D1, D9 and the banned-constructs test)."""

import io
import re
import string
import unicodedata
import zipfile
from types import SimpleNamespace

from django.utils import translation
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from casework.services.intake import (
    RECEIPT_ALPHABET,
    RECEIPT_LENGTH,
    new_receipt_code,
    normalise_receipt_code,
    receipt_digest,
)
from casework.validators import (
    CREDIT_CODE_CHARS,
    ID_CHECK,
    ID_WEIGHTS,
    credit_code_check_char,
    is_valid_credit_code,
    is_valid_id_number,
)
from documents.evidence import (
    ALLOWED,
    EvidenceRefused,
    check_file,
    clean_filename,
    clean_image,
    download_name,
)
from documents.kinds import FILINGS, download_filename
from documents.metadata import strip_metadata
from security.logging import scrub
from tests.profiles import examples

# security.md H4: "properties hold over ≥ 1 000 examples per PR, more nightly".
PROPERTY_EXAMPLES = examples(1000)
MANY = settings(
    max_examples=PROPERTY_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
CAP = 25 * 1024 * 1024


def id_number_from(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return first17 + ID_CHECK[total % 11]


id_bodies = st.text(alphabet="0123456789", min_size=17, max_size=17)
credit_bodies = st.text(alphabet=CREDIT_CODE_CHARS, min_size=17, max_size=17)


# --- identity numbers and credit codes -----------------------------------------------------------


@MANY
@given(id_bodies)
def test_every_id_number_with_its_check_character_is_valid_in_any_case(body):
    number = id_number_from(body)
    assert is_valid_id_number(number) and is_valid_id_number(f"  {number.lower()} ")


@MANY
@given(id_bodies, st.integers(0, 17), st.sampled_from("0123456789X"))
def test_changing_one_character_of_an_id_number_makes_it_invalid(body, position, replacement):
    number = id_number_from(body)
    changed = number[:position] + replacement + number[position + 1 :]
    # MOD 11-2 finds every single substitution.
    assert is_valid_id_number(changed) == (changed == number)


@MANY
@given(st.text(max_size=30))
@example("３２０４８２１９９００３０７１２３Ｘ")  # full-width digits: str.isdigit() accepts them
@example("٣٢٠٤٨٢١٩٩٠٠٣٠٧١٢٣X")  # Arabic-Indic digits, likewise
def test_only_eighteen_ascii_characters_can_be_a_valid_id_number(text):
    if is_valid_id_number(text):
        value = text.strip().upper()
        assert len(value) == 18 and value.isascii() and value[:17].isdigit()


@MANY
@given(credit_bodies, st.integers(0, 17), st.sampled_from(CREDIT_CODE_CHARS))
def test_credit_codes_accept_their_check_character_and_find_one_substitution(
    body, position, replacement
):
    code = body + credit_code_check_char(body)
    assert is_valid_credit_code(code) and is_valid_credit_code(code.lower())
    changed = code[:position] + replacement + code[position + 1 :]
    assert is_valid_credit_code(changed) == (changed == code)


@MANY
@given(st.text(max_size=30))
def test_a_valid_credit_code_is_eighteen_characters_of_its_alphabet(text):
    if is_valid_credit_code(text):
        value = text.strip().upper()
        assert len(value) == 18 and set(value) <= set(CREDIT_CODE_CHARS)


# --- receipt codes -------------------------------------------------------------------------------


receipt_raws = st.text(alphabet=RECEIPT_ALPHABET, min_size=RECEIPT_LENGTH, max_size=RECEIPT_LENGTH)
# How it is typed: which characters in lower case (a bit each), and what follows each one
# ("_" for nothing).
typings = st.tuples(
    st.integers(min_value=0, max_value=2**RECEIPT_LENGTH - 1),
    st.text(alphabet="_- ", min_size=RECEIPT_LENGTH, max_size=RECEIPT_LENGTH),
)


def grouped(raw: str) -> str:
    return "-".join(raw[i : i + 4] for i in range(0, RECEIPT_LENGTH, 4))


def test_a_new_receipt_code_is_four_groups_of_the_alphabet():
    for _ in range(PROPERTY_EXAMPLES):  # secrets, not Hypothesis: nothing to draw
        code = new_receipt_code()
        raw = code.replace("-", "")
        assert code == grouped(raw)
        assert len(raw) == RECEIPT_LENGTH and set(raw) <= set(RECEIPT_ALPHABET)


@MANY
@given(receipt_raws, typings)
def test_a_receipt_code_is_read_the_same_however_it_is_typed(raw, typing):
    lower, after = typing
    typed = "".join(
        (c.lower() if lower >> i & 1 else c) + after[i].replace("_", "") for i, c in enumerate(raw)
    )
    assert normalise_receipt_code(typed) == raw
    assert normalise_receipt_code(normalise_receipt_code(typed)) == raw
    # The keyed digest (what is stored and looked up) is the same for every way of typing it.
    assert receipt_digest(typed) == receipt_digest(grouped(raw)) == receipt_digest(raw)


@MANY
@given(receipt_raws, receipt_raws)
def test_two_receipt_codes_have_the_same_digest_only_when_they_are_the_same(raw, other):
    assert (receipt_digest(raw) == receipt_digest(other)) == (raw == other)
    assert re.fullmatch(r"[0-9a-f]{64}", receipt_digest(raw))


@MANY
@given(st.text(max_size=60))
def test_normalising_any_text_is_idempotent_and_keeps_only_letters_and_digits(text):
    once = normalise_receipt_code(text)
    assert normalise_receipt_code(once) == once
    assert all(c.isalnum() for c in once) and once == once.upper()


# --- file names ----------------------------------------------------------------------------------


@MANY
@given(st.text(max_size=400))
@example("../../etc/passwd")
@example("a\u202egpj.exe")
@example('";\r\nX-Injected: 1')
def test_a_display_name_has_no_path_no_control_character_and_a_bounded_length(name):
    cleaned = clean_filename(name)
    assert 1 <= len(cleaned) <= 120
    assert "/" not in cleaned and "\\" not in cleaned
    assert not any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in cleaned)
    assert cleaned == cleaned.strip(" .") and "  " not in cleaned
    assert clean_filename(cleaned) == cleaned  # idempotent


# H4's filename pattern holds for every name the app puts on a file it sends: a filing's and an
# evidence file's attachment name. (Display names above keep the person's Unicode by design and
# name no file; stored files are named by random hex.)
ATTACHMENT_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")
content_types = st.sampled_from(sorted({ct for ct, _ext in ALLOWED.values()})) | st.text()


@MANY
@given(
    st.sampled_from(sorted(FILINGS) + ["unknown_kind"]),
    st.text(max_size=60),
    st.integers(min_value=1, max_value=10**12),
    content_types,
)
@example("referral_packet", "CZ-2026-000123", 1, "application/pdf")
@example("referral_packet", '../"\r\n;.pdf', 7, '../"\r\n;.exe')
def test_every_attachment_name_is_ascii_letters_digits_dots_and_hyphens(
    kind, reference, number, content_type
):
    doc = SimpleNamespace(kind=kind, case=SimpleNamespace(reference=reference), version=number)
    for name in (download_filename(doc), download_name(number, content_type)):
        assert ATTACHMENT_NAME.fullmatch(name), name
        assert ".." not in name and name.count(".") == 1


# --- upload sniffing and checking (fuzzing) ------------------------------------------------------

MAGIC = [
    b"",
    b"%PDF-1.7\n",
    b"\xff\xd8\xff\xe0",
    b"\x89PNG\r\n\x1a\n",
    b"RIFF\x00\x00\x00\x00WEBP",
    b"PK\x03\x04",
    b"ID3\x03\x00",
    b"#!AMR\n",
    b"\x00\x00\x00\x18ftypmp42",
    b"\x00\x00\x00\x18ftypheic",
    b"<svg",
    b"MZ",
]


@settings(max_examples=examples(500), deadline=None)
@given(st.sampled_from(MAGIC), st.binary(max_size=2048))
def test_any_bytes_are_accepted_as_an_allowed_kind_or_refused_with_a_message(magic, tail):
    data = magic + tail
    try:
        with translation.override("en"):
            checked = check_file(data, name="x", max_bytes=CAP)
    except EvidenceRefused as refused:
        assert str(refused.message).startswith("x: ")
        return
    assert checked.size == len(checked.content) > 0
    assert not checked.content.lstrip()[:1] == b"<"
    head = checked.content[:1024].lower()
    assert b"<script" not in head and b"<html" not in head and b"<svg" not in head


# --- image re-encoding ---------------------------------------------------------------------------


@st.composite
def images_with_metadata(draw):
    kind = draw(st.sampled_from(["jpeg", "png", "webp"]))
    width, height = draw(st.integers(1, 40)), draw(st.integers(1, 40))
    mode = draw(st.sampled_from(["RGB", "L"] if kind == "jpeg" else ["RGB", "RGBA", "L", "P"]))
    color = draw(st.integers(0, 255))
    image = Image.new(mode, (width, height), color)
    exif = Image.Exif()
    exif[0x010F] = draw(st.text(string.ascii_letters, min_size=1, max_size=20))  # Make
    exif[0x0112] = draw(st.integers(1, 8))  # Orientation
    out = io.BytesIO()
    if kind == "png":
        info = PngInfo()
        info.add_text("Comment", draw(st.text(string.printable, max_size=40)))
        image.save(out, "PNG", pnginfo=info, exif=exif)
    elif kind == "jpeg":
        image.save(out, "JPEG", exif=exif, comment=b"secret comment")
    else:
        image.save(out, "WEBP", exif=exif)
    return kind, out.getvalue(), (width, height), exif[0x0112]


@MANY
@given(images_with_metadata())
def test_a_re_encoded_image_never_has_exif_text_or_comments_and_keeps_its_size(sample):
    kind, data, (width, height), orientation = sample
    cleaned = clean_image(data, kind)
    with Image.open(io.BytesIO(cleaned)) as image:
        assert not image.getexif()
        assert not {"exif", "xmp", "comment", "icc_profile", "Comment"} & set(image.info)
        turned = orientation in (5, 6, 7, 8)
        assert image.size == ((height, width) if turned else (width, height))


# --- Office metadata -----------------------------------------------------------------------------

people = st.text(string.ascii_letters + " ", min_size=6, max_size=30).map(
    lambda s: "Canary" + s.replace(" ", "x")
)


@MANY
@given(people, people, st.booleans())
def test_no_author_or_company_survives_in_an_office_file(author, company, with_comments):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<Types><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        z.writestr("word/document.xml", "<w:document>text</w:document>")
        z.writestr("docProps/core.xml", f"<cp><dc:creator>{author}</dc:creator></cp>")
        z.writestr("docProps/app.xml", f"<Properties><Company>{company}</Company></Properties>")
        if with_comments:
            z.writestr("word/comments.xml", f'<w:comment w:author="{author}"/>')
    stripped = strip_metadata(out.getvalue(), "docx")
    assert not stripped.kept
    archive = zipfile.ZipFile(io.BytesIO(stripped.content))
    everything = b"".join(archive.read(i) for i in archive.infolist())
    assert author.encode() not in everything and company.encode() not in everything


# --- the log scrubber ----------------------------------------------------------------------------


@MANY
@given(
    id_bodies,
    st.text(alphabet=RECEIPT_ALPHABET, min_size=RECEIPT_LENGTH, max_size=RECEIPT_LENGTH),
    st.text(string.ascii_letters + " :,", max_size=40),
    st.booleans(),
    st.booleans(),
)
@example("0" * 17, "ABCDEFGHJKMNPQRS", "yaELMF", False, True)  # a code without a digit
def test_a_valid_id_number_or_receipt_code_never_survives_the_scrubber(
    body, raw, words, lower, grouped
):
    number = id_number_from(body)
    code = "-".join(raw[i : i + 4] for i in range(0, RECEIPT_LENGTH, 4)) if grouped else raw
    code = code.lower() if lower else code
    scrubbed = scrub(f"{words} {number} {code} {words}")
    assert number not in scrubbed and code not in scrubbed
    assert words.strip() in scrubbed or not words.strip() or len(words.strip()) >= 15


# --- the example counts themselves ---------------------------------------------------------------


def test_every_property_of_h4_runs_at_least_a_thousand_examples():
    """security.md H4's pass criterion, checked rather than trusted: every Hypothesis property
    of this file (the upload fuzzing is H5's) and the two of tests/rights the matrix row names
    asks for at least 1 000 examples (a property stops early only when it has tried every
    input there is)."""
    from importlib import import_module

    h4 = [
        fn
        for name, fn in globals().items()
        if name.startswith("test_")
        and getattr(fn, "is_hypothesis_test", False)
        and fn is not test_any_bytes_are_accepted_as_an_allowed_kind_or_refused_with_a_message
    ]
    h4 += [
        import_module("tests.rights.test_calculators").test_property_caps_never_exceeded,
        import_module(
            "tests.rights.test_deadlines"
        ).test_adding_working_days_never_lands_on_a_non_working_day,
    ]
    assert len(h4) == 15
    for fn in h4:
        assert fn._hypothesis_internal_use_settings.max_examples >= 1000, fn.__name__
