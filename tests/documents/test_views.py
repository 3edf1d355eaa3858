from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from casework.models import AuditEvent
from documents.models import DocumentKind, DocumentStatus, GeneratedDocument
from documents.selectors import case_documents
from documents.services import document_request

PACKET = DocumentKind.REFERRAL_PACKET


def _request_url(case, kind=PACKET):
    return reverse("documents:request", args=[case.reference, kind])


def _ready_packet(world, case, render_on_commit) -> GeneratedDocument:
    doc = render_on_commit(document_request, case=case, kind=PACKET, user=world.caseworker)
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.READY
    return doc


def test_assignee_posts_and_is_sent_back_to_the_case_page_with_a_message(
    client, sign_in, world, reviewed_case, django_capture_on_commit_callbacks
):
    sign_in(world.caseworker)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_request_url(reviewed_case))
    assert response.status_code == 303
    assert response["Location"] == reverse("casework:case_detail", args=[reviewed_case.reference])
    doc = GeneratedDocument.objects.get(case=reviewed_case)
    assert (doc.kind, doc.version, doc.status) == (PACKET, 1, DocumentStatus.READY)
    assert len(list(get_messages(response.wsgi_request))) == 1


def test_request_is_post_only(client, sign_in, world, reviewed_case):
    sign_in(world.caseworker)
    assert client.get(_request_url(reviewed_case)).status_code == 405
    assert not GeneratedDocument.objects.exists()


def test_request_by_a_caseworker_of_another_union_is_404_and_creates_nothing(
    client, sign_in, world, reviewed_case
):
    events = AuditEvent.objects.count()
    for user in (world.other_caseworker, world.coordinator, world.analyst, world.worker):
        sign_in(user)
        assert client.post(_request_url(reviewed_case)).status_code == 404
    client.logout()
    assert client.post(_request_url(reviewed_case)).status_code == 404
    assert not GeneratedDocument.objects.exists()
    assert AuditEvent.objects.count() == events


def test_request_for_an_unknown_kind_or_case_is_404(client, sign_in, world, reviewed_case):
    sign_in(world.caseworker)
    assert client.post(_request_url(reviewed_case, "closing_statement")).status_code == 404
    assert (
        client.post(reverse("documents:request", args=["CZ-2026-999999", PACKET])).status_code
        == 404
    )
    assert not GeneratedDocument.objects.exists()


def test_refused_request_goes_back_with_the_reason(client, sign_in, world, reviewed_case):
    # caseworker2 sees the case but is not its assignee: told so on the case page, nothing made.
    sign_in(world.caseworker2)
    response = client.post(_request_url(reviewed_case))
    assert response.status_code == 303
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
    assert not GeneratedDocument.objects.exists()


def test_assignee_downloads_the_pdf_with_safe_headers_and_an_audit_event(
    client, sign_in, world, reviewed_case, render_on_commit
):
    doc = _ready_packet(world, reviewed_case, render_on_commit)
    sign_in(world.caseworker)

    response = client.get(reverse("documents:download", args=[doc.pk]))

    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF") and len(body) == doc.size
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="referral-packet-{reviewed_case.reference}-v1.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(case=reviewed_case, verb="document_downloaded")
    assert event.actor == world.caseworker
    assert event.payload == {"document": doc.pk, "kind": PACKET, "version": 1}


def test_supervisor_above_the_union_may_download(
    client, sign_in, world, reviewed_case, render_on_commit
):
    doc = _ready_packet(world, reviewed_case, render_on_commit)
    sign_in(world.supervisor)
    assert client.get(reverse("documents:download", args=[doc.pk])).status_code == 200


def test_download_is_404_for_everyone_without_the_whole_file(
    client, sign_in, world, reviewed_case, render_on_commit
):
    doc = _ready_packet(world, reviewed_case, render_on_commit)
    url = reverse("documents:download", args=[doc.pk])
    for user in (
        world.other_caseworker,
        world.other_supervisor,
        world.coordinator,
        world.lawyer,
        world.analyst,
        world.worker,
        world.other_worker,
    ):
        sign_in(user)
        assert client.get(url).status_code == 404, user
    client.logout()
    assert client.get(url).status_code == 404
    missing = client.get(reverse("documents:download", args=[doc.pk + 1000]))
    assert missing.status_code == 404
    assert not AuditEvent.objects.filter(verb="document_downloaded").exists()


def test_download_of_a_document_not_ready_is_404(client, sign_in, world, reviewed_case):
    doc = document_request(
        case=reviewed_case, kind=PACKET, user=world.caseworker
    )  # never committed: queued
    sign_in(world.caseworker)
    assert client.get(reverse("documents:download", args=[doc.pk])).status_code == 404
    assert not AuditEvent.objects.filter(verb="document_downloaded").exists()


def test_case_page_include_lists_documents_and_offers_the_button(
    world, reviewed_case, render_on_commit
):
    ready = _ready_packet(world, reviewed_case, render_on_commit)
    request = RequestFactory().get("/")
    request.user = world.caseworker
    html = render_to_string(
        "documents/_case_documents.html",
        {"case": reviewed_case, "documents": case_documents(reviewed_case)},
        request=request,
    )
    assert reverse("documents:download", args=[ready.pk]) in html
    assert _request_url(reviewed_case) in html
    # A colleague who may not refer sees the list but not the button.
    request.user = world.caseworker2
    html = render_to_string(
        "documents/_case_documents.html",
        {"case": reviewed_case, "documents": case_documents(reviewed_case)},
        request=request,
    )
    assert reverse("documents:download", args=[ready.pk]) in html
    assert _request_url(reviewed_case) not in html


def test_case_documents_selector_costs_one_query(
    world, reviewed_case, render_on_commit, django_assert_num_queries
):
    _ready_packet(world, reviewed_case, render_on_commit)
    latest = render_on_commit(
        document_request, case=reviewed_case, kind=PACKET, user=world.caseworker
    )
    with django_assert_num_queries(1):
        documents = case_documents(reviewed_case)
    assert [(d.pk, d.version) for d in documents] == [(latest.pk, 2)]
