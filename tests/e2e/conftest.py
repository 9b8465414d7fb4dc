"""Browser tests: a real Chromium (Debian's, headless) driving the app on pytest-django's
live server through Playwright's sync API.

Every page fails its test at teardown if the browser reported a console error or an uncaught
JavaScript error. That is how these tests notice Content-Security-Policy violations (the
policy forbids inline scripts and styles), failed htmx requests and broken scripts, none of
which a server-side test can see.
"""

import os
import re
import shutil
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.conftest import skip_or_fail

# Playwright's sync API runs an event loop in the main thread; Django's ORM (used by the
# tests to arrange data and to check results) refuses to run while one is running.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

PASSWORD = "correct horse battery"  # what tests.factories.UserFactory sets

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# A page the server answers with an error status (a form re-rendered with 400, the 403 page)
# makes Chromium log this console error. Tests that expect such a status say so.
_HTTP_STATUS_ERROR = re.compile(
    r"^Failed to load resource: the server responded with a status of (\d+)"
)

# Playwright's default is 30 s; a local server answers in milliseconds, so a failure should
# show up fast instead of eating the module's time budget.
TIMEOUT_MS = 5_000


def _chromium_path() -> str | None:
    if os.path.exists("/usr/bin/chromium"):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


@dataclass
class BrowserErrors:
    """Console errors and uncaught exceptions of every page of one browser context."""

    errors: list[str] = field(default_factory=list)
    expected_statuses: set[int] = field(default_factory=set)

    def watch(self, page) -> None:
        page.on("console", lambda message: self._on_console(page, message))
        page.on("pageerror", lambda error: self.errors.append(f"uncaught error: {error}"))

    def expect_http_status(self, *statuses: int) -> None:
        """Let a page load with one of these statuses without failing the test."""
        self.expected_statuses.update(statuses)

    def _on_console(self, page, message) -> None:
        if message.type != "error":
            return
        url = message.location.get("url", "") if message.location else ""
        status = _HTTP_STATUS_ERROR.match(message.text)
        if (
            status
            and int(status.group(1)) in self.expected_statuses
            and "/static/" not in url  # a missing or refused asset is always a bug
        ):
            return
        self.errors.append(f"console error on {page.url}: {message.text} ({url})")


@pytest.fixture(scope="session")
def browser():
    executable = _chromium_path()
    if executable is None:
        skip_or_fail("Chromium is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_errors() -> BrowserErrors:
    return BrowserErrors()


@pytest.fixture
def context(browser, live_server, browser_errors):
    """A fresh browser profile (no cookies) whose pages are all watched for errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    context.on("page", browser_errors.watch)
    yield context
    context.close()


@pytest.fixture
def page(context, browser_errors):
    expect.set_options(timeout=TIMEOUT_MS)
    page = context.new_page()
    yield page
    if browser_errors.errors:
        pytest.fail(
            "The browser reported errors (a CSP violation, a failed request or a script error):\n"
            + "\n".join(browser_errors.errors),
            pytrace=False,
        )


def login(page, live_server, user, password: str = PASSWORD) -> None:
    """Sign in through the real login form, as a person would."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(user.get_username())
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator(".user-menu")).to_be_visible()
