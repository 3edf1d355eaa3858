"""No staff session without a second factor reaches anything but the second-factor pages."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from .second_factor import has_confirmed_totp, requires_second_factor


def _exempt_paths() -> tuple[str, ...]:
    return (
        reverse("accounts:two_factor_verify"),
        reverse("accounts:two_factor_setup"),
        reverse("accounts:logout"),
        reverse("accounts:login"),
        reverse("set_language"),
    )


class SecondFactorMiddleware:
    """After OTPMiddleware: a signed-in user who must prove a second factor and has not is sent
    to enter their code (or to enrol when they have no authenticator yet). API requests get 401.
    Static files are served before this by WhiteNoise."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        required = False
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and request.path_info not in _exempt_paths()
            and not request.path_info.startswith(settings.STATIC_URL)
        ):
            # Kept for the navigation (context_processors.roles), which asks the same question:
            # no view on these paths adds a device (enrolment is on an exempt path).
            required = request.second_factor_required = requires_second_factor(user)
        if required:
            if request.path_info.startswith("/api/"):
                return HttpResponse(status=401)
            target = (
                "accounts:two_factor_verify"
                if has_confirmed_totp(user)
                else "accounts:two_factor_setup"
            )
            url = reverse(target)
            if request.method == "GET":
                url += "?" + urlencode({"next": request.get_full_path()})
            return redirect(url)
        return self.get_response(request)
