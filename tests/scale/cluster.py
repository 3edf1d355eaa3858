"""What the scale-out test runs inside the cluster's own environment (PostgreSQL, Celery, the
shared var/), as `python -m tests.scale.cluster COMMAND`, printing one JSON line:

    seed N        the organisations and users of the test world, the caseworker's password,
                  and N cases under review assigned to the caseworker (for renders)
    cases CODES   (stdin: receipt codes, one a line) how many of them find their case
    documents IDS (stdin: case references) per case, its referral packets: status, version,
                  `document_rendered` events, file present
    files         the names in storage's generated/ folder

The test process itself never opens the cluster's database through Django: its own settings
belong to pytest-django.
"""

from __future__ import annotations

import json
import os
import sys

CASEWORKER_PASSWORD = "scale-out-caseworker-pw-2026"  # noqa: S105 - a throwaway test database
# The caseworker's authenticator key (hex, as django-otp stores it): staff need a second factor.
CASEWORKER_TOTP_KEY = "5363616c652d6f75742d746f74702d6b65792d3230"


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def seed(n: int) -> dict:
    from django.db import transaction
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User
    from casework.services import case_accept_for_review, case_file
    from tests.factories import IntakeDataFactory, build_world

    with transaction.atomic():
        world = build_world()
        caseworker = User.objects.get(pk=world.caseworker.pk)
        caseworker.set_password(CASEWORKER_PASSWORD)
        caseworker.save(update_fields=["password"])
        TOTPDevice.objects.create(
            user=caseworker, name="scale", confirmed=True, key=CASEWORKER_TOTP_KEY
        )
    references = []
    for _ in range(n):
        case, _receipt = case_file(data=IntakeDataFactory(), filed_by=world.worker)
        case = case_accept_for_review(case=case, user=caseworker)
        references.append(case.reference)
    return {"caseworker": caseworker.username, "references": references}


def cases(codes: list[str]) -> dict:
    from casework.models import Case
    from casework.services import receipt_lookup

    found = [receipt_lookup(code) for code in codes]
    return {
        "found": sum(1 for c in found if c is not None),
        "distinct": len({c.pk for c in found if c is not None}),
        "total_cases": Case.objects.count(),
    }


def documents(references: list[str]) -> dict:
    from casework.models import AuditEvent
    from documents.models import DocumentKind, GeneratedDocument

    rendered: dict[int, int] = {}
    for payload in AuditEvent.objects.filter(verb="document_rendered").values_list(
        "payload", flat=True
    ):
        rendered[payload["document"]] = rendered.get(payload["document"], 0) + 1
    out = {}
    for doc in (
        GeneratedDocument.objects.filter(
            case__reference__in=references, kind=DocumentKind.REFERRAL_PACKET
        )
        .defer("snapshot")
        .select_related("case")
        .order_by("id")
    ):
        out.setdefault(doc.case.reference, []).append(
            {
                "id": doc.pk,
                "version": doc.version,
                "status": doc.status,
                "rendered_events": rendered.get(doc.pk, 0),
                "file": doc.file.name,
                "pages": doc.pages,
                "attempts": doc.render_attempts,
            }
        )
    return out


def files() -> dict:
    from django.core.files.storage import default_storage

    try:
        names = default_storage.listdir("generated")[1]
    except FileNotFoundError:
        names = []
    return {"files": sorted(f"generated/{n}" for n in names)}


def main(argv: list[str]) -> None:
    _setup()
    command = argv[0]
    if command == "seed":
        result = seed(int(argv[1]))
    elif command == "cases":
        result = cases([line.strip() for line in sys.stdin if line.strip()])
    elif command == "documents":
        result = documents([line.strip() for line in sys.stdin if line.strip()])
    elif command == "files":
        result = files()
    else:
        raise SystemExit(f"unknown command {command!r}")
    sys.stdout.write("\n" + json.dumps(result) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
