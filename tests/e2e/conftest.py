"""Fixtures for real-browser tests: Playwright's sync API driving Debian's chromium.

Every test under tests/e2e is marked `e2e` automatically (select with `-m e2e`, leave out
with `-m "not e2e"`). Tests get a served site from pytest-django's `live_server`, which
brings `transactional_db` with it, and a page from one of:

    page          desktop, 1280x800
    phone_page    phone, 390x844, is_mobile, has_touch

Override `browser_context_args` / `phone_context_args` in a test module to change the
context (locale, color scheme, ...). A failing test leaves a screenshot in test-artifacts/.
The browser is /usr/bin/chromium (`make system-browser`), or RIGHTSDESK_CHROMIUM.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

# Playwright's sync API keeps an event loop running in the test's thread, so Django would
# refuse ORM calls from the test body ("You cannot call this from an async context").
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parent.parent
CHROMIUM = os.environ.get("RIGHTSDESK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # The machines have no network but the package registries: without these, chromium
    # keeps trying (and failing) to reach Google's services.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(config, items):
    for item in items:
        if E2E_DIR in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the item, so the page fixtures can tell a failed test.
    report = yield
    setattr(item, f"_e2e_report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """test-artifacts/ at the repository root (git-ignored), for screenshots and traces."""
    path = REPO_ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(scope="session")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright):
    executable = shutil.which(CHROMIUM) if not os.path.isabs(CHROMIUM) else CHROMIUM
    if not executable or not os.access(executable, os.X_OK):
        pytest.fail(
            f"Chromium not found at {CHROMIUM!r}. The browser tests need Debian's chromium: "
            "run `make system-browser` (or `bash scripts/setup-system.sh --browser`), "
            "or point RIGHTSDESK_CHROMIUM at a chromium binary.",
            pytrace=False,
        )
    browser = playwright.chromium.launch(
        executable_path=executable, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def browser_context_args() -> dict:
    return {"viewport": {"width": 1280, "height": 800}}


@pytest.fixture
def phone_context_args() -> dict:
    return {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 3,
        "is_mobile": True,
        "has_touch": True,
    }


# Chromium reports what the Content-Security-Policy blocked on the console ("Refused to execute
# inline script because it violates the following Content Security Policy directive ...").
CSP_VIOLATION = re.compile(r"Content Security Policy|Content-Security-Policy", re.I)


@pytest.fixture
def csp_violations() -> list[str]:
    """What the CSP blocked during the test; a test that is not about it fails when non-empty
    (the page fixtures check at teardown)."""
    return []


def _open_page(browser, context_args, request, artifacts_dir, suffix, csp_violations):
    context = browser.new_context(**context_args)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.on(
        "console",
        lambda message: (
            csp_violations.append(message.text) if CSP_VIOLATION.search(message.text) else None
        ),
    )
    page = context.new_page()
    yield page
    report = getattr(request.node, "_e2e_report_call", None)
    if report is not None and report.failed:
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)[-150:]
        try:
            page.screenshot(path=str(artifacts_dir / f"FAILED-{name}{suffix}.png"), full_page=True)
        except Exception:  # noqa: BLE001, S110 - a screenshot is a courtesy, never a new error
            pass
    context.close()
    if csp_violations:
        pytest.fail(
            "The Content-Security-Policy blocked something on these pages "
            "(inline script or style, an on… handler, a javascript: link, another origin):\n"
            + "\n".join(csp_violations),
            pytrace=False,
        )


@pytest.fixture
def page(browser, browser_context_args, request, artifacts_dir, csp_violations):
    yield from _open_page(browser, browser_context_args, request, artifacts_dir, "", csp_violations)


@pytest.fixture
def phone_page(browser, phone_context_args, request, artifacts_dir, csp_violations):
    yield from _open_page(
        browser, phone_context_args, request, artifacts_dir, "-phone", csp_violations
    )
