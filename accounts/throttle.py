"""Sign-in throttling that cannot lock a caseworker out and keeps no one's address.

Failures are counted in the cache, in fixed windows, under three keys:

- the pair (account, client): a client that keeps failing for one account is refused;
- the client: a client spraying many accounts is refused;
- the account, from every client together: past a higher soft limit each attempt for the
  account is only *slowed down*, never refused — so an attacker failing for `caseworker1`
  from their own machine cannot stop the real caseworker signing in from theirs.

"Client" is the address the request came from (REMOTE_ADDR, which the deployment's proxy sets);
it is never stored: each key is an HMAC of the address (and account) under a salt derived from
the secret key and the day, so yesterday's counters cannot even be linked to today's. The
browser string is not read at all.

When the cache does not answer (security.md H6), the throttle fails *closed*: `refused` and
`second_factor_refused` raise `ThrottleUnavailable`, and the views answer 503 with Retry-After
without checking the password or the code — a throttle that cannot count must not let guesses
through uncounted. Writing a counter after a check (`failure`, `success`) that fails is logged
and otherwise ignored: the next attempt reads the counters first and is refused the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)
# Seconds a client is asked to wait (Retry-After) when the cache does not answer.
UNAVAILABLE_RETRY_AFTER = 60


class ThrottleUnavailable(Exception):
    """The counters could not be read: no attempt may be checked (fail closed)."""


def _conf() -> dict:
    return settings.LOGIN_THROTTLE


def _salt(now: float) -> bytes:
    day = int(now // 86400)
    return hmac.new(
        settings.SECRET_KEY.encode(), f"login-throttle-salt:{day}".encode(), hashlib.sha256
    ).digest()


def _key(kind: str, *parts: str, now: float) -> str:
    window = int(now // _conf()["WINDOW_SECONDS"])
    digest = hmac.new(_salt(now), "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()
    return f"rightsdesk:login:{kind}:{window}:{digest}"


def client_of(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "-"


def _account(username: str) -> str:
    return (username or "").strip().casefold()[:150]


def _count(key: str) -> int:
    try:
        return int(cache.get(key) or 0)
    except Exception as exc:  # noqa: BLE001 — whatever the cache backend raises when down
        logger.warning("the sign-in throttle could not read its counters: %s", type(exc).__name__)
        raise ThrottleUnavailable from exc


def _bump(key: str) -> None:
    try:
        if not cache.add(key, 1, timeout=_conf()["WINDOW_SECONDS"]):
            try:
                cache.incr(key)
            except ValueError:  # the window expired between add and incr
                cache.add(key, 1, timeout=_conf()["WINDOW_SECONDS"])
    except Exception as exc:  # noqa: BLE001 — the next attempt's read fails closed
        logger.warning("the sign-in throttle could not count: %s", type(exc).__name__)


@dataclass(frozen=True)
class Keys:
    pair: str
    client: str
    account: str


def keys_for(request, username: str, *, now: float | None = None) -> Keys:
    now = time.time() if now is None else now
    client, account = client_of(request), _account(username)
    return Keys(
        pair=_key("pair", account, client, now=now),
        client=_key("client", client, now=now),
        account=_key("account", account, now=now),
    )


def refused(keys: Keys) -> bool:
    """May this client not try this account now? (The account alone never refuses.)"""
    conf = _conf()
    return _count(keys.pair) >= conf["PER_PAIR"] or _count(keys.client) >= conf["PER_CLIENT"]


def slow_down_seconds(keys: Keys) -> float:
    """An account under attack from elsewhere: every attempt waits a little, none is refused."""
    conf = _conf()
    return conf["ACCOUNT_DELAY_SECONDS"] if _count(keys.account) >= conf["ACCOUNT_SOFT"] else 0.0


def failure(keys: Keys) -> None:
    for key in (keys.pair, keys.client, keys.account):
        _bump(key)


def success(keys: Keys) -> None:
    # The real user got in from this client: their own pair starts afresh.
    try:
        cache.delete(keys.pair)
    except Exception as exc:  # noqa: BLE001 — the counter expires with its window
        logger.warning("the sign-in throttle could not reset a counter: %s", type(exc).__name__)


def second_factor_key(request, user_id: int, *, now: float | None = None) -> str:
    now = time.time() if now is None else now
    return _key("otp", str(user_id), client_of(request), now=now)


def second_factor_refused(request, user_id: int) -> bool:
    return _count(second_factor_key(request, user_id)) >= _conf()["SECOND_FACTOR_PER_USER"]


def second_factor_failure(request, user_id: int) -> None:
    _bump(second_factor_key(request, user_id))


def sleep(seconds: float) -> None:
    """Indirection so tests can observe the slow-down without waiting for it."""
    if seconds > 0:
        time.sleep(seconds)
