"""An agency's page (/agencies/<code>/): its rates beside the province's, its domains, its
sub-units, its overdue dossiers (filtered, paged), HTMX partials and a constant query count."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.models import Agency, AgencyLevel, Membership, Role
from reports.services import kpi_full_recompute
from tests.reports.kpi_data import end_of_day, make_dossier, vn
from tests.reports.pages_data import pages_data_create

pytestmark = pytest.mark.django_db
H1 = {"period": "2023-H1"}


@pytest.fixture
def data(tree):
    return pages_data_create(tree)


def _login(client, role: str, agency: Agency):
    user = User.objects.create_user(f"u-{role}-{agency.code}", password="x")
    Membership.objects.create(user=user, role=role, agency=agency)
    client.force_login(user)
    return client


@pytest.fixture
def chairman(client, data):
    return _login(client, Role.AGENCY_HEAD, data.district)


@pytest.fixture
def officer(client, data):
    return _login(client, Role.PROVINCE_OFFICE, data.province)


def _rate_row(html: str, indicator: str) -> list[str]:
    row = re.search(rf'<tr data-indicator="{indicator}">(.*?)</tr>', html, re.S).group(1)
    return [re.sub(r"<[^>]+>.*", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]


class TestTheRates:
    def test_the_six_rates_come_with_target_and_the_province_value(self, chairman):
        html = chairman.get("/agencies/HL/", H1).content.decode()
        # rate, num / den, target, dossiers short of the target, province
        assert _rate_row(html, "on_time") == [
            "66,66%",
            "2 / 3",
            "100,00%",
            "còn thiếu 1 hồ sơ",  # 3 × 100% − 2
            "57,14%",
        ]
        assert _rate_row(html, "online_payment") == [
            "100,00%",
            "1 / 1",
            "30,00%",
            "Đạt",
            "66,66%",
        ]
        assert _rate_row(html, "apology") == ["100,00%", "1 / 1", "100,00%", "Đạt", "66,66%"]
        # h1 (land, a paper result) finished without an electronic one: 0 of 1, 1 short
        assert _rate_row(html, "e_result")[3] == "còn thiếu 1 hồ sơ"
        assert 'data-testid="overdue-total">1<' in html
        assert "Dữ liệu tính đến" in html

    def test_the_domains_are_listed_most_overdue_first(self, officer):
        html = officer.get("/agencies/QT/", H1).content.decode()
        table = re.search(r'<table class="rates domains-table">.*?</table>', html, re.S).group(0)
        # Province: Đất đai has d2 and h2 overdue (2 of 3 = 66,66%), Hộ tịch d4 (33,33%).
        assert re.findall(r'<th scope="row">([^<]+)</th>', table) == ["Đất đai", "Hộ tịch"]
        land = re.search(r"<tr>\s*<th scope=\"row\">Đất đai</th>.*?</tr>", table, re.S).group(0)
        assert re.findall(r'data-label="[^"]+">([^<]+)</td>', land)[:3] == ["4", "2", "66,66%"]

    def test_a_district_lists_its_communes_as_links(self, chairman):
        html = chairman.get("/agencies/HL/", H1).content.decode()
        assert 'href="/agencies/HL-X1/?period=2023-H1&amp;basis=calendar"' in html
        row = re.search(r'<tr data-scope="HL-X1">.*?</tr>', html, re.S).group(0)
        assert "100,00%" in row  # x1 on time 1/1

    def test_a_monthly_trend_chart_per_indicator(self, chairman):
        html = chairman.get("/agencies/HL/", H1).content.decode()
        assert html.count('class="chart-data"') == 6
        assert 'data-chart="trend-on_time"' in html
        assert "04/2023" in html

    def test_the_province_s_own_page_draws_its_own_monthly_line(self, officer):
        html = officer.get("/agencies/QT/", H1).content.decode()
        figure = _figure(html, "trend-on_time")
        lines = [trace for trace in figure["data"] if trace.get("mode") == "lines+markers"]
        assert len(lines) == 1  # the province itself; no second "Toàn tỉnh" line
        values = dict(zip(lines[0]["x"], lines[0]["y"], strict=True))
        # March: d1, d3 on time, d2 late, d4 open past its 10/03 due date: 2 of 4
        assert values["03/2023"] == 50.0
        assert values["01/2023"] is None  # nothing handled: a gap, not 0%

    def test_a_district_s_trend_has_its_line_and_the_province_s(self, chairman):
        figure = _figure(chairman.get("/agencies/HL/", H1).content.decode(), "trend-on_time")
        names = [trace["name"] for trace in figure["data"]]
        assert "Toàn tỉnh" in names and "Mục tiêu" in names and len(names) == 3


def _figure(html: str, chart_id: str) -> dict:
    raw = re.search(rf'<div hidden id="{chart_id}" class="chart-data">(.*?)</div>', html, re.S)
    return json.loads(unescape(raw.group(1)))


class TestOverdueDossiers:
    def test_open_and_late_dossiers_with_days_overdue_and_apology(self, officer):
        html = officer.get("/agencies/STP/", H1).content.decode()
        section = re.search(r'<section id="overdue".*?</section>', html, re.S).group(0)
        assert "STP-2" in section and "STP-4" in section
        assert "STP-1" not in section and "STP-3" not in section
        # STP-2 due 10/03, done 12/03: 2 days; apology 11/03. STP-4 due 10/03, open at
        # 30/06: 112 days, no apology.
        row2 = re.search(r"<tr>\s*<td[^>]*><code>STP-2</code>.*?</tr>", section, re.S).group(0)
        row4 = re.search(r"<tr>\s*<td[^>]*><code>STP-4</code>.*?</tr>", section, re.S).group(0)
        assert ">2</td>" in row2 and "Đã xin lỗi" in row2 and "11/03/2023" in row2
        assert ">112</td>" in row4 and "Chưa" in row4 and "Đang giải quyết" in row4

    def test_each_dossier_says_its_status_in_words_when_the_file_gave_one(self, officer):
        from dossiers.models import Dossier, DossierStatus

        Dossier.objects.filter(code="STP-4").update(status=DossierStatus.SUPPLEMENT_REQUESTED)
        html = officer.get("/agencies/STP/", H1).content.decode()
        section = re.search(r'<section id="overdue".*?</section>', html, re.S).group(0)
        row2 = re.search(r"<tr>\s*<td[^>]*><code>STP-2</code>.*?</tr>", section, re.S).group(0)
        row4 = re.search(r"<tr>\s*<td[^>]*><code>STP-4</code>.*?</tr>", section, re.S).group(0)
        assert "(Yêu cầu bổ sung giấy tờ)" in row4
        assert "data-status" not in row2  # no status given: nothing more than before

    def test_it_filters_by_domain_and_sub_unit(self, officer, data):
        civil = data.civil.domain_id
        html = officer.get("/agencies/STP/", {**H1, "domain": civil}).content.decode()
        assert "STP-4" in html and "<code>STP-2</code>" not in html
        html = officer.get("/agencies/QT/", {**H1, "unit": "HL"}).content.decode()
        section = re.search(r'<section id="overdue".*?</section>', html, re.S).group(0)
        assert "HL-2" in section and "STP-2" not in section

    def test_it_pages_by_25(self, officer, data):
        for n in range(27):
            make_dossier(
                data.department,
                data.land,
                received_at=vn(2023, 1, 2),
                due_at=end_of_day(2023, 1, 3),
                code=f"LATE-{n:02d}",
            )
        kpi_full_recompute()  # what an import does; the count and the pages read the facts
        first = officer.get("/agencies/STP/", H1).content.decode()
        assert first.count("<code>") == 25
        assert "Trang 1/2" in first
        second = officer.get("/agencies/STP/", {**H1, "page": 2}).content.decode()
        assert second.count("<code>") == 29 - 25

    def test_the_count_reads_the_facts_and_means_the_listed_dossiers(self, officer, data):
        """Issue 16: the badge is the facts' finished late + open overdue of the scope (and
        domain), the very dossiers listed; no query counts dossiers (the open ones grow with the
        history)."""

        def badge(path: str, query: dict) -> str:
            with CaptureQueriesContext(connection) as queries:
                html = officer.get(path, {**H1, **query}).content.decode()
            # (the apology counts, COUNT … FILTER, are another figure: "overdue now")
            counts = [
                q["sql"] for q in queries if "COUNT(" in q["sql"] and "FILTER" not in q["sql"]
            ]
            assert not [sql for sql in counts if '"dossiers_dossier"' in sql], counts
            return re.search(r'id="overdue-title">[^<]*<span class="badge">([^<]*)<', html)[1]

        # STP: STP-2 (finished late 12/03) and STP-4 (open at 30/06, due 10/03).
        assert badge("/agencies/STP/", {}) == "2"
        assert badge("/agencies/STP/", {"domain": data.civil.domain_id}) == "1"  # STP-4
        assert badge("/agencies/STP/", {"domain": data.land.domain_id}) == "1"  # STP-2
        assert badge("/agencies/QT/", {"unit": "HL"}) == "1"  # HL-2
        assert badge("/agencies/HL-X1/", {}) == "0"

    def test_a_page_shows_every_listed_dossier_while_the_facts_lag(self, officer, data):
        # Added after the facts were computed (an import whose refresh is still queued): the
        # count says 2, the list is live and shows all three on its one page.
        make_dossier(
            data.department,
            data.land,
            received_at=vn(2023, 1, 2),
            due_at=end_of_day(2023, 1, 3),
            code="LATE-X",
        )
        html = officer.get("/agencies/STP/", H1).content.decode()
        section = re.search(r'<section id="overdue".*?</section>', html, re.S).group(0)
        assert section.count("<code>") == 3 and "LATE-X" in section

    def test_the_overdue_partial_alone_with_htmx(self, officer):
        response = officer.get(
            "/agencies/STP/",
            {**H1, "page": 1},
            headers={"HX-Request": "true", "HX-Target": "overdue"},
        )
        html = response.content.decode()
        assert html.lstrip().startswith('<section id="overdue"')
        assert "Các chỉ tiêu" not in html and "<html" not in html


class TestHtmx:
    def test_only_the_whole_page_counts_the_dossiers_awaiting_an_apology(self, officer):
        # The counts (COUNT … FILTER over the open or late dossiers) are shown above the
        # partials: a swap of the content or of the overdue list's page does not run them.
        def count_queries(headers: dict) -> tuple[str, list[str]]:
            with CaptureQueriesContext(connection) as queries:
                html = officer.get("/agencies/STP/", H1, headers=headers).content.decode()
            return html, [q["sql"] for q in queries if "FILTER" in q["sql"]]

        html, counts = count_queries({})
        assert 'data-testid="apology-counts"' in html and len(counts) == 1
        for target in ({"HX-Request": "true"}, {"HX-Request": "true", "HX-Target": "overdue"}):
            html, counts = count_queries(target)
            assert counts == [] and "apology-counts" not in html

    def test_the_content_partial_with_htmx_and_the_whole_page_without(self, officer):
        partial = officer.get("/agencies/HL/", H1, headers={"HX-Request": "true"}).content.decode()
        assert partial.lstrip().startswith('<div id="content"')
        assert "<html" not in partial and 'id="overdue"' in partial
        full = officer.get("/agencies/HL/", H1).content.decode()
        assert "<html" in full and "<h1>UBND huyện Hải Lăng</h1>" in full


class TestAccess:
    def test_another_agency_answers_404_to_an_agency_head(self, chairman):
        assert chairman.get("/agencies/STP/").status_code == 404
        assert chairman.get("/agencies/QT/").status_code == 404
        assert chairman.get("/agencies/NOPE/").status_code == 404
        assert chairman.get("/agencies/HL-X1/").status_code == 200

    def test_the_head_sees_no_other_agency_name(self, chairman):
        html = chairman.get("/agencies/HL/", H1).content.decode()
        assert "Sở Tư pháp" not in html and "STP-" not in html and "UBND tỉnh" not in html


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, H1).status_code == 200
    return len(queries)


def test_the_agency_page_uses_the_same_number_of_queries_whatever_the_data_size(
    officer, data, django_assert_num_queries
):
    small = _count(officer, "/agencies/HL/")
    for n in range(5):
        commune = Agency.objects.create(
            code=f"HL-Y{n}", name=f"Xã {n}", level=AgencyLevel.COMMUNE, parent=data.district
        )
        for k in range(3):
            make_dossier(
                commune,
                data.land,
                received_at=vn(2023, 2, 1 + k),
                due_at=end_of_day(2023, 2, 5),
                finished_at=vn(2023, 2, 9) if k else None,
                apology_at=end_of_day(2023, 2, 6),
            )
    kpi_full_recompute()
    with django_assert_num_queries(small):
        officer.get("/agencies/HL/", H1)
    assert small <= 25
