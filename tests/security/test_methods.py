"""Unused methods and endpoints (security.md matrix F5, ASVS 13.4.5): TRACE, CONNECT and
unknown methods are refused before any view; static pages answer GET and HEAD only; the debug
toolbar and the admin's documentation do not exist in production, and what the API publishes
(its schema and docs page) is served on purpose."""

import pytest
from django.test import Client
from django.urls import clear_url_caches

from .production import use_production_security

PAGES = (
    "/",
    "/file/",
    "/track/",
    "/accounts/login/",
    "/cases/",
    "/api/v1/cases/",
    "/api/docs/",
    "/healthz",
    "/evidence/1/download/",
)


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "TRACK", "PROPFIND", "FOO"])
def test_trace_and_unknown_methods_are_refused_everywhere(method):
    client = Client()
    for path in PAGES:
        response = client.generic(method, path)
        assert response.status_code == 501, (method, path, response.status_code)
        assert response.content == b""


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/api/docs/"])
def test_static_pages_answer_get_and_head_only(path):
    client = Client()
    assert client.get(path).status_code == 200
    assert client.head(path).status_code == 200
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert client.generic(method, path).status_code in (403, 405), (method, path)


@pytest.mark.django_db
def test_production_has_no_debug_toolbar_or_admin_docs_and_publishes_the_api_schema(
    settings, monkeypatch
):
    use_production_security(settings, monkeypatch)
    clear_url_caches()
    client = Client()
    for path in ("/__debug__/", "/admin/doc/", "/admin/"):
        assert client.get(path, secure=True).status_code == 404, path
    assert not {"debug_toolbar", "django.contrib.admindocs"} & set(settings.INSTALLED_APPS)
    # Intended (documented API): the schema and the docs page are public.
    assert client.get("/api/schema/", secure=True).status_code == 200
    assert client.get("/api/docs/", secure=True).status_code == 200
