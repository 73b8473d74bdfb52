"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Chromium comes from ``apt-get install chromium`` (``.ci/run`` installs it); Playwright never
downloads a browser. Under CI=true a missing Chromium, axe-core or built stylesheet fails
the test; elsewhere it is skipped with the reason, like the other service checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache

from tests.browser.helpers import AXE
from tests.conftest import IN_CI
from tests.pages.support import seed_sla_reference_data
from tests.support.concurrency import own_task_queue

CHROMIUM = Path("/usr/bin/chromium")
STYLESHEET = settings.FRONTEND_BUILD_DIR / "css" / "app.css"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives Chromium with Playwright (live server)")


def _missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI needs this for the browser tests: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Chromium for one test module; closed after it, with the async-safety guard restored."""
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing: apt-get install chromium")
    if not AXE.exists() or not STYLESHEET.exists():
        _missing("front-end assets are missing: run `make assets` (npm ci && npm run build)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread while it runs; the tests'
    # own ORM calls are still synchronous, so Django's async-safety guard is lifted here.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any, live_server: Any) -> Iterator[Any]:
    """A fresh browser tab (no cookies) on the live server."""
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture(autouse=True)
def _sla_reference_data(transactional_db: None) -> None:
    """SLA policies and holidays: the flush after each live-server test removes what the
    migrations seeded, and deadlines are planned from them."""
    seed_sla_reference_data()


@pytest.fixture(autouse=True)
def _fresh_sign_in_limits(transactional_db: None) -> None:
    """Sign-ins per address are counted in the database cache, which the flush after each
    live-server test leaves alone; every test here signs in from 127.0.0.1."""
    cache.clear()


@pytest.fixture(autouse=True)
def _own_task_queue() -> Iterator[None]:
    """The tasks a browser test causes go to a queue of their own, deleted afterwards."""
    with own_task_queue("browser"):
        yield
