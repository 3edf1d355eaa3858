"""Evidence safety beyond the type checks (security.md §6 and matrix C5, C6, C9): document
metadata removed from PDF and Office files, virus scanning that fails closed, and upload quotas
that refuse with a message and store nothing."""

import io
import socketserver
import struct
import threading
import zipfile

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject

from casework.models import AuditEvent
from casework.views.worker import SESSION_TRACK
from documents.evidence import (
    EvidenceQuotaExceeded,
    EvidenceRefused,
    ScanUnavailable,
    check_file,
)
from documents.metadata import pdf_metadata
from documents.models import Evidence, ScanStatus
from documents.scanning import ClamdScanner, ScannerError, Verdict, parse_clamd_answer
from documents.services import evidence_upload
from tests.documents.test_evidence import PDF, office, png, stored_files, upload

CAP = 25 * 1024 * 1024
# The anti-virus test file (eicar.org), put together here so that this source file is not
# itself taken for it.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!" + b"$H+H*"
NAME = "Zhang Xiaoming"
COMPANY = "Wujin Precision Parts Co"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


# --- C5: document metadata ---------------------------------------------------------------------


def pdf_with_metadata() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata(
        {
            "/Author": NAME,
            "/Creator": "Microsoft Word for " + NAME,
            "/Producer": "LAPTOP-ZHANGXM",
            "/Company": COMPANY,
            "/Title": "complaint",
        }
    )
    xmp = DecodedStreamObject()
    xmp.set_data(f"<x:xmpmeta><dc:creator>{NAME}</dc:creator></x:xmpmeta>".encode())
    xmp[NameObject("/Type")] = NameObject("/Metadata")
    xmp[NameObject("/Subtype")] = NameObject("/XML")
    writer._root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_with_metadata() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<Types><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<Relationships><Relationship Id="rId1" Target="word/document.xml"/>'
            '<Relationship Id="rId2" Target="docProps/thumbnail.jpeg"/></Relationships>',
        )
        z.writestr("word/document.xml", "<w:document><w:t>unpaid overtime</w:t></w:document>")
        z.writestr(
            "word/comments.xml",
            f'<w:comments><w:comment w:id="0" w:author="{NAME}" w:initials="ZXM">'
            "<w:t>check</w:t></w:comment></w:comments>",
        )
        z.writestr(
            "docProps/core.xml",
            f"<cp:coreProperties><dc:creator>{NAME}</dc:creator>"
            f"<cp:lastModifiedBy>{NAME}</cp:lastModifiedBy></cp:coreProperties>",
        )
        z.writestr("docProps/app.xml", f"<Properties><Company>{COMPANY}</Company></Properties>")
        z.writestr("docProps/custom.xml", f"<Properties><p>{NAME}</p></Properties>")
        z.writestr("docProps/thumbnail.jpeg", b"\xff\xd8\xff thumbnail of " + NAME.encode())
    return out.getvalue()


def test_a_pdfs_author_company_creator_and_xmp_are_removed():
    original = pdf_with_metadata()
    assert NAME in str(pdf_metadata(original))  # the sample carries them

    checked = check_file(original, name="complaint.pdf", max_bytes=CAP)

    assert checked.content_type == "application/pdf" and not checked.metadata_kept
    assert pdf_metadata(checked.content) == {}
    for secret in (NAME.encode(), COMPANY.encode(), b"LAPTOP", b"xmpmeta"):
        assert secret not in checked.content
    assert len(PdfReader(io.BytesIO(checked.content)).pages) == 1  # the content is kept


def test_a_word_files_properties_comment_authors_and_thumbnail_are_removed():
    checked = check_file(docx_with_metadata(), name="statement.docx", max_bytes=CAP)

    assert checked.kind == "docx" and not checked.metadata_kept
    archive = zipfile.ZipFile(io.BytesIO(checked.content))
    everything = b"".join(archive.read(i) for i in archive.infolist())
    for secret in (NAME.encode(), COMPANY.encode(), b"ZXM", b"thumbnail"):
        assert secret not in everything
    assert b"unpaid overtime" in archive.read("word/document.xml")
    assert check_file(checked.content, name="again.docx", max_bytes=CAP).kind == "docx"


