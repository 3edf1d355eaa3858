"""What the filing tests share: generating a filing with its render run on commit, reading its
PDF back with pypdf, and a case's evidence and particulars."""

import io
import re
from datetime import date

import pypdf

from documents.models import DocumentKind, DocumentStatus, GeneratedDocument
from documents.services import document_request
from tests.factories import run_on_commit

K = DocumentKind


def pdf_text(doc: GeneratedDocument) -> str:
    """The PDF's text with all whitespace removed: pypdf breaks CJK lines (and sometimes words)
    wherever the layout wrapped them."""
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.READY, (doc.status, doc.failure_reason)
    with doc.file.open("rb") as handle:
        reader = pypdf.PdfReader(io.BytesIO(handle.read()))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def generate(case, kind, user) -> GeneratedDocument:
    with run_on_commit():
        return document_request(case=case, kind=kind, user=user)


def assert_in(text: str, *needles: str) -> None:
    missing = [n for n in needles if squash(n) not in text]
    assert not missing, missing


def id_number(stem: str = "32041219900307123") -> str:
    """A valid resident ID number (GB 11643-1999 check character)."""
    from casework.validators import ID_CHECK, ID_WEIGHTS

    total = sum(int(c) * w for c, w in zip(stem, ID_WEIGHTS, strict=True))
    return stem + ID_CHECK[total % 11]


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (24, 16), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def add_evidence(case, user, *, description: str, source_note: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from documents.services import evidence_upload

    upload = SimpleUploadedFile("payslip.png", png_bytes(), content_type="image/png")
    return evidence_upload(
        case=case,
        user=user,
        files=[upload],
        description=description,
        evidence_date=date(2026, 8, 5),
        source_note=source_note,
    )


PARTICULARS = {
    "sex": "male",
    "date_of_birth": date(1990, 3, 7),
    "address": "常州市武进区湖塘镇人民路1号",
    "occupation": "碳纤维操作工",
    "employer_address": "常州市武进区滆湖中路8号",
    "legal_representative": "张建国",
    "employment_end": date(2026, 9, 30),
}
