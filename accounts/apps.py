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


def _end_every_session(sender, request, user, **kwargs) -> None:
    """Signing out on one device signs the user out everywhere (ASVS 7.4.1)."""
    if user is not None and getattr(user, "pk", None):
        from .services import user_sessions_end

        user_sessions_end(user=user)