def test_an_excel_files_note_authors_and_people_are_removed_and_its_table_names_kept():
    """Excel names the authors of notes in <author> elements and the people of threaded
    comments in xl/persons/ (displayName, userId, providerId without a prefix); some programs
    quote attributes with ' or space them around "=". (Found by fuzzing: fuzz/README.md.)"""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<Types><Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        )
        z.writestr("xl/workbook.xml", "<workbook><sheets/></workbook>")
        z.writestr(
            "xl/comments1.xml",
            f"<comments><authors><author>{NAME}</author><x:author>ZXM</x:author></authors>"
            '<commentList><comment ref="A1" authorId="0"><text>unpaid</text></comment>'
            "</commentList></comments>",
        )
        z.writestr(
            "xl/persons/person.xml",
            f'<personList><person displayName="{NAME}" id="{{1}}" userId="zxm@example.org" '
            "providerId='AD'/></personList>",
        )
        z.writestr(
            "xl/threadedComments/threadedComment1.xml",
            f"<ThreadedComments><threadedComment x:author = '{NAME}' x:initials=\"ZXM\"/>"
            "</ThreadedComments>",
        )
        z.writestr("xl/tables/table1.xml", '<table displayName="Overtime" name="Overtime"/>')

    checked = check_file(out.getvalue(), name="hours.xlsx", max_bytes=CAP)

    assert checked.kind == "xlsx" and not checked.metadata_kept
    archive = zipfile.ZipFile(io.BytesIO(checked.content))
    everything = b"".join(archive.read(i) for i in archive.infolist())
    for secret in (NAME.encode(), b"ZXM", b"zxm@example.org", b"'AD'"):
        assert secret not in everything
    comments = archive.read("xl/comments1.xml")
    assert b"<author></author><x:author></x:author>" in comments  # authorId 0 still resolves
    assert b"<text>unpaid</text>" in comments
    assert archive.read("xl/tables/table1.xml") == (
        b'<table displayName="Overtime" name="Overtime"/>'
    )


def test_a_person_attribute_whose_quote_never_closes_is_blanked_to_the_end_of_the_part():
    """Found by fuzzing: blanking the later author closed the first quote, leaving the text
    between looking like a value (fuzz/regressions/office/)."""
    from documents.metadata import _blank_people

    damaged = (
        b'<w15:person w15:author="Wang Fang"><w15:presenceInfo w15:providerId="x'
        b" w:author='Wang Fang' w:initials='WF'/></w15:person>"
    )
    blanked = _blank_people(damaged, people=False)
    assert blanked == b'<w15:person w15:author=""><w15:presenceInfo w15:providerId=""'
    single = b"<w:comment w:author='Wang Fang"
    assert _blank_people(single, people=True) == b'<w:comment w:author=""'


def test_office_files_without_properties_and_other_kinds_are_stored_as_they_are():
    assert check_file(office("xlsx"), name="h.xlsx", max_bytes=CAP).kind == "xlsx"
    mp3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 50
    assert check_file(mp3, name="a.mp3", max_bytes=CAP).content == mp3


def test_a_signed_or_unreadable_pdf_is_kept_and_flagged_to_staff_not_the_worker(
    client, sign_in, world, filed_case
):
    signed = pdf_with_metadata().replace(b"%%EOF", b"/ByteRange [0 1 2 3]\n%%EOF")
    assert check_file(signed, name="signed.pdf", max_bytes=CAP).content == signed
    assert check_file(signed, name="signed.pdf", max_bytes=CAP).metadata_kept
    assert check_file(PDF, name="odd.pdf", max_bytes=CAP).metadata_kept  # pypdf cannot read it

    evidence_upload(case=filed_case, user=world.worker, files=[upload("signed.pdf", signed)])
    row = Evidence.objects.get()
    assert row.metadata_kept
    warning = "may still name its author, company or computer"
    staff_page = sign_in(world.caseworker).get(
        reverse("casework:case_detail", args=[filed_case.reference])
    )
    assert warning in staff_page.content.decode()
    worker_page = sign_in(world.worker).get(
        reverse("casework:my_case", args=[filed_case.reference])
    )
    assert "signed.pdf" in worker_page.content.decode()
    assert warning not in worker_page.content.decode()


