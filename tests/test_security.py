"""Security settings and behaviour (issue 8, Security): the deployment check, the content security
policy, sign-in throttling, and POST + CSRF on every state-changing view."""

from __future__ import annotations

import inspect
import json
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.personas import PASSWORD, personas_create

ROOT = Path(__file__).resolve().parent.parent
CHECK_CLEAN = "System check identified no issues (0 silenced)."


def _production_env(**overrides: str) -> dict[str, str]:
    """The environment of a production web process: DEBUG off, a long random key, a real host
    name, HTTPS redirect and HSTS. The database is a throwaway SQLite file (the check does not
    connect to it)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SECURE_", "SESSION_", "CSRF_", "EMAIL_", "LOG_"))
        # The e2e conftest sets DJANGO_ALLOW_ASYNC_UNSAFE for Playwright: never in production.
        and key
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DJANGO_SETTINGS_MODULE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update(
        DJANGO_SETTINGS_MODULE="kpi_portal.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="kpi.quangtri.gov.vn",
        CSRF_TRUSTED_ORIGINS="https://kpi.quangtri.gov.vn",
        SECURE_SSL_REDIRECT="1",
        SECURE_HSTS_SECONDS="31536000",
        DATABASE_URL="sqlite:////tmp/kpi-check-deploy.sqlite3",
    )
    env.update(overrides)
    return env


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _settings_in(env: dict[str, str], *names: str) -> dict[str, object]:
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {list(names)!r}}}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- manage.py check --deploy ---------------------------------------------------------------------


class TestTheDeploymentCheck:
    def test_it_is_clean_with_the_production_settings(self):
        done = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())
        assert done.returncode == 0, done.stdout + done.stderr
        assert CHECK_CLEAN in done.stdout
        assert "WARNINGS" not in done.stdout + done.stderr

    def test_it_would_warn_if_hsts_were_switched_off(self):
        # The same check, with one protection removed, must complain: the test above can fail.
        done = _manage("check", "--deploy", env=_production_env(SECURE_HSTS_SECONDS="0"))
        assert "security.W004" in done.stdout + done.stderr

    def test_production_cookies_are_secure_and_https_is_enforced(self):
        seen = _settings_in(
            _production_env(),
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
            "SESSION_COOKIE_HTTPONLY",
            "SECURE_SSL_REDIRECT",
            "SECURE_HSTS_SECONDS",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        )
        assert seen == {
            "SESSION_COOKIE_SECURE": True,
            "CSRF_COOKIE_SECURE": True,
            "SESSION_COOKIE_HTTPONLY": True,
            "SECURE_SSL_REDIRECT": True,
            "SECURE_HSTS_SECONDS": 31536000,
            "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        }

    def test_the_embedded_run_stays_on_plain_http(self):
        # `make run`: DEBUG on by default, no HTTPS redirect, cookies sent over http.
        env = {k: v for k, v in _production_env().items() if k not in {"DEBUG", "SECRET_KEY"}}
        env.pop("SECURE_SSL_REDIRECT")
        seen = _settings_in(
            env, "DEBUG", "SESSION_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"
        )
        assert seen == {
            "DEBUG": True,
            "SESSION_COOKIE_SECURE": False,
            "SECURE_SSL_REDIRECT": False,
            "SECURE_HSTS_SECONDS": 0,
        }


# --- Content security policy ----------------------------------------------------------------------


@pytest.mark.django_db
class TestTheContentSecurityPolicy:
    def test_it_is_enforced_not_report_only(self, client):
        personas = personas_create()
        client.force_login(personas["province_officer"])
        response = client.get("/login/")
        policy = response["Content-Security-Policy"]
        assert "Content-Security-Policy-Report-Only" not in response.headers
        assert "script-src 'self'" in policy
        assert "default-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
        assert "unsafe-eval" not in policy

    def test_no_template_has_an_inline_script_or_handler(self):
        # An inline <script> or on…= handler would be blocked by the policy: pages must not rely
        # on one. Data goes through json_script (type application/json), which is not run.
        offenders = []
        for template in (ROOT / "templates").rglob("*.html"):
            text = re.sub(r"\{#.*?#\}", "", template.read_text())  # template comments
            for tag in re.findall(r"<script\b[^>]*>", text):
                if "src=" not in tag and "application/json" not in tag:
                    offenders.append(f"{template.relative_to(ROOT)}: {tag}")
            if re.search(r"<[^>]+\son[a-z]+\s*=", text):
                offenders.append(f"{template.relative_to(ROOT)}: inline event handler")
        assert offenders == []


# --- Sign-in throttling ---------------------------------------------------------------------------

LOCKED = "Tài khoản tạm khóa do nhập sai mật khẩu quá 5 lần"


@pytest.fixture
def people():
    return personas_create()


def _sign_in(client: Client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def _signed_in_as(client: Client) -> str | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id).username if user_id else None


@pytest.mark.django_db
class TestSignInThrottling:
    def test_five_wrong_passwords_lock_the_account_with_a_clear_message(self, client, people):
        for attempt in range(1, 5):
            response = _sign_in(client, "province_officer", "wrong")
            assert response.status_code == 200, attempt
            assert LOCKED not in response.content.decode()
        # The fifth failure locks: from now on even the right password is refused.
        fifth = _sign_in(client, "province_officer", "wrong")
        assert fifth.status_code == 429
        assert LOCKED in fifth.content.decode()
        assert "15 phút" in fifth.content.decode()
        locked = _sign_in(client, "province_officer", PASSWORD)
        assert locked.status_code == 429
        assert LOCKED in locked.content.decode()
        assert _signed_in_as(client) is None

    def test_a_success_before_the_limit_resets_the_count(self, client, people):
        for _ in range(4):
            _sign_in(client, "province_officer", "wrong")
        assert _sign_in(client, "province_officer", PASSWORD).status_code == 302
        client.logout()
        # 4 more failures: 4, not 8, since the success; still under the limit of 5.
        for _ in range(4):
            assert _sign_in(client, "province_officer", "wrong").status_code == 200
        assert _sign_in(client, "province_officer", PASSWORD).status_code == 302
        assert _signed_in_as(client) == "province_officer"

    def test_another_user_from_the_same_address_is_not_affected(self, client, people):
        for _ in range(5):
            _sign_in(client, "province_officer", "wrong")
        assert _sign_in(client, "province_officer", PASSWORD).status_code == 429
        response = _sign_in(client, "home_affairs", PASSWORD)
        assert response.status_code == 302
        assert _signed_in_as(client) == "home_affairs"

    def test_the_same_user_from_another_address_is_not_affected(self, client, people):
        for _ in range(5):
            _sign_in(client, "province_officer", "wrong", address="10.0.0.1")
        response = _sign_in(client, "province_officer", PASSWORD, address="10.0.0.2")
        assert response.status_code == 302
        assert _signed_in_as(client) == "province_officer"

    def test_signing_in_from_code_is_not_throttled(self, client, people):
        # The test client's login() has no request: the throttle lets it through to the password
        # check instead of failing (so tests and scripts that sign in this way keep working).
        for _ in range(6):
            assert not client.login(username="province_officer", password="wrong")
        assert client.login(username="province_officer", password=PASSWORD)


PROXY = "172.18.0.1"  # the TLS proxy, as the web process sees it (docs/operations.md)


def _through_proxy(client: Client, username: str, password: str, *, client_address: str):
    """A sign-in that reached the portal through the proxy: REMOTE_ADDR is the proxy's, and the
    proxy appended the address it saw (nginx's $proxy_add_x_forwarded_for)."""
    return client.post(
        "/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=client_address,
    )


@pytest.mark.django_db
class TestSignInThrottlingBehindTheProxy:
    """Issue 15 item 3: behind the proxy every request has the proxy's address; the lock must
    still be per person (username and the client's real address)."""

    @pytest.fixture(autouse=True)
    def _proxy_trusted(self, settings):
        settings.TRUSTED_PROXIES = ["172.16.0.0/12"]

    def test_wrong_passwords_from_one_client_do_not_lock_the_account_for_another(
        self, client, people
    ):
        for _ in range(5):
            _through_proxy(client, "province_officer", "wrong", client_address="203.0.113.7")
        locked = _through_proxy(client, "province_officer", PASSWORD, client_address="203.0.113.7")
        assert locked.status_code == 429
        # The real officer, at the office, through the same proxy: not locked out.
        response = _through_proxy(
            client, "province_officer", PASSWORD, client_address="198.51.100.20"
        )
        assert response.status_code == 302
        assert _signed_in_as(client) == "province_officer"

    def test_the_client_is_the_rightmost_address_the_trusted_proxies_did_not_add(
        self, client, people
    ):
        # The attacker writes a different X-Forwarded-For each time; the proxy appends the real
        # address, which is the one counted: the fifth attempt locks, whatever was forged.
        for forged in range(1, 6):
            response = _through_proxy(
                client,
                "province_officer",
                "wrong",
                client_address=f"10.9.9.{forged}, 203.0.113.7",
            )
        assert response.status_code == 429
        assert LOCKED in response.content.decode()

    def test_a_forwarded_header_from_an_untrusted_peer_is_ignored(self, client, people):
        # Straight to the web port (not through the proxy), with a forged header each time: the
        # peer's own address is counted, so forging does not escape the lock.
        for forged in range(1, 6):
            response = client.post(
                "/login/",
                {"username": "province_officer", "password": "wrong"},
                REMOTE_ADDR="198.51.100.99",
                HTTP_X_FORWARDED_FOR=f"10.9.9.{forged}",
            )
        assert response.status_code == 429
        # ... and nor can it lock out someone else by naming their address.
        assert _sign_in(client, "province_officer", PASSWORD, "10.9.9.1").status_code == 302

    def test_without_a_header_the_proxy_address_is_used(self, client, people):
        for _ in range(5):
            _sign_in(client, "province_officer", "wrong", PROXY)
        assert _sign_in(client, "province_officer", PASSWORD, PROXY).status_code == 429


class TestTheClientAddress:
    @pytest.mark.parametrize(
        ("trusted", "peer", "forwarded", "expected"),
        [
            ([], "172.18.0.1", "203.0.113.7", "172.18.0.1"),  # no proxy configured
            (["172.16.0.0/12"], "172.18.0.1", "203.0.113.7", "203.0.113.7"),
            (["172.16.0.0/12"], "172.18.0.1", "", "172.18.0.1"),  # no header
            (["172.16.0.0/12"], "172.18.0.1", "1.1.1.1, 203.0.113.7", "203.0.113.7"),
            # two proxies in a row (a load balancer, then nginx), both trusted
            (["172.16.0.0/12", "10.0.0.2"], "172.18.0.1", "203.0.113.7, 10.0.0.2", "203.0.113.7"),
            (["172.16.0.0/12"], "198.51.100.1", "203.0.113.7", "198.51.100.1"),  # untrusted peer
            (["172.16.0.0/12"], "172.18.0.1", "not-an-ip", "172.18.0.1"),
            (["172.16.0.0/12"], "172.18.0.1", "junk, 203.0.113.7", "203.0.113.7"),
            (["::1"], "::1", "2001:db8::5", "2001:db8::5"),
            (["127.0.0.1"], "::ffff:127.0.0.1", "203.0.113.7", "203.0.113.7"),
        ],
    )
    def test_it_believes_the_forwarded_header_only_from_a_trusted_proxy(
        self, settings, rf, trusted, peer, forwarded, expected
    ):
        from kpi_portal.client_address import client_ip_address

        settings.TRUSTED_PROXIES = trusted
        request = rf.post("/login/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
        assert client_ip_address(request) == expected

    def test_a_bad_trusted_proxies_value_stops_start_up_naming_it(self):
        env = _production_env(TRUSTED_PROXIES="10.0.0.0/8, proxy.local")
        done = _manage("check", env=env)
        assert done.returncode != 0
        assert "TRUSTED_PROXIES: 'proxy.local' is not an IP address or network" in done.stderr


# --- Every state-changing view: POST only, with a CSRF token --------------------------------------

# URL name → the route's arguments. Each of these changes data (or the session) on POST.
STATE_CHANGING = {
    "targets": {},
    "ranking_weights": {},
    "imports:index": {},
    "imports:confirm": {"batch_id": 1},
    "imports:map": {"batch_id": 1},
    "directives:pilot_compiled_submit": {},
    "directives:pilot_agency": {"code": "STNMT"},
    "directives:pilot_agency_reopen": {"code": "STNMT"},
    "apologies:new": {},
    "apologies:slips_start": {},
    "postings:upload": {},
    "postings:create": {},
    "postings:close": {"posting_id": 1},
    "login": {},
    "logout": {},
    "set_language": {},
}
# Views whose source speaks of POST but that change nothing on POST (none today).
READ_ONLY_POST: set[str] = set()
POST_IN_SOURCE = re.compile(r"require_POST|[\"']POST[\"']|request\.POST|require_http_methods")


def _routes(patterns, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, object]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), namespace + (pattern.name or ""), pattern.callback


def _project_routes() -> list[tuple[str, str, object]]:
    # Django's admin is Django's own (and POST + CSRF throughout); everything else is ours.
    return [r for r in _routes(get_resolver().url_patterns) if not r[0].startswith("admin/")]


def _handles_post(callback) -> bool:
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return hasattr(view_class, "post")
    return bool(POST_IN_SOURCE.search(inspect.getsource(inspect.unwrap(callback))))


def _post_only(callback) -> bool:
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return "get" not in view_class.http_method_names
    return "require_POST" in inspect.getsource(inspect.unwrap(callback))


def _url(name: str) -> str:
    from django.urls import reverse

    return reverse(name, kwargs=STATE_CHANGING.get(name) or None)


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_every_view_that_handles_post_is_in_the_state_changing_list():
    handles_post = {name for _route, name, cb in _project_routes() if _handles_post(cb)}
    assert handles_post - READ_ONLY_POST == set(STATE_CHANGING)


@pytest.mark.django_db
class TestStateChangingViews:
    @pytest.fixture
    def superuser(self, people):
        return User.objects.create_superuser("root", password="x")

    def test_a_post_without_a_csrf_token_is_refused(self, superuser):
        client = Client(enforce_csrf_checks=True)
        client.force_login(superuser)
        before = _row_counts()
        for name in STATE_CHANGING:
            response = client.post(_url(name), {"indicator": "on_time", "value_percent": "50"})
            assert response.status_code == 403, name
        assert _row_counts() == before

    def test_a_post_with_the_token_gets_through(self, superuser):
        # The control for the test above: the same client, with the token, is not refused.
        client = Client(enforce_csrf_checks=True)
        client.force_login(superuser)
        client.get("/login/")
        token = client.cookies["csrftoken"].value
        response = client.post("/i18n/setlang/", {"language": "en", "csrfmiddlewaretoken": token})
        assert response.status_code == 302

    def test_a_get_changes_nothing(self, superuser, client):
        client.force_login(superuser)
        before = _row_counts()
        for _route, name, callback in _project_routes():
            if name not in STATE_CHANGING or name in {"login"}:
                continue
            response = client.get(_url(name))
            if _post_only(callback):
                assert response.status_code == 405, name
            else:
                assert response.status_code in {200, 302, 404}, name
        assert _row_counts() == before
        assert client.session.get("_auth_user_id") == str(superuser.pk)
