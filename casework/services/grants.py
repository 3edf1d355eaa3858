"""Guardian grants that follow the case: the assignee and the accepted lawyer hold `view_case`
and `work_case` on it (direct foreign-key tables, so a grant dies with its case)."""

from django.contrib.auth.models import Permission
from django.db import transaction

from ..audit import audit_record
from ..models import Case, CaseUserObjectPermission

CASE_GRANTS = ("view_case", "work_case")


def case_permissions() -> list[Permission]:
    return list(
        Permission.objects.filter(content_type__app_label="casework", codename__in=CASE_GRANTS)
    )


def grant_case_access(*, case: Case, user) -> None:
    """Idempotent: a repeated grant adds nothing."""
    assert transaction.get_connection().in_atomic_block
    have = set(
        CaseUserObjectPermission.objects.filter(content_object=case, user=user).values_list(
            "permission_id", flat=True
        )
    )
    new = [
        CaseUserObjectPermission(content_object=case, user=user, permission=perm)
        for perm in case_permissions()
        if perm.pk not in have
    ]
    if new:
        CaseUserObjectPermission.objects.bulk_create(new)
        audit_record(
            verb="access_granted",
            actor=None,
            actor_kind="system",
            case=case,
            payload={"user": user.pk},
        )


def revoke_case_access(*, case: Case, user) -> None:
    assert transaction.get_connection().in_atomic_block
    deleted, _ = CaseUserObjectPermission.objects.filter(content_object=case, user=user).delete()
    if deleted:
        audit_record(
            verb="access_revoked",
            actor=None,
            actor_kind="system",
            case=case,
            payload={"user": user.pk},
        )
