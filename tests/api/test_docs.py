"""The schema and the interactive documentation are served by the app itself: no CDN, no
inline script (a strict Content-Security-Policy is coming)."""

import re

import pytest
from django.contrib.staticfiles import finders


def test_the_schema_documents_every_route_with_problem_answers_and_filters(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    assert "/api/v1/cases/{reference}/transitions/{name}/" in paths
    listing = paths["/api/v1/cases/"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert {"state", "category", "assignee", "urgent", "q", "sort", "page"} <= names
    for path, item in paths.items():
        for method, operation in item.items():
            assert "application/problem+json" in operation["responses"]["404"]["content"], path
            if method == "post":
                headers = {
                    p["name"] for p in operation.get("parameters", []) if p["in"] == "header"
                }
                assert "Idempotency-Key" in headers, path
    assert "apiToken" in schema["components"]["securitySchemes"]


def test_the_docs_page_loads_its_scripts_from_static_files_only(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert len(scripts) == 3
    for attrs, body in scripts:
        assert 'src="/static/' in attrs and not body.strip()
    assert "<style" not in page and "style=" not in page and "http" not in page
    for src in re.findall(r'(?:src|href)="/static/([^"]+)"', page):
        assert finders.find(src), src


@pytest.mark.django_db
def test_the_api_answers_anonymous_callers_401_with_a_problem(client):
    response = client.get("/api/v1/cases/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert set(response.json()) >= {"type", "title", "status", "detail"}
    unknown = client.post("/api/v1/nothing/here/")
    assert unknown.status_code == 404 and unknown["Content-Type"] == "application/problem+json"
