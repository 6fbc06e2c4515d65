"""Browser journeys: Playwright for Python driving Debian's Chromium against pytest-django's live server.

Without /usr/bin/chromium the journeys skip with that reason; CI installs Chromium and sets
OPENFUNNEL_REQUIRE_BROWSER=1 so that a missing browser fails instead of skipping.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from openfunnel.core.testing import PASSWORD, Personas, make_personas

CHROMIUM = os.environ.get("OPENFUNNEL_CHROMIUM", "/usr/bin/chromium")
# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make in between
# are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _browser_missing_reason() -> str | None:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "browser tests need the playwright package (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    reason = _browser_missing_reason()
    if reason:
        if os.environ.get("OPENFUNNEL_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()


@pytest.fixture
def e2e_personas(transactional_db: Any) -> Personas:
    return make_personas()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 860})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()


@pytest.fixture
def login(page: Any) -> Callable[[Any], Any]:
    """login(user) signs in through the login form and lands on the start page (signing out whoever was
    signed in before: the session and language cookies are dropped first)."""

    def do_login(user: Any) -> Any:
        page.context.clear_cookies()
        page.goto(page.base_url + "/accounts/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        return page

    return do_login


@pytest.fixture
def screenshot(page: Any, tmp_path: Any) -> Callable[[str], Any]:
    """screenshot(name) saves a full-page screenshot into the test's tmp dir (never committed), and also into
    $OPENFUNNEL_E2E_SHOTS when set, for a person to look at."""

    def take(name: str) -> Any:
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        extra = os.environ.get("OPENFUNNEL_E2E_SHOTS")
        if extra:
            os.makedirs(extra, exist_ok=True)
            shutil.copyfile(path, os.path.join(extra, f"{name}.png"))
        return path

    return take
