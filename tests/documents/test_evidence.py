"""Evidence uploads (issue 4, security.md §6 and matrix C1–C4, C7, C8): accepted by content,
images cleaned of metadata, refusals leave nothing behind, downloads only for those who see the
case."""

import hashlib
import io
import os
import zipfile
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http.multipartparser import MultiPartParser
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse
from django.utils import translation
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from casework.errors import Forbidden, NotFound
from casework.models import AuditEvent
from casework.permissions import ReceiptHolder
from casework.views.worker import SESSION_TRACK
from documents.evidence import EvidenceRefused, check_file, clean_filename, clean_image
from documents.models import Evidence
from documents.services import evidence_upload
from documents.upload import EvidenceCapHandler
from tests.factories import jpeg_with_gps


@pytest.fixture(autouse=True)
def _english(settings):
    """Messages are asserted in English here; tests/casework checks the Chinese wording."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


CAP = 25 * 1024 * 1024


# --- sample files ---------------------------------------------------------------------------


def png(size=(20, 10), text: str | None = None) -> bytes:
    info = PngInfo()
    if text:
        info.add_text("Comment", text)
    out = io.BytesIO()
    Image.new("RGB", size, (0, 120, 0)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 50
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00"
    + b"\x00" * 56
    + b"This program cannot be run in DOS mode %PDF-1.7"
)


def office(kind: str = "docx", *, macros: bool = False, extra: str = "") -> bytes:
    main = {
        "docx": ("word/document.xml", "wordprocessingml.document.main+xml"),
        "xlsx": ("xl/workbook.xml", "spreadsheetml.sheet.main+xml"),
    }[kind]
    ctype = (
        "application/vnd.ms-word.document.macroEnabled.main+xml"
        if macros
        else f"application/vnd.openxmlformats-officedocument.{main[1]}"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            f'<Types><Override PartName="/{main[0]}" ContentType="{ctype}"/></Types>',
        )
        z.writestr(main[0], "<document/>")
        if macros:
            z.writestr("word/vbaProject.bin", b"\x00" * 10)
        if extra:
            z.writestr(extra, b"<x/>")
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


# --- nothing left behind ----------------------------------------------------------------------


@pytest.fixture
def upload_tmp(settings, tmp_path):
    """Uploads above 1 KB go to a temporary file in a folder of the test's own."""
    folder = tmp_path / "upload-tmp"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    return folder


def stored_files(storage) -> list[str]:
    root = storage.location
    return [os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files]


def nothing_left(storage, upload_tmp, events_before: int) -> bool:
    return (
        not Evidence.objects.exists()
        and stored_files(storage) == []
        and os.listdir(upload_tmp) == []
        and AuditEvent.objects.filter(verb="evidence_uploaded").count() == 0
        and AuditEvent.objects.count() == events_before
    )


# --- checking one file (pure) -----------------------------------------------------------------


def test_a_jpeg_with_gps_is_stored_upright_without_any_metadata():
    original = jpeg_with_gps()
    checked = check_file(original, name="IMG_0001.JPG", max_bytes=CAP)

    stored = Image.open(io.BytesIO(checked.content))
    assert checked.content_type == "image/jpeg"
    assert stored.size == (48, 64)  # the EXIF orientation was applied, then dropped
    assert not stored.getexif()
    assert not {"exif", "xmp", "comment", "icc_profile"} & set(stored.info)
    for secret in (b"SecretPhoneMaker", b"home address", b"xmpmeta", b"Exif"):
        assert secret not in checked.content
    assert checked.sha256 != "" and len(checked.sha256) == 64


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("photo.png", png(text="<html><script>alert(1)</script></html>"), "markup"),
        ("drawing.svg", SVG, "markup"),
        ("photo.png", SVG, "markup"),
        ("contract.pdf.exe", EXE, "programs"),
        ("contract.pdf", EXE, "programs"),
        ("empty.pdf", b"", "empty"),
        ("notes.txt", b"just some text", "not accepted"),
        ("macro.docx", office(macros=True), "macros"),
        ("archive.zip", b"PK\x03\x04broken", "damaged"),
        # A part name holding a ZIP signature: the stripped copy was unreadable (fuzz/).
        ("forged.docx", office(extra="PK\x06\x07\xf7word.xml"), "damaged"),
        ("tab.docx", office(extra="word/\tmedia.xml"), "damaged"),
        ("IMG_1.HEIC", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "HEIC"),
        ("broken.jpg", jpeg_with_gps()[:200], "damaged"),
        ("scripted.pdf", PDF + b"<</S/JavaScript/JS(app.alert(1))>>", "scripts"),
    ],
)
def test_refused_files_say_why_and_name_the_file(name, data, words):
    with pytest.raises(EvidenceRefused) as refused:
        check_file(data, name=name, max_bytes=CAP)
    assert words in str(refused.value.message)
    assert clean_filename(name) in str(refused.value.message)


