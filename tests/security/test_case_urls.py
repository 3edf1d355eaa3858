"""The authorisation matrix (security.md A2/A3): for every URL that takes a case, every role that
must not see the case gets 404 — for GET and for POST — and nothing changes.

The routes are read from the URL resolver and config/routes.toml (every route that declares an
object: case, document or evidence), so a new case URL is covered without editing this file; a
route that takes a case but is not exercised here fails `test_every_case_route_is_covered`.
test_routes.py checks the other half: that roles the file does not allow are refused.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import User
from casework.choices import CaseState
from casework.models import Case
from documents.models import GeneratedDocument
from tests.factories import case_snapshot, drive_to, referral_packet_make

TRANSITIONS = sorted(t.name for t in Case().get_all_state_transitions()) + ["no_such_transition"]


def _routes(patterns=None, prefix="", namespace=None):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            yield from _routes(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), f"{namespace}:{p.name}" if namespace else p.name


def _declared_objects() -> dict[str, str]:
    """Route name -> the object its URL names, from config/routes.toml."""
    from .routes import load

    declared, _prefixes = load()
    return {key: decl.object for key, decl in declared.items() if decl.object}


# Routes that take a generated document or an evidence file instead of the case.
DOCUMENT_ROUTES = {k for k, kind in _declared_objects().items() if kind == "document"}
EVIDENCE_ROUTES = {k for k, kind in _declared_objects().items() if kind == "evidence"}

# The REST API (/api/v1/, namespace "api") has its own matrix over every route and method, with
# its own route inventory and answers (401 without credentials): tests/api/test_authz_matrix.py.
CASE_ROUTES = {
    name
    for route, name in _routes()
    if (
        "<str:reference>" in route
        or _declared_objects().get(name) in {"case", "document", "evidence"}
    )
    and not name.startswith("api:")
}


def _extra_args() -> dict[str, list[str]]:
    """The values to try for routes that take more than the case: every transition, every worker
    action, every calculator… A case route with another parameter must be listed here."""
    from casework.forms.calculators import CALCULATORS
    from documents.kinds import FILINGS

    return {
        "casework:case_transition": TRANSITIONS,
        "casework:my_case_action": ["message", "answer", "withdraw", "consent", "consent-withdraw"],
        "documents:request": sorted(FILINGS) + ["no_such_filing"],
        "casework:case_calculator": sorted(CALCULATORS),
        # A stage of proceedings: one that may exist and one that does not.
        "casework:proceeding_update": ["1", "999999"],
    }


def _urls(case: Case, document: GeneratedDocument, evidence=None) -> list[str]:
    extra = _extra_args()
    urls = []
    for name in sorted(CASE_ROUTES):
        if name in DOCUMENT_ROUTES:
            urls.append(reverse(name, args=[document.pk]))
        elif name in EVIDENCE_ROUTES:
            if evidence is not None:  # (callers without an evidence file skip its routes)
                urls.append(reverse(name, args=[evidence.pk]))
        elif name in extra:
            urls += [reverse(name, args=[case.reference, arg]) for arg in extra[name]]
        else:
            urls.append(reverse(name, args=[case.reference]))
    return urls


POST_DATA = {
    "expected_state": CaseState.UNDER_REVIEW,
    "body": "x",
    "question": "x",
    "note": "x",
    "terms": "x",
    "reason": "new_facts",
    "route": "route_arbitration",
    "outcome": "settled",
    "scope": "union_mediation",
    "conflict_found": "no",
    "worker_request_note": "x",
    "answer": "x",
    "reveals_identity": "on",
}


@pytest.fixture
def evidence_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files")},
        },
    }


def _evidence(case):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from documents.services import evidence_upload

    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    return evidence_upload(
        case=case,
        user=case.assignee,
        files=[SimpleUploadedFile("payslip.pdf", pdf, "application/pdf")],
    )[0]


@pytest.fixture
def under_review(world, evidence_storage):
    """A case of the Wujin union, filed with world.worker's account, assigned to world.caseworker,
    with a ready referral packet and an evidence file (so the download URLs have something to
    hide)."""
    case = drive_to(world, CaseState.UNDER_REVIEW, filed_by=world.worker)
    referral_packet_make(case)
    evidence = _evidence(case)
    return case, GeneratedDocument.objects.get(case=case), evidence


@pytest.fixture
def referred(world, evidence_storage):
    """A case referred to the legal-aid centre, waiting for its coordinator's answer."""
    case = drive_to(world, CaseState.REFERRED)
    evidence = _evidence(case)
    return case, GeneratedDocument.objects.filter(case=case).first(), evidence


