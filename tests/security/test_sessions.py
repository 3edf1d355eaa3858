"""Sessions (security.md E1–E4; ASVS 7.2.4, 7.3.1, 7.4.1, 7.4.2; issue 7 item 2)."""

import time

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.services import user_deactivate
from security.middleware import LAST_SEEN_KEY, SIGNED_IN_AT_KEY
from tests.e2e.signing_in import authenticator_code
from tests.factories import PASSWORD

from .production import use_production_security

QUEUE = "/cases/"
LOGIN = "/accounts/login/"


def _sign_in(client: Client, user: User, **extra):
    """Password, then the authenticator's code (staff need a second factor)."""
    response = client.post(
        LOGIN, {"username": user.username, "password": PASSWORD}, follow=False, **extra
    )
    assert response.status_code == 302, response.status_code
    code = authenticator_code(user.username)
    if code is not None:
        response = client.post(reverse("accounts:two_factor_verify"), {"code": code}, **extra)
        assert response.status_code == 302, response.status_code
    return response


def _signed_in(client: Client, user: User) -> bool:
    """Does the session still sign this user in? (The queue is a staff page: 200 or login.)"""
    response = client.get(QUEUE)
    if response.status_code == 200:
        assert response.wsgi_request.user.pk == user.pk
        return True
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    return False


@pytest.fixture(params=["db", "cache"])
def session_engine(request, settings):
    """Ending every session must not depend on where sessions live."""
    if request.param == "cache":
        settings.CACHES = {
            **settings.CACHES,
            "sessions": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        }
        settings.SESSION_CACHE_ALIAS = "sessions"
        settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    else:
        settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    return request.param


def test_signing_in_gives_a_new_session_key(world):
    client = Client()
    # An anonymous visitor's session, as a filing or a language choice leaves behind.
    client.get(reverse("casework:file"))
    session = client.session
    session["planted"] = "x"
    session.save()
    before = session.session_key
    client.cookies["sessionid"] = before

    _sign_in(client, world.caseworker)

    after = client.cookies["sessionid"].value
    assert after != before
    assert not session.__class__().exists(before)  # the old key is gone from the store
    # The old key, replayed, signs nobody in.
    attacker = Client()
    attacker.cookies["sessionid"] = before
    assert not _signed_in(attacker, world.caseworker)
    assert _signed_in(client, world.caseworker)


def test_a_second_session_survives_no_sign_out(world, session_engine):
    phone, desk = Client(), Client()
    _sign_in(phone, world.caseworker)
    _sign_in(desk, world.caseworker)
    assert _signed_in(phone, world.caseworker) and _signed_in(desk, world.caseworker)

    phone.post(reverse("accounts:logout"))

    assert not _signed_in(phone, world.caseworker)
    assert not _signed_in(desk, world.caseworker)
    # Signing in again works, and gives a session the next sign-out ends too.
    _sign_in(desk, world.caseworker)
    assert _signed_in(desk, world.caseworker)


def test_other_users_keep_their_sessions_when_one_signs_out(world):
    mine, theirs = Client(), Client()
    _sign_in(mine, world.caseworker)
    _sign_in(theirs, world.caseworker2)
    mine.post(reverse("accounts:logout"))
    assert _signed_in(theirs, world.caseworker2)


def test_deactivation_ends_every_session_for_good(world, session_engine):
    phone, desk = Client(), Client()
    _sign_in(phone, world.supervisor)
    _sign_in(desk, world.supervisor)

    user_deactivate(user=User.objects.get(pk=world.supervisor.pk))

    assert not _signed_in(phone, world.supervisor)
    assert not _signed_in(desk, world.supervisor)
    # Switched on again, the account needs a new sign-in: the old sessions stay dead.
    User.objects.filter(pk=world.supervisor.pk).update(is_active=True)
    assert not _signed_in(desk, world.supervisor)


def test_deactivating_in_the_admin_ends_every_session(world, extra_users):
    target = User.objects.get(pk=world.caseworker.pk)
    session = Client()
    _sign_in(session, target)
    admin = Client()
    admin.force_login(extra_users.superuser)
    url = reverse("admin:accounts_user_change", args=[target.pk])
    page = admin.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        k: v
        for k, v in form.initial.items()
        if v is not None and k not in {"password", "groups", "user_permissions"}
    }
    data.update(
        {
            "is_active": "",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        }
    )
    data = {k: v for k, v in data.items() if v is not False}
    response = admin.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    assert not User.objects.get(pk=target.pk).is_active
    User.objects.filter(pk=target.pk).update(is_active=True)
    assert not _signed_in(session, target)


# --- idle timeout -----------------------------------------------------------------------------


def _age_session(client: Client, seconds: int) -> None:
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - seconds
    session.save()


def test_an_idle_staff_session_ends(world, settings):
    settings.SECURITY_STAFF_IDLE_SECONDS = 30 * 60
    client = Client()
    _sign_in(client, world.caseworker)
    assert _signed_in(client, world.caseworker)

    _age_session(client, 29 * 60)  # active within the limit: still signed in
    assert _signed_in(client, world.caseworker)

    _age_session(client, 31 * 60)
    assert not _signed_in(client, world.caseworker)
    # Only this session: the user's session elsewhere is not touched.
    assert not client.session.get("_auth_user_id")


def test_the_idle_timeout_is_counted_from_the_last_request(world, settings):
    settings.SECURITY_STAFF_IDLE_SECONDS = 30 * 60
    client = Client()
    _sign_in(client, world.caseworker)
    _age_session(client, 20 * 60)
    assert _signed_in(client, world.caseworker)  # this request counts as activity
    stamp = client.session[LAST_SEEN_KEY]
    assert int(time.time()) - stamp < 5


