"""API tokens (services): create, revoke, authenticate. A token is
`rdt_<prefix>_<secret>`: the prefix finds the row, the SHA-256 of the whole token is compared
in constant time. The secret has 256 bits of entropy, so a fast hash is enough (ASVS 6.5.2
asks for a slow hash only below 112 bits)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.models import Membership
from casework.audit import audit_record
from casework.errors import GuardFailed, NotFound
from casework.permissions import Principal

from .models import ApiToken

TOKEN_PREFIX = "rdt"  # noqa: S105 - the visible tag of a token, not a secret
# last_used_at is written at most this often per token: a busy integration does not turn
# every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_create(*, user, membership_id, name: str) -> tuple[ApiToken, str]:
    """A new token acting as one of the user's own memberships. Returns the row and the token,
    which is shown once and never stored."""
    membership = Membership.objects.filter(pk=membership_id, user=user).first()
    if membership is None:
        message = _("Please choose one of your roles.")
        raise GuardFailed(message, field_errors={"membership": [message]})
    label = (name or "").strip()
    if not label or len(label) > 100:
        message = _("Give the token a name of at most 100 characters.")
        raise GuardFailed(message, field_errors={"name": [message]})
    prefix = secrets.token_hex(6)
    raw = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user, membership=membership, name=label, prefix=prefix, digest=_digest(raw)
    )
    # In the installation's chain (no case): who made which token for which role; never the
    # token or its name.
    audit_record(
        verb="api_token_created",
        actor=user,
        payload={"token": token.pk, "membership": membership.pk, "role": membership.role},
    )
    return token, raw


@transaction.atomic
def token_revoke(*, user, token_id) -> ApiToken:
    """Revoke one of the user's tokens; it is refused from its next request on."""
    token = ApiToken.objects.select_for_update().filter(pk=token_id, user=user).first()
    if token is None:
        raise NotFound(_("Token not found"))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(verb="api_token_revoked", actor=user, payload={"token": token.pk})
    return token


def token_lookup(raw: str) -> ApiToken | None:
    """The active token for this string, with its user and membership, or None."""
    parts = (raw or "").split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user", "membership__organisation")
        .filter(prefix=parts[1])
        .first()
    )
    if token is None or not hmac.compare_digest(token.digest, _digest(raw)):
        return None
    if token.revoked_at is not None or not token.user.is_active:
        return None
    return token


def token_touch(token: ApiToken, *, now=None) -> None:
    """Record the use, at most once per LAST_USED_RESOLUTION (one conditional UPDATE)."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    ).update(last_used_at=now)
    token.last_used_at = now


def principal_for_token(token: ApiToken) -> Principal:
    """What the gate sees for a token: its one membership, none of the owner's others."""
    m = token.membership
    org = m.organisation
    only = frozenset({org.pk})
    none: frozenset[int] = frozenset()
    return Principal(
        user_id=token.user_id,
        is_active=token.user.is_active,
        caseworker_org_ids=only if m.role == Role.CASEWORKER else none,
        supervisor_paths=(org.path,) if m.role == Role.SUPERVISOR else (),
        supervisor_org_ids=only if m.role == Role.SUPERVISOR else none,
        coordinator_org_ids=only if m.role == Role.COORDINATOR else none,
        lawyer_org_ids=only if m.role == Role.LAWYER else none,
        analyst_org_ids=only if m.role == Role.ANALYST else none,
        roles=frozenset({m.role}),
    )
