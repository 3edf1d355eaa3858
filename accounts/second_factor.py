"""Second factor (TOTP, django-otp) for staff; optional for workers (DESIGN §3, ASVS 6.3.3).

Who must prove one: every member of staff (a caseworker, supervisor, coordinator, lawyer or
analyst membership, or the Django admin flags), and any worker who chose to enrol. The
middleware (accounts/middleware.py) and the gate (casework/permissions.principal_for) refuse a
session of such a user that has not been verified in django-otp's sense.

Recovery codes are django-otp static tokens, but what is stored is a keyed digest of each code
(16 characters, the column's size), never the code: a database dump gives no way past the
second factor. `recovery_code_check` digests what the person typed before django-otp compares.
"""

from __future__ import annotations

import base64
import secrets

from django.db import transaction
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework.audit import audit_record
from casework.crypto import lookup_digest

RECOVERY_CODE_COUNT = 10
RECOVERY_DEVICE_NAME = "recovery"
TOTP_DEVICE_NAME = "authenticator"
# 10 characters of base32: 50 bits each, single use, behind the password and a throttle.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 10


def is_staff_user(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff or user.is_superuser:
        return True
    return user.memberships.exists()


def has_confirmed_totp(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def requires_second_factor(user) -> bool:
    """Staff always; a worker once they have enrolled a device."""
    if not getattr(user, "is_authenticated", False):
        return False
    return is_staff_user(user) or has_confirmed_totp(user)


def session_is_verified(user) -> bool:
    """True when django-otp's middleware verified this request's user. Users that did not come
    through the middleware (services called from code, tests of services) carry no verdict."""
    check = getattr(user, "is_verified", None)
    return True if check is None else bool(check())


def totp_pending_device(user) -> TOTPDevice:
    """The unconfirmed authenticator an enrolment is showing (one per user, kept until
    confirmed so that reloading the page does not change the secret)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def totp_secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def normalise_code(code: str) -> str:
    return "".join(c for c in (code or "").lower() if c.isalnum())


def _recovery_digest(code: str) -> str:
    return lookup_digest("otp-recovery", normalise_code(code))[:16]


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


@transaction.atomic
def recovery_codes_issue(*, user) -> list[str]:
    """Replace the user's recovery codes with new ones; returns them (shown once)."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=_recovery_digest(c)) for c in codes
    )
    _audit(user, "recovery_codes_issued", {"codes": len(codes)})
    return codes


def _audit(user, verb: str, payload: dict | None = None) -> None:
    audit_record(
        verb=verb,
        actor=user,
        actor_kind="staff" if is_staff_user(user) else "worker",
        payload=payload or {},
    )


@transaction.atomic
def totp_confirm(*, user, device: TOTPDevice, code: str) -> bool:
    """Confirm an enrolment with the first code the authenticator shows."""
    if device.user_id != user.pk or device.confirmed:
        return False
    if not device.verify_token(normalise_code(code)):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    _audit(user, "second_factor_enrolled")
    return True


def second_factor_check(*, user, code: str):
    """The device that accepts this code (authenticator first, then a recovery code, which is
    used up), or None."""
    cleaned = normalise_code(code)
    if not cleaned or len(cleaned) > 20:
        return None
    with transaction.atomic():
        if cleaned.isdigit():
            for device in TOTPDevice.objects.filter(user=user, confirmed=True).select_for_update():
                if device.verify_token(cleaned):
                    return device
        if len(cleaned) == RECOVERY_LENGTH:
            digest = _recovery_digest(cleaned)
            for device in StaticDevice.objects.filter(
                user=user, confirmed=True
            ).select_for_update():
                if device.verify_token(digest):
                    _audit(user, "recovery_code_used")
                    return device
    return None


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def mark_session_verified(session, device) -> None:
    """What django_otp.login does, for code that holds a session but no request (tests)."""
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
