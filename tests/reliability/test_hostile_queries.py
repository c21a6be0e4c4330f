"""Hostile query parameters on every page, export and API, for every role (issue 15 item 4).

A custom period up to 9999-12-31 overflowed the date type (500 on the overview, agency pages,
rankings, Biểu 06, the API and every export); a 20-digit domain id reached the database (500 on
SQLite, the embedded run). The walk below takes every route of the project (the admin aside), as
each persona and anonymously, and asks it with such parameters:

- nothing ever answers 5xx;
- a view that reads the period (its source calls `period_from_request` or `parse_period`) and
  answers a good period with 200 answers an out-of-range or too long one with 400 and says why;
- a view that reads a row id from the query (`row_id`) answers a 20-digit one with 400.
"""

from __future__ import annotations

import html
import inspect
import re
from urllib.parse import urlencode

import pytest
from django.test import Client

from tests.personas import PERSONAS
from tests.reports.ranking_data import ranking_personas_create
from tests.test_security import _project_routes

pytestmark = pytest.mark.django_db

GOOD = {"period": "2023-H1"}
BAD_PERIODS = {
    "2023-01-01..9999-12-31": "nằm ngoài khoảng có thể xem: từ năm 2000 đến năm 2099",
    "1900-01-01..2100-12-31": "nằm ngoài khoảng có thể xem: từ năm 2000 đến năm 2099",
    "9999": "nằm ngoài khoảng có thể xem",
    "2021-01-01..2023-12-31": "kỳ tự chọn dài tối đa 366 ngày",
}
HUGE = "9" * 20
BAD_ID = {"domain": HUGE}
# Everything else a view reads from the query, at its worst: never a 500.
ODD = {
    "basis": "x" * 50,
    "page": HUGE,
    "unit": "x" * 300,
    "agency": HUGE,
    "dossier": HUGE,
    "level": "x",
    "by": "x",
    "format": "x",
    "sort": "x",
    "dir": "x",
    "on": "31/12/9999",
    "date_from": "31/12/9999",
    "date_to": "31/12/9999",
    "action": "x",
    "actor": "x" * 300,
}
# Values for the routes' path parameters; an export is tried in each of its formats.
FORMATS = {"rankings_export": ["xlsx", "csv", "pdf", "json"], "report06_export": ["xlsx", "pdf"]}
SKIPPED = {"login", "logout", "set_language"}  # sign-in pages: throttled, tested elsewhere


def _reads(callback, *names: str) -> bool:
    source = inspect.getsource(inspect.unwrap(callback))
    return any(re.search(rf"\b{name}\(", source) for name in names)


def _urls() -> list[tuple[str, str, object]]:
    urls = []
    for route, name, callback in _project_routes():
        if name in SKIPPED:
            continue
        for fmt in FORMATS.get(name, [""]):
            path = "/" + route.replace("<str:fmt>", fmt)
            path = re.sub(r"<str:code>", "HL", path)
            path = re.sub(r"<id:\w+>", "1", path)
            urls.append((name + (f"[{fmt}]" if fmt else ""), path, callback))
    return urls


def _get(client: Client, path: str, query: dict[str, str]):
    return client.get(f"{path}?{urlencode(query)}")


@pytest.fixture
def clients():
    people = ranking_personas_create()
    made = {"anonymous": Client(raise_request_exception=False)}
    for persona in PERSONAS:
        made[persona] = Client(raise_request_exception=False)
        made[persona].force_login(people[persona])
    return made


def test_no_query_parameter_makes_any_page_answer_500_and_bad_ones_answer_400(clients):
    failures = []
    period_views, id_views = set(), set()
    for name, path, callback in _urls():
        reads_period = _reads(callback, "period_from_request", "parse_period")
        reads_id = _reads(callback, "row_id")
        for persona, client in clients.items():
            good = _get(client, path, GOOD).status_code
            if good >= 500:
                failures.append(f"{persona} {name}: {good} with a good period")
            for period, reason in BAD_PERIODS.items():
                response = _get(client, path, {"period": period})
                status = response.status_code
                if status >= 500 or (reads_period and good == 200 and status != 400):
                    failures.append(f"{persona} {name} period={period}: {status}")
                elif reads_period and good == 200:
                    period_views.add(name)
                    if reason not in response.content.decode():
                        failures.append(f"{persona} {name} period={period}: no reason given")
            status = _get(client, path, GOOD | BAD_ID).status_code
            if status >= 500 or (reads_id and good == 200 and status != 400):
                failures.append(f"{persona} {name} domain={HUGE}: {status}")
            elif reads_id and good == 200:
                id_views.add(name)
            status = _get(client, path, GOOD | ODD).status_code
            if status >= 500:
                failures.append(f"{persona} {name} odd parameters: {status}")
    print("\n".join(failures))  # the whole list, when it fails
    assert failures == []
    # The walk really reached the views that read periods and ids (someone could see each).
    assert period_views >= {
        "home",
        "agency_detail",
        "domains",
        "kpis_api",
        "rankings",
        "rankings_export[xlsx]",
        "rankings_export[csv]",
        "rankings_export[pdf]",
        "rankings_export[json]",
        "report06",
        "report06_export[xlsx]",
        "report06_export[pdf]",
    }
    assert id_views == {"agency_detail", "apologies:list"}


def test_a_bad_domain_id_page_says_what_is_wrong(clients):
    response = clients["district_chairman"].get("/agencies/HL/", {"domain": HUGE})
    assert response.status_code == 400
    assert f"Mã lĩnh vực không hợp lệ: '{HUGE}'." in html.unescape(response.content.decode())


def test_an_id_in_a_path_longer_than_a_row_can_have_is_not_found(clients):
    assert clients["province_officer"].get(f"/imports/{HUGE}/").status_code == 404
    assert clients["province_officer"].get(f"/postings/imports/{HUGE}/original").status_code == 404
