"""The restore drill's comparison (security.md matrix H8): ops.backup_check.fingerprint, which
scripts/backup-restore-test.sh takes of the source and of the restored copy, tells two
databases apart whenever one person's access or one file's bytes differ — a grant more or less,
a membership's role, a file changed behind its row — and not otherwise."""

import json
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from guardian.shortcuts import assign_perm, remove_perm

from accounts.models import Membership
from casework.services import case_accept_for_review
from documents.models import Evidence
from documents.services import evidence_upload
from ops.backup_check import files_intact, fingerprint
from tests.documents.test_evidence import PDF, png, upload

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "backup-restore-test.sh"


@pytest.fixture
def populated(world, filed_case, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files")},
        },
    }
    case = case_accept_for_review(case=filed_case, user=world.caseworker)
    evidence_upload(
        case=case, user=world.caseworker, files=[upload("a.png", png()), upload("b.pdf", PDF)]
    )
    return case


def _roundtrip(value):
    return json.loads(json.dumps(value))  # as the script passes it between processes


def test_the_same_data_gives_the_same_fingerprint(populated):
    first = _roundtrip(fingerprint())
    assert first == _roundtrip(fingerprint())
    assert first["grants"] and first["memberships"] and len(first["files"]) == 2
    assert files_intact(first)
    if first["worker"] is not None:  # a worker with an ID number: hashed, never printed
        from casework.models import Worker

        assert Worker.objects.get(pk=first["worker"]).id_number not in json.dumps(first)


def test_one_grant_more_or_less_changes_the_permission_set(populated, world):
    before = _roundtrip(fingerprint())
    assign_perm("casework.view_case", world.other_caseworker, populated)
    gained = _roundtrip(fingerprint())
    assert set(gained["grants"]) - set(before["grants"]) == {
        f"u{world.other_caseworker.pk}:view_case:{populated.pk}"
    }
    remove_perm("casework.view_case", world.other_caseworker, populated)
    assert _roundtrip(fingerprint())["grants"] == before["grants"]
    remove_perm("casework.view_case", world.caseworker, populated)
    assert set(before["grants"]) - set(_roundtrip(fingerprint())["grants"])


def test_a_changed_role_or_file_is_found(populated, world):
    before = _roundtrip(fingerprint())
    membership = Membership.objects.filter(user=world.caseworker).first()
    membership.role = "analyst"
    membership.save(update_fields=["role"])
    assert _roundtrip(fingerprint())["memberships"] != before["memberships"]

    item = Evidence.objects.order_by("pk").first()
    path = default_storage.path(item.file.name)
    Path(path).write_bytes(b"tampered")
    after = _roundtrip(fingerprint())
    assert after["files"] != before["files"] and not files_intact(after)
    Path(path).unlink()
    assert f"evidence{item.pk}:{item.sha256}:missing" in _roundtrip(fingerprint())["files"]


def test_the_drill_compares_the_fingerprints_as_sets():
    script = SCRIPT.read_text(encoding="utf-8")
    assert "from ops.backup_check import fingerprint" in script
    assert 'for key in ("grants", "memberships", "files")' in script
    assert "files_intact(after" in script
