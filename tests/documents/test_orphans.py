"""Upload atomicity past the process's death (security.md §7 C10): a process killed between
storing a file and committing its row leaves a file no row names. The daily sweep deletes such
files once they are older than the grace period, keeps younger ones (an upload in progress),
and counts, without deleting, rows whose file is missing. Afterwards the stored files and the
files the rows name are the same set: no blob without a row and no row without a blob."""

import datetime as dt
import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from documents import services
from documents.models import Evidence, GeneratedDocument
from documents.orphans import ORPHAN_GRACE, files_sweep_orphans, stored_names
from documents.services import evidence_upload
from notifications.sweep import sweep_run

from .filing_support import K, generate, png_bytes


def _upload(case, user, name="payslip.png"):
    return evidence_upload(
        case=case,
        user=user,
        files=[SimpleUploadedFile(name, png_bytes(), content_type="image/png")],
        description="工资条",
    )


def _killed_upload(case, user, monkeypatch):
    """An upload whose process dies after the file is stored and before its rows commit: the
    transaction rolls back and the clean-up that would delete the file never runs."""

    class Killed(BaseException):
        pass

    def die(**kwargs):
        raise Killed()

    with monkeypatch.context() as m:
        m.setattr(services, "audit_record", die)
        m.setattr(services.default_storage, "delete", lambda name: None)  # it never gets here
        with pytest.raises(Killed):
            _upload(case, user, "killed.png")


def _everything_stored(storage) -> set[str]:
    return set(stored_names("evidence")) | set(stored_names("generated"))


def _everything_named() -> set[str]:
    return set(Evidence.objects.values_list("file", flat=True)) | set(
        GeneratedDocument.objects.exclude(file="").values_list("file", flat=True)
    )


def _age(storage, names, by=ORPHAN_GRACE + dt.timedelta(minutes=5)):
    past = (timezone.now() - by).timestamp()
    for name in names:
        os.utime(storage.path(name), (past, past))


def test_the_daily_sweep_deletes_what_a_killed_upload_and_render_left_behind(
    world, reviewed_case, monkeypatch, _documents_settings
):
    storage = _documents_settings
    # Given evidence and a filing stored properly,
    (kept,) = _upload(reviewed_case, world.caseworker)
    doc = generate(reviewed_case, K.COMPLAINT_RECEIPT, world.caseworker)
    doc.refresh_from_db()
    assert doc.file.name
    # and the files of an upload and a render whose processes were killed mid-way,
    before = _everything_stored(storage)
    _killed_upload(reviewed_case, world.caseworker, monkeypatch)
    dead_render = storage.save("generated/" + "ab" * 16 + ".pdf", ContentFile(b"%PDF-1.7 x"))
    orphans = _everything_stored(storage) - before
    assert len(orphans) == 2 and dead_render in orphans
    assert Evidence.objects.filter(case=reviewed_case).count() == 1  # no row for them
    assert _everything_stored(storage) != _everything_named()
    # when the daily sweep runs once they are older than the grace period,
    _age(storage, _everything_stored(storage))
    report = sweep_run()
    # then both are gone, and what is stored is exactly what the rows name,
    assert report.orphan_files_deleted == 2
    assert not any(storage.exists(name) for name in orphans)
    assert _everything_stored(storage) == _everything_named() == {kept.file.name, doc.file.name}
    # and a second sweep finds nothing more.
    assert sweep_run().orphan_files_deleted == 0


def test_a_young_file_without_a_row_is_kept_for_the_upload_in_progress(
    world, reviewed_case, monkeypatch, _documents_settings
):
    storage = _documents_settings
    _killed_upload(reviewed_case, world.caseworker, monkeypatch)
    (young,) = _everything_stored(storage)
    report = files_sweep_orphans()
    assert (report.deleted, report.kept_young) == (0, 1)
    assert storage.exists(young)
    # past the grace period, it goes.
    later = timezone.now() + ORPHAN_GRACE + dt.timedelta(minutes=1)
    assert files_sweep_orphans(now=later).deleted == 1
    assert not storage.exists(young)


def test_a_file_whose_row_commits_during_the_sweep_is_not_deleted(
    world, reviewed_case, monkeypatch, _documents_settings
):
    # The sweep read the rows before the upload's row committed: it checks again before deleting.
    storage = _documents_settings
    (item,) = _upload(reviewed_case, world.caseworker)
    _age(storage, [item.file.name])
    from documents import orphans

    real = orphans._referenced
    monkeypatch.setattr(
        orphans, "_referenced", lambda names=None: set() if names is None else real(names)
    )
    assert files_sweep_orphans().deleted == 0
    assert storage.exists(item.file.name)


def test_a_row_whose_file_is_missing_is_counted_and_kept(
    world, reviewed_case, _documents_settings, caplog
):
    storage = _documents_settings
    (item,) = _upload(reviewed_case, world.caseworker)
    os.remove(storage.path(item.file.name))
    report = files_sweep_orphans()
    assert (report.deleted, report.missing) == (0, 1)
    assert Evidence.objects.filter(pk=item.pk).exists()
    assert "1 rows name a file that is not in the storage" in caplog.text
