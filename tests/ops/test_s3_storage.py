"""Evidence and generated documents on S3-compatible object storage (RIGHTSDESK_STORAGE=s3),
against a real S3-compatible server on loopback (moto's server, started here on a free port):
uploads land in the bucket under random names, downloads go through the permission-checked
views as the file's bytes (never a redirect to the bucket), files are deleted when what wrote
them fails, and /healthz reports the bucket."""

import io
import os
import runpy
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from casework.services import case_accept_for_review
from documents.models import DocumentKind, DocumentStatus, Evidence
from documents.services import document_render_now, document_request

BUCKET = "rightsdesk-test-files"
ACCESS = {"AWS_ACCESS_KEY_ID": "testing-key", "AWS_SECRET_ACCESS_KEY": "testing-secret"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    """moto's S3-compatible server on 127.0.0.1, for this module."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90  # moto imports a lot: slow on a busy machine
        while True:
            try:
                urllib.request.urlopen(url + "/", timeout=5)  # noqa: S310 - loopback only
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the S3 server did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def s3(s3_server, settings, monkeypatch):
    """Settings as config/settings.py builds them from RIGHTSDESK_STORAGE=s3, an empty bucket,
    and a boto3 client to look into it."""
    import boto3

    env = {
        "RIGHTSDESK_STORAGE": "s3",
        "RIGHTSDESK_S3_BUCKET": BUCKET,
        "RIGHTSDESK_S3_ENDPOINT_URL": s3_server,
        "RIGHTSDESK_S3_REGION": "us-east-1",
        **ACCESS,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    built = runpy.run_path(os.path.join(settings.BASE_DIR, "config", "settings.py"))
    assert built["STORAGES"]["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    settings.STORAGES = {**settings.STORAGES, "default": built["STORAGES"]["default"]}

    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1", **_creds())
    client.create_bucket(Bucket=BUCKET)
    yield client
    for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _creds() -> dict:
    return {
        "aws_access_key_id": ACCESS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": ACCESS["AWS_SECRET_ACCESS_KEY"],
    }


def _keys(client, prefix: str = "") -> list[str]:
    found = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return sorted(o["Key"] for o in found)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 8), (0, 90, 0)).save(out, "PNG")
    return out.getvalue()


def _signed_in(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(type(user).objects.get(pk=user.pk))
    return client


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_evidence_goes_to_the_bucket_and_comes_back_only_through_the_checked_view(
    s3, world, filed_case, tmp_path
):
    client = _signed_in(world.caseworker)
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    response = client.post(
        reverse("documents:evidence_upload", args=[filed_case.reference]),
        {
            "files": [
                SimpleUploadedFile("payslip.png", _png(), content_type="image/png"),
                SimpleUploadedFile("contract.pdf", pdf, content_type="application/pdf"),
            ],
            "description": "d",
        },
    )
    assert response.status_code == 303

    rows = list(Evidence.objects.order_by("id"))
    assert [r.original_name for r in rows] == ["payslip.png", "contract.pdf"]
    keys = _keys(s3)
    assert keys == sorted(r.file.name for r in rows)
    # Random names, nothing of the case or the file's own name in the key.
    assert all(k.startswith("evidence/") and "payslip" not in k for k in keys)
    assert filed_case.reference not in " ".join(keys)
    stored = s3.get_object(Bucket=BUCKET, Key=rows[1].file.name)["Body"].read()
    assert stored == pdf

    download = client.get(reverse("documents:evidence_download", args=[rows[1].pk]))
    assert download.status_code == 200 and download.streaming
    assert _body(download) == pdf
    assert "Location" not in download and BUCKET not in str(download.headers)

    # The same URL for someone who does not see the case: 404, nothing from the bucket.
    outsider = _signed_in(world.other_caseworker)
    assert (
        outsider.get(reverse("documents:evidence_download", args=[rows[1].pk])).status_code == 404
    )
    assert Client().get(reverse("documents:evidence_download", args=[rows[1].pk])).status_code in (
        302,
        404,
    )


def test_a_failed_upload_deletes_what_it_had_put_in_the_bucket(s3, world, filed_case, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the audit write failed")

    monkeypatch.setattr("documents.services.audit_record", broken)
    client = _signed_in(world.caseworker)
    client.raise_request_exception = False
    response = client.post(
        reverse("documents:evidence_upload", args=[filed_case.reference]),
        {"files": [SimpleUploadedFile("a.png", _png(), content_type="image/png")]},
    )
    assert response.status_code == 500
    assert Evidence.objects.count() == 0
    assert _keys(s3) == []


def test_a_generated_document_is_stored_in_the_bucket_and_downloaded_through_the_view(
    s3, world, filed_case, monkeypatch
):
    monkeypatch.setattr(
        "documents.rendering.render_pdf", lambda **kwargs: (b"%PDF-1.7 packet bytes", 2)
    )
    case = case_accept_for_review(case=filed_case, user=world.caseworker)
    doc = document_request(case=case, kind=DocumentKind.REFERRAL_PACKET, user=world.caseworker)

    assert document_render_now(doc.pk) == DocumentStatus.READY
    assert document_render_now(doc.pk) == DocumentStatus.READY  # delivered twice: one file
    doc.refresh_from_db()
    assert _keys(s3, "generated/") == [doc.file.name]

    response = _signed_in(world.caseworker).get(reverse("documents:download", args=[doc.pk]))
    assert response.status_code == 200
    assert _body(response) == b"%PDF-1.7 packet bytes"
    assert (
        _signed_in(world.analyst).get(reverse("documents:download", args=[doc.pk])).status_code
        == 404
    )


def test_a_render_that_lost_its_claim_deletes_its_own_file_from_the_bucket(
    s3, world, filed_case, monkeypatch
):
    """The worker whose claim was taken over finishes late: its file is removed again, the
    takeover's file stays."""
    from documents import services
    from documents.models import GeneratedDocument

    case = case_accept_for_review(case=filed_case, user=world.caseworker)
    doc = document_request(case=case, kind=DocumentKind.REFERRAL_PACKET, user=world.caseworker)

    def slow_render(**kwargs):
        # While this render runs, another delivery takes the claim over and finishes first.
        GeneratedDocument.objects.filter(pk=doc.pk).update(
            status=DocumentStatus.READY, sha256="a" * 64, file="generated/theirs.pdf"
        )
        return b"%PDF-1.7 late", 1

    monkeypatch.setattr("documents.rendering.render_pdf", slow_render)
    assert services.document_render_now(doc.pk) == DocumentStatus.READY
    assert _keys(s3, "generated/") == []  # ours deleted; theirs was never really written here
    assert GeneratedDocument.objects.get(pk=doc.pk).file.name == "generated/theirs.pdf"


def test_healthz_reports_the_bucket(s3, settings, world):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES}
    }
    ok = Client().get("/healthz")
    assert ok.status_code == 200
    assert ok.json()["checks"]["storage"] == {"ok": True, "kind": "s3"}

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {**settings.STORAGES["default"]["OPTIONS"], "bucket_name": "no-such-bucket"},
        },
    }
    down = Client().get("/healthz")
    assert down.status_code == 503
    assert down.json()["checks"]["storage"] == {"ok": False, "kind": "s3", "error": "unreachable"}
    assert "no-such-bucket" not in down.content.decode()


def test_healthz_does_not_hang_on_a_store_that_does_not_answer(s3, settings, monkeypatch):
    """A bucket endpoint that accepts the connection and then says nothing: /healthz answers
    503 within its timeout instead of waiting for boto's retries."""
    import threading

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES}
    }
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    held = []
    stop = threading.Event()

    def accept_and_hold():
        silent.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(silent.accept()[0])
            except OSError:
                continue

    threading.Thread(target=accept_and_hold, daemon=True).start()
    settings.HEALTHZ_TIMEOUT_SECONDS = 1
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {
                **settings.STORAGES["default"]["OPTIONS"],
                "endpoint_url": f"http://127.0.0.1:{silent.getsockname()[1]}",
            },
        },
    }
    try:
        started = time.monotonic()
        response = Client().get("/healthz")
        took = time.monotonic() - started
    finally:
        stop.set()
        for conn in held:
            conn.close()
        silent.close()

    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == {"ok": False, "kind": "s3", "error": "timeout"}
    assert took < 15  # boto alone would wait its 60 s read timeout, three times
