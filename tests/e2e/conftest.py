"""Real-browser tests: Playwright driving Debian's chromium against pytest-django's live server.

Browsers are not downloaded: the tests use the system chromium (`apt-get install chromium`),
headless, with `--no-sandbox` because CI runs as root. Without playwright or chromium the e2e
tests are skipped, unless REQUIRE_SERVICES=1 (CI), where that is an error.

Screenshots go to tests/e2e/screenshots/ (git-ignored); look at them after a run.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django would otherwise refuse ORM
# calls from the test body ("You cannot call this from an async context").
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).parent / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    e2e = [item for item in items if "e2e" in item.keywords]
    reason = _missing() if e2e else None
    if reason is None:
        return
    if os.environ.get("REQUIRE_SERVICES") == "1":
        raise pytest.UsageError(f"REQUIRE_SERVICES=1 but the browser tests cannot run: {reason}")
    for item in e2e:
        item.add_marker(pytest.mark.skip(reason=reason))


# The data migrations' seeders (idempotent): the indicators with their names and default targets,
# the ranking weights and the rate bands.
SEEDERS = (
    ("reports.migrations.0002_seed_indicators", "seed"),
    ("reports.migrations.0004_scoring_weights", "seed_weights"),
    ("reports.migrations.0005_rate_bands", "seed_bands"),
)


@pytest.fixture(autouse=True)
def _seeded_rows(request: pytest.FixtureRequest) -> None:
    """Give a transactional browser test the rows the data migrations seed.

    The live server needs `django_db(transaction=True)`, and every transactional test in the
    suite (browser or not) ends by flushing every table, seeded rows included: a browser test
    after one would show indicator codes instead of names. So each one runs the seeders again
    first. (Django's `serialized_rollback` cannot do it here: the flush of a transactional test
    without it recreates the content types, and restoring the serialized copy then collides.)
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps

    for module, function in SEEDERS:
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:
    """A fresh browser tab (desktop size, Vietnamese) whose console errors are collected in
    `page.console_errors`; a content-security-policy violation fails the test at the end."""
    context = browser.new_context(
        viewport=DESKTOP, locale="vi-VN", base_url=live_server.url, accept_downloads=True
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.console_errors = []
    tab.on(
        "console",
        lambda message: (
            tab.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    tab.on("pageerror", lambda error: tab.console_errors.append(str(error)))
    yield tab
    context.close()
    violations = [e for e in tab.console_errors if re.search("Content.Security.Policy", e, re.I)]
    assert not violations, f"content security policy violations: {violations}"


def screenshot(page, name: str, *, viewport: dict[str, int] | None = None) -> Path:
    """Save a full-page PNG as tests/e2e/screenshots/<name>.png (optionally at another size)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    if viewport:
        page.set_viewport_size(viewport)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if viewport:
        page.set_viewport_size(DESKTOP)
    return path


def sign_in(page, username: str, password: str) -> None:
    page.goto("/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()
