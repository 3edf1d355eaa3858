"""Sign-in throttling (security.md E5): a client failing for an account is stopped, but nobody
can lock the real caseworker out from their own device; no address is kept in clear."""

import pytest
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext

from accounts import throttle
from tests.factories import PASSWORD

LOGIN = "/accounts/login/"
ATTACKER = "203.0.113.66"
REAL_USER = "198.51.100.7"
MESSAGE = "Too many failed sign-in attempts from this device. Please wait 15 minutes and try again."


@pytest.fixture(autouse=True)
def _fresh_cache(settings, monkeypatch):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    slept = []
    monkeypatch.setattr(throttle, "sleep", lambda seconds: slept.append(seconds))
    yield slept
    cache.clear()


def attempt(client, username, password, ip, language="en"):
    return client.post(
        LOGIN,
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
        HTTP_ACCEPT_LANGUAGE=language,
    )


def signed_in(response) -> bool:
    return response.status_code == 302


def test_a_client_failing_for_an_account_is_refused_even_with_the_right_password(
    client, world, settings
):
    limit = settings.LOGIN_THROTTLE["PER_PAIR"]
    for _ in range(limit):
        assert attempt(client, world.caseworker.username, "wrong", ATTACKER).status_code == 200
    refused = attempt(client, world.caseworker.username, PASSWORD, ATTACKER)
    assert refused.status_code == 429
    assert MESSAGE in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_attacker_cannot_lock_the_real_caseworker_out(client, world, settings, _fresh_cache):
    # Given an attacker who failed for caseworker1 from many addresses, far past every limit,
    conf = settings.LOGIN_THROTTLE
    for n in range(conf["ACCOUNT_SOFT"] + conf["PER_PAIR"] * 3):
        attempt(client, world.caseworker.username, "wrong", f"203.0.113.{n % 200}")
    # when the real caseworker signs in from their own device,
    response = attempt(client, world.caseworker.username, PASSWORD, REAL_USER)
    # then they get in (to the second step), only slowed down a little.
    assert signed_in(response), response.status_code
    assert _fresh_cache[-1] == conf["ACCOUNT_DELAY_SECONDS"] > 0


def test_below_the_soft_limit_nobody_is_slowed_down(client, world, _fresh_cache):
    attempt(client, world.caseworker.username, "wrong", ATTACKER)
    assert signed_in(attempt(client, world.caseworker.username, PASSWORD, REAL_USER))
    assert all(s == 0 for s in _fresh_cache)


def test_a_client_spraying_accounts_is_refused(client, world, settings):
    for n in range(settings.LOGIN_THROTTLE["PER_CLIENT"]):
        attempt(client, f"guess{n}", "wrong", ATTACKER)
    assert attempt(client, world.lawyer.username, PASSWORD, ATTACKER).status_code == 429
    # Another client is not affected.
    assert signed_in(attempt(client, world.lawyer.username, PASSWORD, REAL_USER))


def test_a_success_clears_the_clients_failures_for_that_account(client, world, settings):
    limit = settings.LOGIN_THROTTLE["PER_PAIR"]
    for _ in range(limit - 1):
        attempt(client, world.worker.username, "wrong", REAL_USER)
    assert signed_in(attempt(client, world.worker.username, PASSWORD, REAL_USER))
    client.logout()
    for _ in range(limit - 1):
        attempt(client, world.worker.username, "wrong", REAL_USER)
    assert signed_in(attempt(client, world.worker.username, PASSWORD, REAL_USER))


def test_the_message_is_in_the_users_language(client, world, settings):
    for _ in range(settings.LOGIN_THROTTLE["PER_PAIR"]):
        attempt(client, world.worker.username, "wrong", ATTACKER, language="zh-hans")
    response = attempt(client, world.worker.username, "wrong", ATTACKER, language="zh-hans")
    with translation.override("zh-hans"):
        expected = gettext(MESSAGE)
    assert response.status_code == 429
    assert expected in response.content.decode()


def test_no_address_is_kept_in_clear(client, world, settings):
    canary_ip = "203.0.113.77"
    for _ in range(settings.LOGIN_THROTTLE["PER_PAIR"] + 2):
        attempt(client, world.caseworker.username, "wrong", canary_ip)
    keys = list(cache._cache.keys())  # LocMemCache's store
    assert len(keys) >= 3
    for key in keys:
        assert canary_ip not in key
        assert world.caseworker.username not in key
    # Counters only — besides the versions of reference data's local copies (random hex).
    values = {k: cache.get(k.split(":", 2)[-1]) for k in keys}
    counters = {k: v for k, v in values.items() if not k.endswith("-version")}
    assert len(counters) >= 3
    assert all(isinstance(v, int) or v is None for v in counters.values())
    assert all(len(v) == 32 for k, v in values.items() if k.endswith("-version") and v)


def test_the_salt_changes_every_day(rf, world):
    request = rf.post(LOGIN, REMOTE_ADDR=ATTACKER)
    today = throttle.keys_for(request, "caseworker", now=1_800_000_000)
    same_day = throttle.keys_for(request, "caseworker", now=1_800_000_000 + 10)
    tomorrow = throttle.keys_for(request, "caseworker", now=1_800_000_000 + 86400)
    assert today.pair == same_day.pair
    assert today.pair.rsplit(":", 1)[1] != tomorrow.pair.rsplit(":", 1)[1]


@pytest.mark.real_second_factor
def test_wrong_codes_at_the_second_step_are_throttled_per_client(client, world, settings):
    from django.test import Client
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = TOTPDevice.objects.create(user=world.caseworker, name="phone", confirmed=True)
    assert signed_in(attempt(client, world.caseworker.username, PASSWORD, ATTACKER))
    for _ in range(settings.LOGIN_THROTTLE["SECOND_FACTOR_PER_USER"]):
        client.post("/accounts/two-factor/", {"code": "000000"}, REMOTE_ADDR=ATTACKER)
    good = f"{totp(device.bin_key):06d}"
    refused = client.post("/accounts/two-factor/", {"code": good}, REMOTE_ADDR=ATTACKER)
    assert refused.status_code == 429
    assert client.get("/cases/", REMOTE_ADDR=ATTACKER).status_code == 302
    # The real caseworker, from their own device, is not held up.
    own = Client()
    assert signed_in(attempt(own, world.caseworker.username, PASSWORD, REAL_USER))
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    response = own.post("/accounts/two-factor/", {"code": good}, REMOTE_ADDR=REAL_USER)
    assert response.status_code == 302
    assert own.get("/cases/", REMOTE_ADDR=REAL_USER).status_code == 200


def test_an_address_the_client_claims_in_x_forwarded_for_is_not_believed(client, world, settings):
    # security.md F6: the client's own X-Forwarded-For does not make it another client.
    limit = settings.LOGIN_THROTTLE["PER_PAIR"]
    for n in range(limit):
        response = client.post(
            LOGIN,
            {"username": world.caseworker.username, "password": "wrong"},
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}",
        )
        assert response.status_code == 200
    refused = client.post(
        LOGIN,
        {"username": world.caseworker.username, "password": PASSWORD},
        REMOTE_ADDR=ATTACKER,
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )
    assert refused.status_code == 429
