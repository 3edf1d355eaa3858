"""Response headers (security.md F2, F3; ASVS 3.4; issue 7 item 5): representative pages, with
the production settings, carry exactly the expected security headers."""

import re

import pytest
from django.test import Client

from accounts.models import User
from casework.choices import CaseState
from tests.factories import drive_to

from .production import use_production_security
from .test_routes import _add_document, _add_evidence

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
CSP_WITH_NONCE = CSP.replace("script-src 'self'", "script-src 'self' 'nonce-N'")
COMMON = {
    "Content-Language": "zh-hans",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": (
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
        "microphone=(), payment=(), usb=()"
    ),
    "Referrer-Policy": "same-origin",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains; preload",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"
PAGE = {
    **COMMON,
    "Cache-Control": NEVER_CACHE,
    "Content-Security-Policy": CSP,
    "Content-Type": "text/html; charset=utf-8",
    "Vary": "Cookie, Accept-Language",
}
DOWNLOAD = {
    **COMMON,
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "Content-Type": "application/pdf",
    "Vary": "Accept-Language, Cookie",
}
# Left out of the comparison: lengths and dates.
VOLATILE = {"Content-Length", "Expires"}


def _headers(response) -> dict[str, str]:
    headers = {k: v for k, v in response.headers.items() if k not in VOLATILE}
    if "Content-Security-Policy" in headers:
        headers["Content-Security-Policy"] = re.sub(
            r"'nonce-[^']+'", "'nonce-N'", headers["Content-Security-Policy"]
        )
    return headers


@pytest.fixture
def production(settings, monkeypatch):
    use_production_security(settings, monkeypatch)


@pytest.fixture
def case_with_files(world, files_on_disk):
    case = drive_to(world, CaseState.UNDER_REVIEW, filed_by=world.worker)
    return case, _add_document(case, world.caseworker), _add_evidence(case, world.caseworker)


def _get(user, url, *, post=None):
    client = Client()
    if user is not None:
        client.force_login(User.objects.get(pk=user.pk))
    if post is not None:
        return client.post(url, post, secure=True)
    return client.get(url, secure=True)


def test_pages_carry_exactly_the_expected_headers(world, production, case_with_files):
    case, document, evidence = case_with_files
    pages = {
        "anonymous filing page": (None, "/file/", PAGE),
        "worker's case page": (world.worker, f"/my/{case.reference}/", PAGE),
        "staff queue": (world.caseworker, "/cases/", PAGE),
        "case page": (world.caseworker, f"/cases/{case.reference}/", PAGE),
        "not found": (None, "/no-such-page/", {**PAGE, "Cache-Control": "no-store"}),
        "referral packet PDF": (
            world.caseworker,
            f"/documents/{document.pk}/download/",
            {
                **DOWNLOAD,
                "Cache-Control": "no-store",
                "Content-Disposition": (
                    f'attachment; filename="acceptance-receipt-{case.reference}-v1.pdf"'
                ),
            },
        ),
        "evidence download": (
            world.caseworker,
            f"/evidence/{evidence.pk}/download/",
            {
                **DOWNLOAD,
                "Cache-Control": "no-store, " + NEVER_CACHE.replace(", no-store", ""),
                "Content-Disposition": f'attachment; filename="evidence-{evidence.pk}.pdf"',
            },
        ),
    }
    for name, (user, url, expected) in pages.items():
        response = _get(user, url)
        assert response.status_code == (404 if name == "not found" else 200), name
        assert _headers(response) == expected, name


def test_a_page_with_a_script_gets_a_fresh_nonce_each_time(world, production, case_with_files):
    """The error page's script is allowed by its nonce alone; the nonce changes per response
    (F3), and such pages are never cached."""
    case, _document, _evidence = case_with_files
    url = f"/cases/{case.reference}/referral/return/"  # the assignee may not: 403, error page
    nonces = []
    for _ in range(2):
        response = _get(world.caseworker, url, post={"note": "x"})
        assert response.status_code == 403
        assert "errors/domain_error.html" in [t.name for t in response.templates]
        assert _headers(response) == {
            **PAGE,
            "Content-Security-Policy": CSP_WITH_NONCE,
            "Cache-Control": "no-store",
        }
        nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
        body = response.content.decode()
        assert f'<script src="/static/js/back.js" nonce="{nonce}" defer></script>' in body
        nonces.append(nonce)
    assert nonces[0] != nonces[1]
    assert len(nonces[0]) >= 22  # 128 bits


TEMPLATE_DIRS = ["templates", "accounts", "casework", "documents", "rights"]
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|<style[\s>]|\sstyle\s*=|\son[a-z]+\s*=|javascript:", re.I
)


def test_no_template_or_static_file_has_inline_script_style_or_handlers():
    """The CSP forbids inline script, style attributes, on… handlers and javascript: links;
    they must not come back. (The PDF templates, rendered by WeasyPrint, never reach a
    browser.)"""
    from pathlib import Path

    from django.conf import settings

    root = Path(settings.BASE_DIR)
    found = []
    for top in TEMPLATE_DIRS:
        for path in (root / top).rglob("*.html"):
            if "templates/documents" in path.as_posix() and "_case_documents" not in path.name:
                continue  # print templates: WeasyPrint only
            text = path.read_text()
            found += [f"{path.relative_to(root)}: {m.group(0)}" for m in INLINE.finditer(text)]
    for path in (root / "static").rglob("*.js"):
        text = path.read_text()
        found += [f"{path.relative_to(root)}: {m}" for m in re.findall(r"\.innerHTML|eval\(", text)]
    assert not found, found


API = {
    **COMMON,
    "Cache-Control": "no-store",
    "Content-Security-Policy": CSP,
    "Content-Type": "application/json",
    "Vary": "Accept-Language, Cookie",
}


def test_the_sign_in_page_api_answers_and_the_500_page_carry_exactly_the_expected_headers(
    world, production, case_with_files
):
    from unittest import mock

    from api.tokens import token_create

    case, _document, _evidence = case_with_files
    membership = world.caseworker.memberships.order_by("pk").first()
    _row, raw = token_create(user=world.caseworker, membership_id=membership.pk, name="t")
    with_token = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    answers = {
        "sign-in page": (_get(None, "/accounts/login/"), 200, PAGE),
        "API list, token": (
            with_token.get("/api/v1/cases/", secure=True),
            200,
            {**API, "Allow": "GET, POST, HEAD, OPTIONS"},
        ),
        "API case, browser session": (
            _get(world.caseworker, f"/api/v1/cases/{case.reference}/"),
            200,
            {**API, "Allow": "GET, HEAD, OPTIONS"},
        ),
        "API without credentials": (
            Client().get("/api/v1/cases/", secure=True),
            401,
            {
                **API,
                "Allow": "GET, POST, HEAD, OPTIONS",
                "Content-Type": "application/problem+json",
                "WWW-Authenticate": "Bearer",
            },
        ),
    }
    # A bug in a view: the generic 500 page.
    crashing = Client(raise_request_exception=False)
    crashing.get("/file/", secure=True)
    with mock.patch("casework.views.filing._raw_from_post", side_effect=ValueError("bug")):
        answers["server error"] = (
            crashing.post("/file/about/", {"worker_name": "x"}, secure=True),
            500,
            {
                **PAGE,
                "Cache-Control": "no-store",
                "Vary": "Accept-Language, Cookie",
            },
        )
    for name, (response, status, expected) in answers.items():
        assert response.status_code == status, name
        assert _headers(response) == expected, name
