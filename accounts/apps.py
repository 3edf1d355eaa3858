from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and organisations")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from security.middleware import stamp_session_at_login

        # A receiver rather than a logout view of our own: every way out (our sign-out, the
        # admin's, a two-factor flow's) goes through django.contrib.auth.logout, which sends it.
        user_logged_out.connect(_end_every_session, dispatch_uid="accounts.end_every_session")
        user_logged_in.connect(stamp_session_at_login, dispatch_uid="security.stamp_session")

        from django.db.models.signals import post_delete, post_save

        from .models import Membership

        # A staff role taken away (or changed) ends the user's sessions at once (ASVS 7.4.2,
        # matrix E4), whichever way it happens: a service, the admin, a purge.
        post_delete.connect(
            _membership_removed, sender=Membership, dispatch_uid="accounts.membership_removed"
        )
        post_save.connect(
            _membership_changed, sender=Membership, dispatch_uid="accounts.membership_changed"
        )


def _end_every_session(sender, request, user, **kwargs) -> None:
    """Signing out on one device signs the user out everywhere (ASVS 7.4.1)."""
    if user is not None and getattr(user, "pk", None):
        from .services import user_sessions_end

        user_sessions_end(user=user)


def _membership_removed(sender, instance, **kwargs) -> None:
    from .models import User
    from .services import user_sessions_end

    user = User.objects.filter(pk=instance.user_id).first()
    if user is not None:
        user_sessions_end(user=user)


def _membership_changed(sender, instance, created, raw=False, **kwargs) -> None:
    if not created and not raw:
        _membership_removed(sender, instance)