def test_accepted_types_are_detected_by_content_not_by_name():
    cases = {
        "a.bin": (PDF, "application/pdf"),
        "b.jpg": (png(), "image/png"),
        "c.pdf": (MP3, "audio/mpeg"),
        "d": (
            office("docx"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        "e.zip": (
            office("xlsx"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    }
    for name, (data, content_type) in cases.items():
        assert check_file(data, name=name, max_bytes=CAP).content_type == content_type, name


def test_a_picture_with_too_many_pixels_is_refused_before_it_is_decoded():
    with pytest.raises(EvidenceRefused) as refused:
        clean_image(png(size=(200, 200)), "png", max_pixels=10_000)
    assert "too many pixels" in str(refused.value.message)
    assert Image.MAX_IMAGE_PIXELS != 10_000  # the guard is put back


def test_display_names_lose_paths_and_control_characters():
    assert clean_filename("../../etc/passwd") == "passwd"
    assert clean_filename("..\\..\\x.pdf") == "x.pdf"
    assert clean_filename('a";\r\nX-Injected: 1.pdf') == 'a";X-Injected: 1.pdf'
    assert clean_filename("\u202egpj.exe") == "gpj.exe"
    assert len(clean_filename("x" * 300)) == 120


# --- the streaming cap ------------------------------------------------------------------------


class CountingStream(io.BytesIO):
    def __init__(self, data):
        super().__init__(data)
        self.consumed = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.consumed += len(chunk)
        return chunk


def test_the_cap_stops_reading_the_upload_as_soon_as_a_file_passes_it(settings, upload_tmp):
    body = encode_multipart(BOUNDARY, {"files": upload("big.pdf", b"%PDF-" + b"0" * 5_000_000)})
    stream = CountingStream(body)
    cap = EvidenceCapHandler(max_bytes=64 * 1024)
    meta = {"CONTENT_TYPE": MULTIPART_CONTENT, "CONTENT_LENGTH": str(len(body))}
    _post, files = MultiPartParser(meta, stream, [cap, TemporaryFileUploadHandler()]).parse()

    assert cap.exceeded and cap.exceeded_name == "big.pdf"
    assert not files
    assert stream.consumed < 512 * 1024  # stopped early: far less than the 5 MB sent
    assert os.listdir(upload_tmp) == []


# --- the service -------------------------------------------------------------------------------


def test_several_files_at_once_make_one_audit_event_with_ids_and_counts(world, filed_case):
    files = [
        upload("payslip.jpg", jpeg_with_gps()),
        upload("contract.pdf", PDF),
        upload("call.mp3", MP3),
        upload("hours.xlsx", office("xlsx")),
    ]
    rows = evidence_upload(
        case=filed_case,
        user=world.caseworker,
        files=files,
        description="pay slips",
        evidence_date=None,
        source_note="from the worker's phone",
    )
    assert [r.original_name for r in rows] == [
        "payslip.jpg",
        "contract.pdf",
        "call.mp3",
        "hours.xlsx",
    ]
    assert {r.source for r in rows} == {"staff"}
    for row in rows:
        assert row.file.name.startswith("evidence/") and "." not in row.file.name
        with row.file.open("rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == row.sha256
    event = AuditEvent.objects.get(verb="evidence_uploaded")
    assert event.payload == {"evidence": [r.pk for r in rows], "count": 4}


def test_one_refused_file_stores_none_of_them(world, filed_case, _documents_settings, upload_tmp):
    events = AuditEvent.objects.count()
    with pytest.raises(EvidenceRefused) as refused:
        evidence_upload(
            case=filed_case,
            user=world.caseworker,
            files=[upload("ok.pdf", PDF), upload("page.png", SVG)],
        )
    assert "page.png" in str(refused.value.message)
    assert nothing_left(_documents_settings, upload_tmp, events)


def test_a_failed_transaction_deletes_the_stored_files(
    world, filed_case, _documents_settings, upload_tmp
):
    events = AuditEvent.objects.count()
    with (
        mock.patch("documents.services.audit_record", side_effect=RuntimeError("db down")),
        pytest.raises(RuntimeError),
    ):
        evidence_upload(case=filed_case, user=world.caseworker, files=[upload("a.pdf", PDF)])
    assert nothing_left(_documents_settings, upload_tmp, events)


def test_the_gate_decides_who_may_upload(world, filed_case, _documents_settings):
    for user in (world.other_caseworker, world.other_worker, world.analyst, ReceiptHolder(0)):
        with pytest.raises(NotFound):
            evidence_upload(case=filed_case, user=user, files=[upload("a.pdf", PDF)])
    # The worker may; so may the union's caseworker; nobody else wrote anything.
    assert not Evidence.objects.exists() and stored_files(_documents_settings) == []
    evidence_upload(case=filed_case, user=world.worker, files=[upload("a.pdf", PDF)])
    assert Evidence.objects.get().uploaded_by_worker


def test_staff_who_see_but_may_not_add_notes_are_forbidden(world, filed_case, monkeypatch):
    monkeypatch.setattr("documents.services.may", lambda user, action, case: False)
    with pytest.raises(Forbidden):
        evidence_upload(case=filed_case, user=world.caseworker, files=[upload("a.pdf", PDF)])
    assert not Evidence.objects.exists()


# --- the pages --------------------------------------------------------------------------------


def _post_files(client, url, *files, **fields):
    return client.post(url, {"files": list(files), "description": "d", **fields})


def test_staff_upload_from_the_case_page(client, sign_in, world, filed_case):
    sign_in(world.caseworker)
    url = reverse("documents:evidence_upload", args=[filed_case.reference])
    page = client.get(reverse("casework:case_detail", args=[filed_case.reference]))
    assert url in page.content.decode() and 'type="file"' in page.content.decode()

    response = _post_files(
        client,
        url,
        upload("payslip.jpg", jpeg_with_gps()),
        upload("b.pdf", PDF),
        evidence_date="2026-03-01",
        source_note="employer's WeChat",
    )

    assert response.status_code == 303
    assert response["Location"] == reverse("casework:case_detail", args=[filed_case.reference])
    rows = list(Evidence.objects.order_by("id"))
    assert [r.original_name for r in rows] == ["payslip.jpg", "b.pdf"]
    assert str(rows[0].evidence_date) == "2026-03-01" and rows[0].source_note == "employer's WeChat"
    page = client.get(reverse("casework:case_detail", args=[filed_case.reference]))
    assert "payslip.jpg" in page.content.decode()


def test_refused_upload_from_the_case_page_shows_the_message_and_leaves_nothing(
    client, sign_in, world, filed_case, _documents_settings, upload_tmp
):
    sign_in(world.caseworker)
    events = AuditEvent.objects.count()
    url = reverse("documents:evidence_upload", args=[filed_case.reference])
    for bad in (
        upload("photo.png", png(text="<html><script>alert(1)</script></html>" + "x" * 2000)),
        upload("drawing.svg", SVG, "image/svg+xml"),
        upload("contract.pdf.exe", EXE + b"\x00" * 4000, "application/pdf"),
    ):
        response = _post_files(client, url, upload("fine.pdf", PDF), bad)
        assert response.status_code == 400
        assert bad.name in response.content.decode()
    assert nothing_left(_documents_settings, upload_tmp, events)


def test_a_file_over_the_cap_is_refused_while_streaming_with_nothing_left(
    client, sign_in, world, filed_case, settings, _documents_settings, upload_tmp
):
    settings.RIGHTSDESK = {**settings.RIGHTSDESK, "EVIDENCE_MAX_BYTES": 64 * 1024}
    sign_in(world.caseworker)
    events = AuditEvent.objects.count()
    response = _post_files(
        client,
        reverse("documents:evidence_upload", args=[filed_case.reference]),
        upload("fine.pdf", PDF + b"0" * 2000),
        upload("huge.pdf", b"%PDF-1.4" + b"0" * 2_000_000),
    )
    assert response.status_code == 413
    assert "huge.pdf: the file is larger than 0.0625 MB." in response.content.decode()
    assert nothing_left(_documents_settings, upload_tmp, events)


def test_the_worker_uploads_from_their_account_page(client, sign_in, world, filed_case):
    sign_in(world.worker)
    page_url = reverse("casework:my_case", args=[filed_case.reference])
    url = reverse("documents:evidence_upload_mine", args=[filed_case.reference])
    assert url in client.get(page_url).content.decode()

    response = _post_files(client, url, upload("wechat.png", png()), upload("c.pdf", PDF))

    assert response.status_code == 303 and response["Location"] == page_url
    rows = list(Evidence.objects.all())
    assert len(rows) == 2 and all(
        r.uploaded_by_worker and r.uploaded_by == world.worker for r in rows
    )
    assert "wechat.png" in client.get(page_url).content.decode()
    download = client.get(reverse("documents:evidence_download", args=[rows[0].pk]))
    assert download.status_code == 200


def test_a_refused_worker_upload_says_why_on_the_worker_page(
    client, sign_in, world, filed_case, _documents_settings, upload_tmp
):
    sign_in(world.worker)
    events = AuditEvent.objects.count()
    url = reverse("documents:evidence_upload_mine", args=[filed_case.reference])
    response = _post_files(client, url, upload("picture.svg", SVG + b" " * 2000))
    assert response.status_code == 400
    assert "picture.svg: web pages, SVG drawings" in response.content.decode()
    assert nothing_left(_documents_settings, upload_tmp, events)


def test_the_receipt_holder_uploads_from_the_follow_up_page(client, anonymous_case):
    case, _code = anonymous_case
    session = client.session
    session[SESSION_TRACK] = case.pk
    session.save()
    url = reverse("documents:evidence_upload_track")
    assert url in client.get(reverse("casework:track_case")).content.decode()

    response = _post_files(client, url, upload("slip.jpg", jpeg_with_gps()))

    assert response.status_code == 303
    assert response["Location"] == reverse("casework:track_case")
    row = Evidence.objects.get()
    assert row.case_id == case.pk and row.uploaded_by is None and row.uploaded_by_worker
    assert "slip.jpg" in client.get(reverse("casework:track_case")).content.decode()
    assert client.get(reverse("documents:evidence_download", args=[row.pk])).status_code == 200


def test_without_a_receipt_session_the_follow_up_upload_stores_nothing(client, anonymous_case):
    response = _post_files(client, reverse("documents:evidence_upload_track"), upload("a.pdf", PDF))
    assert response.status_code == 303 and response["Location"] == reverse("casework:track")
    assert not Evidence.objects.exists()


def test_upload_routes_are_post_only(client, sign_in, world, filed_case):
    sign_in(world.caseworker)
    assert (
        client.get(reverse("documents:evidence_upload", args=[filed_case.reference])).status_code
        == 405
    )


# --- downloads ---------------------------------------------------------------------------------


@pytest.fixture
def stored(world, filed_case):
    return evidence_upload(
        case=filed_case, user=world.caseworker, files=[upload('pay"slip\r\n.jpg', jpeg_with_gps())]
    )[0]


def test_download_is_an_attachment_with_a_safe_name_and_is_audited(client, sign_in, world, stored):
    sign_in(world.caseworker)
    response = client.get(reverse("documents:evidence_download", args=[stored.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="evidence-{stored.pk}.jpg"'
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
    event = AuditEvent.objects.get(verb="evidence_downloaded")
    assert event.payload == {"evidence": stored.pk} and event.actor_id == world.caseworker.pk


@pytest.mark.parametrize(
    "who",
    [
        "other_caseworker",
        "other_supervisor",
        "other_worker",
        "analyst",
        "coordinator",
        "lawyer",
        None,
    ],
)
def test_download_is_404_for_everyone_who_may_not_see_the_case(client, sign_in, world, stored, who):
    if who:
        sign_in(getattr(world, who))
    events = AuditEvent.objects.count()
    assert client.get(reverse("documents:evidence_download", args=[stored.pk])).status_code == 404
    assert (
        client.get(reverse("documents:evidence_download", args=[stored.pk + 999])).status_code
        == 404
    )
    assert AuditEvent.objects.count() == events


def test_another_receipt_holder_and_the_worker_do_not_get_staff_evidence(
    client, sign_in, world, stored, anonymous_case
):
    case, _code = anonymous_case
    session = client.session
    session[SESSION_TRACK] = case.pk
    session.save()
    events = AuditEvent.objects.count()
    assert client.get(reverse("documents:evidence_download", args=[stored.pk])).status_code == 404
    # The filing worker sees what the worker added, not what staff added.
    sign_in(world.worker)
    assert client.get(reverse("documents:evidence_download", args=[stored.pk])).status_code == 404
    assert AuditEvent.objects.count() == events


def test_an_upload_without_the_csrf_token_is_refused_and_stores_nothing(world, filed_case):
    from django.test import Client

    from accounts.models import User

    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(pk=world.caseworker.pk))
    url = reverse("documents:evidence_upload", args=[filed_case.reference])
    assert _post_files(client, url, upload("a.pdf", PDF)).status_code == 403
    assert not Evidence.objects.exists()
