"""Schemathesis against /api/schema/, once per role (security.md H3): for every operation
generated requests with the role's credentials and real objects in the path; no server error,
every response conforms to the schema (status code, content type, headers, body), and the
auth checks hold:

- `ignored_auth`: a 2xx answer to a request with the role's credentials is sent again without
  them and with invalid ones (a bad token, a bad session cookie): both must be refused (401).
  The credentials are given through a Schemathesis auth provider (`schema.auth()`), which is
  how Schemathesis knows they are the real ones, for the token roles (Authorization header)
  and for the worker (session cookie) alike; the anonymous role has none, so the
  `Authorization` header and `sessionid` cookie Schemathesis generates from the schema's
  security schemes are sent as they are, and any 2xx to them fails the check.
- `use_after_free` and `ensure_resource_availability`, the stateful pair (a deleted resource
  stays gone; a created one is there), run on every response here and in the stateful test
  below, which follows the link Schemathesis infers from a creation to a use (grant a consent,
  then withdraw that consent) for the worker and a caseworker. The API has no DELETE (a
  consent or a case is withdrawn, nothing is removed), so `use_after_free` has nothing it
  could ever catch; and `ensure_resource_availability` judges a step only when every one of
  its parameters came from the scenario, optional ones included (Idempotency-Key, the other
  scheme's credentials), which none does here: the stateful test asserts its rule itself.

Authorisation between roles is the matrix's job (test_authz_matrix.py); this is about
robustness, authentication and the schema telling the truth.

The data (organisations, users, a case under review with a filing, a consent and the worker's
evidence, a referred case, a case with a lawyer, a token per staff role, the worker's session)
is built once per test module and each test runs in a savepoint of it: the requests are what
the time goes to."""

from __future__ import annotations

from collections.abc import Mapping
from unittest import mock

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import resolve
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ensure_resource_availability,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)

from casework.choices import CaseState, ConsentScope
from casework.services import consent_grant
from documents.services import document_request, evidence_upload
from tests.factories import (
    FAKE_PDF,
    IMMEDIATE_TASKS_ALL_QUEUES,
    build_world,
    drive_to,
    run_on_commit,
)
from tests.profiles import examples

from .conftest import token_for

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    ignored_auth,
    use_after_free,
    ensure_resource_availability,
]
ROLES = ["worker", "caseworker", "supervisor", "coordinator", "lawyer", "analyst", "anonymous"]
STAFF_ROLES = ROLES[1:-1]
# Generated requests per operation and role: ten times as many with HYPOTHESIS_PROFILE=nightly.
EXAMPLES = examples(25)


def _load_schema():
    from config.wsgi import application

    # Examples and fuzzing; the coverage phase (hundreds of boundary cases per operation) is
    # left out to keep the run to a few minutes for seven roles.
    config = schemathesis.config.SchemathesisConfig.from_dict(
        {"phases": {"coverage": {"enabled": False}}}
    )
    return schemathesis.openapi.from_wsgi("/api/schema/", application, config=config)


schema = _load_schema()

# The credentials of the role under test (set by the `actor` fixture): {"headers", "cookies"},
# or None for the anonymous role.
_credentials: dict | None = None


@schema.auth(refresh_interval=None)  # no caching: the role changes from test to test
class RoleCredentials:
    """The role's real credentials, applied to every generated case. Schemathesis then
    treats them as explicit (ignored_auth sends the request again without them), and drops
    what it generated for the other security scheme (a random bearer token beside the
    worker's session cookie would only get the request refused)."""

    def get(self, case, context):
        return _credentials

    def set(self, case, data, context):
        # What was generated stays (a negative case may hold something else than a mapping).
        headers = case.headers if isinstance(case.headers, Mapping) else {}
        cookies = case.cookies if isinstance(case.cookies, Mapping) else {}
        case.headers = {**headers, **data["headers"]}
        case.cookies = {**cookies, **data["cookies"]}


