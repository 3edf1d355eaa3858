"""Notes, messages, consent, evidence, generated filings, the provider's side and the rights
knowledge through the API: each through its service, refusals with nothing changed."""

import hashlib
import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from casework.choices import CaseState, ConsentScope, ReferralState
from casework.models import AuditEvent, ConsentRecord, Message, Note
from documents.models import Evidence
from tests.factories import case_snapshot, drive_to

from .conftest import client_for

pytestmark = pytest.mark.django_db


def _png(exif_gps: bool = False) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (16, 16), (0, 120, 0))
    if exif_gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"
        image.save(out, "JPEG", exif=exif)
    else:
        image.save(out, "PNG")
    return out.getvalue()


def test_notes_are_added_and_listed_for_staff_only(world):
    case = drive_to(world, CaseState.UNDER_REVIEW)
    client = client_for(world.caseworker)
    url = f"/api/v1/cases/{case.reference}/notes/"
    created = client.post(url, {"body": "雇主拒绝接电话。"}, format="json")
    assert created.status_code == 201
    assert Note.objects.filter(case=case, body="雇主拒绝接电话。").exists()
    listed = client.get(url).json()
    assert listed["count"] >= 1 and listed["results"][-1]["body"] == "雇主拒绝接电话。"
    empty = client.post(url, {"body": "   "}, format="json")
    assert empty.status_code == 400 and "body" in empty.json()["errors"]


def test_messages_between_the_assignee_and_the_worker(world):
    case = drive_to(world, CaseState.UNDER_REVIEW)
    url = f"/api/v1/cases/{case.reference}/messages/"
    assert (
        client_for(world.caseworker).post(url, {"body": "请补充材料。"}, format="json").status_code
        == 201
    )
    worker = client_for(world.worker, session=True)
    assert worker.post(url, {"body": "好的。"}, format="json").status_code == 201
    bodies = [m["body"] for m in worker.get(url).json()["results"]]
    assert bodies[-2:] == ["请补充材料。", "好的。"]
    assert Message.objects.filter(case=case, from_worker=True).count() == 1
    # A caseworker of the union who is not the assignee may not message.
    other = client_for(world.caseworker2)  # (making its token is audited)
    before = case_snapshot(case)
    assert other.post(url, {"body": "x"}, format="json").status_code == 403
    assert case_snapshot(case) == before


