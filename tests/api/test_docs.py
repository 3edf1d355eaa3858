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


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cases/CZ-2026-000001/transitions/sub%0Amit/",  # found by Schemathesis (H3)
        "/api/v1/nothing%0A",
        "/api/%0D%0A/",
        "/api/v1/cases/%00/",
    ],
)
def test_a_path_under_api_with_a_control_character_is_a_problem_too(client, path):
    """The catch-all took every path but one with a newline: that one fell through to the
    site's HTML 404 page."""
    response = client.post(path)
    assert response.status_code in (401, 404)
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == response.status_code


@pytest.mark.django_db
def test_an_http404_outside_any_api_view_is_still_a_problem(rf):
    """handler404: a 404 no view answered (raised by middleware, say) is the API's problem
    under /api/ and the site's page elsewhere."""
    from django.http import Http404

    from api.views.pages import page_not_found

    api = page_not_found(rf.get("/api/v1/cases/"), Http404())
    assert api.status_code == 404 and api["Content-Type"] == "application/problem+json"
    site = page_not_found(rf.get("/track/"), Http404())
    assert site.status_code == 404 and site["Content-Type"].startswith("text/html")


def test_the_evidence_upload_documents_the_list_it_returns_and_no_page(client):
    """Pagination is the GET list's: the upload's 201 is the stored files, not a page."""
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    upload = schema["paths"]["/api/v1/cases/{reference}/evidence/"]["post"]
    created = upload["responses"]["201"]["content"]["application/json"]["schema"]
    assert created == {"type": "array", "items": {"$ref": "#/components/schemas/Evidence"}}
    assert "page" not in {p["name"] for p in upload.get("parameters", [])}
    listing = schema["paths"]["/api/v1/cases/{reference}/evidence/"]["get"]
    page = listing["responses"]["200"]["content"]["application/json"]["schema"]
    assert page == {"$ref": "#/components/schemas/PaginatedEvidenceList"}
    download = schema["paths"]["/api/v1/evidence/{id}/download/"]["get"]["responses"]["200"]
    assert {"application/pdf", "image/jpeg", "audio/mpeg"} <= set(download["content"])
