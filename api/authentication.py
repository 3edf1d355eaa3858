"""How the API knows who is calling: an API token (`Authorization: Bearer rdt_…`) or the
browser session (with DRF's CSRF check). A token acts as its one membership: the gate's
principal is built from that membership and cached on the user for the request."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .tokens import principal_for_token, token_lookup, token_touch


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        try:
            raw = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        token = token_lookup(raw)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        user = token.user
        user._rightsdesk_principal = principal_for_token(token)
        token_touch(token)
        return user, token

    def authenticate_header(self, request):
        return self.keyword