def test_every_case_route_is_covered(world, under_review):
    case, document, evidence = under_review
    assert CASE_ROUTES >= {"casework:case_detail", "casework:my_case"} | DOCUMENT_ROUTES
    assert {"documents:download", "documents:evidence_download"} <= CASE_ROUTES
    # A case route that takes another parameter must say which values to try.
    needs_more = {name for route, name in _routes() if name in CASE_ROUTES and route.count("<") > 1}
    assert needs_more - DOCUMENT_ROUTES <= set(_extra_args()), needs_more - set(_extra_args())
    assert len(_urls(case, document, evidence)) >= len(CASE_ROUTES) + len(TRANSITIONS)


def _assert_hidden(client, user: User | None, case: Case, document, evidence) -> int:
    if user is not None:
        client.force_login(User.objects.get(pk=user.pk))
    before = case_snapshot(case)
    secrets = [case.primary_employer.name, case.primary_worker.name, case.facts[:20]]
    checked = 0
    for url in _urls(case, document, evidence):
        for method in ("get", "post"):
            response = getattr(client, method)(url, POST_DATA if method == "post" else None)
            if response.status_code == 405:
                # A route refuses the wrong method before it looks anything up: the same for every case.
                assert method.upper() not in response["Allow"], url
            elif user is None:
                # Anonymous: sent to sign in, or 404 — never the case.
                assert response.status_code in (302, 404), (method, url, response.status_code)
                if response.status_code == 302:
                    assert response["Location"].startswith("/accounts/login/"), (method, url)
            else:
                assert response.status_code == 404, (
                    user.username,
                    method,
                    url,
                    response.status_code,
                )
            body = response.content.decode(errors="replace")
            assert not [s for s in secrets if s in body], (method, url)
            checked += 1
    assert case_snapshot(case) == before
    return checked


@pytest.mark.parametrize(
    "who",
    [
        "other_worker",
        "other_caseworker",
        "other_supervisor",
        "coordinator",
        "lawyer",
        "other_coordinator",
        "other_lawyer",
        "analyst",
        None,
    ],
)
def test_nobody_without_a_grant_reaches_a_case(client, world, under_review, who):
    case, document, evidence = under_review
    checked = _assert_hidden(client, getattr(world, who) if who else None, case, document, evidence)
    assert checked >= 2 * (len(CASE_ROUTES) + len(TRANSITIONS))


@pytest.mark.parametrize(
    "who", ["lawyer", "other_coordinator", "other_lawyer", "analyst", "other_worker"]
)
def test_a_referral_reveals_nothing_to_anyone_but_the_providers_coordinator(
    client, world, referred, who
):
    case, document, evidence = referred
    _assert_hidden(client, getattr(world, who), case, document, evidence)


def test_the_worker_page_is_the_filers_alone(client, world, under_review):
    # Staff of the owning union see the case on their pages, but the worker's page is 404 to them.
    case, _document, _evidence = under_review
    for user in (world.caseworker, world.supervisor):
        client.force_login(User.objects.get(pk=user.pk))
        assert client.get(reverse("casework:my_case", args=[case.reference])).status_code == 404
        assert client.get(reverse("casework:case_detail", args=[case.reference])).status_code == 200
    client.force_login(User.objects.get(pk=world.worker.pk))
    assert client.get(reverse("casework:my_case", args=[case.reference])).status_code == 200
    assert client.get(reverse("casework:case_detail", args=[case.reference])).status_code == 404


def test_a_missing_case_and_a_hidden_case_look_the_same(client, world, under_review):
    case, _document, _evidence = under_review
    client.force_login(User.objects.get(pk=world.other_caseworker.pk))
    hidden = client.get(reverse("casework:case_detail", args=[case.reference]))
    missing = client.get(reverse("casework:case_detail", args=["CZ-2099-999999"]))
    assert hidden.status_code == missing.status_code == 404

    def normalised(response, reference):
        body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
        return body.replace(reference, "REF")

    assert normalised(hidden, case.reference) == normalised(missing, "CZ-2099-999999")
