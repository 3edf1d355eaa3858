"""Signing in: the password step (throttled), then the second factor for those who need one.

Thin views (STYLE): the rules live in accounts/throttle.py and accounts/second_factor.py.
"""

from __future__ import annotations

from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from . import throttle
from .second_factor import (
    has_confirmed_totp,
    recovery_codes_issue,
    recovery_codes_left,
    requires_second_factor,
    second_factor_check,
    totp_confirm,
    totp_pending_device,
    totp_secret_base32,
)
from .services import sign_in_failure_record, sign_in_record, sign_out_record

THROTTLED = 429


def _unavailable_message() -> str:
    return _("Signing in is unavailable for a moment. Please try again in a minute.")


def _unavailable(response):
    """The throttle's counters cannot be read (the cache is down): 503, checked nothing."""
    response.status_code = 503
    response["Retry-After"] = str(throttle.UNAVAILABLE_RETRY_AFTER)
    return response


def _throttled_message() -> str:
    return _(
        "Too many failed sign-in attempts from this device. Please wait 15 minutes and try again."
    )


def _safe_next(request, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _second_factor_url(user, next_url: str) -> str:
    name = "accounts:two_factor_verify" if has_confirmed_totp(user) else "accounts:two_factor_setup"
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


class ThrottledLoginView(LoginView):
    """Django's login, with the throttle around the password check and the second factor after
    it. A refused attempt is not checked at all (and so cannot succeed)."""

    template_name = "accounts/login.html"

    def post(self, request, *args, **kwargs):
        keys = throttle.keys_for(request, request.POST.get("username", ""))
        try:
            refused = throttle.refused(keys)
        except throttle.ThrottleUnavailable:
            return _unavailable(self._refusal(_unavailable_message()))
        if refused:
            return self._refusal(_throttled_message(), status=THROTTLED)
        throttle.sleep(throttle.slow_down_seconds(keys))
        form = self.get_form()
        if form.is_valid():
            throttle.success(keys)
            sign_in_record(user=form.get_user(), step="password")
            return self.form_valid(form)
        throttle.failure(keys)
        sign_in_failure_record(username=request.POST.get("username", "")[:150], step="password")
        return self.form_invalid(form)

    def _refusal(self, message: str, status: int = 200):
        """The sign-in page again, with `message` and the username typed; nothing checked."""
        form = self.get_form_class()(
            self.request, initial={"username": self.request.POST.get("username", "")[:150]}
        )
        context = self.get_context_data(form=form, throttle_message=message)
        return self.render_to_response(context, status=status)

    def form_valid(self, form):
        user = form.get_user()
        auth_login(self.request, user)  # a new session key
        if requires_second_factor(user):
            return HttpResponseRedirect(_second_factor_url(user, self.get_success_url()))
        return HttpResponseRedirect(self.get_success_url())


class AuditedLogoutView(LogoutView):
    """Django's sign-out (POST only), audited for the user who was signed in."""

    def post(self, request, *args, **kwargs):
        user = request.user if request.user.is_authenticated else None
        response = super().post(request, *args, **kwargs)
        if user is not None:
            sign_out_record(user=user)
        return response


def _verified_response(request, device):
    # A higher level of trust: a new session key, so that a key seen before this point (on a
    # shared device, in a log) opens nothing.
    request.session.cycle_key()
    otp_login(request, device)
    if isinstance(device, StaticDevice):
        left = recovery_codes_left(request.user)
        messages.warning(
            request,
            _("You used a recovery code. Recovery codes left: %(left)d.") % {"left": left},
        )
    return redirect(_safe_next(request))


@never_cache
@login_required
def two_factor_verify(request):
    """Enter the code from the authenticator app (or a recovery code)."""
    user = request.user
    if user.is_verified() or not requires_second_factor(user):
        return redirect(_safe_next(request))
    if not has_confirmed_totp(user):
        return redirect(_second_factor_url(user, _safe_next(request)))
    error, status = "", 200
    if request.method == "POST":
        refusal = _second_factor_refusal(request, user)
        if refusal:
            error, status = refusal
        else:
            device = second_factor_check(user=user, code=request.POST.get("code", "")[:40])
            if device is not None:
                sign_in_record(user=user, step="second_factor")
                return _verified_response(request, device)
            throttle.second_factor_failure(request, user.pk)
            sign_in_failure_record(user=user, step="second_factor")
            error, status = (
                _("That code is not right. Check the time on your phone and try again."),
                400,
            )
    elif request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    response = render(
        request,
        "accounts/two_factor_verify.html",
        {"error": error, "next": _safe_next(request)},
        status=status,
    )
    return _unavailable(response) if status == 503 else response


def _second_factor_refusal(request, user) -> tuple[str, int] | None:
    """The message and status when a second-factor code may not be checked now: too many
    attempts (429), or the throttle's cache is down (503, failing closed)."""
    try:
        refused = throttle.second_factor_refused(request, user.pk)
    except throttle.ThrottleUnavailable:
        return _unavailable_message(), 503
    return (_throttled_message(), THROTTLED) if refused else None


def _qr_svg(device) -> str:
    qr = segno.make(device.config_url, error="m")
    # Generated here from the device's own otpauth URL: no outside input reaches the markup (the
    # URL becomes QR modules, not text).
    return mark_safe(  # noqa: S308 - segno's SVG markup, no user text in it  # nosec B308 B703
        qr.svg_inline(scale=5, border=2, dark="#000", light="#fff", svgclass="qr-code")
    )


@never_cache
@login_required
def two_factor_setup(request):
    """Enrol an authenticator app: scan the QR code (or type the key), confirm with a first
    code, and receive recovery codes, shown once."""
    user = request.user
    if has_confirmed_totp(user):
        if not user.is_verified():
            return redirect(_second_factor_url(user, _safe_next(request)))
        return render(
            request,
            "accounts/two_factor_status.html",
            {"codes_left": recovery_codes_left(user), "required": requires_second_factor(user)},
        )
    device = totp_pending_device(user)
    error, status = "", 200
    if request.method == "POST":
        refusal = _second_factor_refusal(request, user)
        if refusal:
            error, status = refusal
        elif totp_confirm(user=user, device=device, code=request.POST.get("code", "")[:40]):
            request.session.cycle_key()
            otp_login(request, device)
            codes = recovery_codes_issue(user=user)
            return render(
                request,
                "accounts/two_factor_recovery_codes.html",
                {"codes": codes, "next": _safe_next(request), "first_time": True},
            )
        else:
            throttle.second_factor_failure(request, user.pk)
            error, status = (
                _("That code is not right. Check the time on your phone and try again."),
                400,
            )
    elif request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    response = render(
        request,
        "accounts/two_factor_setup.html",
        {
            "qr_svg": _qr_svg(device),
            "secret": totp_secret_base32(device),
            "error": error,
            "next": _safe_next(request),
            "required": requires_second_factor(user),
        },
        status=status,
    )
    return _unavailable(response) if status == 503 else response


@never_cache
@login_required
def two_factor_recovery_codes(request):
    """New recovery codes (the old ones stop working), for a verified session only."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not (request.user.is_verified() and has_confirmed_totp(request.user)):
        return redirect("accounts:two_factor_setup")
    codes = recovery_codes_issue(user=request.user)
    return render(
        request,
        "accounts/two_factor_recovery_codes.html",
        {"codes": codes, "next": "/", "first_time": False},
    )
