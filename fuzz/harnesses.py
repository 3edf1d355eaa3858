"""The fuzz harnesses (security.md matrix H5): one function per parser of untrusted bytes, each
taking any bytes and either returning (the input was accepted as an allowed kind, and what is
stored keeps the promises below, or it was refused with the project's own refusal,
`EvidenceRefused`, carrying a message) or raising. Any other exception is a bug: Atheris
(fuzz/run.py) reports it as a crash, and tests/security/test_fuzzing.py replays every file of
fuzz/regressions/<harness>/ and the seed corpus through the same function.

    upload  documents.evidence.check_file: the sniffer, the PDF check, the Office reader, the
            image re-encoder and the metadata stripper, as an upload reaches them
    image   documents.evidence.clean_image: decode, turn upright, re-encode without metadata
    office  documents.metadata.strip_metadata on what the Office reader (sniff) accepted as
            DOCX or XLSX: the archive written again without properties or people's names
            (input that is not a zip archive is first made into a well-formed one: office_from)

The harnesses need Django's settings (the refusal messages are translated): fuzz/run.py and
the tests set them up. They import nothing from Atheris.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile

from django.utils import translation
from PIL import Image

from documents.evidence import (
    ALLOWED,
    IMAGE_KINDS,
    MARKUP_MARKERS,
    MARKUP_WINDOW,
    MAX_IMAGE_PIXELS,
    PILLOW_FORMATS,
    EvidenceRefused,
    check_file,
    clean_image,
    sniff,
)
from documents.metadata import _PROPERTY_PARTS, _THUMBNAIL, strip_metadata

NAME = "fuzzed.bin"
# The largest upload the harnesses pass on: the real cap is 25 MB, fuzz inputs are far smaller.
MAX_BYTES = 25 * 1024 * 1024
# Metadata an accepted image must not carry any more.
IMAGE_METADATA = {"exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "Comment"}
# A person's name left in an Office part (word/, xl/): a prefixed author, initials, userId or
# providerId attribute with a value, in either quotes; in Excel's list of people, those and
# displayName without a prefix too; the text of an <author> element (the authors of Excel's
# notes).
_NAMED_PERSON = re.compile(
    rb"""\s[A-Za-z0-9]+:(?:author|initials|userId|providerId)\s*=\s*(?:"[^"]+"|'[^']+')"""
)
_NAMED_IN_PEOPLE = re.compile(
    rb"\s(?:[A-Za-z0-9]+:)?(?:author|initials|userId|providerId|displayName)\s*=\s*"
    rb"""(?:"[^"]+"|'[^']+')"""
)
_AUTHOR_ELEMENT = re.compile(rb"<(?:[A-Za-z0-9]+:)?author(?:\s[^<>]*)?>")
_AUTHOR_END = re.compile(rb"</(?:[A-Za-z0-9]+:)?author\s*>")


def _author_texts(content: bytes) -> list[bytes]:
    """The text of every closed <author> element."""
    texts = []
    for opening in _AUTHOR_ELEMENT.finditer(content):
        closing = _AUTHOR_END.search(content, opening.end())
        if closing is not None:
            texts.append(content[opening.end() : closing.start()])
    return texts


class HarnessFailure(AssertionError):
    """An accepted input whose stored form breaks a promise (or a refusal without a message)."""


def _fail(what: str) -> HarnessFailure:
    return HarnessFailure(what)


def _refusal_names_the_file(refused: EvidenceRefused) -> None:
    message = str(refused.message)
    if not message.startswith(f"{NAME}: ") or len(message) <= len(NAME) + 2:
        raise _fail(f"a refusal without the file's name and a reason: {message!r}")