def test_a_cleaned_pdf_is_not_flagged(world, filed_case):
    evidence_upload(
        case=filed_case, user=world.caseworker, files=[upload("a.pdf", pdf_with_metadata())]
    )
    assert not Evidence.objects.get().metadata_kept


# --- C6: virus scanning ------------------------------------------------------------------------


class FakeScanner:
    """Finds the EICAR test string; `mode` makes it fail the ways a real scanner does."""

    mode = "ok"
    seen: list = []

    def scan(self, data: bytes):
        FakeScanner.seen.append(data)
        if FakeScanner.mode == "down":
            raise ConnectionRefusedError("clamd is down")
        if FakeScanner.mode == "timeout":
            raise ScannerError("clamd timed out")
        if FakeScanner.mode == "garbled":
            return "stream: who knows"
        if EICAR in data:
            return Verdict(clean=False, signature="Eicar-Test-Signature")
        return Verdict(clean=True)


@pytest.fixture
def scanner(settings):
    FakeScanner.mode = "ok"
    FakeScanner.seen = []
    settings.RIGHTSDESK = {
        **settings.RIGHTSDESK,
        "EVIDENCE_SCANNER_CLASS": "tests.documents.test_evidence_safety.FakeScanner",
    }
    return FakeScanner


def infected_pdf() -> bytes:
    return PDF.replace(b"%%EOF", b"% " + EICAR + b"\n%%EOF")


def test_eicar_is_refused_audited_and_nothing_is_stored(
    world, filed_case, scanner, _documents_settings
):
    events = AuditEvent.objects.count()
    with pytest.raises(EvidenceRefused) as refused:
        evidence_upload(
            case=filed_case,
            user=world.worker,
            files=[upload("fine.png", png()), upload("contract.pdf", infected_pdf())],
        )
    assert "contract.pdf: the virus check found something harmful" in str(refused.value.message)
    assert not Evidence.objects.exists() and stored_files(_documents_settings) == []
    event = AuditEvent.objects.get(verb="evidence_refused_malware")
    assert event.payload == {"signature": "Eicar-Test-Signature"} and event.case_id == filed_case.pk
    assert AuditEvent.objects.count() == events + 1
    assert any(EICAR in data for data in scanner.seen)  # the bytes as received were scanned


@pytest.mark.parametrize("mode", ["down", "timeout", "garbled"])
def test_a_scanner_without_a_verdict_refuses_the_upload(
    world, filed_case, scanner, mode, _documents_settings
):
    scanner.mode = mode
    with pytest.raises(ScanUnavailable) as refused:
        evidence_upload(case=filed_case, user=world.caseworker, files=[upload("a.png", png())])
    assert refused.value.status == 503
    assert "could not be checked for viruses" in str(refused.value.message)
    assert not Evidence.objects.exists() and stored_files(_documents_settings) == []


def test_a_worker_sees_why_when_the_scanner_is_down(client, sign_in, world, filed_case, scanner):
    scanner.mode = "down"
    sign_in(world.worker)
    url = reverse("documents:evidence_upload_mine", args=[filed_case.reference])
    response = client.post(url, {"files": [upload("a.png", png())]})
    assert response.status_code == 503
    assert "could not be checked for viruses" in response.content.decode()
    assert not Evidence.objects.exists()


def test_a_clean_file_is_stored_as_scanned(world, filed_case, scanner):
    evidence_upload(case=filed_case, user=world.caseworker, files=[upload("a.png", png())])
    assert Evidence.objects.get().scan_status == ScanStatus.CLEAN


def test_without_a_scanner_files_are_marked_not_scanned(world, filed_case):
    evidence_upload(case=filed_case, user=world.caseworker, files=[upload("a.png", png())])
    assert Evidence.objects.get().scan_status == ScanStatus.NOT_SCANNED


def test_an_unscanned_file_is_served_only_after_a_clean_scan_once_a_scanner_is_configured(
    client, sign_in, world, filed_case, settings, _documents_settings
):
    # Stored before any scanner was configured (as an infected file could have been).
    row = evidence_upload(
        case=filed_case, user=world.caseworker, files=[upload("c.pdf", infected_pdf())]
    )[0]
    FakeScanner.mode, FakeScanner.seen = "down", []
    settings.RIGHTSDESK = {
        **settings.RIGHTSDESK,
        "EVIDENCE_SCANNER_CLASS": "tests.documents.test_evidence_safety.FakeScanner",
    }
    sign_in(world.caseworker)
    url = reverse("documents:evidence_download", args=[row.pk])

    down = client.get(url)
    assert down.status_code == 503 and "attachment" not in down.get("Content-Disposition", "")
    FakeScanner.mode = "ok"
    found = client.get(url)
    assert found.status_code == 400 and "attachment" not in found.get("Content-Disposition", "")
    assert AuditEvent.objects.filter(verb="evidence_held_malware").count() == 1
    row.refresh_from_db()
    assert row.scan_status == ScanStatus.HELD  # held: out of packets and exports too

    # A clean unscanned file is scanned at its first download, then served and marked.
    settings.RIGHTSDESK = {**settings.RIGHTSDESK, "EVIDENCE_SCANNER_CLASS": ""}
    other = evidence_upload(case=filed_case, user=world.caseworker, files=[upload("d.png", png())])[
        0
    ]
    settings.RIGHTSDESK = {
        **settings.RIGHTSDESK,
        "EVIDENCE_SCANNER_CLASS": "tests.documents.test_evidence_safety.FakeScanner",
    }
    served = client.get(reverse("documents:evidence_download", args=[other.pk]))
    assert served.status_code == 200 and "attachment" in served["Content-Disposition"]
    other.refresh_from_db()
    assert other.scan_status == ScanStatus.CLEAN


class _FakeClamd(socketserver.BaseRequestHandler):
    """Speaks clamd's INSTREAM: reads the framed chunks and answers like clamd."""

    answer_for_eicar = b"stream: Eicar-Test-Signature FOUND\0"
    received: list = []

    def handle(self):
        command = b""
        while not command.endswith(b"\0"):
            command += self.request.recv(1)
        data = b""
        while True:
            size = struct.unpack("!L", self._read(4))[0]
            if size == 0:
                break
            data += self._read(size)
        _FakeClamd.received.append((command, data))
        if data == b"too big":
            self.request.sendall(b"INSTREAM size limit exceeded. ERROR\0")
        elif EICAR in data:
            self.request.sendall(self.answer_for_eicar)
        else:
            self.request.sendall(b"stream: OK\0")

    def _read(self, n):
        out = b""
        while len(out) < n:
            part = self.request.recv(n - len(out))
            if not part:
                raise ConnectionError
            out += part
        return out


@pytest.fixture
def clamd():
    _FakeClamd.received = []
    server = socketserver.TCPServer(("127.0.0.1", 0), _FakeClamd)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_clamd_client_speaks_instream_and_reads_the_verdicts(clamd):
    scanner = ClamdScanner(clamd, timeout=5)
    big = b"a" * 200_000 + EICAR
    assert scanner.scan(big) == Verdict(clean=False, signature="Eicar-Test-Signature")
    assert _FakeClamd.received[-1] == (b"zINSTREAM\0", big)  # several chunks, put back together
    assert scanner.scan(b"hello") == Verdict(clean=True)
    with pytest.raises(ScannerError):
        scanner.scan(b"too big")


def test_an_unreachable_clamd_is_no_verdict():
    probe = socketserver.TCPServer(("127.0.0.1", 0), _FakeClamd)
    port = probe.server_address[1]
    probe.server_close()  # nothing listens there now
    with pytest.raises(ScannerError):
        ClamdScanner(f"tcp://127.0.0.1:{port}", timeout=5).scan(b"x")
    with pytest.raises(ScannerError):
        ClamdScanner("unix:///nonexistent/clamd.ctl", timeout=5).scan(b"x")


