"""Declared routes (security.md A1, A2, A12; issue 7 item 1): config/routes.toml names, for
every URL pattern and method, the roles that may use it. This module

- walks the URL resolver: an undeclared route, or a declaration without a route, fails;
- tries every declared denial with a real request by the strongest user of the role, and checks
  the refusal (404 for objects), that no case data reaches the body, and that the database is
  exactly as before (every table's row count, the case with everything hanging off it, the
  audit chain).
"""

from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from accounts.models import User
from casework.choices import CaseState
from casework.models import Case
from documents.models import Evidence, GeneratedDocument
from tests.factories import case_snapshot, drive_to, run_on_commit

from .routes import PK_OBJECTS, ROLES, covering, load, parameters, routes

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


# --- the file and the resolver agree ----------------------------------------------------------


def test_every_route_is_declared():
    declared, prefixes = load()
    missing = [
        (pattern, key)
        for pattern, key in routes()
        if covering(pattern, key, declared, prefixes) is None
    ]
    assert not missing, "Declare these routes in config/routes.toml:\n" + "\n".join(
        f'[route."{key}"]  # /{pattern}' for pattern, key in missing
    )


def test_every_declaration_names_a_route():
    declared, prefixes = load()
    known = list(routes())
    keys = {key for _pattern, key in known}
    assert not set(declared) - keys, f"No such route: {sorted(set(declared) - keys)}"
    for prefix in prefixes:
        assert any(pattern.startswith(prefix) for pattern, _ in known), prefix


def test_object_routes_say_so():
    """A route whose URL names a case or a file must declare its object, so that its denials
    are checked as object denials (404) and the BOLA walker (test_case_urls) covers it."""
    declared, prefixes = load()
    for pattern, key in routes():
        decl = covering(pattern, key, declared, prefixes)
        if decl is None or decl.is_prefix:
            continue  # undeclared: test_every_route_is_declared says so
        if "pk" in parameters(pattern):
            assert decl.object in PK_OBJECTS, key
        elif "reference" in parameters(pattern):
            assert decl.object == "case", key
        for name in parameters(pattern):
            assert name in {"reference", "pk"} | set(decl.args), (key, name)


def test_an_undeclared_route_fails_the_walk(monkeypatch):
    """The check above must bite: a route added without a declaration is reported."""
    from django.urls import path

    import config.urls

    monkeypatch.setattr(
        config.urls,
        "urlpatterns",
        [*config.urls.urlpatterns, path("sneaky/", lambda r: None, name="sneaky")],
    )
    from django.urls import clear_url_caches

    clear_url_caches()
    try:
        with pytest.raises(AssertionError, match="sneaky"):
            test_every_route_is_declared()
    finally:
        monkeypatch.undo()
        clear_url_caches()


# --- every declared denial, by real requests ---------------------------------------------------


def _add_evidence(case, user) -> Evidence:
    from documents.services import evidence_upload

    return evidence_upload(
        case=case, user=user, files=[SimpleUploadedFile("payslip.pdf", PDF, "application/pdf")]
    )[0]


def _add_document(case, user) -> GeneratedDocument:
    from unittest import mock

    from documents.models import DocumentKind
    from documents.services import document_request

    with mock.patch("documents.rendering.render_pdf", return_value=(PDF, 1)), run_on_commit():
        return document_request(case=case, kind=DocumentKind.COMPLAINT_RECEIPT, user=user)


def _case_for(role: str, world) -> dict:
    """The case the role's user is closest to (their own, assigned, referred to them…) and the
    objects hanging off it that URLs name: a generated document, an evidence file, a consent
    record, an erasure request; and an API token (the caseworker's)."""
    from api.tokens import token_create
    from casework.models import ConsentRecord
    from privacy.models import ErasureRequest

    if role == "coordinator":
        case = drive_to(world, CaseState.REFERRED)
    elif role == "lawyer":
        case = drive_to(world, CaseState.LEGAL_AID)
    else:
        case = drive_to(world, CaseState.UNDER_REVIEW, filed_by=world.worker)
    staff = case.assignee or world.caseworker
    document, evidence = _add_document(case, staff), _add_evidence(case, staff)
    token, _raw = token_create(
        user=world.caseworker,
        membership_id=world.caseworker.memberships.first().pk,
        name="walker",
    )
    return {
        "case": Case.objects.get(pk=case.pk),
        "document": document,
        "evidence": evidence,
        "consent": ConsentRecord.objects.filter(case=case).earliest("pk"),
        "erasure_request": ErasureRequest.objects.create(case=case, requested_by=world.worker),
        "token": token,
    }


# The object whose <pk> a URL takes, by the route's object kind.
PK_OF = {
    "document": "document",
    "api_document": "document",
    "evidence": "evidence",
    "api_evidence": "evidence",
    "consent": "consent",
    "erasure_request": "erasure_request",
    "token": "token",
}


def _user_for(role: str, world, extra_users) -> User | None:
    user = {
        "anonymous": None,
        "worker": world.worker,
        "caseworker": world.caseworker,
        "supervisor": world.supervisor,
        "coordinator": world.coordinator,
        "lawyer": world.lawyer,
        "analyst": world.analyst,
        "admin": extra_users.superuser,
    }[role]
    return User.objects.get(pk=user.pk) if user else None


