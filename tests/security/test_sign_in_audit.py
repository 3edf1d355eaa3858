"""Sign-in, its failures and sign-out are audited (security.md matrix G1): exactly one structured
event per checked attempt — actor id, verb, step, outcome, a UTC timestamp — with no username
typed, no password, no code and no address in it; attempts the throttle refuses are not checked
and write nothing."""

import re
from datetime import UTC

import pytest
from django.core.cache import cache
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework.audit import audit_verify
from casework.models import AuditEvent
from tests.factories import PASSWORD

LOGIN = "/accounts/login/"
LOGOUT = "/accounts/logout/"
VERIFY = "/accounts/two-factor/"
SIGN_VERBS = ("signed_in", "sign_in_failed", "signed_out")
ADDRESS = "203.0.113.77"

pytestmark = pytest.mark.real_second_factor


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield
    cache.clear()


def _events():
    return list(
        AuditEvent.objects.filter(verb__in=SIGN_VERBS)
        .order_by("id")
        .values("verb", "actor_id", "actor_kind", "case_id", "payload", "occurred_at")
    )


def _code(device) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_each_sign_in_step_and_sign_out_writes_one_event_without_what_was_typed(client, world):
    user = world.caseworker
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    typed_wrong = "Correct-Horse-Wrong-9"
    missing = "nobody-such-呂布"
    # A wrong password, an unknown account, the right password, a wrong code, the right code,
    # and signing out: six checked attempts,
    client.post(LOGIN, {"username": user.username, "password": typed_wrong}, REMOTE_ADDR=ADDRESS)
    client.post(LOGIN, {"username": missing, "password": typed_wrong}, REMOTE_ADDR=ADDRESS)
    assert client.post(LOGIN, {"username": user.username, "password": PASSWORD}).status_code == 302
    client.post(VERIFY, {"code": "000000" if _code(device) != "000000" else "111111"})
    assert client.post(VERIFY, {"code": _code(device)}).status_code == 302
    assert client.post(LOGOUT).status_code in (200, 302)
    events = _events()
    # give six events, in order, each naming the account (never the name typed) and the outcome,
    assert [(e["verb"], e["actor_id"], e["payload"]) for e in events] == [
        ("sign_in_failed", None, {"step": "password", "outcome": "failure", "user": user.pk}),
        ("sign_in_failed", None, {"step": "password", "outcome": "failure", "user": None}),
        ("signed_in", user.pk, {"step": "password", "outcome": "success"}),
        ("sign_in_failed", None, {"step": "second_factor", "outcome": "failure", "user": user.pk}),
        ("signed_in", user.pk, {"step": "second_factor", "outcome": "success"}),
        ("signed_out", user.pk, {"outcome": "success"}),
    ]
    assert [e["actor_kind"] for e in events] == ["anonymous"] * 2 + ["staff", "anonymous"] + [
        "staff"
    ] * 2
    # with a UTC timestamp and no case; nothing typed, no address, no code is in any of them,
    assert all(e["occurred_at"].tzinfo is not None and e["case_id"] is None for e in events)
    assert all(e["occurred_at"].utcoffset() == UTC.utcoffset(None) for e in events)
    text = repr(events)
    for secret in (typed_wrong, PASSWORD, missing, user.username, ADDRESS, _code(device)):
        assert secret not in text, secret
    assert not re.search(r"\b\d{6}\b", repr([e["payload"] for e in events]))
    # and the audit chain still verifies.
    assert audit_verify()[1] is None


def test_a_throttled_attempt_is_not_checked_and_writes_nothing(client, world, settings):
    user = world.caseworker
    for _ in range(settings.LOGIN_THROTTLE["PER_PAIR"]):
        client.post(LOGIN, {"username": user.username, "password": "wrong"}, REMOTE_ADDR=ADDRESS)
    written = len(_events())
    assert written == settings.LOGIN_THROTTLE["PER_PAIR"]
    refused = client.post(
        LOGIN, {"username": user.username, "password": PASSWORD}, REMOTE_ADDR=ADDRESS
    )
    assert refused.status_code == 429
    assert len(_events()) == written