def test_a_staff_session_ends_after_its_maximum_lifetime_however_active(world, settings):
    settings.SECURITY_STAFF_SESSION_MAX_SECONDS = 10 * 3600
    client = Client()
    _sign_in(client, world.supervisor)
    session = client.session
    session[SIGNED_IN_AT_KEY] = int(time.time()) - 9 * 3600
    session.save()
    assert _signed_in(client, world.supervisor)  # nine hours in, active: still signed in

    session = client.session
    session[SIGNED_IN_AT_KEY] = int(time.time()) - 11 * 3600
    session.save()
    assert not _signed_in(client, world.supervisor)


def test_workers_have_no_idle_timeout(world, settings):
    settings.SECURITY_STAFF_IDLE_SECONDS = 30 * 60
    client = Client()
    _sign_in(client, world.worker)
    client.get(reverse("casework:my_cases"))
    _age_session(client, 3 * 60 * 60)
    session = client.session
    session[SIGNED_IN_AT_KEY] = int(time.time()) - 30 * 3600
    session.save()
    response = client.get(reverse("casework:my_cases"))
    assert response.status_code == 200
    assert response.wsgi_request.user.pk == world.worker.pk


def test_an_anonymous_follow_up_session_has_no_idle_timeout(anonymous_case, settings):
    settings.SECURITY_STAFF_IDLE_SECONDS = 60
    case, code = anonymous_case
    client = Client()
    response = client.post(reverse("casework:track"), {"code": code})
    assert response.status_code == 302
    _age_session(client, 3 * 60 * 60)
    page = client.get(reverse("casework:track_case"))
    assert page.status_code == 200
    assert case.reference in page.content.decode()


# --- cookies in production --------------------------------------------------------------------


def test_production_cookies_are_secure_httponly_samesite_and_host_only(
    world, settings, monkeypatch
):
    use_production_security(settings, monkeypatch)
    client = Client()
    response = client.post(
        LOGIN,
        {"username": world.caseworker.username, "password": PASSWORD},
        secure=True,
    )
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert settings.SESSION_COOKIE_NAME.startswith("__Host-")
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    assert not cookie["domain"]
    # The CSRF cookie too (set by the sign-in page).
    page = Client().get(LOGIN, secure=True)
    csrf = page.cookies[settings.CSRF_COOKIE_NAME]
    assert settings.CSRF_COOKIE_NAME.startswith("__Host-")
    assert csrf["secure"] is True and csrf["httponly"] is True and csrf["samesite"] == "Lax"


def test_production_serves_nothing_over_plain_http(settings, monkeypatch, db):
    use_production_security(settings, monkeypatch)
    response = Client().get(reverse("casework:file"))
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_session_keys_are_long_and_random(db):
    """Django's keys: 32 characters from 36 (≈165 bits, ASVS 7.2.3 asks ≥128)."""
    from django.contrib.sessions.backends.db import SessionStore

    keys = {SessionStore()._get_new_session_key() for _ in range(50)}
    assert len(keys) == 50
    assert all(len(k) == 32 for k in keys)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_session_update_outside_a_transaction_is_one_statement(settings):
    """The session store (security/sessions.py) writes a changed session with one UPDATE, not
    BEGIN/UPDATE/COMMIT; a session that is gone still fails the save as Django's does."""
    from django.contrib.sessions.backends.base import UpdateError
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from security.sessions import SessionStore

    assert settings.SESSION_ENGINE == "security.sessions"
    store = SessionStore()
    store["step"] = 1
    store.create()
    store["step"] = 2
    with CaptureQueriesContext(connection) as ctx:
        store.save()
    assert [q["sql"].split()[0] for q in ctx.captured_queries] == ["UPDATE"]
    assert SessionStore(store.session_key).load() == {"step": 2}

    Session.objects.filter(session_key=store.session_key).delete()
    store["step"] = 3
    with pytest.raises(UpdateError):
        store.save()
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_a_session_update_inside_a_transaction_is_one_statement_and_fails_it_on_a_db_error(
    settings, monkeypatch
):
    """Inside a caller's transaction (the filing's: casework.views.filing) no savepoint is taken;
    a session that is gone raises UpdateError and leaves the transaction usable, and a database
    error is raised as itself, so that the caller's transaction fails instead of committing."""
    from django.contrib.sessions.backends.base import UpdateError
    from django.contrib.sessions.models import Session
    from django.db import DatabaseError, connection, transaction
    from django.test.utils import CaptureQueriesContext

    from security.sessions import SessionStore

    store = SessionStore()
    store["step"] = 1
    store.create()
    store["step"] = 2
    with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
        store.save()
    assert [q["sql"].split()[0] for q in ctx.captured_queries] == ["UPDATE"]
    assert SessionStore(store.session_key).load() == {"step": 2}

    with transaction.atomic():
        Session.objects.filter(session_key=store.session_key).delete()
        with pytest.raises(UpdateError):
            store.save()
        assert Session.objects.count() == 0  # the transaction still works

    def broken(*args, **kwargs):
        raise DatabaseError("the connection broke")

    monkeypatch.setattr("django.db.models.query.QuerySet.update", broken)
    with pytest.raises(DatabaseError) as raised, transaction.atomic():
        store.save()
    assert str(raised.value) == "the connection broke"  # itself, not turned into UpdateError
