"""The authorisation matrix over every API route and method (security.md A1–A4, API1):
outsiders — another union's caseworker and supervisor, another provider's coordinator and
lawyer, the centre's lawyer before acceptance, a worker of another case, an analyst, and the
case's own worker on staff-only routes — get 404 from every object route, find the cases in
no list, and change nothing. A route-inventory test makes a new route without an entry fail."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver
from PIL import Image

from casework.choices import CaseState, ConsentScope
from casework.services import consent_grant
from documents.models import Evidence, GeneratedDocument
from documents.services import evidence_upload
from tests.factories import case_snapshot, drive_to, referral_packet_make

from .conftest import client_for


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 120, 0)).save(out, "PNG")
    return out.getvalue()


# route name → methods; the object a route names is filled in by `_url`.
ROUTES = {
    "case-list": ["GET", "POST"],
    "case-detail": ["GET"],
    "case-transition": ["POST"],
    "case-providers": ["GET"],
    "case-notes": ["GET", "POST"],
    "case-messages": ["GET", "POST"],
    "case-consents": ["GET", "POST"],
    "consent-withdraw": ["POST"],
    "case-evidence": ["GET", "POST"],
    "case-documents": ["GET", "POST"],
    "evidence-download": ["GET"],
    "document-detail": ["GET"],
    "document-download": ["GET"],
    "referral-inbox": ["GET"],
    "my-case-list": ["GET"],
    "my-case-detail": ["GET"],
    "referral-detail": ["GET"],
    "referral-conflict-check": ["POST"],
    "referral-accept": ["POST"],
    "referral-decline": ["POST"],
    "rights-categories": ["GET"],
    "rights-deadlines": ["POST"],
    "reports": ["GET"],  # who finds it: tests/reports/test_api.py
}
# Routes that name no case: lists (checked for what they show) and the rights knowledge.
NOT_OBJECT_ROUTES = {
    "case-list",
    "my-case-list",
    "referral-inbox",
    "rights-categories",
    "rights-deadlines",
    "reports",
}
CALCULATOR_PREFIX = "rights-calculator-"


def _api_route_names() -> set[str]:
    resolver = get_resolver()
    names = set()
    for key in resolver.reverse_dict.keys():
        if isinstance(key, str):
            continue
    namespace = resolver.namespace_dict["api"][1]
    for key in namespace.reverse_dict.keys():
        if isinstance(key, str):
            names.add(key)
    return names


def test_every_api_route_is_in_the_matrix():
    names = _api_route_names()
    calculators = {n for n in names if n.startswith(CALCULATOR_PREFIX)}
    assert calculators, "the calculators have routes"
    assert names - calculators == set(ROUTES)


@pytest.fixture
def victims(world, fake_pdf):
    """Two cases of the Wujin union: one under review (with evidence, a packet and a consent
    record), one referred to the legal-aid centre and waiting for its answer."""
    reviewed = drive_to(world, CaseState.UNDER_REVIEW)
    document = referral_packet_make(reviewed)  # before the evidence: it embeds none
    evidence = evidence_upload(
        case=reviewed,
        user=world.caseworker,
        files=[SimpleUploadedFile("p.png", _png(), content_type="image/png")],
    )[0]
    consent = consent_grant(
        case=reviewed, user=world.worker, scope=ConsentScope.EMPLOYER_DISCLOSURE
    )
    referred = drive_to(world, CaseState.REFERRED)
    return {
        "reviewed": reviewed,
        "referred": referred,
        "evidence": evidence,
        "document": document,
        "consent": consent,
    }


def _requests(world, v):
    """(route, method, url, body, format) for every object route, on the victim it names."""
    reviewed, referred = v["reviewed"].reference, v["referred"].reference
    base = "/api/v1"
    from api.views.transitions import TRANSITIONS

    body_for_transition = {
        "reason": "other_forum",
        "route": "route_arbitration",
        "question": "q",
        "answer": "a",
        "note": "n",
        "terms": "t",
        "provider": world.centre.pk,
        "lawyer": world.lawyer.pk,
        "stage": "arbitration",
        "forum": "f",
        "filing_date": "2026-10-09",
        "outcome": "settled",
        "worker_request_note": "w",
    }
    out = []
    for name in TRANSITIONS:
        for ref in (reviewed, referred):
            out.append(
                (
                    "case-transition",
                    "POST",
                    f"{base}/cases/{ref}/transitions/{name}/",
                    body_for_transition,
                )
            )
    for ref in (reviewed, referred):
        out += [
            ("case-detail", "GET", f"{base}/cases/{ref}/", None),
            ("my-case-detail", "GET", f"{base}/my/cases/{ref}/", None),
            ("case-providers", "GET", f"{base}/cases/{ref}/providers/", None),
            ("case-notes", "GET", f"{base}/cases/{ref}/notes/", None),
            ("case-notes", "POST", f"{base}/cases/{ref}/notes/", {"body": "x"}),
            ("case-messages", "GET", f"{base}/cases/{ref}/messages/", None),
            ("case-messages", "POST", f"{base}/cases/{ref}/messages/", {"body": "x"}),
            ("case-consents", "GET", f"{base}/cases/{ref}/consents/", None),
            (
                "case-consents",
                "POST",
                f"{base}/cases/{ref}/consents/",
                {"scope": "legal_aid_provider", "provider": world.firm.pk},
            ),
            ("case-evidence", "GET", f"{base}/cases/{ref}/evidence/", None),
            ("case-evidence", "POST", f"{base}/cases/{ref}/evidence/", "multipart"),
            ("case-documents", "GET", f"{base}/cases/{ref}/documents/", None),
            (
                "case-documents",
                "POST",
                f"{base}/cases/{ref}/documents/",
                {"kind": "referral_packet"},
            ),
            ("referral-detail", "GET", f"{base}/referrals/{ref}/", None),
            ("referral-conflict-check", "POST", f"{base}/referrals/{ref}/conflict-check/", {}),
            (
                "referral-accept",
                "POST",
                f"{base}/referrals/{ref}/accept/",
                {"lawyer": world.lawyer.pk},
            ),
            (
                "referral-decline",
                "POST",
                f"{base}/referrals/{ref}/decline/",
                {"reason": "capacity"},
            ),
        ]
    out += [
        (
            "consent-withdraw",
            "POST",
            f"{base}/cases/{reviewed}/consents/{v['consent'].pk}/withdraw/",
            {"reason": "r"},
        ),
        ("evidence-download", "GET", f"{base}/evidence/{v['evidence'].pk}/download/", None),
        ("document-detail", "GET", f"{base}/documents/{v['document'].pk}/", None),
        ("document-download", "GET", f"{base}/documents/{v['document'].pk}/download/", None),
    ]
    return out


def _call(client, method, url, body):
    if method == "GET":
        return client.get(url)
    if body == "multipart":
        upload = SimpleUploadedFile("p.png", _png(), content_type="image/png")
        return client.post(url, {"files": [upload]}, format="multipart")
    return client.post(url, body, format="json")


OUTSIDERS = [
    "other_caseworker",
    "other_supervisor",
    "other_coordinator",
    "other_lawyer",
    "lawyer",  # the centre's lawyer: nothing before the coordinator accepts
    "analyst",
    "other_worker",
]
STAFF_ONLY = {
    "case-detail",
    "case-providers",
    "case-notes",
    "case-documents",
    "document-detail",
    "document-download",
    "referral-detail",
    "referral-conflict-check",
    "referral-accept",
    "referral-decline",
}


def _state(v):
    return {
        "reviewed": case_snapshot(v["reviewed"]),
        "referred": case_snapshot(v["referred"]),
        "evidence": Evidence.objects.count(),
        "documents": GeneratedDocument.objects.count(),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_get_404_from_every_object_route_and_change_nothing(world, victims, who):
    user = getattr(world, who)
    client = client_for(user, session=who == "other_worker")
    before = _state(victims)
    checked = 0
    for route, method, url, body in _requests(world, victims):
        response = _call(client, method, url, body)
        assert response.status_code == 404, (who, route, method, url, response.content[:300])
        checked += 1
    assert _state(victims) == before
    # Lists show neither case.
    refs = {victims["reviewed"].reference, victims["referred"].reference}
    listed = {r["reference"] for r in client.get("/api/v1/cases/").json()["results"]}
    inbox = {r["reference"] for r in client.get("/api/v1/referrals/").json()["results"]}
    mine = {r["reference"] for r in client.get("/api/v1/my/cases/").json()["results"]}
    assert not (refs & (listed | inbox | mine))
    found = client.get(f"/api/v1/cases/?q={victims['reviewed'].reference}").json()
    assert found["count"] == 0
    assert checked > 60


@pytest.mark.django_db
def test_the_cases_own_worker_gets_404_from_the_staff_only_routes(world, victims):
    client = client_for(world.worker, session=True)
    before = _state(victims)
    checked = 0
    for route, method, url, body in _requests(world, victims):
        if route not in STAFF_ONLY:
            continue
        response = _call(client, method, url, body)
        assert response.status_code == 404, (route, method, url, response.content[:300])
        checked += 1
    assert _state(victims) == before
    assert checked >= 20


@pytest.mark.django_db
def test_the_centres_coordinator_sees_only_the_summary_of_the_referred_case(world, victims):
    client = client_for(world.coordinator)
    referred, reviewed = victims["referred"].reference, victims["reviewed"].reference
    summary = client.get(f"/api/v1/referrals/{referred}/")
    assert summary.status_code == 200
    text = summary.content.decode()
    assert "王小明" not in text and "13812345678" not in text and "facts" not in summary.json()
    assert [r["reference"] for r in client.get("/api/v1/referrals/").json()["results"]] == [
        referred
    ]
    for url in (
        f"/api/v1/cases/{referred}/",
        f"/api/v1/cases/{referred}/evidence/",
        f"/api/v1/cases/{referred}/messages/",
        f"/api/v1/referrals/{reviewed}/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get("/api/v1/cases/").json()["count"] == 0


@pytest.mark.django_db
def test_a_list_equals_the_single_object_check_for_every_role(world, victims):
    """For each role, every listed case can be retrieved, and every case it can retrieve
    is listed."""
    from casework.models import Case

    drive_to(world, CaseState.SUBMITTED, district="新北区")
    everyone = [
        "caseworker",
        "caseworker2",
        "other_caseworker",
        "supervisor",
        "district_supervisor",
        "other_supervisor",
        "coordinator",
        "lawyer",
        "other_lawyer",
        "analyst",
    ]
    for who in everyone:
        client = client_for(getattr(world, who))
        listed = {r["reference"] for r in client.get("/api/v1/cases/").json()["results"]}
        retrievable = {
            ref
            for ref in Case.objects.values_list("reference", flat=True)
            if client.get(f"/api/v1/cases/{ref}/").status_code == 200
        }
        assert listed == retrievable, who
