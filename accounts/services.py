"""Writes to organisations, users and memberships."""

from django.db import models, transaction

from .models import Membership, Organisation, User


@transaction.atomic
def organisation_create(
    *,
    kind: str,
    name_zh: str,
    name_en: str,
    region: str,
    parent: Organisation | None = None,
    **extra,
) -> Organisation:
    org = Organisation.objects.create(
        kind=kind, name_zh=name_zh, name_en=name_en, region=region, parent=parent, **extra
    )
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    org.save(update_fields=["path"])
    return org


@transaction.atomic
def membership_grant(*, user: User, organisation: Organisation, role: str) -> Membership:
    membership, _ = Membership.objects.get_or_create(
        user=user, organisation=organisation, role=role
    )
    return membership


def user_sessions_end(*, user: User) -> None:
    """End every session of the user (ASVS 7.4.1/7.4.2): sign-out and deactivation call this.

    Raising the epoch changes the hash Django checks on each request, so sessions in the database,
    the cache or signed cookies all stop authenticating; their rows go with `clearsessions`."""
    User.objects.filter(pk=user.pk).update(session_epoch=models.F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])


@transaction.atomic
def user_deactivate(*, user: User) -> None:
    """Switch an account off and end all its sessions at once."""
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    user_sessions_end(user=user)
