"""Smoke tests: the browser machinery works, and the served site shows its login form."""


def test_chromium_renders_a_page(page, phone_page):
    page.set_content("<form><input name='username'></form>")
    assert page.locator("form input[name='username']").count() == 1
    assert page.evaluate("window.innerWidth") == 1280

    phone_page.set_content("<meta name='viewport' content='width=device-width'><p>hi</p>")
    assert phone_page.evaluate("window.innerWidth") == 390
    assert phone_page.evaluate("navigator.maxTouchPoints") > 0
    assert phone_page.evaluate("matchMedia('(pointer: coarse)').matches") is True


def test_login_page_has_username_field(live_server, page, artifacts_dir):
    response = page.goto(f"{live_server.url}/accounts/login/")
    assert response is not None and response.ok, response and response.status
    page.screenshot(path=str(artifacts_dir / "smoke-login.png"))
    assert page.locator("form input[name='username']").count() == 1