def _image_is_clean(stored: bytes, kind: str, size: tuple[int, int]) -> None:
    with Image.open(io.BytesIO(stored), formats=[PILLOW_FORMATS[kind]]) as image:
        image.load()
        if image.getexif():
            raise _fail("the re-encoded image still has EXIF")
        left = IMAGE_METADATA & set(image.info)
        if left:
            raise _fail(f"the re-encoded image still has {sorted(left)}")
        width, height = size
        if image.size not in ((width, height), (height, width)):
            raise _fail(f"the re-encoded image is {image.size}, the original {size}")
        if image.size[0] * image.size[1] > MAX_IMAGE_PIXELS:
            raise _fail("an image over the pixel cap was accepted")


def _office_is_clean(source: bytes, stored: bytes) -> None:
    """The stored archive has every entry of the source but the thumbnails, in order, with
    empty property parts and no person's name on comments or tracked changes."""
    before = [
        i.filename
        for i in zipfile.ZipFile(io.BytesIO(source)).infolist()
        if not _THUMBNAIL.match(i.filename)
    ]
    archive = zipfile.ZipFile(io.BytesIO(stored))
    after = [i.filename for i in archive.infolist()]
    if after != before:
        raise _fail("the stripped archive's entries differ from the original's")
    for info in archive.infolist():
        content = archive.read(info)
        if info.filename in _PROPERTY_PARTS and content != _PROPERTY_PARTS[info.filename]:
            raise _fail(f"{info.filename} was not emptied")
        if info.filename.startswith(("word/", "xl/")) and info.filename.endswith(".xml"):
            people = re.match(r"^xl/persons/[^/]+\.xml$", info.filename)
            named = (_NAMED_IN_PEOPLE if people else _NAMED_PERSON).search(content)
            if named:
                raise _fail(f"a person's name is left in {info.filename}: {named.group()!r}")
            if any(_author_texts(content)):
                raise _fail(f"an author's name is left in {info.filename}")


def check_upload(data: bytes) -> None:
    """check_file on any bytes, as an upload: accepted as an allowed kind (stored without
    markup, images re-encoded clean, Office files stripped or flagged) or refused with a
    message naming the file."""
    with translation.override("en"):
        try:
            checked = check_file(data, name=NAME, max_bytes=MAX_BYTES)
        except EvidenceRefused as refused:
            _refusal_names_the_file(refused)
            return
    if (
        checked.kind not in ALLOWED
        or (checked.content_type, checked.extension) != (ALLOWED[checked.kind])
    ):
        raise _fail(f"accepted as {checked.kind!r}, which is not on the allow-list")
    if not checked.content:
        raise _fail("an accepted file stores no bytes")
    if checked.sha256 != hashlib.sha256(checked.content).hexdigest():
        raise _fail("the SHA-256 is not of the stored bytes")
    head = checked.content[:MARKUP_WINDOW].lower()
    if checked.content.lstrip()[:1] == b"<" or any(m in head for m in MARKUP_MARKERS):
        raise _fail("markup was accepted")
    if checked.kind in IMAGE_KINDS:
        with Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[checked.kind]]) as original:
            size = original.size
        _image_is_clean(checked.content, checked.kind, size)
    elif checked.kind in ("docx", "xlsx") and not checked.metadata_kept:
        _office_is_clean(data, checked.content)
    elif checked.kind == "pdf" and (b"/JavaScript" in data or b"/Launch" in data):
        raise _fail("a PDF that runs scripts was accepted")


