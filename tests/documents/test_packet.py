"""The self-contained referral packet (issue 4): the evidence index with hashes, the evidence
files embedded as PDF/A-3b attachments checked against the snapshot, the bookmarks, the page
numbers, and planted markup that is printed, never fetched or embedded."""

import hashlib
import io
import os

import pypdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.utils import CaptureQueriesContext

from casework.models import AuditEvent, Case
from documents.evidence_index import attachment_name
from documents.models import DocumentKind, DocumentStatus, Evidence, GeneratedDocument
from documents.rendering import STYLESHEET
from documents.services import document_request, document_retry, evidence_upload
from tests.factories import jpeg_with_gps

PACKET = DocumentKind.REFERRAL_PACKET
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PASSWD = open("/etc/passwd", "rb").read() if os.path.exists("/etc/passwd") else b"root:x:0:0"
SECTIONS = [
    "封面 · 转介材料 Cover · Referral packet",
    "一、案件概要 1. Summary",
    "二、当事人 2. Parties",
    "三、事实与理由 3. Facts and reasons",
    "四、请求事项 4. Itemised claims",
    "五、期限 5. Deadlines",
    "六、同意范围 6. Consent scope",
    "七、办理记录 7. Timeline",
    "八、证据目录 8. Evidence index",
]


def _upload(case, user, *files, description="", evidence_date=None):
    return evidence_upload(
        case=case,
        user=user,
        files=[SimpleUploadedFile(name, data) for name, data in files],
        description=description,
        evidence_date=evidence_date,
    )


def _pdf(storage, doc) -> bytes:
    with storage.open(doc.file.name, "rb") as handle:
        return handle.read()


