"""CSRF for every state-changing route (security.md matrix E9): every route of the inventory
(config/routes.toml) that takes POST, PUT, PATCH or DELETE is sent that method, by a role allowed
to use it, on an object it may act on, from a browser session without the CSRF token (Django's
test client with enforce_csrf_checks=True: the cookie is there, the token is not). Each answer
is 403 and the database is exactly as before. And no GET changes anything: every route a role
may GET is fetched and the database is compared (read-access audit rows aside: reading a
worker's identity or downloading a file is logged by design, matrix G1).

Views marked @csrf_exempt that apply csrf_protect inside (the uploads, paper consent and its
withdrawal) are walked like the others, with sessions that reach their check: the receipt
session for the worker's follow-up upload."""

from urllib.parse import urlencode

import pytest
from django.test import Client

from accounts.models import User
from casework.choices import CaseState
from casework.views.worker import SESSION_TRACK
from tests.factories import drive_to

from .routes import ROLES, load
from .test_routes import (
    CONTENT_TYPE_FORM,
    _case_for,
    _changes,
    _post_data,
    _state,
    _targets,
    _user_for,
)

WRITES = ("POST", "PUT", "PATCH", "DELETE")
# Who makes the request for a route and method: anonymous where anyone may, otherwise the
# first role in this order that may.
PREFERENCE = ("anonymous", "worker", "caseworker", "supervisor", "coordinator", "lawyer")
PREFERENCE += tuple(r for r in ROLES if r not in PREFERENCE)


def _chooser(decl, method: str) -> str | None:
    allowed = decl.allowed.get(method, frozenset())
    return next((role for role in PREFERENCE if role in allowed), None)


# The reports' rollup tables: a cache derived from the cases, built by the first read of any
# report page or API answer (reports.rollup), never written from a request's input.
ROLLUP = {
    "reports_reportcell",
    "reports_reportemployertotal",
    "reports_reportmembership",
    "reports_reportorgancestor",
    "reports_reportrollupstate",
}
# Other tables a GET may write, by route, and why. Nothing else may change on a GET.
GET_WRITES = {
    # The authenticator's secret must outlive the page that shows it as a QR code: the first
    # GET makes one pending (unconfirmed, unusable) device, later GETs show the same one; a
    # confirmed device is never touched (accounts.views_auth.two_factor_setup).
    "accounts:two_factor_setup": {"otp_totp_totpdevice"},
}


def _without_reads(state: tuple, key: str) -> tuple:
    """The state with the audit chain's rows (read-access logging), the report rollup (a
    cache) and what GET_WRITES allows this route left out."""
    counts, snapshot, rows = state
    skip = {"casework_auditevent"} | ROLLUP | GET_WRITES.get(key, set())
    counts = {t: n for t, n in counts.items() if t not in skip}
    snapshot = {k: v for k, v in snapshot.items() if not k.startswith("audit")}
    return counts, snapshot, rows


def _client_for(role, world, extra_users) -> Client:
    client = Client(enforce_csrf_checks=True)
    user = _user_for(role, world, extra_users)
    if user is not None:
        client.force_login(User.objects.get(pk=user.pk))
    else:
        # A worker who proved a receipt code: the follow-up routes reach their own checks.
        tracked = drive_to(world, CaseState.UNDER_REVIEW, anonymous=True)
        session = client.session
        session[SESSION_TRACK] = tracked.pk
        session.save()
    client.get("/")  # the CSRF cookie, as a browser that has seen a page holds it
    return client


def _send(client, method, url, data):
    if method == "POST":
        return client.post(url, data)
    return client.generic(method, url, urlencode(data), CONTENT_TYPE_FORM)


WALKERS = ["anonymous", "worker", "caseworker", "supervisor", "coordinator", "lawyer", "admin"]


@pytest.mark.parametrize("role", WALKERS)
def test_no_write_without_the_csrf_token_and_no_get_changes_anything(
    world, extra_users, files_on_disk, role
):
    objects = _case_for(role, world)
    data = _post_data(objects["case"], world)
    client = _client_for(role, world, extra_users)
    writes = reads = 0
    for decl, url in _targets(objects):
        for method in WRITES:
            if _chooser(decl, method) != role:
                continue
            before = _state(objects)
            response = _send(client, method, url, data)
            assert response.status_code == 403, (role, method, url, response.status_code)
            after = _state(objects)
            assert after == before, (role, method, url, _changes(before, after))
            writes += 1
        if _chooser(decl, "GET") == role:
            before = _without_reads(_state(objects), decl.key)
            response = client.get(url)
            assert response.status_code < 500, (role, url, response.status_code)
            after = _without_reads(_state(objects), decl.key)
            assert after == before, (role, "GET", url, _changes(before, after))
            reads += 1
    assert writes > 0 and reads > 0, (writes, reads)


def test_every_write_route_is_walked_by_some_role():
    """The roles above cover every method of every route that changes state."""
    walked = set(WALKERS)
    declared, prefixes = load()
    unwalked = [
        (key, method)
        for key, decl in {**declared, **prefixes}.items()
        for method in WRITES
        if decl.allowed.get(method) and _chooser(decl, method) not in walked
    ]
    assert unwalked == []
