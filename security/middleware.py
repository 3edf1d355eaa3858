"""Security middleware of our own, beside Django's (SecurityMiddleware, the CSP middleware,
XFrameOptionsMiddleware), which set the other headers from settings."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _

# How often the last-seen time is written back: a session write per request would be wasteful,
# and the timeout does not need to be exact to the second.
LAST_SEEN_KEY = "_rd_last_seen"
LAST_SEEN_WRITE_EVERY = 60
SIGNED_IN_AT_KEY = "_rd_signed_in_at"

# A downloaded file is never a page: nothing in it may run, load or be framed.
ATTACHMENT_CSP = "sandbox; default-src 'none'"


def _is_staff(user) -> bool:
    from casework.permissions import principal_for

    return bool(user.is_staff or user.is_superuser or principal_for(user).is_staff_member)


class StaffIdleTimeoutMiddleware:
    """Ends a staff session after SECURITY_STAFF_IDLE_SECONDS without a request (ASVS 7.3.1),
    and in any case SECURITY_STAFF_SESSION_MAX_SECONDS after signing in (ASVS 7.3.2).

    Only this session ends (the user's others are theirs to keep), and the request goes on as
    an anonymous one: pages that need a signed-in user send it to sign in. Workers and anonymous
    follow-up sessions (the receipt code) have no such limits: a worker filing on a phone may
    leave the form for a while."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and _is_staff(user):
            self._check(request)
        return self.get_response(request)

    def _check(self, request) -> None:
        now = int(time.time())
        session = request.session
        seen = session.get(LAST_SEEN_KEY)
        signed_in_at = session.get(SIGNED_IN_AT_KEY)
        idle_limit = settings.SECURITY_STAFF_IDLE_SECONDS
        if seen is not None and now - int(seen) > idle_limit:
            message = _("You were signed out after %(minutes)d minutes without activity.") % {
                "minutes": idle_limit // 60
            }
        elif (
            signed_in_at is not None
            and now - int(signed_in_at) > settings.SECURITY_STAFF_SESSION_MAX_SECONDS
        ):
            message = _("Your session has ended. Please sign in again.")
        else:
            if seen is None or now - int(seen) >= min(LAST_SEEN_WRITE_EVERY, idle_limit):
                session[LAST_SEEN_KEY] = now
            if signed_in_at is None:  # a session from before these limits: its clock starts now
                session[SIGNED_IN_AT_KEY] = now
            return
        session.flush()
        request.user = AnonymousUser()
        messages.info(request, message)


def stamp_session_at_login(sender, request, user, **kwargs) -> None:
    """The clocks start at sign-in (a user_logged_in receiver): the session is being saved then
    anyway, so the first request after it has nothing to write."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[LAST_SEEN_KEY] = now
        request.session[SIGNED_IN_AT_KEY] = now


class SecurityHeadersMiddleware:
    """Headers Django has no setting for:

    - `Cache-Control: no-store` on every response that does not say otherwise: pages carry case
      data and CSP nonces, and must stay out of shared and browser caches (ASVS 14.3.2);
    - `Permissions-Policy` switching off the browser features no page uses;
    - a sandboxing CSP on attachments (downloads), set before Django's CSP middleware, which
      leaves a CSP header it finds alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        response.setdefault("Permissions-Policy", settings.SECURITY_PERMISSIONS_POLICY)
        if response.get("Content-Disposition", "").startswith("attachment"):
            response.setdefault("Content-Security-Policy", ATTACHMENT_CSP)
        return response


# Methods the site answers at all (ASVS 13.4.5, matrix F5): TRACE, CONNECT and anything unknown
# get 501 before any view runs, whatever the view would have done with them.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class MethodAllowlistMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in KNOWN_METHODS:
            from django.http import HttpResponse

            return HttpResponse(status=501, content_type="text/plain")
        return self.get_response(request)
