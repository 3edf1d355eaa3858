"""Schemathesis against /api/schema/, once per role (security.md H3): for every operation a few
generated requests, with the role's credentials and real objects in the path; no server error,
and every response conforms to the schema (status code, content type, headers, body).
Authorisation is the matrix's job (test_authz_matrix.py); this is about robustness and the
schema telling the truth. Kept small (a few examples per operation) to stay quick."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from casework.choices import CaseState, ConsentScope
from casework.services import consent_grant
from documents.services import document_request
from tests.factories import drive_to, run_on_commit

from .conftest import token_for

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
ROLES = ["worker", "caseworker", "supervisor", "coordinator", "lawyer", "analyst", "anonymous"]


def _load_schema():
    from config.wsgi import application

    # Examples and fuzzing; the coverage phase (hundreds of boundary cases per operation) is
    # left out to keep the run to a few minutes for seven roles.
    config = schemathesis.config.SchemathesisConfig.from_dict(
        {"phases": {"coverage": {"enabled": False}}}
    )
    return schemathesis.openapi.from_wsgi("/api/schema/", application, config=config)


schema = _load_schema()


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Schemathesis calls the WSGI app directly, which fires request_started/request_finished:
    Django would close the test's database connection there (PostgreSQL: in the middle of the
    test's transaction). Django's own test client disconnects the same handler."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=ROLES)
def actor(request, world, fake_pdf, client):
    """(headers, cookies, path values) for one role, with real objects it may work on."""
    role = request.param
    reviewed = drive_to(world, CaseState.UNDER_REVIEW)
    with run_on_commit():  # rendered (fake PDF) into this test's storage
        doc = document_request(case=reviewed, kind="referral_packet", user=world.caseworker)
    consent = consent_grant(
        case=reviewed, user=world.worker, scope=ConsentScope.EMPLOYER_DISCLOSURE
    )
    reference = reviewed.reference
    if role == "coordinator":
        reference = drive_to(world, CaseState.REFERRED).reference
    elif role == "lawyer":
        reference = drive_to(world, CaseState.LEGAL_AID).reference
    headers, cookies = {}, {}
    if role == "worker":
        client.force_login(world.worker)
        cookies = {"sessionid": client.cookies["sessionid"].value}
    elif role != "anonymous":
        headers = {"Authorization": f"Bearer {token_for(getattr(world, role))}"}
    return {
        "role": role,
        "headers": headers,
        "cookies": cookies,
        "reference": reference,
        "ids": {"documents": doc.pk, "consents": consent.pk, "evidence": doc.pk},
    }


@schema.parametrize()
@settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.django_db
def test_the_api_keeps_to_its_schema(case, actor):
    path = case.path_parameters or {}
    if "reference" in path:
        path["reference"] = actor["reference"]
    for name in ("pk", "id"):
        if name in path:
            kind = next((k for k in actor["ids"] if f"/{k}/" in case.operation.path), "documents")
            path[name] = actor["ids"][kind]
    response = case.call(headers=actor["headers"], cookies=actor["cookies"])
    case.validate_response(response, checks=CHECKS)
    if actor["role"] == "anonymous":
        # Nothing without credentials: 401 on every route (a generated path that matches no
        # route, e.g. an invalid transition name, is the API's 404).
        from django.urls import resolve

        unrouted = resolve(case.formatted_path).url_name == "api-not-found"
        assert response.status_code == (404 if unrouted else 401), case.formatted_path
