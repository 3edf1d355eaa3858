"""Signing in through the browser, second factor included (accounts/second_factor.py)."""


def authenticator_code(username: str) -> str | None:
    """The code the user's authenticator app would show now, for staff (who must give one) and
    for anyone who enrolled; None for a worker without one. Staff without an authenticator get
    one here, as if they had enrolled. The device forgets the last code it accepted, so one user
    can sign in twice within the same 30 seconds (on two desks)."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User
    from accounts.second_factor import requires_second_factor

    user = User.objects.get(username=username)
    if not requires_second_factor(user):
        return None
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="e2e", confirmed=True)
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def sign_in(page, base_url: str, username: str, password: str) -> None:
    """Through the login form, then the code page when the user must give a second factor."""
    code = authenticator_code(username)
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    if code is not None:
        page.fill("input[name=code]", code)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
