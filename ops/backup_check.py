"""What a restored copy must reproduce (security.md matrix H8; scripts/backup-restore-test.sh).

`fingerprint()` reads the database and the file storage the settings name and answers a
JSON-able summary: counts, a worker's decrypted identity, and — compared as sets, not counts —
every object-permission row (user or group × permission × case), every membership (user ×
organisation × role) and the SHA-256 of every stored evidence file and generated document as
read back from storage. Two fingerprints are equal only if the restore gave everyone exactly the
access they had and every file its bytes. Set members are listed in full (IDs and hashes only,
no personal data) so that a difference names what differs.
"""

from __future__ import annotations

import hashlib

from django.core.files.storage import default_storage


def _sha256_of(name: str) -> str:
    try:
        with default_storage.open(name, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except (FileNotFoundError, OSError):
        return "missing"


def fingerprint() -> dict:
    from accounts.models import Membership
    from casework.models import Case, CaseGroupObjectPermission, CaseUserObjectPermission, Worker
    from documents.models import Evidence, GeneratedDocument

    user_grants = sorted(
        f"u{u}:{perm}:{obj}"
        for u, perm, obj in CaseUserObjectPermission.objects.values_list(
            "user_id", "permission__codename", "content_object_id"
        )
    )
    group_grants = sorted(
        f"g{g}:{perm}:{obj}"
        for g, perm, obj in CaseGroupObjectPermission.objects.values_list(
            "group_id", "permission__codename", "content_object_id"
        )
    )
    memberships = sorted(
        f"{u}:{o}:{r}"
        for u, o, r in Membership.objects.values_list("user_id", "organisation_id", "role")
    )
    files = sorted(
        [
            f"evidence{pk}:{sha}:{_sha256_of(name)}"
            for pk, name, sha in Evidence.objects.values_list("pk", "file", "sha256")
        ]
        + [
            f"document{pk}:{sha}:{_sha256_of(name)}"
            for pk, name, sha in GeneratedDocument.objects.filter(status="ready").values_list(
                "pk", "file", "sha256"
            )
        ]
    )
    worker = Worker.objects.exclude(id_number="").order_by("pk").first()
    return {
        "cases": sorted(Case.objects.values_list("pk", "state")),
        "worker": worker.pk if worker else None,
        "id_number_sha256": hashlib.sha256(worker.id_number.encode()).hexdigest()
        if worker
        else None,
        "grants": user_grants + group_grants,
        "memberships": memberships,
        "files": files,
    }


def files_intact(print_: dict) -> bool:
    """Every file's stored bytes hash to the SHA-256 its row recorded."""
    return all(entry.split(":")[1] == entry.split(":")[2] for entry in print_["files"])
