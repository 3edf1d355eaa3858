"""Virus scanning against a real ClamAV daemon (security matrix C6).

Each test here talks to a clamd started for the tests (tests/documents/clamd.py: Debian's
clamav-daemon, installed by scripts/setup-system.sh, with a signature database of one EICAR
signature), through the real upload paths: the worker's upload page, the staff case page and the
API. tests/documents/test_evidence_safety.py covers the same rules with a fake scanner."""

import pytest
from django.urls import reverse

from casework.models import AuditEvent
from documents.models import Evidence, ScanStatus
from documents.scanning import ClamdScanner, ScannerError, Verdict
from documents.services import evidence_upload
from tests.api.conftest import client_for
from tests.documents.clamd import EICAR, FOUND_AS
from tests.documents.test_evidence import MP3, PDF, png, stored_files, upload

SCAN_FAILED_ZH = "文件暂时无法进行病毒检查，因此没有保存任何文件。请稍后再试。"
SCAN_FAILED_EN = "could not be checked for viruses just now, so nothing was saved"
FOUND_ZH = "病毒检查发现此文件含有有害内容，未予保存。"


def infected_pdf() -> bytes:
    return PDF.replace(b"%%EOF", b"% " + EICAR + b"\n%%EOF")


def mp3_of(size: int) -> bytes:
    """An MP3 (stored as sent, no re-encoding) of about `size` bytes."""
    frame = b"\xff\xfb\x90\x00"
    return MP3[:10] + frame * (size // len(frame))


@pytest.fixture
def worker_upload(client, sign_in, world, filed_case):
    """POST files from the worker's own page of `filed_case`, as the browser does."""
    sign_in(world.worker)
    url = reverse("documents:evidence_upload_mine", args=[filed_case.reference])

    def post(*files, **headers):
        return client.post(url, {"files": list(files)}, **headers)

    return post


def api_upload(user, case, *files):
    return client_for(user).post(
        f"/api/v1/cases/{case.reference}/evidence/", {"files": list(files)}, format="multipart"
    )


def test_the_real_clamd_finds_eicar_and_passes_other_bytes(real_clamd):
    scanner = ClamdScanner(real_clamd.address, timeout=10)
    assert scanner.scan(EICAR) == Verdict(clean=False, signature=FOUND_AS)
    # Inside a file, past the first chunk of the stream, it is found too.
    assert scanner.scan(b"a" * 200_000 + EICAR) == Verdict(clean=False, signature=FOUND_AS)
    assert scanner.scan(png()) == Verdict(clean=True)
    assert scanner.scan(b"") == Verdict(clean=True)


def test_eicar_from_a_worker_is_refused_audited_and_nothing_is_stored(
    real_clamd, use_clamd, worker_upload, world, filed_case, _documents_settings
):
    use_clamd(real_clamd)
    events = AuditEvent.objects.count()

    response = worker_upload(upload("fine.png", png()), upload("contract.pdf", infected_pdf()))

    assert response.status_code == 400
    assert "contract.pdf" in response.content.decode()
    assert FOUND_ZH in response.content.decode()  # the worker's language (Chinese by default)
    assert not Evidence.objects.exists() and stored_files(_documents_settings) == []
    event = AuditEvent.objects.get(verb="evidence_refused_malware")
    assert event.payload == {"signature": FOUND_AS}
    assert event.case_id == filed_case.pk and event.actor_kind == "worker"
    assert AuditEvent.objects.count() == events + 1
    # Never downloadable: no row, so nothing any download path could name.
    listing = client_for(world.caseworker).get(f"/api/v1/cases/{filed_case.reference}/evidence/")
    assert listing.status_code == 200 and listing.json()["results"] == []


def test_eicar_through_the_api_is_refused_audited_and_nothing_is_stored(
    real_clamd, use_clamd, world, filed_case, _documents_settings
):
    use_clamd(real_clamd)
    response = api_upload(world.caseworker, filed_case, upload("x.pdf", infected_pdf()))
    assert response.status_code == 400, response.content
    assert FOUND_ZH in str(response.json()), response.json()
    assert not Evidence.objects.exists() and stored_files(_documents_settings) == []
    event = AuditEvent.objects.get(verb="evidence_refused_malware")
    assert event.payload == {"signature": FOUND_AS} and event.actor_kind == "staff"


def test_clean_files_are_stored_as_clean_and_served(
    real_clamd, use_clamd, worker_upload, client, world, filed_case, _documents_settings
):
    use_clamd(real_clamd)
    assert worker_upload(upload("a.png", png()), upload("b.pdf", PDF)).status_code == 303
    response = api_upload(world.caseworker, filed_case, upload("c.mp3", MP3))
    assert response.status_code == 201, response.content

    rows = list(Evidence.objects.order_by("pk"))
    assert len(rows) == 3 and len(stored_files(_documents_settings)) == 3
    assert {row.scan_status for row in rows} == {ScanStatus.CLEAN}
    served = client.get(reverse("documents:evidence_download", args=[rows[0].pk]))
    assert served.status_code == 200 and "attachment" in served["Content-Disposition"]


def test_a_killed_clamd_refuses_uploads_in_the_users_language(
    own_clamd, use_clamd, worker_upload, world, filed_case, _documents_settings
):
    use_clamd(own_clamd)
    assert ClamdScanner(own_clamd.address, timeout=10).scan(b"x") == Verdict(clean=True)
    own_clamd.kill()  # the socket file stays; nothing listens on it

    chinese = worker_upload(upload("a.png", png()))
    assert chinese.status_code == 503
    assert SCAN_FAILED_ZH in chinese.content.decode()
    english = worker_upload(upload("a.png", png()), HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 503
    assert SCAN_FAILED_EN in english.content.decode()
    assert api_upload(world.caseworker, filed_case, upload("a.png", png())).status_code == 503
    assert not Evidence.objects.exists() and stored_files(_documents_settings) == []
    assert not AuditEvent.objects.filter(verb="evidence_uploaded").exists()


def test_a_clamd_that_does_not_answer_times_out_and_nothing_is_stored(
    own_clamd, use_clamd, worker_upload, world, filed_case, _documents_settings
):
    use_clamd(own_clamd, timeout=2)
    own_clamd.pause()  # connections are still accepted; no answer comes
    try:
        response = worker_upload(upload("a.png", png()))
        assert response.status_code == 503
        assert SCAN_FAILED_ZH in response.content.decode()
        with pytest.raises(ScannerError):
            ClamdScanner(own_clamd.address, timeout=1).scan(b"x")
    finally:
        own_clamd.resume()
    assert not Evidence.objects.exists() and stored_files(_documents_settings) == []


@pytest.fixture(scope="session")
def small_clamd(clamd_daemons):
    """A clamd whose StreamMaxLength (64 KiB) is below the project's evidence limit."""
    return clamd_daemons(stream_max_bytes=64 * 1024)


def test_a_file_above_clamds_stream_limit_is_refused_never_clean(
    small_clamd, use_clamd, worker_upload, world, filed_case, _documents_settings
):
    use_clamd(small_clamd)
    scanner = ClamdScanner(small_clamd.address, timeout=10)
    # StreamMaxLength is the largest stream clamd takes: one byte more is refused. (So a clamd
    # with StreamMaxLength = EVIDENCE_MAX_BYTES scans every file the project accepts.)
    assert scanner.scan(b"a" * small_clamd.stream_max_bytes) == Verdict(clean=True)
    with pytest.raises(ScannerError):
        scanner.scan(b"a" * (small_clamd.stream_max_bytes + 1))
    with pytest.raises(ScannerError):
        scanner.scan(mp3_of(200_000))

    response = worker_upload(upload("recording.mp3", mp3_of(200_000)))
    assert response.status_code == 503 and SCAN_FAILED_ZH in response.content.decode()
    assert api_upload(
        world.caseworker, filed_case, upload("r.mp3", mp3_of(200_000))
    ).status_code == (503)
    assert not Evidence.objects.exists() and stored_files(_documents_settings) == []
    # Below the limit the same clamd passes it.
    assert worker_upload(upload("short.mp3", mp3_of(30_000))).status_code == 303
    assert Evidence.objects.get().scan_status == ScanStatus.CLEAN


def test_a_file_stored_unscanned_is_held_at_download_by_the_real_clamd(
    real_clamd, small_clamd, use_clamd, client, sign_in, world, filed_case
):
    # Stored while no scanner was configured (as an infected file could have been).
    infected, large = evidence_upload(
        case=filed_case,
        user=world.caseworker,
        files=[upload("c.pdf", infected_pdf()), upload("long.mp3", mp3_of(200_000))],
    )
    assert {infected.scan_status, large.scan_status} == {ScanStatus.NOT_SCANNED}
    sign_in(world.caseworker)

    use_clamd(real_clamd)
    held = client.get(reverse("documents:evidence_download", args=[infected.pk]))
    assert held.status_code == 400 and "attachment" not in held.get("Content-Disposition", "")
    event = AuditEvent.objects.get(verb="evidence_held_malware")
    assert event.payload == {"evidence": infected.pk, "signature": FOUND_AS}
    infected.refresh_from_db()
    assert infected.scan_status != ScanStatus.CLEAN

    use_clamd(small_clamd)  # too small for it: no verdict, so not served and not clean
    refused = client.get(reverse("documents:evidence_download", args=[large.pk]))
    assert refused.status_code == 503
    assert "attachment" not in refused.get("Content-Disposition", "")
    large.refresh_from_db()
    assert large.scan_status == ScanStatus.NOT_SCANNED

    use_clamd(real_clamd)
    served = client.get(reverse("documents:evidence_download", args=[large.pk]))
    assert served.status_code == 200 and "attachment" in served["Content-Disposition"]
    large.refresh_from_db()
    assert large.scan_status == ScanStatus.CLEAN
