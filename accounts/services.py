"""Writes to organisations, users and memberships."""

from django.db import transaction

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