def _image_kind(data: bytes) -> str:
    """The kind the upload's sniffer would give these bytes, or "png" when none (the decoder
    is then handed bytes of another type and must refuse them)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return "png"


def reencode_image(data: bytes) -> None:
    """clean_image on any bytes: a picture re-encoded without metadata, the same size (turned
    upright), or refused with a message."""
    kind = _image_kind(data)
    with translation.override("en"):
        try:
            stored = clean_image(data, kind)
        except EvidenceRefused as refused:
            if not str(refused.message):
                raise _fail("a refusal without a message") from refused
            return
    with Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[kind]]) as original:
        size = original.size
    _image_is_clean(stored, kind, size)


# The structured mode of the office harness: parts a DOCX or XLSX names people in, and
# fragments of their XML, which byte values 1 to len(FRAGMENTS) stand for in a part's content.
PART_NAMES = [
    "word/document.xml",
    "word/comments.xml",
    "word/commentsExtended.xml",
    "word/people.xml",
    "word/footnotes.xml",
    "xl/workbook.xml",
    "xl/comments1.xml",
    "xl/persons/person.xml",
    "xl/threadedComments/threadedComment1.xml",
    "xl/tables/table1.xml",
    "docProps/core.xml",
    "docProps/app.xml",
    "docProps/custom.xml",
    "docProps/thumbnail.jpeg",
    "_rels/.rels",
    "customXml/item1.xml",
]
FRAGMENTS = [
    b' w:author="Wang Fang"',
    b" w:author='Wang Fang'",
    b' w:initials = "WF"',
    b' w15:userId="wang@example.org"',
    b' userId="wang@example.org" providerId="AD"',
    b' displayName="Wang Fang"',
    b"<author>Wang Fang</author>",
    b"<authors><author>Wang Fang</author><author></author></authors>",
    b'<w:comment w:id="0" w:author="Wang Fang">',
    b'<person displayName="Wang Fang" id="{1}"/>',
    b"<w:t>text</w:t>",
    b'<Relationship Id="rId9" Target="docProps/thumbnail.jpeg"/>',
    b"<dc:creator>Wang Fang</dc:creator>",
    b"<![CDATA[Wang Fang]]>",
]
_TYPES = {
    "docx": b"wordprocessingml.document.main+xml",
    "xlsx": b"spreadsheetml.sheet.main+xml",
}


def office_from(data: bytes) -> bytes:
    """An Office archive made from fuzz bytes: the first byte picks DOCX or XLSX, then parts
    separated by two zero bytes, each a name byte (an index into PART_NAMES, or a name of its
    own after 0xff) and the content, where bytes 1..len(FRAGMENTS) stand for XML fragments
    that name people. The archive is well formed (right CRCs), so the fuzzer reaches the
    stripper's handling of the parts' content rather than zipfile's refusals."""
    kind = "xlsx" if data[:1] and data[0] & 1 else "docx"
    main = "xl/workbook.xml" if kind == "xlsx" else "word/document.xml"
    parts: dict[str, bytes] = {
        "[Content_Types].xml": b'<Types><Override PartName="/' + main.encode() + b'" '
        b'ContentType="application/vnd.openxmlformats-officedocument.' + _TYPES[kind] + b'"/>'
        b"</Types>",
        main: b"<root/>",
    }
    for chunk in data[1:].split(b"\x00\x00")[:40]:
        if not chunk:
            continue
        if chunk[0] == 0xFF:
            name, _sep, chunk = chunk[1:].partition(b"\x00")
            name = name.decode("utf-8", "replace") or "x.xml"
        else:
            name, chunk = PART_NAMES[chunk[0] % len(PART_NAMES)], chunk[1:]
        content = b"".join(
            FRAGMENTS[b - 1] if 1 <= b <= len(FRAGMENTS) else bytes([b]) for b in chunk
        )
        parts[name] = parts.get(name, b"") + content
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def strip_office(data: bytes) -> None:
    """The Office reader, then the metadata stripper on what it accepted: the archive written
    again without its properties and people's names, or kept as it came and flagged. Input
    that is not a ZIP archive is made into one first (office_from)."""
    if not data.startswith(b"PK"):
        data = office_from(data)
    with translation.override("en"):
        try:
            kind = sniff(data)
        except EvidenceRefused as refused:
            if not str(refused.message):
                raise _fail("a refusal without a message") from refused
            return
    if kind not in ("docx", "xlsx"):
        return
    stripped = strip_metadata(data, kind)
    if stripped.kept:
        if stripped.content != data:
            raise _fail("a file flagged as kept was changed")
        return
    _office_is_clean(data, stripped.content)


HARNESSES = {
    "upload": check_upload,
    "image": reencode_image,
    "office": strip_office,
}