def _url(decl, pattern: str, key: str, objects: dict) -> str:
    kwargs = {}
    for name in parameters(pattern):
        if name == "reference":
            kwargs[name] = objects["case"].reference
        elif name == "pk":
            kwargs[name] = objects[PK_OF[decl.object]].pk
        else:
            kwargs[name] = decl.args[name]
    return reverse(key, kwargs=kwargs)


def _targets(objects: dict):
    """(declaration, url) for every named route, and every probe of every prefix."""
    declared, prefixes = load()
    for pattern, key in routes():
        decl = covering(pattern, key, declared, prefixes)
        if decl is not None and not decl.is_prefix:
            yield decl, _url(decl, pattern, key, objects)
    for decl in prefixes.values():
        for path in decl.probe:
            yield decl, path


def _row_counts() -> dict[str, int]:
    """Every table's row count in one query (sessions aside: signing in writes them)."""
    tables = [t for t in connection.introspection.table_names() if t != "django_session"]
    q = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {q(t)})" for t in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip(tables, cursor.fetchone(), strict=True))


def _state(objects: dict) -> tuple:
    rows = {
        kind: type(obj).objects.filter(pk=obj.pk).values().get()
        for kind, obj in objects.items()
        if kind != "case"
    }
    return _row_counts(), case_snapshot(objects["case"]), rows


def _changes(before: tuple, after: tuple) -> list:
    """What differs between two states, for the failure message."""
    out = []
    for part, (b, a) in enumerate(zip(before, after, strict=True)):
        if isinstance(b, dict) and isinstance(a, dict):
            out += [
                (part, k, b.get(k), a.get(k))
                for k in sorted(set(b) | set(a), key=str)
                if b.get(k) != a.get(k)
            ]
        elif b != a:
            out.append((part, b, a))
    return out


CONTENT_TYPE_FORM = "application/x-www-form-urlencoded"
SIGN_IN_PATHS = ("/accounts/login/", f"/{settings.ADMIN_PATH}login/")


def _check_refusal(response, *, role: str, decl, method: str, url: str) -> None:
    where = (role, method, url, response.status_code)
    code = response.status_code
    if code == 405:
        assert method not in response["Allow"], where
        return
    if code == 302:
        target = urlsplit(response["Location"]).path
        sign_in = SIGN_IN_PATHS + (("/track/",) if decl.object == "receipt" else ())
        assert target in sign_in, (*where, response["Location"])
        return
    if code == 401:
        # The API (/api/v1/) asks anonymous callers for credentials, as a problem.
        assert role == "anonymous" and url.startswith("/api/v1/"), where
        assert response["Content-Type"] == "application/problem+json", where
        assert response.has_header("WWW-Authenticate"), where
        return
    if role == "anonymous":
        assert code == 404, where
    elif decl.object not in {None, "receipt"}:
        # 404 hides the object; 403/409 come only from users who may see the case (the assignee
        # asking for a supervisor's action, an action the state forbids).
        assert code in (403, 404, 409), where
    else:
        assert code in (403, 404), where


def _post_data(case, world) -> dict:
    from .test_case_urls import POST_DATA

    # Valid forms, so that a refusal comes from the permission check and not from the form.
    return {
        **POST_DATA,
        "version": case.version,
        "expected_state": case.state,
        "assignee": world.caseworker2.pk,
        "stage": "arbitration",
        "forum": "x",
        "filed_on": "2026-11-02",
        "result": "clear",
        # privacy:erasure_decide
        "decision": "decline",
        # api:case-list (an intake: the serializer's required fields)
        "worker_name": "x",
        "employer_name": "x",
        "category_codes": "wage_arrears",
        "facts": "x",
        "consent_union_handling": "true",
    }


@pytest.mark.parametrize("role", ROLES)
def test_every_declared_denial_is_refused_and_changes_nothing(
    client, world, extra_users, files_on_disk, role
):
    objects = _case_for(role, world)
    case = objects["case"]
    user = _user_for(role, world, extra_users)
    secrets = [case.primary_worker.name, case.primary_employer.name, case.facts[:20]]
    data = _post_data(case, world)
    if user is not None:
        # The first sign-in gives staff the confirmed authenticator the verified session needs
        # (tests/conftest.py): the test's own setup, done before the first snapshot.
        client.force_login(user)
    checked = 0
    for decl, url in _targets(objects):
        denied_methods = [m for m in decl.methods() if role in decl.denied(m)]
        if not denied_methods:
            continue
        before = _state(objects)
        for method in denied_methods:
            client.cookies.clear()
            if user is not None:
                # Fresh from the database: signing out (allowed to all) raises the session epoch.
                client.force_login(User.objects.get(pk=user.pk))
            if method == "GET":
                response = client.get(url)
            elif method == "POST":
                response = client.post(url, data)
            else:
                response = client.generic(method, url, urlencode(data), CONTENT_TYPE_FORM)
            _check_refusal(response, role=role, decl=decl, method=method, url=url)
            if user is not None:
                # The request was made as the role's user, not as a signed-out visitor.
                assert client.session.get("_auth_user_id") == str(user.pk), (role, url)
            if response.status_code not in (403, 409):
                # (403 and 409 answer people who may see the case, on its own page.)
                body = response.content.decode(errors="replace")
                assert not [s for s in secrets if s in body], (role, method, url)
            checked += 1
        after = _state(objects)
        assert after == before, (role, decl.key, url, _changes(before, after))
    # Every role is refused somewhere (the admin at least, anonymous nearly everywhere).
    assert checked >= 10, checked