def _text(reader: pypdf.PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def _titles(outline) -> list:
    out = []
    for item in outline:
        out.extend(_titles(item) if isinstance(item, list) else [item.title])
    return out


def _request(render_on_commit, case, user):
    doc = render_on_commit(document_request, case=case, kind=PACKET, user=user)
    doc.refresh_from_db()
    return doc


def test_packet_embeds_every_evidence_file_with_the_hash_printed_in_its_index(
    world, reviewed_case, render_on_commit, _documents_settings
):
    # Given two evidence files, one with a Chinese name and one added with a date,
    photo, contract = _upload(
        reviewed_case,
        world.caseworker,
        ("工资条 March.jpg", jpeg_with_gps()),
        ("劳动合同.pdf", PDF),
        description="三月工资条 March pay slip",
        evidence_date="2026-03-31",
    )
    # when the packet is generated,
    doc = _request(render_on_commit, reviewed_case, world.caseworker)
    assert doc.status == DocumentStatus.READY, doc.failure_reason
    reader = pypdf.PdfReader(io.BytesIO(_pdf(_documents_settings, doc)))
    # then each file is attached under its safe name, with the bytes stored and hashed,
    index = {e["number"]: e for e in doc.snapshot["evidence"]}
    assert set(index) == {"E01", "E02"}
    assert index["E01"]["attachment"] == "E01-March.jpg"
    assert index["E02"]["attachment"] == "E02.pdf"
    attached = reader.attachments
    assert set(attached) == {"E01-March.jpg", "E02.pdf"}
    for item, number in ((photo, "E01"), (contract, "E02")):
        (data,) = attached[index[number]["attachment"]]
        with _documents_settings.open(item.file.name, "rb") as handle:
            assert data == handle.read()
        assert hashlib.sha256(data).hexdigest() == item.sha256 == index[number]["sha256"]
    # and the index printed in the packet lists both, with those hashes, in both languages;
    text = _text(reader)
    flat = "".join(text.split())
    for expected in (
        "证据目录",
        "Evidence index",
        "工资条 March.jpg",
        "劳动合同.pdf",
        "JPEG图片",
        "JPEG image",
        "PDF文档",
        "PDF document",
        "2026年3月31日",
        "31 March 2026",
        "三月工资条 March pay slip",
        "工会工作人员",
        "union staff",
        "E01-March.jpg",
    ):
        assert expected in text, expected
    assert photo.sha256 in flat and contract.sha256 in flat
    # the pages are numbered in both languages, the page count recorded,
    assert doc.pages == len(reader.pages) >= 3
    assert f"第 1 页 / 共 {doc.pages} 页" in text and f"Page 1 of {doc.pages}" in text
    assert f"第 {doc.pages} 页 / 共 {doc.pages} 页" in text
    # it is PDF/A-3b,
    xmp = reader.xmp_metadata.rdf_root.toxml()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    # and it has a bookmark for every section, labelled in Chinese and English.
    titles = _titles(reader.outline)
    assert [t for t in titles if t in SECTIONS] == SECTIONS


def test_the_attachment_description_names_the_evidence_and_its_hash(
    world, reviewed_case, render_on_commit, _documents_settings
):
    (item,) = _upload(reviewed_case, world.caseworker, ("合同.pdf", PDF), description="劳动合同")
    doc = _request(render_on_commit, reviewed_case, world.caseworker)
    reader = pypdf.PdfReader(io.BytesIO(_pdf(_documents_settings, doc)))
    names = reader.trailer["/Root"]["/Names"]["/EmbeddedFiles"]["/Names"]
    spec = names[1].get_object()
    assert spec["/UF"] == "E01.pdf"
    assert spec["/Desc"] == f"E01 合同.pdf · 劳动合同 · SHA-256 {item.sha256}"
    assert spec["/AFRelationship"] == "/Supplement"


def test_a_packet_without_evidence_says_so_and_embeds_nothing(
    world, reviewed_case, render_on_commit, _documents_settings
):
    doc = _request(render_on_commit, reviewed_case, world.caseworker)
    reader = pypdf.PdfReader(io.BytesIO(_pdf(_documents_settings, doc)))
    assert doc.snapshot["evidence"] == [] and not reader.attachments
    assert "案件记录中尚无证据文件" in _text(reader)


@pytest.mark.parametrize(
    ("original", "content_type", "expected"),
    [
        ("payslip march.jpg", "image/jpeg", "E01-payslip-march.jpg"),
        ("工资条.jpg", "image/jpeg", "E01.jpg"),
        ("contract.pdf.exe", "application/pdf", "E01-contract-pdf.pdf"),
        ('<img src="file:///etc/passwd">', "image/png", "E01-img-src-file-etc-passwd.png"),
        ("Ünïcödé résumé.docx", "application/x-unknown", "E01-Unicode-resume.bin"),
        ("x" * 120 + ".wav", "audio/wav", "E01-" + "x" * 40 + ".wav"),
    ],
)
def test_attachment_names_are_short_ascii_with_the_extension_of_the_detected_type(
    original, content_type, expected
):
    assert attachment_name("E01", original, content_type) == expected


PLANTED = (
    '<img src="file:///etc/passwd"><link rel="attachment" href="file:///etc/passwd">'
    "<style>@import url(file:///etc/passwd);</style>"
)


def test_planted_markup_in_evidence_text_is_printed_and_nothing_else_is_embedded(
    world, reviewed_case, render_on_commit, _documents_settings, monkeypatch
):
    # Given evidence whose description and original name carry markup that would fetch and
    # embed /etc/passwd (the name is set on the row: uploads already drop its path),
    (item,) = _upload(
        reviewed_case, world.caseworker, ("a.jpg", jpeg_with_gps()), description=PLANTED
    )
    planted_name = '<img src="file:///etc/passwd"><link rel="attachment" href="file:///etc/passwd">'
    Evidence.objects.filter(pk=item.pk).update(original_name=planted_name)
    # when the packet is rendered with a fetcher that records every URL it is asked for,
    asked = []
    import documents.rendering as rendering

    original = rendering.static_only_fetcher

    def recording_fetcher():
        fetcher = original()
        fetch = fetcher.fetch

        def spy(url, headers=None):
            asked.append(url)
            return fetch(url, headers)

        fetcher.fetch = spy
        return fetcher

    monkeypatch.setattr(rendering, "static_only_fetcher", recording_fetcher)
    doc = _request(render_on_commit, reviewed_case, world.caseworker)
    assert doc.status == DocumentStatus.READY, doc.failure_reason
    data = _pdf(_documents_settings, doc)
    reader = pypdf.PdfReader(io.BytesIO(data))
    # then nothing outside the stylesheet folder was asked for,
    assert all(url.startswith(STYLESHEET.parent.as_uri()) for url in asked), asked
    # only the real evidence file is embedded, under a harmless name,
    attached = reader.attachments
    assert list(attached) == ["E01-img-src-file-etc-passwd-link-rel-attachm.jpg"]
    assert hashlib.sha256(attached[next(iter(attached))][0]).hexdigest() == item.sha256
    assert PASSWD[:40] not in data
    # and the markup is printed as the characters typed.
    flat = "".join(_text(reader).split())
    for literal in (
        '<imgsrc="file:///etc/passwd">',
        '<linkrel="attachment"href="file:///etc/passwd">',
        "@importurl(file:///etc/passwd);",
    ):
        assert literal in flat, literal


def test_a_tampered_evidence_file_fails_the_render_and_a_retry_after_restoring_succeeds(
    world, reviewed_case, render_on_commit, _documents_settings
):
    # Given evidence whose stored bytes are changed after the upload,
    (item,) = _upload(reviewed_case, world.caseworker, ("pay.jpg", jpeg_with_gps()))
    path = _documents_settings.path(item.file.name)
    genuine = open(path, "rb").read()
    with open(path, "wb") as handle:
        handle.write(genuine[:-10] + b"tampered!!")
    case_before = Case.objects.filter(pk=reviewed_case.pk).values().get()
    # when the packet is rendered,
    doc = _request(render_on_commit, reviewed_case, world.caseworker)
    # then it fails with a reason naming the file's number only, nothing is stored,
    assert doc.status == DocumentStatus.FAILED
    assert doc.failure_reason == (
        "evidence E01 does not match the SHA-256 recorded in the snapshot; it was not embedded"
    )
    assert doc.file.name == "" and not _documents_settings.exists("generated")
    failed = AuditEvent.objects.get(case=reviewed_case, verb="document_render_failed")
    assert failed.payload == {
        "document": doc.pk,
        "kind": PACKET,
        "version": 1,
        "reason": doc.failure_reason,
    }
    # and the case is untouched.
    assert Case.objects.filter(pk=reviewed_case.pk).values().get() == case_before
    # Once the file is restored, a retry renders the same version with the genuine bytes.
    with open(path, "wb") as handle:
        handle.write(genuine)
    render_on_commit(document_retry, document=doc, user=world.caseworker)
    doc.refresh_from_db()
    assert (doc.status, doc.version, doc.failure_reason) == (DocumentStatus.READY, 1, "")
    reader = pypdf.PdfReader(io.BytesIO(_pdf(_documents_settings, doc)))
    assert reader.attachments["E01-pay.jpg"] == [genuine]


def test_a_missing_evidence_file_fails_the_render_with_its_reason(
    world, reviewed_case, render_on_commit, _documents_settings
):
    (item,) = _upload(reviewed_case, world.caseworker, ("pay.jpg", jpeg_with_gps()))
    _documents_settings.delete(item.file.name)
    doc = _request(render_on_commit, reviewed_case, world.caseworker)
    assert doc.status == DocumentStatus.FAILED
    assert doc.failure_reason == "evidence E01 is missing from storage"


def test_evidence_added_after_the_request_is_not_in_that_version(
    world, reviewed_case, django_capture_on_commit_callbacks, _documents_settings
):
    # The snapshot is the packet: a file added while it waits in the queue is not embedded.
    with django_capture_on_commit_callbacks(execute=True):
        doc = document_request(case=reviewed_case, kind=PACKET, user=world.caseworker)
        _upload(reviewed_case, world.caseworker, ("late.pdf", PDF))
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.READY
    reader = pypdf.PdfReader(io.BytesIO(_pdf(_documents_settings, doc)))
    assert doc.snapshot["evidence"] == [] and not reader.attachments


def test_the_evidence_index_costs_one_query(world, reviewed_case, _documents_settings):
    from django.db import connection

    from documents.evidence_index import evidence_index

    _upload(reviewed_case, world.caseworker, ("a.pdf", PDF), ("b.pdf", PDF + b"%b"))
    with CaptureQueriesContext(connection) as queries:
        rows = evidence_index(reviewed_case)
    assert [r["number"] for r in rows] == ["E01", "E02"] and len(queries) == 1
    assert GeneratedDocument.objects.count() == 0
