"""Access that ends when it should, and answers that give nothing away (security.md matrix E4,
E7, C8, F4): a password change or a staff role taken away ends the user's sessions; the sign-in
page answers the same for an account that exists and one that does not; stored evidence is
reachable only through the checked download view; a server error shows a generic page."""

import re
from unittest import mock

import pytest
from django.test import Client

from accounts.models import Membership
from documents.services import evidence_upload
from tests.documents.test_evidence import png, upload
from tests.factories import PASSWORD

from .test_sessions import LOGIN, _sign_in, _signed_in


@pytest.fixture
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_a_password_change_ends_the_users_other_sessions(world):
    first, second = Client(), Client()
    _sign_in(first, world.caseworker)
    _sign_in(second, world.caseworker)
    user = type(world.caseworker).objects.get(pk=world.caseworker.pk)
    user.set_password("a new long passphrase 2026")
    user.save()
    assert not _signed_in(first, world.caseworker)
    assert not _signed_in(second, world.caseworker)


def test_taking_a_staff_role_away_ends_the_users_sessions(world):
    client, other = Client(), Client()
    _sign_in(client, world.caseworker)
    _sign_in(other, world.supervisor)
    Membership.objects.filter(user=world.caseworker).delete()
    assert not _signed_in(client, world.caseworker)
    assert _signed_in(other, world.supervisor)  # nobody else is signed out


def test_changing_a_staff_role_ends_the_users_sessions(world):
    client = Client()
    _sign_in(client, world.caseworker)
    membership = Membership.objects.filter(user=world.caseworker).first()
    membership.role = "analyst"
    membership.save()
    assert not _signed_in(client, world.caseworker)


def _page_without_tokens(response) -> str:
    body = response.content.decode()
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
    return re.sub(r'nonce="[^"]+"', "", body)


def test_the_sign_in_page_answers_the_same_for_a_missing_and_an_existing_account(world):
    existing = Client().post(LOGIN, {"username": world.caseworker.username, "password": "wrong"})
    missing = Client().post(LOGIN, {"username": "no-such-person-here", "password": "wrong"})
    assert existing.status_code == missing.status_code == 200
    assert _page_without_tokens(existing).replace(
        world.caseworker.username, "USER"
    ) == _page_without_tokens(missing).replace("no-such-person-here", "USER")
    right = Client().post(LOGIN, {"username": world.caseworker.username, "password": PASSWORD})
    assert right.status_code == 302  # the comparison above is of two refusals, not of nothing