def test_clamd_answers_other_than_ok_or_found_are_errors():
    assert parse_clamd_answer(b"stream: OK\0") == Verdict(clean=True)
    assert parse_clamd_answer(b"stream: Win.Test FOUND\0").signature == "Win.Test"
    for answer in (b"", b"stream: ERROR\0", b"INSTREAM size limit exceeded. ERROR\0", b"OK"):
        with pytest.raises(ScannerError):
            parse_clamd_answer(answer)


# --- C9: quotas ---------------------------------------------------------------------------------


@pytest.fixture
def quotas(settings):
    def set_quotas(**values):
        base = {"files_per_case": 0, "files_per_hour": 0, "bytes_per_day": 0}
        settings.RIGHTSDESK = {**settings.RIGHTSDESK, "EVIDENCE_QUOTAS": {**base, **values}}

    return set_quotas


def test_a_case_holds_at_most_its_quota_of_files(world, filed_case, quotas, _documents_settings):
    quotas(files_per_case=3)
    evidence_upload(case=filed_case, user=world.caseworker, files=[upload("a.png", png())] * 2)
    with pytest.raises(EvidenceQuotaExceeded) as refused:
        evidence_upload(
            case=filed_case,
            user=world.worker,
            files=[upload("b.png", png()), upload("c.png", png())],
        )
    assert refused.value.status == 429
    assert "This case already holds the most files it can (3)" in str(refused.value.message)
    assert Evidence.objects.count() == 2 and len(stored_files(_documents_settings)) == 2


def test_one_person_uploads_at_most_so_many_files_an_hour(
    client, sign_in, world, filed_case, quotas, _documents_settings
):
    quotas(files_per_hour=2)
    sign_in(world.worker)
    url = reverse("documents:evidence_upload_mine", args=[filed_case.reference])
    assert client.post(url, {"files": [upload("a.png", png())]}).status_code == 303
    response = client.post(url, {"files": [upload("b.png", png()), upload("c.png", png())]})
    assert response.status_code == 429
    assert "at most 2 an hour" in response.content.decode()
    assert Evidence.objects.count() == 1 and len(stored_files(_documents_settings)) == 1
    # Staff on the same case have their own allowance.
    evidence_upload(case=filed_case, user=world.caseworker, files=[upload("d.png", png())] * 2)


def test_one_person_uploads_at_most_so_many_bytes_a_day(world, filed_case, quotas):
    size = len(check_file(png(), name="a.png", max_bytes=CAP).content)
    quotas(bytes_per_day=size * 2)
    evidence_upload(case=filed_case, user=world.worker, files=[upload("a.png", png())] * 2)
    with pytest.raises(EvidenceQuotaExceeded) as refused:
        evidence_upload(case=filed_case, user=world.worker, files=[upload("b.png", png())])
    assert "a day" in str(refused.value.message)
    assert Evidence.objects.count() == 2


def test_a_receipt_holder_is_counted_on_their_case(client, anonymous_case, quotas):
    case, _code = anonymous_case
    quotas(files_per_hour=1)
    session = client.session
    session[SESSION_TRACK] = case.pk
    session.save()
    url = reverse("documents:evidence_upload_track")
    assert client.post(url, {"files": [upload("a.png", png())]}).status_code == 303
    response = client.post(url, {"files": [upload("b.png", png())]})
    assert response.status_code == 429 and Evidence.objects.count() == 1


def test_the_api_answers_429_over_a_quota(world, filed_case, quotas):
    from tests.api.conftest import client_for

    quotas(files_per_case=1)
    evidence_upload(case=filed_case, user=world.caseworker, files=[upload("a.png", png())])
    response = client_for(world.caseworker).post(
        f"/api/v1/cases/{filed_case.reference}/evidence/",
        {"files": [upload("b.png", png())]},
        format="multipart",
    )
    assert response.status_code == 429, response.content
    assert "files" in response.json()["errors"]
    assert Evidence.objects.count() == 1
