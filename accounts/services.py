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
    """Switch an account off and end all its sessions at once. Saved with update_fields, not
    updated in bulk, so that what listens to users' saves hears it (the queue's copy of the
    people who can be assigned cases)."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    user_sessions_end(user=user)


# --- sign-in events (security.md matrix G1) ---------------------------------------------------
# One audit event per checked attempt, in the chain of events without a case: the verb, the
# step ("password" or "second_factor"), the outcome, and the account's id when there is one —
# never the username typed (it may be a mistyped password or another person's name), nor an
# address. Attempts the throttle refuses are not checked and not audited (each would otherwise
# be a write an attacker could make at will); the throttle logs its own refusals.

SIGN_IN_STEPS = ("password", "second_factor")


def _account_kind(user) -> str:
    from .second_factor import is_staff_user

    return "staff" if is_staff_user(user) else "worker"


@transaction.atomic
def sign_in_record(*, user: User, step: str) -> None:
    from casework.audit import audit_record

    assert step in SIGN_IN_STEPS
    audit_record(
        verb="signed_in",
        actor=user,
        actor_kind=_account_kind(user),
        payload={"step": step, "outcome": "success"},
    )


@transaction.atomic
def sign_in_failure_record(*, username: str = "", user: User | None = None, step: str) -> None:
    """A failed attempt: for the account `user`, or the one `username` names if any."""
    from casework.audit import audit_record

    assert step in SIGN_IN_STEPS
    if user is None and username:
        user = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
    audit_record(
        verb="sign_in_failed",
        actor=None,
        actor_kind="anonymous",
        payload={"step": step, "outcome": "failure", "user": user.pk if user else None},
    )


@transaction.atomic
def sign_out_record(*, user: User) -> None:
    from casework.audit import audit_record

    audit_record(
        verb="signed_out",
        actor=user,
        actor_kind=_account_kind(user),
        payload={"outcome": "success"},
    )
