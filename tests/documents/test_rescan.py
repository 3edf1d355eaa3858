"""Stored evidence scanned again by the daily sweep (documents/rescan.py, security matrix C6):
files stored before a scanner was configured, and files last scanned with older signatures.
A file found harmful is held: not served, not in a packet, not in the worker's copy of their
data. Against a real clamd (tests/documents/clamd.py) except where a fake is needed to count."""

import datetime as dt
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import AuditEvent
from casework.views.worker import SESSION_TRACK
from documents.evidence_index import evidence_index, packet_attachments
from documents.models import Evidence, ScanStatus
from documents.rendering import RenderError
from documents.rescan import evidence_due_for_rescan, evidence_rescan_due
from documents.scanning import ScannerError, Verdict
from documents.services import evidence_upload
from notifications.sweep import sweep_run
from privacy.services import personal_data_export
from tests.documents.clamd import EICAR, FOUND_AS
from tests.documents.test_evidence import PDF, png, upload

HELD_MESSAGE = "病毒检查发现此文件含有有害内容，不提供下载。"


def infected_pdf() -> bytes:
    return PDF.replace(b"%%EOF", b"% " + EICAR + b"\n%%EOF")


def no_scanner(settings):
    settings.RIGHTSDESK = {
        **settings.RIGHTSDESK,
        "EVIDENCE_SCANNER": "",
        "EVIDENCE_SCANNER_CLASS": "",
    }


def test_the_sweep_scans_files_stored_before_the_scanner_and_holds_what_it_finds(
    real_clamd, use_clamd, settings, client, sign_in, world, filed_case
):
    infected, fine = evidence_upload(
        case=filed_case,
        user=world.worker,
        files=[upload("contract.pdf", infected_pdf()), upload("payslip.png", png())],
    )
    assert sweep_run().evidence_rescanned == 0  # no scanner: nothing to do
    use_clamd(real_clamd)

    report = sweep_run()

    assert (report.evidence_rescanned, report.evidence_held) == (2, 1)
    infected.refresh_from_db()
    fine.refresh_from_db()
    assert infected.scan_status == ScanStatus.HELD and fine.scan_status == ScanStatus.CLEAN
    version = real_clamd.command(b"VERSION").decode()
    assert version.startswith("ClamAV ")
    assert infected.scanned_with == fine.scanned_with == version
    assert infected.scanned_at is not None and fine.scanned_at is not None
    event = AuditEvent.objects.get(verb="evidence_held_malware")
    assert event.payload == {"evidence": infected.pk, "signature": FOUND_AS}
    assert event.case_id == filed_case.pk and event.actor_kind == "system"
    # Nothing is due again until the signatures change.
    assert sweep_run().evidence_rescanned == 0
    assert AuditEvent.objects.filter(verb="evidence_held_malware").count() == 1

    # Held: not served, with or without a scanner; the page names it without a link.
    staff = sign_in(world.caseworker)
    url = reverse("documents:evidence_download", args=[infected.pk])
    for configured in (True, False):
        if not configured:
            no_scanner(settings)
        refused = staff.get(url)
        assert refused.status_code == 400, configured
        assert "attachment" not in refused.get("Content-Disposition", "")
    assert staff.get(reverse("documents:evidence_download", args=[fine.pk])).status_code == 200
    page = staff.get(reverse("casework:case_detail", args=[filed_case.reference])).content.decode()
    assert HELD_MESSAGE in page and url not in page and "contract.pdf" in page
    # Not in a new packet's evidence index, nor in the worker's copy of their data.
    assert [e["evidence_id"] for e in evidence_index(filed_case)] == [fine.pk]
    archive, count = personal_data_export(user=world.worker)
    names = zipfile.ZipFile(archive).namelist()
    assert count == 1 and any(f"/{fine.pk}-" in n for n in names)
    assert not any(f"/{infected.pk}-" in n for n in names)


def test_new_signatures_hold_a_file_that_was_clean_and_a_later_correction_releases_it(
    own_clamd, use_clamd, world, filed_case
):
    use_clamd(own_clamd)
    threat = b"RIGHTSDESK-TEST-NEW-THREAT-7f3a9c"
    sample = PDF.replace(b"%%EOF", b"% " + threat + b"\n%%EOF")
    row = evidence_upload(
        case=filed_case, user=world.caseworker, files=[upload("memo.pdf", sample)]
    )[0]
    assert row.scan_status == ScanStatus.CLEAN  # nothing knew it at the upload
    assert row.scanned_with == own_clamd.command(b"VERSION").decode() and row.scanned_at
    snapshot = {"evidence": evidence_index(filed_case)}  # a packet requested meanwhile

    # freshclam brings a signature for it. (clamd's VERSION names the version of its official
    # daily signatures, which this clamd does not have: the row is made to say it was scanned
    # with an older one, as it would have been.)
    own_clamd.set_signature("Rightsdesk.Test.NewThreat", threat, probe=sample)
    assert evidence_rescan_due().scanned == 0  # same version: not due
    Evidence.objects.filter(pk=row.pk).update(scanned_with="ClamAV 1.4.6/27000/Mon Jan  5 2026")

    report = evidence_rescan_due()

    assert (report.scanned, report.held) == (1, 1)
    row.refresh_from_db()
    assert row.scan_status == ScanStatus.HELD
    event = AuditEvent.objects.get(verb="evidence_held_malware")
    assert event.payload == {
        "evidence": row.pk,
        "signature": "Rightsdesk.Test.NewThreat.UNOFFICIAL",
    }
    with pytest.raises(RenderError, match="evidence E01 is held by the virus check"):
        packet_attachments(snapshot)
    assert evidence_index(filed_case) == []

    # The signature is withdrawn as a false positive: the next rescan releases the file.
    own_clamd.set_signature("Rightsdesk.Test.NewThreat", None, probe=sample)
    Evidence.objects.filter(pk=row.pk).update(scanned_with="ClamAV 1.4.6/27001/Tue Jan  6 2026")
    report = evidence_rescan_due()
    assert (report.scanned, report.held, report.released) == (1, 0, 1)
    row.refresh_from_db()
    assert row.scan_status == ScanStatus.CLEAN
    assert AuditEvent.objects.filter(verb="evidence_released").count() == 1
    assert len(packet_attachments(snapshot)) == 1


