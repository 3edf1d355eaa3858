"""The Content-Security-Policy in a real browser: the pages' own files load, inline script is
refused, and the page fixtures report what the CSP blocked (security.md F2, issue 7 item 5)."""

from django.conf import settings


def test_the_browser_enforces_the_policy_and_the_fixture_sees_it(page, live_server, csp_violations):
    # A page of the site with an inline script planted, served with the site's own policy.
    policy = live_server.url + "/csp-probe/"

    def planted(route):
        from django.utils.csp import build_policy

        route.fulfill(
            status=200,
            content_type="text/html",
            headers={"Content-Security-Policy": build_policy(settings.SECURE_CSP)},
            body="<!doctype html><p id=p>x</p><script>document.title = 'ran'</script>"
            "<p style='color:red'>y</p>",
        )

    page.route(policy, planted)
    page.goto(policy)
    assert page.title() != "ran"
    assert any("inline script" in v for v in csp_violations), csp_violations
    csp_violations.clear()  # seen and expected: the fixture must not fail this test


def test_the_sites_pages_break_no_rule(page, live_server, csp_violations):
    """Home, filing, follow-up, sign-in and the admin's sign-in (Django's own scripts and
    styles), with their stylesheets: nothing blocked."""
    from django.conf import settings

    for path in ("/", "/file/", "/track/", "/accounts/login/", f"/{settings.ADMIN_PATH}login/"):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
    # The stylesheet really loaded (a blocked sheet leaves the page without rules).
    assert page.evaluate("[...document.styleSheets].reduce((n, s) => n + s.cssRules.length, 0)")
    assert csp_violations == []


def test_the_admin_works_under_the_policy(page, live_server, csp_violations):
    """Django's admin (its scripts: the change form, filters, the user's password widget)
    runs without anything blocked."""
    from tests.e2e.signing_in import sign_in
    from tests.factories import PASSWORD, UserFactory

    admin = UserFactory(username="csp-admin", is_superuser=True, is_staff=True)
    from django.conf import settings

    base = f"/{settings.ADMIN_PATH}"  # the admin's configurable path (matrix A6)
    # Its login/ leads to the site's sign-in (throttled) and its second step.
    page.goto(live_server.url + f"{base}login/?next={base}")
    assert page.url.startswith(live_server.url + "/accounts/login/")
    sign_in(page, live_server.url, admin.username, PASSWORD)
    page.goto(live_server.url + base)
    for path in (f"{base}accounts/user/", f"{base}accounts/user/{admin.pk}/change/"):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
    assert page.locator("#id_username").input_value() == "csp-admin"
    assert csp_violations == []
