"""BOPLA and mass assignment (security.md §7 A7).

- Fields nobody may set through a request — state, assignee, owning union, confidentiality,
  filer, reference, version, channel — sent with an intake, a transition, a note or a worker's
  own action are ignored or refused, and the row read back from the database does not have them.
- What each role receives is an allowlist kept in a golden file (golden/response_fields.json):
  the set of field paths of the caseworker's and the lawyer's full case, the worker's own view,
  the centre coordinator's inbox summary. A field added to a response fails here until the
  golden file is changed on purpose (regenerate: RIGHTSDESK_WRITE_GOLDEN=1).
"""

import json
import os
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from casework.choices import CaseState, Confidentiality
from casework.models import Case, Note
from tests.api.conftest import client_for
from tests.factories import drive_to, run_on_commit

pytestmark = pytest.mark.django_db
GOLDEN = Path(__file__).with_name("golden") / "response_fields.json"


def smuggled(world) -> dict:
    """Fields of the case that no request may set, with values an attacker would want."""
    return {
        "state": CaseState.CLOSED,
        "assignee": world.other_caseworker.pk,
        "assignee_id": world.other_caseworker.pk,
        "owning_org": world.xinbei.pk,
        "owning_org_id": world.xinbei.pk,
        "confidentiality": Confidentiality.RESTRICTED,
        "is_confidential": True,
        "filed_by": world.other_worker.pk,
        "owner": world.other_worker.pk,
        "reference": "CZ-2026-999999",
        "version": 99,
    }


def _guarded(case: Case) -> dict:
    return (
        Case.objects.filter(pk=case.pk)
        .values("assignee_id", "owning_org_id", "confidentiality", "filed_by_id", "reference")
        .get()
    )


def test_intake_ignores_or_refuses_fields_the_caller_may_not_set(world):
    body = {
        "worker_name": "李四",
        "employer_name": "常州某机械有限公司",
        "category_codes": ["WAGE.ARREARS"],
        "facts": "拖欠两个月工资。",
        "consent_union_handling": True,
        "claims": [{"item": "工资", "amount": "8000.00"}],
        **{k: v for k, v in smuggled(world).items() if k not in ("owning_org", "owning_org_id")},
    }
    response = client_for(world.caseworker).post("/api/v1/cases/", body, format="json")
    if response.status_code == 400:
        assert Case.objects.count() == 0
        return
    assert response.status_code == 201, response.json()
    case = Case.objects.get(reference=response.json()["reference"])
    assert case.reference != "CZ-2026-999999"
    assert case.state == CaseState.SUBMITTED and case.version <= 2
    assert case.assignee_id is None and case.owning_org == world.wujin
    assert case.confidentiality == Confidentiality.NORMAL
    assert case.filed_by_id != world.other_worker.pk


def test_a_transition_and_a_note_take_nothing_but_their_own_fields(world):
    case = drive_to(world, CaseState.UNDER_REVIEW)
    other = drive_to(
        world, CaseState.UNDER_REVIEW, district="新北区", caseworker=world.other_caseworker
    )
    before = _guarded(case)
    api = client_for(world.caseworker)
    with run_on_commit():
        moved = api.post(
            f"/api/v1/cases/{case.reference}/transitions/start_mediation/",
            {**smuggled(world), "expected_state": CaseState.UNDER_REVIEW},
            format="json",
        )
    assert moved.status_code in (200, 400), moved.json()
    after = Case.objects.get(pk=case.pk)
    assert after.state in (CaseState.UNDER_REVIEW, CaseState.MEDIATION)  # never "closed"
    assert _guarded(case) == before
    noted = api.post(
        f"/api/v1/cases/{case.reference}/notes/",
        {"body": "内部备注", "case": other.pk, "author": world.other_caseworker.pk},
        format="json",
    )
    assert noted.status_code in (201, 400)
    assert not Note.objects.filter(case=other).exists()
    assert not Note.objects.filter(author=world.other_caseworker).exists()
    assert _guarded(case) == before


def test_a_workers_own_pages_take_nothing_but_their_own_fields(world):
    case = drive_to(world, CaseState.UNDER_REVIEW)
    before = _guarded(case)
    state = Case.objects.get(pk=case.pk).state
    browser = Client()
    browser.force_login(type(world.worker).objects.get(pk=world.worker.pk))
    with run_on_commit():
        response = browser.post(
            reverse("casework:my_case_action", args=[case.reference, "message"]),
            {"body": "我补充一点情况。", **smuggled(world)},
        )
    assert response.status_code in (200, 302, 303)
    assert _guarded(case) == before
    assert Case.objects.get(pk=case.pk).state == state
    api = client_for(world.worker, session=True)
    with run_on_commit():
        api.post(
            f"/api/v1/cases/{case.reference}/transitions/withdraw/",
            smuggled(world),
            format="json",
        )
    # The worker may withdraw; nothing else they sent was taken.
    assert Case.objects.get(pk=case.pk).state == CaseState.WITHDRAWN
    assert _guarded(case) == before


def _paths(value, prefix="") -> set[str]:
    """The field paths of a JSON value: "a", "a.b", "a[].c"."""
    found = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            path = f"{prefix}.{key}" if prefix else key
            found.add(path)
            found |= _paths(inner, path)
    elif isinstance(value, list):
        for item in value:
            found |= _paths(item, f"{prefix}[]")
    return found


def _responses(world) -> dict[str, set[str]]:
    case = drive_to(world, CaseState.LEGAL_AID)
    referred = drive_to(world, CaseState.REFERRED)
    inbox = client_for(world.coordinator).get("/api/v1/referrals/").json()
    assert [r["reference"] for r in inbox["results"]] == [referred.reference]
    return {
        "caseworker: case": client_for(world.caseworker)
        .get(f"/api/v1/cases/{case.reference}/")
        .json(),
        "lawyer: case": client_for(world.lawyer).get(f"/api/v1/cases/{case.reference}/").json(),
        "worker: own case": client_for(world.worker, session=True)
        .get(f"/api/v1/my/cases/{case.reference}/")
        .json(),
        "coordinator: inbox item": inbox["results"][0],
    }


def test_each_role_receives_exactly_its_allowlisted_fields(world):
    got = {role: sorted(_paths(body)) for role, body in _responses(world).items()}
    if os.environ.get("RIGHTSDESK_WRITE_GOLDEN"):
        GOLDEN.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert got == golden
    # What the allowlists say, in words: the worker and the coordinator get no identity, no
    # staff names and no internal workings.
    for role in ("worker: own case", "coordinator: inbox item"):
        for field in ("workers", "facts", "assignee", "version", "identity_shown"):
            assert not any(p == field or p.startswith(field + ".") for p in golden[role]), (
                role,
                field,
            )