def test_an_upload_records_its_scan_and_a_receipt_holders_to_the_day(
    real_clamd, use_clamd, client, anonymous_case, world, filed_case
):
    use_clamd(real_clamd)
    version = real_clamd.command(b"VERSION").decode()
    before = timezone.now()
    staff_row = evidence_upload(
        case=filed_case, user=world.caseworker, files=[upload("a.png", png())]
    )[0]
    assert staff_row.scanned_with == version
    assert before <= staff_row.scanned_at <= timezone.now()

    case, _code = anonymous_case
    session = client.session
    session[SESSION_TRACK] = case.pk
    session.save()
    response = client.post(
        reverse("documents:evidence_upload_track"), {"files": [upload("b.png", png())]}
    )
    assert response.status_code == 303
    row = Evidence.objects.get(case=case)
    assert row.scan_status == ScanStatus.CLEAN and row.scanned_with == version
    # An anonymous filer's actions are kept to the day (matrix G6): the scan time too.
    assert row.scanned_at == row.created_at
    assert timezone.localtime(row.scanned_at).time() == dt.time(0, 0)


class CountingScanner:
    """A fake that knows its signature version and can be down."""

    version_now = "fake/2"
    down = False
    scanned: list = []

    def version(self):
        if CountingScanner.down:
            raise ConnectionRefusedError
        return CountingScanner.version_now

    def scan(self, data):
        if CountingScanner.down:
            raise ScannerError("down")
        CountingScanner.scanned.append(data)
        return Verdict(clean=True)


@pytest.fixture
def counting_scanner(settings):
    CountingScanner.down, CountingScanner.scanned = False, []
    settings.RIGHTSDESK = {
        **settings.RIGHTSDESK,
        "EVIDENCE_SCANNER_CLASS": "tests.documents.test_rescan.CountingScanner",
    }
    return CountingScanner


def test_never_scanned_files_come_first_then_the_oldest_scans_at_most_the_limit(world, filed_case):
    rows = evidence_upload(
        case=filed_case, user=world.caseworker, files=[upload(f"{i}.png", png()) for i in range(5)]
    )
    long_ago = timezone.now() - dt.timedelta(days=30)
    stamps = {
        rows[0].pk: (long_ago + dt.timedelta(days=2), "fake/1"),
        rows[1].pk: (long_ago, "fake/1"),
        rows[2].pk: (long_ago + dt.timedelta(days=1), "fake/2"),  # current: not due
        # rows[3], rows[4]: never scanned
    }
    for pk, (when, version) in stamps.items():
        Evidence.objects.filter(pk=pk).update(scanned_at=when, scanned_with=version)

    assert evidence_due_for_rescan("fake/2", 10) == [rows[3].pk, rows[4].pk, rows[1].pk, rows[0].pk]
    assert evidence_due_for_rescan("fake/2", 3) == [rows[3].pk, rows[4].pk, rows[1].pk]
    assert evidence_due_for_rescan("", 10) == [rows[3].pk, rows[4].pk]  # version unknown
    assert evidence_due_for_rescan("fake/2", 0) == []


def test_the_rescan_keeps_to_its_limit_and_stops_when_the_scanner_is_down(
    world, filed_case, settings, counting_scanner
):
    no_scanner(settings)
    rows = evidence_upload(
        case=filed_case, user=world.caseworker, files=[upload(f"{i}.png", png()) for i in range(4)]
    )
    settings.RIGHTSDESK = {
        **settings.RIGHTSDESK,
        "EVIDENCE_SCANNER_CLASS": "tests.documents.test_rescan.CountingScanner",
        "EVIDENCE_RESCAN_PER_SWEEP": 3,
    }
    assert sweep_run().evidence_rescanned == 3 and len(counting_scanner.scanned) == 3
    assert Evidence.objects.filter(scan_status=ScanStatus.CLEAN).count() == 3

    counting_scanner.down = True
    report = evidence_rescan_due()
    assert (report.scanned, report.failed) == (0, 1)  # one try, then it stops
    left = Evidence.objects.get(scan_status=ScanStatus.NOT_SCANNED)
    assert left.pk == rows[3].pk and left.scanned_at is None

    counting_scanner.down = False
    assert evidence_rescan_due().scanned == 1
    assert not Evidence.objects.exclude(scan_status=ScanStatus.CLEAN).exists()
    assert set(Evidence.objects.values_list("scanned_with", flat=True)) == {"fake/2"}