def test_consent_is_recorded_and_withdrawn(world):
    case = drive_to(world, CaseState.UNDER_REVIEW)
    client = client_for(world.caseworker)
    url = f"/api/v1/cases/{case.reference}/consents/"
    granted = client.post(
        url, {"scope": "legal_aid_provider", "provider": world.centre.pk}, format="json"
    )
    assert granted.status_code == 201, granted.json()
    record = ConsentRecord.objects.get(pk=granted.json()["id"])
    assert record.scope == ConsentScope.LEGAL_AID_PROVIDER and record.provider == world.centre
    no_reason = client.post(f"{url}{record.pk}/withdraw/", {}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
    withdrawn = client.post(
        f"{url}{record.pk}/withdraw/", {"reason": "电话告知撤回。"}, format="json"
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["in_force"] is False
    bad = client.post(
        url, {"scope": "legal_aid_provider", "provider": world.city.pk}, format="json"
    )
    assert bad.status_code == 400 and "provider" in bad.json()["errors"]


def test_evidence_upload_checks_content_strips_metadata_and_downloads(world, fake_pdf):
    case = drive_to(world, CaseState.UNDER_REVIEW)
    client = client_for(world.caseworker)
    url = f"/api/v1/cases/{case.reference}/evidence/"
    photo = SimpleUploadedFile("photo.jpg", _png(exif_gps=True), content_type="image/jpeg")
    response = client.post(url, {"files": [photo], "description": "工资条"}, format="multipart")
    assert response.status_code == 201, response.json()
    item = response.json()[0]
    stored = Evidence.objects.get(pk=item["id"])
    download = client.get(item["download"])
    assert download.status_code == 200
    data = b"".join(download.streaming_content)
    assert hashlib.sha256(data).hexdigest() == stored.sha256 == item["sha256"]
    assert b"PhoneMaker" not in data
    assert download["Content-Disposition"].startswith("attachment")
    assert client.get(url).json()["count"] == 1


def test_refused_evidence_stores_nothing(world, fake_pdf):
    case = drive_to(world, CaseState.UNDER_REVIEW)
    client = client_for(world.caseworker)
    url = f"/api/v1/cases/{case.reference}/evidence/"
    page = SimpleUploadedFile("x.png", b"<html><script>alert(1)</script></html>")
    response = client.post(url, {"files": [page]}, format="multipart")
    assert response.status_code == 400
    assert "files" in response.json()["errors"]
    assert not Evidence.objects.exists()
    assert not AuditEvent.objects.filter(verb="evidence_uploaded").exists()


def test_evidence_over_the_cap_is_refused_with_413(world, fake_pdf, settings):
    settings.RIGHTSDESK = {**settings.RIGHTSDESK, "EVIDENCE_MAX_BYTES": 1000}
    case = drive_to(world, CaseState.UNDER_REVIEW)
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * 5000)
    response = client_for(world.caseworker).post(
        f"/api/v1/cases/{case.reference}/evidence/", {"files": [big]}, format="multipart"
    )
    assert response.status_code == 413
    assert not Evidence.objects.exists()


def test_a_filing_is_requested_polled_and_downloaded(
    world, fake_pdf, django_capture_on_commit_callbacks
):
    case = drive_to(world, CaseState.UNDER_REVIEW)
    client = client_for(world.caseworker)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/cases/{case.reference}/documents/", {"kind": "referral_packet"}, format="json"
        )
    assert response.status_code == 202, response.json()
    status = client.get(response["Location"]).json()
    assert status["status"] == "ready" and status["kind"] == "referral_packet"
    pdf = client.get(status["download"])
    assert b"".join(pdf.streaming_content) == fake_pdf
    assert pdf["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(case=case, verb="document_downloaded").count() == 1
    listed = client.get(f"/api/v1/cases/{case.reference}/documents/").json()
    assert [d["id"] for d in listed["results"]] == [status["id"]]


def test_the_coordinator_accepts_from_the_inbox_for_a_lawyer(world, fake_pdf):
    case = drive_to(world, CaseState.REFERRED)
    client = client_for(world.coordinator)
    inbox = client.get("/api/v1/referrals/").json()
    assert [r["reference"] for r in inbox["results"]] == [case.reference]
    summary = client.get(f"/api/v1/referrals/{case.reference}/").json()
    assert world.lawyer.pk in [u["id"] for u in summary["lawyers"]]
    check = client.post(
        f"/api/v1/referrals/{case.reference}/conflict-check/",
        {"conflict_found": False, "note": "同一用人单位的其他职工。"},
        format="json",
    )
    assert check.status_code == 200, check.json()
    accepted = client.post(
        f"/api/v1/referrals/{case.reference}/accept/", {"lawyer": world.lawyer.pk}, format="json"
    )
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["state"] == CaseState.LEGAL_AID
    assert case.referrals.get().state == ReferralState.ACCEPTED
    # The lawyer now sees the whole file; the coordinator no longer sees the summary.
    assert client_for(world.lawyer).get(f"/api/v1/cases/{case.reference}/").status_code == 200
    assert client.get(f"/api/v1/referrals/{case.reference}/").status_code == 404


def test_the_coordinator_declines_with_a_reason(world, fake_pdf):
    case = drive_to(world, CaseState.REFERRED)
    client = client_for(world.coordinator)
    url = f"/api/v1/referrals/{case.reference}/decline/"
    assert client.post(url, {"reason": "nope"}, format="json").status_code == 400
    response = client.post(url, {"reason": "capacity"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == CaseState.UNDER_REVIEW
    assert case.referrals.get().state == ReferralState.DECLINED


def test_categories_deadlines_and_a_calculator(world):
    client = client_for(world.caseworker)
    codes = [c["code"] for c in client.get("/api/v1/rights/categories/").json()]
    assert "WAGE.ARREARS" in codes
    response = client.post(
        "/api/v1/rights/deadlines/", {"dates": {"knew_date": "2026-08-15"}}, format="json"
    )
    assert response.status_code == 200, response.json()
    lines = {line["code"]: line for line in response.json()}
    assert any(line["trigger"] == "knew_date" for line in lines.values())
    limitation = next(
        line
        for line in lines.values()
        if line["trigger"] == "knew_date" and line["unit"] == "years"
    )
    assert date.fromisoformat(limitation["due_date"]) >= date(2027, 8, 15)
    bad = client.post("/api/v1/rights/deadlines/", {"dates": {"nope": "2026-08-15"}}, format="json")
    assert bad.status_code == 400 and "dates" in bad.json()["errors"]
    arrears = client.post(
        "/api/v1/rights/calculators/wage_arrears/",
        {"monthly_wage": "6200.00", "months_owed": "3"},
        format="json",
    )
    assert arrears.status_code == 200, arrears.json()
    assert arrears.json()["amount"] == "18600.00"
    assert arrears.json()["citations"]
    missing = client.post("/api/v1/rights/calculators/wage_arrears/", {}, format="json")
    assert missing.status_code == 400 and "monthly_wage" in missing.json()["errors"]
