"""The operator's documents say what the code does (issue 15 item 7): each default a variable
table states is the default the settings really take, and the README says what Home Affairs may
change, which the permission checks confirm."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.personas import personas_create
from tests.test_security import _production_env, _settings_in

ROOT = Path(__file__).resolve().parent.parent
DOCS = {"README.md": ROOT / "README.md", "operations.md": ROOT / "docs" / "operations.md"}


def documented_default(document: Path, variable: str) -> str:
    """The "Default" cell of the variable's own row in a `| Variable | Default | Meaning |`
    table."""
    rows = [
        line for line in document.read_text().splitlines() if line.startswith(f"| `{variable}` |")
    ]
    assert len(rows) == 1, f"{document.name}: {len(rows)} rows for {variable}"
    return rows[0].split("|")[2].strip()


def _production_defaults(*names: str) -> dict[str, object]:
    """The settings of a production process (DEBUG=0) that leaves these variables unset."""
    env = _production_env()
    for name in names:
        env.pop(name, None)
    return _settings_in(env, *names)


@pytest.mark.parametrize("document", DOCS)
def test_the_https_defaults_are_those_documented(document):
    seen = _production_defaults("SECURE_HSTS_PRELOAD", "SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT")
    expected = {
        "SECURE_HSTS_PRELOAD": f"`{int(seen['SECURE_HSTS_PRELOAD'])}` when `DEBUG=0`",
        "SECURE_HSTS_SECONDS": f"`{seen['SECURE_HSTS_SECONDS']}` when `DEBUG=0`",
        "SECURE_SSL_REDIRECT": f"`{int(seen['SECURE_SSL_REDIRECT'])}` when `DEBUG=0`",
    }
    documented = {name: documented_default(DOCS[document], name) for name in expected}
    assert documented == expected


@pytest.mark.parametrize("document", DOCS)
def test_the_allowed_hosts_default_is_the_one_documented(document):
    hosts = _production_defaults("ALLOWED_HOSTS")["ALLOWED_HOSTS"]
    assert documented_default(DOCS[document], "ALLOWED_HOSTS") == f"`{','.join(hosts)}`"


def test_a_production_process_does_not_answer_to_the_test_client_host():
    # `testserver` is the Django test client's host name; the test framework adds it to
    # ALLOWED_HOSTS itself. A production process must not accept it.
    assert "testserver" not in _production_defaults("ALLOWED_HOSTS")["ALLOWED_HOSTS"]


@pytest.mark.django_db
def test_the_readme_says_what_home_affairs_may_change_and_the_portal_agrees(client):
    row = next(
        line
        for line in (ROOT / "README.md").read_text().splitlines()
        if line.startswith("| `noivu`")
    )
    assert re.search(r"changes one thing: the ranking weights", row)
    assert "no imports, targets" in row
    people = personas_create()
    client.force_login(people["home_affairs"])
    # The weights page takes its form; the targets and imports pages refuse it.
    assert client.get("/rankings/weights/").status_code == 200
    assert client.get("/targets/").status_code == 403
    assert client.get("/imports/").status_code == 403