def test_stored_evidence_is_not_reachable_by_its_storage_path(
    world, filed_case, settings, tmp_path
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files")},
        },
    }
    item = evidence_upload(case=filed_case, user=world.caseworker, files=[upload("a.png", png())])[
        0
    ]
    with item.file.open("rb") as handle:
        content = handle.read()
    name = item.file.name  # evidence/<32 hex>
    client = Client()
    client.force_login(world.caseworker)  # even the assignee, signed in
    for path in (
        f"/{name}",
        f"/media/{name}",
        f"/{settings.MEDIA_URL.strip('/')}/{name}".replace("//", "/"),
        f"/files/{name}",
        f"/var/files/{name}",
        f"/static/{name}",
        f"/static/../files/{name}",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert content not in body
    # The checked view serves it.
    assert client.get(f"/evidence/{item.pk}/download/").status_code == 200


def test_a_server_error_shows_a_generic_page_without_trace_sql_or_settings(db, settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    with mock.patch(
        "casework.views.filing._load_intake",
        side_effect=RuntimeError("SELECT * FROM casework_worker; SECRET_KEY=abc"),
    ):
        response = client.get("/file/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "text/html" in response["Content-Type"]
    for leak in ("Traceback", "RuntimeError", "SELECT", "SECRET_KEY", "casework", 'File "'):
        assert leak not in body, leak


# --- A8: access that ends with the assignment or the referral, in the same session ----------


def _staff_client(user) -> Client:
    client = Client()
    client.force_login(type(user).objects.get(pk=user.pk))
    return client


def test_a_reassigned_caseworker_loses_a_restricted_case_in_the_same_session(world):
    from django.urls import reverse

    from casework.choices import CaseState, Confidentiality
    from casework.models import Case, Note
    from casework.services import case_assign
    from tests.factories import drive_to, run_on_commit

    # Given a restricted case (its assignee and supervisors only), open in its assignee's browser,
    case = drive_to(world, CaseState.UNDER_REVIEW)
    Case.objects.filter(pk=case.pk).update(confidentiality=Confidentiality.RESTRICTED)
    page = reverse("casework:case_detail", args=[case.reference])
    note = reverse("casework:case_note", args=[case.reference])
    browser = _staff_client(world.caseworker)
    first = browser.get(page)
    assert first.status_code == 200
    assert "no-store" in first["Cache-Control"]  # the page cannot be shown again from a cache
    # when a supervisor gives the case to another caseworker,
    with run_on_commit():
        case_assign(
            case=Case.objects.get(pk=case.pk),
            user=world.district_supervisor,
            assignee_id=world.caseworker2.pk,
        )
    # then the same session's next requests find nothing, and change nothing.
    notes = Note.objects.filter(case=case).count()
    assert browser.get(page).status_code == 404
    assert browser.post(note, {"body": "还在看"}).status_code == 404
    assert Note.objects.filter(case=case).count() == notes
    assert _staff_client(world.caseworker2).get(page).status_code == 200


def test_a_withdrawn_referral_leaves_the_coordinators_session_with_nothing(world):
    from django.urls import reverse

    from casework import services as s
    from casework.choices import CaseState, ReferralState
    from casework.models import Case, Referral
    from tests.factories import drive_to, run_on_commit

    # Given a referral waiting in the centre's inbox, seen by its coordinator,
    case = drive_to(world, CaseState.REFERRED)
    browser = _staff_client(world.coordinator)
    inbox = reverse("casework:referral_inbox")
    check = reverse("casework:referral_conflict_run", args=[case.reference])
    assert case.reference in browser.get(inbox).content.decode()
    # when the worker withdraws the grievance (the referral is withdrawn with it),
    with run_on_commit():
        s.case_withdraw(case=Case.objects.get(pk=case.pk), user=world.worker)
    assert Referral.objects.get(case=case).state == ReferralState.WITHDRAWN
    # then the same session no longer sees it or can act on it.
    assert case.reference not in browser.get(inbox).content.decode()
    before = Referral.objects.filter(case=case).values().get()
    assert browser.post(check, {"conflict_found": ""}).status_code == 404
    assert browser.get(reverse("casework:case_detail", args=[case.reference])).status_code == 404
    assert Referral.objects.filter(case=case).values().get() == before


def test_a_missing_and_an_existing_account_cost_the_same_work(world, settings, monkeypatch):
    """Timing without a stopwatch (security.md E7): a wrong password for an existing account and
    any password for a missing one run the password hasher the same number of times (Django's
    ModelBackend hashes for a missing user too) and the same number of database queries, with
    the production hasher. A timed comparison would be flaky on a shared machine; equal work is
    what makes the times equal."""
    from unittest import mock

    from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    # Fewer rounds than production, to keep the test quick: the count is what is compared.
    monkeypatch.setattr(PBKDF2PasswordHasher, "iterations", 1_000)
    User.objects.filter(pk=world.caseworker.pk).update(password=make_password(PASSWORD))
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    original = PBKDF2PasswordHasher.encode
    work = {}

    def attempt(label, username):
        calls = []

        def counting(self, *args, **kwargs):
            calls.append(kwargs.get("iterations") or self.iterations)
            return original(self, *args, **kwargs)

        with (
            mock.patch.object(PBKDF2PasswordHasher, "encode", counting),
            CaptureQueriesContext(connection) as queries,
        ):
            response = Client().post(LOGIN, {"username": username, "password": "wrong-password"})
        assert response.status_code == 200, label
        work[label] = (calls, len(queries))

    attempt("existing", world.caseworker.username)
    attempt("missing", "no-such-person-here")
    # One hash of the same strength each, and the same number of queries.
    assert work["existing"] == work["missing"], work
    assert work["existing"][0] == [1_000]
