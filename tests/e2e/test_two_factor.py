"""A caseworker's first sign-in in a real browser: password, enrolment with the QR code and the
key, a first code, recovery codes once; then the queue. A second sign-in asks for the code."""

import base64
import re

from django_otp.oath import totp

from tests.e2e.signing_in import authenticator_code
from tests.factories import PASSWORD

ENGLISH = {"locale": "en-US", "extra_http_headers": {"Accept-Language": "en"}}


def _code_from_key(secret: str) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key):06d}"


def test_first_sign_in_enrols_the_authenticator_and_the_next_asks_for_it(
    live_server, world, browser, artifacts_dir
):
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, **ENGLISH)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", world.caseworker.username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()

    # The enrolment page: a QR code drawn as SVG, and the key to type instead.
    assert "/accounts/two-factor/setup/" in page.url
    qr = page.locator("figure.qr svg")
    assert qr.is_visible() and qr.bounding_box()["width"] > 100
    secret = page.locator("#totp-secret").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    page.screenshot(path=str(artifacts_dir / "two-factor-setup.png"), full_page=True)
    page.fill("input[name=code]", _code_from_key(secret))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()

    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    with page.expect_navigation():
        page.locator("main a.button.primary").click()
    page.goto(f"{base}/cases/")
    assert "/cases/" in page.url and "two-factor" not in page.url

    # Signed out and in again: the code page, no enrolment.
    context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", world.caseworker.username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert "/accounts/two-factor/" in page.url and "setup" not in page.url
    page.goto(f"{base}/cases/")
    assert "/accounts/two-factor/" in page.url  # nothing before the code
    page.fill("input[name=code]", authenticator_code(world.caseworker.username))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert page.url.rstrip("/").endswith("/cases")
    context.close()