@pytest.fixture(scope="module")
def api_data(django_db_setup, django_db_blocker, tmp_path_factory):
    """Everything the roles work on, written once inside a transaction that is rolled back
    when the module ends (as tests/casework/test_seed.py's `demo`)."""
    storages = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path_factory.mktemp("schemathesis-files"))},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with (
        django_db_blocker.unblock(),
        override_settings(
            STORAGES=storages,
            TASKS=IMMEDIATE_TASKS_ALL_QUEUES,
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
        mock.patch("documents.rendering.render_pdf", return_value=(FAKE_PDF, 1)),
        transaction.atomic(),
    ):
        world = build_world()
        reviewed = drive_to(world, CaseState.UNDER_REVIEW)
        with run_on_commit():
            doc = document_request(case=reviewed, kind="referral_packet", user=world.caseworker)
        consent = consent_grant(
            case=reviewed, user=world.worker, scope=ConsentScope.EMPLOYER_DISCLOSURE
        )
        (evidence,) = evidence_upload(
            case=reviewed,
            user=world.worker,
            files=[SimpleUploadedFile("receipt.pdf", FAKE_PDF, "application/pdf")],
        )
        references = {role: reviewed.reference for role in ROLES}
        references["coordinator"] = drive_to(world, CaseState.REFERRED).reference
        references["lawyer"] = drive_to(world, CaseState.LEGAL_AID).reference
        credentials = {
            role: {"headers": {"Authorization": f"Bearer {token_for(getattr(world, role))}"}}
            for role in STAFF_ROLES
        }
        browser = Client()
        browser.force_login(world.worker)
        # The session cookie, and a CSRF token as a page of the site would have set it: the
        # API checks CSRF on a session's POSTs (SessionAuthentication).
        csrf = "k" * 32
        credentials["worker"] = {
            "headers": {"X-CSRFToken": csrf},
            "cookies": {"sessionid": browser.cookies["sessionid"].value, "csrftoken": csrf},
        }
        for value in credentials.values():
            value.setdefault("cookies", {})
        yield {
            "references": references,
            "credentials": credentials,
            "ids": {"documents": doc.pk, "consents": consent.pk, "evidence": evidence.pk},
        }
        transaction.set_rollback(True)


@pytest.fixture(params=ROLES)
def actor(request, api_data, db):
    global _credentials
    role = request.param
    _credentials = api_data["credentials"].get(role)
    yield {"role": role, "reference": api_data["references"][role], "ids": api_data["ids"]}
    _credentials = None


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


def _real_objects_in_the_path(case, actor) -> None:
    path = case.path_parameters or {}
    if "reference" in path:
        path["reference"] = actor["reference"]
    for name in ("pk", "id"):
        if name in path:
            kind = next((k for k in actor["ids"] if f"/{k}/" in case.operation.path), "documents")
            path[name] = actor["ids"][kind]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_to_its_schema(case, actor):
    _real_objects_in_the_path(case, actor)
    response = case.call()
    case.validate_response(response, checks=CHECKS)
    if response.status_code >= 400:  # every refusal is a problem, never a page
        content_type = response.headers.get("content-type", [""])[0]
        assert content_type == "application/problem+json", (response.status_code, content_type)
    if actor["role"] == "anonymous":
        # Nothing without credentials: 401 on every route (a generated path that matches no
        # route, e.g. an invalid transition name, is the API's 404).
        unrouted = resolve(case.formatted_path).url_name == "api-not-found"
        assert response.status_code == (404 if unrouted else 401), case.formatted_path


# --- stateful: from a created resource to its use ----------------------------------------------

# The link Schemathesis infers from the schema's shape (drf-spectacular writes none) from a
# creation to a use: a consent granted (201, its id) → withdraw that consent.
_Workflow = schema.include(path_regex=r"/consents/").as_state_machine()


class RoleWorkflow(_Workflow):
    actor: dict = {}

    def before_call(self, case):
        if "reference" in case.path_parameters:  # the link carries it on to the next step
            case.path_parameters["reference"] = self.actor["reference"]

    def validate_response(self, response, case, additional_checks=None, **kwargs):
        case.validate_response(
            response, checks=CHECKS, transport_kwargs=kwargs or None, recorder=self.recorder
        )
        # ensure_resource_availability itself judges a step only when every parameter of it
        # came from the scenario, the optional ones included (Idempotency-Key, and the
        # credentials of the other security scheme), so it never judges one here. The same
        # rule, on what matters: the consent the previous step created is there.
        parent = self.recorder.find_parent(case_id=case.id)
        created = parent and self.recorder.find_response(case_id=parent.id)
        if created is not None and created.status_code == 201 and response.status_code == 404:
            made = created.json().get("id")
            assert case.path_parameters.get("id") != made, (
                f"{parent.operation.label} created {made}; "
                f"{case.operation.label} answered 404 for it"
            )


# The worker (session cookie) and a caseworker (token): both grant and withdraw consents. The
# other roles cannot create one, and their refusals are the test above's.
@pytest.mark.parametrize("actor", ["worker", "caseworker"], indirect=True)
def test_a_consent_just_granted_can_be_withdrawn(actor):
    """A sequence of calls per scenario, each checked as above; ensure_resource_availability
    fails a 404 on the consent (or filing) the previous step created or listed."""
    RoleWorkflow.actor = actor
    RoleWorkflow.run(
        settings=settings(
            max_examples=max(EXAMPLES // 2, 5),
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )
