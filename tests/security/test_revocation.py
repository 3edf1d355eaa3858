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
