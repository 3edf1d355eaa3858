"""Encryption at rest and keyed lookup digests for identity fields and receipt codes."""

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@cache
def _fernet() -> MultiFernet:
    # Several comma-separated keys allow rotation: the first encrypts, all decrypt.
    keys = [k for k in settings.FIELD_ENCRYPTION_KEY.split(",") if k]
    return MultiFernet(
        [Fernet(base64.urlsafe_b64encode(hashlib.sha256(k.encode()).digest())) for k in keys]
    )


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # a wrong key must never pass silently as empty data
        raise ValueError("encrypted field cannot be decrypted with the configured keys") from exc


def lookup_digest(purpose: str, value: str) -> str:
    """A keyed SHA-256 of a normalised value: searchable, but a database dump alone reveals nothing."""
    key = f"{settings.LOOKUP_HASH_KEY}:{purpose}".encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def digests_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
