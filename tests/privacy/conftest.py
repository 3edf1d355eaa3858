import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from casework.choices import CaseState, OutcomeCode
from casework.services import case_record_outcome, message_post, note_add
from documents.models import DocumentKind, DocumentStatus, GeneratedDocument
from documents.services import evidence_upload
from tests.factories import drive_to, jpeg_with_gps

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
NOTE = "内部备注：工人说老板威胁过他 CANARY-NOTE"
MESSAGE = "我的工资单在这里 CANARY-MESSAGE"


@pytest.fixture(autouse=True)
def _files_on_disk(settings, tmp_path):
    """Files go to a folder of the test's own, on disk: a purge must leave none there."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files")},
        },
    }
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    return tmp_path / "files"


def files_under(folder) -> list:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.fixture
def ended_case(world, django_capture_on_commit_callbacks):
    """A case that went the whole way — referred, accepted by the centre's lawyer, closed with
    an award — with evidence from the worker and the union, a generated document, a note and
    messages: every kind of row a purge must remove."""
    case = drive_to(world, CaseState.LEGAL_AID)
    evidence_upload(
        case=case,
        user=world.worker,
        files=[SimpleUploadedFile("工资条.jpg", jpeg_with_gps(), content_type="image/jpeg")],
        description="三个月的工资条",
    )
    evidence_upload(
        case=case,
        user=world.lawyer,
        files=[SimpleUploadedFile("contract.pdf", PDF, content_type="application/pdf")],
    )
    note_add(case=case, user=world.lawyer, body=NOTE)
    message_post(case=case, user=world.worker, body=MESSAGE)
    doc = GeneratedDocument(
        case=case,
        kind=DocumentKind.CLOSING_REPORT,
        version=1,
        status=DocumentStatus.READY,
        sha256="0" * 64,
        size=len(PDF),
    )
    doc.file.save("closing.pdf", ContentFile(PDF), save=False)
    doc.save()
    case_record_outcome(
        case=case,
        user=world.lawyer,
        outcome=OutcomeCode.AWARD_WON,
        amount_awarded="18600",
        amount_recovered="18600",
    )
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    return case
