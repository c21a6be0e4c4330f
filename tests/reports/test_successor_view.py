"""The two-tier province's pages (domain.md section 12), on the data set of test_two_tier.py:
the successor view (a merged unit's page, trend and API show its predecessors' figures rolled
up for the periods before it existed, apart and labelled), who may open predecessors' pages,
pages for a period straddling 1/7/2025 with each unit's dates, and no empty district section
after it."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from openpyxl import load_workbook

from agencies.models import Agency, Membership, Role
from reports.models import KpiFact
from tests.reports.test_two_tier import province  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def _person(username: str, role: str, agency: str | None) -> User:
    user = User.objects.create_user(username, password="a-long-test-password-42")
    Membership.objects.create(
        user=user, role=role, agency=Agency.objects.get(code=agency) if agency else None
    )
    return user


@pytest.fixture
def people(province):  # noqa: F811
    return {
        "n1_head": _person("n1", Role.AGENCY_HEAD, "N1"),
        "n2_head": _person("n2", Role.AGENCY_HEAD, "N2"),
        "merged_head": _person("snnmt", Role.AGENCY_HEAD, "SNNMT"),
        "office": _person("office", Role.PROVINCE_OFFICE, "TN"),
        "home_affairs": _person("noivu", Role.HOME_AFFAIRS, "SYT"),
    }


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


class TestTheSuccessorsHeadMayOpenThePredecessorsPagesAndNoOtherOnes:
    @pytest.mark.parametrize(
        ("person", "code", "status"),
        [
            ("n1_head", "N1", 200),
            ("n1_head", "X1", 200),  # merged into N1
            ("n1_head", "X2", 200),
            ("n1_head", "X3", 404),  # merged into N2: not N1's history
            ("n1_head", "H1", 404),  # X1's district was not merged into N1
            ("n1_head", "N2", 404),
            ("n1_head", "NOPE", 404),
            ("n2_head", "X3", 200),
            ("n2_head", "X1", 404),
            ("merged_head", "STN", 200),
            ("merged_head", "SNN", 200),
            ("merged_head", "STP", 404),
        ],
    )
    def test_pages(self, client, people, person, code, status):
        response = _get(client, people[person], f"/agencies/{code}/?period=2025-06")
        assert response.status_code == status

    def test_the_api_answers_the_same_way(self, client, people):
        ok = _get(client, people["n1_head"], "/api/kpis/?period=2025-06&agency=X2")
        assert ok.status_code == 200
        assert {row["agency"] for row in ok.json()["rows"]} == {"X2"}
        assert _get(
            client, people["n2_head"], "/api/kpis/?period=2025-06&agency=X2"
        ).status_code == (404)


class TestTheSuccessorView:
    def test_the_page_of_a_period_before_the_merger_shows_the_predecessors_rolled_up(
        self, client, people
    ):
        response = _get(client, people["n1_head"], "/agencies/N1/?period=2025-06")
        page = response.context["page"]
        assert not page.existed
        assert [a.code for a in page.predecessors] == ["X1", "X2"]
        # X1 (d9) + X2 (d10) in June: digitized 2/2, e-result 1/1 (d10), on time 1/2 (d9 late),
        # apology 1/1 (d9), online 1/2 (d9), paid online 0/1 (d10's fee unpaid).
        fractions = {
            line.indicator.code: (line.cell.numerator, line.cell.denominator)
            for line in page.predecessor_rates
        }
        assert fractions == {
            "digitization": (2, 2),
            "e_result": (1, 1),
            "on_time": (1, 2),
            "apology": (1, 1),
            "online_submission": (1, 2),
            "online_payment": (0, 1),
        }
        html = response.content.decode()
        assert "Các đơn vị tiền thân (cộng gộp)" in html
        assert "trong kỳ này đơn vị chưa tồn tại" in html
        # The unit's own rates stay its own: nothing in June.
        assert {line.cell.denominator for line in page.rates} == {0}

    def test_a_period_after_the_merger_has_no_predecessor_section(self, client, people):
        page = _get(client, people["n1_head"], "/agencies/N1/?period=2025-07").context["page"]
        assert page.existed and page.predecessors == []
        on_time = next(line for line in page.rates if line.indicator.code == "on_time")
        assert (on_time.cell.numerator, on_time.cell.denominator) == (1, 2)

    def test_the_trend_carries_the_predecessors_months_as_a_separate_labelled_series(
        self, client, people
    ):
        page = _get(client, people["office"], "/agencies/N1/?period=2025-07").context["page"]
        chart = next(c for c in page.trend_charts if c["id"] == "trend-on_time")
        series = {trace["name"]: trace["y"] for trace in chart["figure"]["data"]}
        rolled = series["Các đơn vị tiền thân (cộng gộp)"]
        # June: X1 late, X2 on time: 50%; nothing before June; none from July on.
        assert rolled[:6] == [None, None, None, None, None, 50.0]
        assert rolled[6:] == [None] * 6
        assert series["UBND xã Bình An"][6] == 50.0  # N1's own July: d13 on time, d14 late

    def test_the_api_gives_the_predecessors_apart_and_the_stored_facts_do_not_change(
        self, client, people
    ):
        stored = set(KpiFact.objects.values_list("scope", "period", "received", "handled"))
        data = _get(client, people["n1_head"], "/api/kpis/?period=2025-06&agency=N1").json()
        assert data["rows"] == []  # N1 did not exist in June
        series = data["predecessors"]
        assert (series["label"], series["successor"], series["agencies"]) == (
            "Các đơn vị tiền thân (cộng gộp)",
            "N1",
            ["X1", "X2"],
        )
        by_code = {
            row["indicator"]: (row["numerator"], row["denominator"]) for row in series["rows"]
        }
        assert by_code["on_time"] == (1, 2)
        assert by_code["digitization"] == (2, 2)
        assert set(KpiFact.objects.values_list("scope", "period", "received", "handled")) == stored
        assert not KpiFact.objects.filter(scope="N1", period="2025-06").exists()
        x1 = _get(client, people["office"], "/api/kpis/?period=2025-06&agency=X1").json()
        assert "predecessors" not in x1
        assert {(r["indicator"], r["numerator"], r["denominator"]) for r in x1["rows"]} >= {
            ("on_time", 0, 1),
            ("apology", 1, 1),
        }


class TestPagesAroundTheReform:
    def test_a_straddling_year_shows_old_and_new_units_with_their_dates(self, client, people):
        response = _get(client, people["office"], "/?period=2025")
        groups = response.context["overview"].groups
        rows = {row.code: row.validity for group in groups for row in group.rows}
        assert rows["H1"] == "đến 30/6/2025"
        assert rows["N1"] == "từ 1/7/2025"
        assert rows["SNNMT"] == "từ 1/3/2025"
        assert rows["STN"] == "đến 28/2/2025"
        assert rows["STP"] == ""
        assert [g.title for g in groups] == ["Sở, ban, ngành", "UBND cấp huyện", "UBND cấp xã"]
        html = response.content.decode()
        assert "(đến 30/6/2025)" in html and "(từ 1/7/2025)" in html

    def test_a_period_after_the_reform_has_no_district_section(self, client, people):
        for period in ("2025-07", "2026"):
            overview = _get(client, people["office"], f"/?period={period}").context["overview"]
            assert [g.title for g in overview.groups] == ["Sở, ban, ngành", "UBND cấp xã"]
            assert [r.code for r in overview.groups[1].rows] == ["N1", "N2", "N3"]

    def test_home_affairs_sees_the_communes_table_and_no_empty_district_one(self, client, people):
        response = _get(client, people["home_affairs"], "/rankings/?period=2025-07&level=xa")
        assert response.status_code == 200
        assert [tab["code"] for tab in response.context["tabs"]] == ["so", "xa", "all"]
        assert [line["row"].agency for line in response.context["lines"]] == ["N1", "N2", "N3"]
        xlsx = client.get("/rankings/export.xlsx?period=2025-07")
        sheets = load_workbook(io.BytesIO(xlsx.content)).sheetnames
        assert sheets == ["Sở, ban, ngành", "UBND cấp xã", "Toàn tỉnh"]

    def test_the_straddling_ranking_names_each_units_dates(self, client, people):
        response = _get(client, people["home_affairs"], "/rankings/?period=2025&level=all")
        lines = {line["row"].agency: line["row"].validity for line in response.context["lines"]}
        assert lines == {
            "SNN": "đến 28/2/2025",
            "STN": "đến 28/2/2025",
            "SNNMT": "từ 1/3/2025",
            "STP": "",
            "SYT": "",
            "H1": "đến 30/6/2025",
            "H2": "đến 30/6/2025",
            "N1": "từ 1/7/2025",
            "N2": "từ 1/7/2025",
            "N3": "từ 1/7/2025",
        }
