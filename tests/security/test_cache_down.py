"""The cache down (security.md matrix H6: "no fail-open, e.g. a rate limiter failing open"):
the sign-in throttle, the second-factor throttle and the receipt-code throttle keep their
counters in the cache. When it does not answer they fail closed, in one defined way: 503 with
Retry-After and a message to try again, and the password, code or receipt code is not checked
at all — so neither a right nor a wrong guess gets through, and the two answers are the same.
When the cache is back, everything works again."""

import logging

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from casework.views.worker import SESSION_TRACK
from tests.factories import PASSWORD

SIGN_IN_DOWN = "Signing in is unavailable for a moment. Please try again in a minute."
TRACK_DOWN = "Following up is unavailable for a moment. Please try again in a minute."


def _zh(text: str) -> str:
    """The message as the (Chinese-first) page prints it."""
    from django.utils import translation

    with translation.override("zh-hans"):
        return translation.gettext(text)


LOGIN = "/accounts/login/"
VERIFY = "/accounts/two-factor/"
TRACK = "/track/"
OPERATIONS = {"get", "set", "add", "incr", "decr", "delete", "get_many", "set_many", "has_key"}


class SwitchableCache(LocMemCache):
    """A local-memory cache that can be taken down: while `down`, every operation raises as a
    Redis client does when the server is gone."""

    down = False

    def __getattribute__(self, name):
        if name in OPERATIONS and type(self).down:
            raise ConnectionError("Error 111 connecting to cache:6379. Connection refused.")
        return super().__getattribute__(name)


@pytest.fixture
def cache_switch(settings):
    settings.CACHES = {"default": {"BACKEND": f"{__name__}.SwitchableCache"}}
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    SwitchableCache.down = False
    yield SwitchableCache
    SwitchableCache.down = False


def _same_page(a, b) -> bool:
    strip = lambda r: r.content.decode().split('name="csrfmiddlewaretoken"')[0]  # noqa: E731
    return strip(a) == strip(b)


def test_sign_in_fails_closed_while_the_cache_is_down_and_recovers(
    client, world, cache_switch, caplog
):
    user = world.caseworker
    cache_switch.down = True
    with caplog.at_level(logging.WARNING, logger="accounts.throttle"):
        right = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
        wrong = Client().post(LOGIN, {"username": user.username, "password": "wrong"})
    # The right password and a wrong one get the same 503, asking to come back in a minute,
    for response in (right, wrong):
        assert response.status_code == 503
        assert response["Retry-After"] == "60"
        assert _zh(SIGN_IN_DOWN) in response.content.decode()
    assert _same_page(right, wrong)
    # nobody is signed in, the password was not even checked, and the outage is logged.
    assert "_auth_user_id" not in client.session
    assert User.objects.filter(pk=user.pk, last_login__isnull=False).count() == 0
    assert "could not read its counters: ConnectionError" in caplog.text
    # When the cache is back, the same sign-in goes on to the second step.
    cache_switch.down = False
    again = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert again.status_code == 302 and "_auth_user_id" in client.session


@pytest.mark.real_second_factor
def test_the_second_factor_fails_closed_while_the_cache_is_down(client, world, cache_switch):
    user = world.caseworker
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    assert client.post(LOGIN, {"username": user.username, "password": PASSWORD}).status_code == 302
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    cache_switch.down = True
    response = client.post(VERIFY, {"code": code})
    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert _zh(SIGN_IN_DOWN) in response.content.decode()
    # The right code was not accepted: the staff pages still ask for the second factor.
    cache_switch.down = False
    assert client.get("/cases/").status_code == 302
    assert client.post(VERIFY, {"code": code}).status_code == 302  # back up: verified
    assert client.get("/cases/").status_code == 200


def test_the_receipt_code_lookup_fails_closed_while_the_cache_is_down(
    anonymous_case, cache_switch, caplog
):
    case, code = anonymous_case
    cache_switch.down = True
    right_client, wrong_client = Client(), Client()
    with caplog.at_level(logging.WARNING, logger="casework.views.worker"):
        right = right_client.post(TRACK, {"code": code})
        wrong = wrong_client.post(TRACK, {"code": "AAAA-BBBB-CCCC-DDDD"})
    for response in (right, wrong):
        assert response.status_code == 503 and response["Retry-After"] == "60"
        assert _zh(TRACK_DOWN) in response.content.decode()
    assert _same_page(right, wrong)
    # The code was not looked up: the session holds no case.
    assert SESSION_TRACK not in right_client.session
    assert "receipt-code throttle could not count: ConnectionError" in caplog.text
    cache_switch.down = False
    back = right_client.post(TRACK, {"code": code})
    assert back.status_code == 302 and right_client.session[SESSION_TRACK] == case.pk
