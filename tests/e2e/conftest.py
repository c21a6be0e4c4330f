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
from io import StringIO
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


TEMPLATE_SOURCE = re.compile(r"\{[#%{]|[#%}]\}")


def assert_no_template_source(page) -> None:
    """The page shows no Django template source ({# … #}, {% … %}, {{ … }}) as text."""
    text = page.locator("body").inner_text()
    found = TEMPLATE_SOURCE.search(text)
    assert found is None, (
        f"template source on {page.url}: …{text[max(0, found.start() - 80) :][:200]}…"
    )


def sign_in(page, username: str, password: str) -> None:
    page.goto("/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()


# --- The Quảng Trị demo behind a live server ----------------------------------------------------
# The demo takes tens of seconds to load, so a module that uses it runs its own live server over
# data loaded once (pytest-django's `live_server` would empty the database after every test) and
# removes the demo at the end. The demo users get a test password: the published `demo` one is
# refused when DEBUG is off, as it is in tests.

DEMO_PASSWORD = "a-long-test-password-42"
MD5 = "django.contrib.auth.hashers.MD5PasswordHasher"


@pytest.fixture(scope="module")
def demo_server(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[str]:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import override_settings
    from pytest_django.live_server_helper import LiveServer

    from dossiers.signals import dossiers_changed
    from reports.demo import portal_demo_wipe
    from reports.models import KpiCell, KpiFact, KpiPeriod, KpiRun
    from tests.cleanup import audit_entries_removed_afterwards

    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media),
        audit_entries_removed_afterwards(),
    ):
        receivers = dossiers_changed.receivers
        dossiers_changed.receivers = []  # compute once, fully, below
        try:
            call_command("load_demo", stdout=StringIO())
        finally:
            dossiers_changed.receivers = receivers
        call_command("compute_kpis", "--full", verbosity=0)
        for user in get_user_model().objects.filter(
            username__in=["vanphong", "noivu", "so-tnmt", "hailang", "khach"]
        ):
            # The tests' hasher (conftest's autouse fixture): the sign-in must verify with it.
            with override_settings(PASSWORD_HASHERS=[MD5]):
                user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        try:
            yield server.url
        finally:
            server._live_server_modified_settings.disable()
            server.stop()
            for model in (KpiFact, KpiPeriod, KpiCell, KpiRun):
                model.objects.all().delete()
            portal_demo_wipe(catalogue=True)


@pytest.fixture
def tab(browser, demo_server, django_db_blocker) -> Iterator[object]:
    """A browser tab on the demo server; no content-security-policy violation may happen."""
    with django_db_blocker.unblock():
        context = browser.new_context(viewport=DESKTOP, locale="vi-VN", base_url=demo_server)
        context.set_default_timeout(15_000)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        yield page
        context.close()
    violations = [e for e in errors if re.search("Content.Security.Policy", e, re.I)]
    assert not violations, violations
