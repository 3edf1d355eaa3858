"""The demo's second factor: every demo member of staff (and the demo admin) has an
authenticator with the same, published, demo-only key, so the demo can be tried without
enrolling. README lists the key; `manage.py demo_totp` prints the current code.

Never use this key anywhere but a demo database: anyone can read it here.
"""

from __future__ import annotations

import base64

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.second_factor import requires_second_factor

from .people import USERS

DEMO_TOTP_SECRET = "RIGHTSDESKDEMOONLYNOTSECRET23456"  # noqa: S105 - published demo-only key
DEMO_DEVICE_NAME = "demo"


def demo_totp_key_hex() -> str:
    return base64.b32decode(DEMO_TOTP_SECRET).hex()


def demo_totp_code() -> str:
    """The code an authenticator holding the demo key shows now."""
    return f"{totp(bytes.fromhex(demo_totp_key_hex())):06d}"


def ensure_demo_devices() -> list[str]:
    """Give each demo account that must sign in with a second factor the demo authenticator
    (when it has none). Returns the usernames that got one."""
    added = []
    for demo_user in USERS:
        user = User.objects.filter(username=demo_user.username).first()
        if user is None or not requires_second_factor(user):
            continue
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            continue
        TOTPDevice.objects.create(
            user=user, name=DEMO_DEVICE_NAME, key=demo_totp_key_hex(), confirmed=True
        )
        added.append(user.username)
    return added
