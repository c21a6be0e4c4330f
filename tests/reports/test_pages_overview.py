"""The province overview (/): figures against the hand-worked set, grouping, colours, sorting,
HTMX swaps, the agency head's landing and a constant number of queries."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from html import unescape

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.models import Agency, AgencyLevel, Membership, Role
from reports import overview_cache
from reports.models import Indicator, RateBand
from reports.pages.cells import Bands
from reports.services import kpi_full_recompute, target_set
from tests.reports.kpi_data import end_of_day, make_dossier, vn
from tests.reports.pages_data import pages_data_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_overview_cache():
    """The rendered overview is cached per process (reports/overview_cache.py): start empty."""
    overview_cache.clear()
    yield
    overview_cache.clear()


@pytest.fixture
def data(tree):
    return pages_data_create(tree)


@pytest.fixture
def officer(client, tree):
    user = User.objects.create_user("office", password="x")
    Membership.objects.create(user=user, role=Role.PROVINCE_OFFICE, agency=tree.province)
    client.force_login(user)
    return client


def _row(html: str, scope: str) -> str:
    match = re.search(rf'<tr[^>]*data-scope="{re.escape(scope)}".*?</tr>', html, re.S)
    assert match, scope
    return match.group(0)


def _text(html: str) -> str:
    """The words a reader sees in a piece of HTML (tags removed)."""
    return re.sub(r"<[^>]+>", "", html)


def _figure(html: str, chart_id: str) -> dict:
    raw = re.search(rf'<div hidden id="{chart_id}" class="chart-data">(.*?)</div>', html, re.S)
    return json.loads(unescape(raw.group(1)))


def _rates(row_html: str) -> list[str]:
    return re.findall(r"<summary>([^<]+)<", row_html) or re.findall(r">(—)<", row_html)


class TestTheFigures:
    def test_the_province_row_comes_first_with_its_six_rates_cut_to_two_decimals(
        self, officer, data
    ):
        html = officer.get("/", {"period": "2023-H1"}).content.decode()
        province = _row(html, "QT")
        assert _rates(province) == ["85,71%", "33,33%", "57,14%", "66,66%", "28,57%", "66,66%"]
        assert "4 / 7" in province  # numerator / denominator shown on tap
        assert html.index('data-scope="QT"') < html.index('data-scope="level:so"')

    def test_the_groups_carry_their_level_totals_before_their_agencies(self, officer, data):
        html = officer.get("/", {"period": "2023-H1"}).content.decode()
        assert "Sở, ban, ngành" in html and "UBND cấp huyện" in html
        # level:huyen counts the district's own dossiers: 1 of 2 on time; its node counts 2 of 3.
        assert _rates(_row(html, "level:huyen"))[2] == "50,00%"
        assert _rates(_row(html, "HL"))[2] == "66,66%"
        assert _rates(_row(html, "STP")) == [
            "75,00%",
            "50,00%",
            "50,00%",
            "50,00%",
            "25,00%",
            "50,00%",
        ]
        assert html.index('data-scope="level:so"') < html.index('data-scope="STP"')
        assert html.index('data-scope="STP"') < html.index('data-scope="level:huyen"')
        assert html.index('data-scope="level:huyen"') < html.index('data-scope="HL"')
        assert 'data-scope="HL-X1"' not in html  # communes are on their district's page

    def test_each_rate_that_misses_its_target_says_how_many_dossiers_it_is_short(
        self, officer, data
    ):
        html = officer.get("/", {"period": "2023-H1"}).content.decode()
        province = _row(html, "QT")
        shortfalls = re.findall(
            r'data-shortfall="(\d+)">còn thiếu <span class="n">([\d.]+) hồ sơ<', province
        )
        # digitization 6/7 of 100%: 1; e-result 1/3: 2; on time 4/7: 3; apology 2/3: 1;
        # online 2/7 of 50% (3.5): 2; online payment 2/3 meets 30%: none shown.
        assert shortfalls == [("1", "1"), ("2", "2"), ("3", "3"), ("1", "1"), ("2", "2")]
        stp = _row(html, "STP")
        assert re.findall(r"còn thiếu (\d+) hồ sơ", _text(stp)) == ["1", "1", "2", "1", "1"]

    def test_each_cell_is_coloured_by_its_band(self, officer, data):
        html = officer.get("/", {"period": "2023-H1"}).content.decode()
        stp = _row(html, "STP")
        cells = re.findall(r'class="num rate band-(\w+)"', stp)
        # online payment 50% >= 30% target: met; on time 50% << 100%: far.
        assert cells[5] == "met"
        assert cells[2] == "far"
        assert 'title="2 / 4 · mục tiêu 100,00%"' in stp

    def test_an_undefined_rate_is_a_dash_not_zero(self, officer, data):
        # In Q3 only d4 (open, overdue) is left: nothing received, so digitization is undefined.
        html = officer.get("/", {"period": "2023-Q3"}).content.decode()
        cells = re.findall(r'<td class="num rate band-(\w+)"[^>]*>(.*?)</td>', _row(html, "STP"))
        assert cells[0][0] == "none" and "—" in cells[0][1]
        assert cells[2][0] == "far" and "0,00%" in cells[2][1]  # on time 0/1 is a real 0

    def test_the_data_as_of_time_is_always_shown(self, officer, data):
        html = officer.get("/").content.decode()
        assert "Dữ liệu tính đến" in html
        assert "01/07/2023" in html

    def test_the_default_period_is_the_latest_complete_half_year_with_dossiers(self, officer, data):
        html = officer.get("/").content.decode()
        assert "6 tháng đầu năm 2023" in html
        assert re.search(r'<option value="2023-H1" selected>', html)

    def test_the_period_list_offers_only_periods_with_dossiers(self, officer, data, tree):
        # One dossier in January 2022: the engine computes every period from then to today,
        # but the province handled nothing between February 2022 and February 2023.
        from reports.models import KpiPeriod

        make_dossier(
            tree.department,
            tree.civil,
            received_at=vn(2022, 1, 10),
            due_at=end_of_day(2022, 1, 20),
            finished_at=vn(2022, 1, 12),
        )
        kpi_full_recompute()
        computed = set(KpiPeriod.objects.filter(basis="calendar").values_list("period", flat=True))
        assert {"2022-06", "2022-H2"} <= computed
        html = officer.get("/", {"period": "2023-H1"}).content.decode()
        select = re.search(r'<select id="period-select".*?</select>', html, re.S).group(0)
        offered = re.findall(r'<option value="([^"]+)"', select)
        assert {"2023-H1", "2023-03", "2023", "2022-01", "2022"} <= set(offered)
        assert "2022-06" not in offered and "2022-H2" not in offered

    def test_a_period_without_dossiers_says_so_instead_of_only_dashes(self, officer, data):
        html = officer.get("/", {"period": "2022-06"}).content.decode()
        assert 'data-testid="no-data"' in html
        assert "Kỳ Tháng 6/2022 không có hồ sơ nào" in html
        # the period asked for stays selected although it is not in the list of periods with data
        assert re.search(r'<option value="2022-06" selected>', html)
        assert (
            'data-testid="no-data"' not in officer.get("/", {"period": "2023-H1"}).content.decode()
        )

    def test_the_reporting_basis_uses_its_own_period(self, officer, data):
        html = officer.get("/", {"period": "2023-H1", "basis": "reporting"}).content.decode()
        assert "15/12/2022 – 14/06/2023" in html
        # x1 (received 01/05) and h1, h2 (April) are inside; STP's March dossiers too.
        assert _rates(_row(html, "QT"))[2] == "57,14%"

    def test_a_wrong_period_says_so_and_shows_the_default(self, officer, data):
        response = officer.get("/", {"period": "2023-H7"})
        assert response.status_code == 400  # the default period is shown, with the reason
        assert "Kỳ không hợp lệ" in response.content.decode()


class TestSortingAndHtmx:
    def test_sorting_by_an_indicator_orders_the_agencies_within_their_group(
        self, officer, data, tree
    ):
        department = Agency.objects.create(
            code="SYT", name="Sở Y tế", level=AgencyLevel.DEPARTMENT, parent=tree.province
        )
        make_dossier(
            department,
            tree.civil,
            received_at=vn(2023, 2, 1),
            due_at=end_of_day(2023, 2, 5),
            finished_at=vn(2023, 2, 2),
        )
        kpi_full_recompute()
        ascending = officer.get("/", {"period": "2023-H1", "sort": "on_time"}).content.decode()
        assert ascending.index('data-scope="STP"') < ascending.index('data-scope="SYT"')
        assert 'aria-sort="ascending"' in ascending
        descending = officer.get(
            "/", {"period": "2023-H1", "sort": "on_time", "dir": "desc"}
        ).content.decode()
        assert descending.index('data-scope="SYT"') < descending.index('data-scope="STP"')

    def test_sorting_by_shortfall_puts_the_agency_furthest_from_its_target_in_dossiers_first(
        self, officer, data, tree
    ):
        # Sở Y tế: 20 dossiers, 17 on time = 85,00%, 3 short of 100%. Sở Tư pháp: 2 of 4 =
        # 50,00%, 2 short. By rate Sở Tư pháp is behind; by dossiers Sở Y tế is.
        department = Agency.objects.create(
            code="SYT", name="Sở Y tế", level=AgencyLevel.DEPARTMENT, parent=tree.province
        )
        for number in range(20):
            make_dossier(
                department,
                tree.civil,
                received_at=vn(2023, 2, 1),
                due_at=end_of_day(2023, 2, 5),
                finished_at=vn(2023, 2, 10 if number < 3 else 2),
            )
        kpi_full_recompute()
        by_rate = officer.get("/", {"period": "2023-H1", "sort": "on_time"}).content.decode()
        assert by_rate.index('data-scope="STP"') < by_rate.index('data-scope="SYT"')
        by_shortfall = officer.get(
            "/", {"period": "2023-H1", "sort": "on_time", "by": "shortfall", "dir": "desc"}
        ).content.decode()
        assert by_shortfall.index('data-scope="SYT"') < by_shortfall.index('data-scope="STP"')
        assert "còn thiếu 3 hồ sơ" in _text(_row(by_shortfall, "SYT"))
        heading = re.search(r'<th[^>]*data-indicator="on_time".*?</th>', by_shortfall, re.S)
        assert 'aria-sort="descending"' in heading.group(0)
        # the next click on the same link turns the order round
        assert "sort=on_time&amp;by=shortfall&amp;dir=asc" in heading.group(0)
        ascending = officer.get(
            "/", {"period": "2023-H1", "sort": "on_time", "by": "shortfall", "dir": "asc"}
        ).content.decode()
        assert ascending.index('data-scope="STP"') < ascending.index('data-scope="SYT"')

    def test_with_hx_request_only_the_content_partial_comes_back(self, officer, data):
        response = officer.get("/", {"period": "2023-Q1"}, headers={"HX-Request": "true"})
        html = response.content.decode()
        assert response.status_code == 200
        assert html.lstrip().startswith('<div id="content"')
        assert "<html" not in html and "<nav" not in html
        assert "Quý I/2023" in html
        assert response["Vary"].count("HX-Request") == 1

    def test_without_hx_request_the_whole_page_comes_back(self, officer, data):
        html = officer.get("/", {"period": "2023-Q1"}).content.decode()
        assert "<html" in html and 'id="content"' in html and "charts.js" in html

    def test_the_period_form_swaps_the_content_and_pushes_the_url(self, officer, data):
        html = officer.get("/").content.decode()
        assert 'hx-target="#content"' in html and 'hx-push-url="true"' in html

    def test_each_indicator_has_a_chart_passed_as_json(self, officer, data):
        html = officer.get("/", {"period": "2023-H1"}).content.decode()
        assert html.count('class="chart-data"') == 6
        assert 'data-chart="chart-on_time"' in html

    def test_every_agency_is_labelled_on_the_bar_charts(self, officer, data, tree):
        tree.department.short_name = "Sở TP"
        tree.department.save()
        figure = _figure(officer.get("/", {"period": "2023-H1"}).content.decode(), "chart-on_time")
        axis = figure["layout"]["xaxis"]
        # an explicit tick for every bar, so plotly cannot skip every other label
        assert axis["tickmode"] == "array"
        assert axis["tickvals"] == figure["data"][0]["x"] == ["STP", "HL"]
        assert axis["ticktext"] == ["Sở TP", "UBND huyện Hải Lăng"]  # short name, else the name
        assert figure["data"][0]["customdata"] == ["Sở Tư pháp", "UBND huyện Hải Lăng"]

    def test_an_axis_whose_rates_are_all_high_is_zoomed_to_show_the_difference(self):
        from reports.charts import axis_range

        assert axis_range([98.33, 99.58, 100.0]) == [97.0, 100.5]  # 98% and 100% look apart
        assert axis_range([67.5, 99.58, None]) == [0, 105]
        assert axis_range([None]) == [0, 105]


class TestLanding:
    def test_an_agency_head_lands_on_their_own_agency_page(self, client, data, tree):
        user = User.objects.create_user("head", password="x")
        Membership.objects.create(user=user, role=Role.AGENCY_HEAD, agency=tree.district)
        client.force_login(user)
        response = client.get("/", {"period": "2023-H1"})
        assert response.status_code == 302
        assert response["Location"] == "/agencies/HL/?period=2023-H1"


class TestRateBands:
    def test_the_thresholds_are_data(self, db):
        bands = Bands.load()
        assert bands.band(100, 100, Decimal("1")) == "met"
        assert bands.band(96, 100, Decimal("1")) == "close"  # 4 points below
        assert bands.band(95, 100, Decimal("1")) == "close"  # exactly 5 points below
        assert bands.band(9499, 10000, Decimal("1")) == "far"
        assert bands.band(0, 0, Decimal("1")) == "none"
        RateBand.objects.filter(code="close").update(max_gap_points=Decimal("10"))
        assert Bands.load().band(91, 100, Decimal("1")) == "close"


class TestTheCachedOverview:
    """The rendered table is cached under a key holding the data version: whatever changes the
    figures shows on the very next request, and a broken cache only costs time."""

    def test_a_second_identical_request_is_served_from_the_cache_with_the_same_page(
        self, officer, data
    ):
        htmx = {"HX-Request": "true"}  # the fragment alone: the full page has a fresh CSRF token
        with CaptureQueriesContext(connection) as first:
            first_html = officer.get("/", {"period": "2023-H1"}, headers=htmx).content.decode()
        with CaptureQueriesContext(connection) as second:
            second_html = officer.get("/", {"period": "2023-H1"}, headers=htmx).content.decode()
        assert second_html == first_html and 'data-scope="STP"' in second_html
        # The hit skips the facts, agencies, indicators, targets, bands and period choices.
        assert len(second) < len(first)
        assert not any("reports_kpifact" in q["sql"] for q in second.captured_queries)

    def test_a_changed_target_shows_its_new_colour_and_value_on_the_next_request(
        self, officer, data
    ):
        before = _row(officer.get("/", {"period": "2023-H1"}).content.decode(), "STP")
        # STP on time 2/4 = 50,00% against the default 100%: far.
        assert re.findall(r'class="num rate band-(\w+)"', before)[2] == "far"
        assert 'title="2 / 4 · mục tiêu 100,00%"' in before
        target_set(
            indicator=Indicator.objects.get(code="on_time"),
            year=2023,
            level=AgencyLevel.DEPARTMENT,
            value=Decimal("0.5"),
            user=None,
        )
        after = _row(officer.get("/", {"period": "2023-H1"}).content.decode(), "STP")
        # 50,00% >= the departments' new 50% target: met.
        assert re.findall(r'class="num rate band-(\w+)"', after)[2] == "met"
        assert 'title="2 / 4 · mục tiêu 50,00%"' in after

    def test_changed_band_thresholds_show_on_the_next_request(self, officer, data):
        html = officer.get("/", {"period": "2023-H1"}).content.decode()
        # Province digitization 6/7 = 85,71% against 100%: 14,29 points short, beyond 5: far.
        assert re.findall(r'class="num rate band-(\w+)"', _row(html, "QT"))[0] == "far"
        RateBand.objects.filter(code="close").update(max_gap_points=Decimal("15"))
        html = officer.get("/", {"period": "2023-H1"}).content.decode()
        assert re.findall(r'class="num rate band-(\w+)"', _row(html, "QT"))[0] == "close"

    def test_a_new_kpi_run_shows_at_once(self, officer, data, tree):
        html = officer.get("/", {"period": "2023-H1"}).content.decode()
        assert _rates(_row(html, "QT"))[2] == "57,14%"  # on time 4/7
        make_dossier(
            tree.department,
            tree.civil,
            received_at=vn(2023, 5, 2),
            due_at=end_of_day(2023, 5, 20),
            finished_at=vn(2023, 5, 3, 9),
        )
        kpi_full_recompute()
        html = officer.get("/", {"period": "2023-H1"}).content.decode()
        assert _rates(_row(html, "QT"))[2] == "62,50%"  # one more on time: 5/8

    def test_a_renamed_agency_shows_its_new_name_on_the_next_request(self, officer, data, tree):
        assert "Sở Tư pháp" in _row(officer.get("/", {"period": "2023-H1"}).content.decode(), "STP")
        Agency.objects.filter(pk=tree.department.pk).update(name="Sở Tư pháp tỉnh Quảng Trị")
        row = _row(officer.get("/", {"period": "2023-H1"}).content.decode(), "STP")
        assert "Sở Tư pháp tỉnh Quảng Trị" in row

    def test_each_sort_order_is_its_own_entry(self, officer, data):
        officer.get("/", {"period": "2023-H1"})
        sorted_html = officer.get(
            "/", {"period": "2023-H1", "sort": "on_time", "dir": "desc"}
        ).content.decode()
        assert 'aria-sort="descending"' in sorted_html

    def test_the_htmx_fragment_and_the_full_page_share_the_entry(self, officer, data):
        full = officer.get("/", {"period": "2023-Q1"}).content.decode()
        fragment = officer.get(
            "/", {"period": "2023-Q1"}, headers={"HX-Request": "true"}
        ).content.decode()
        assert fragment.strip() in full
        assert fragment.lstrip().startswith('<div id="content"')

    def test_each_language_is_its_own_entry(self, officer, data):
        vietnamese = officer.get("/", {"period": "2023-H1"}).content.decode()
        assert "Dữ liệu tính đến" in vietnamese
        officer.cookies["django_language"] = "en"
        english = officer.get("/", {"period": "2023-H1"}).content.decode()
        assert "Data computed as of" in english and "Dữ liệu tính đến" not in english
        officer.cookies["django_language"] = "vi"
        again = officer.get("/", {"period": "2023-H1"}).content.decode()
        assert "Dữ liệu tính đến" in again

    def test_a_failing_cache_still_serves_the_page(self, officer, data, monkeypatch):
        def broken(*args, **kwargs):
            raise ConnectionError("cache gone")

        monkeypatch.setattr(overview_cache._CACHE, "get", broken)
        monkeypatch.setattr(overview_cache._CACHE, "set", broken)
        response = officer.get("/", {"period": "2023-H1"})
        assert response.status_code == 200
        assert _rates(_row(response.content.decode(), "QT"))[2] == "57,14%"


def _grow(tree, extra_agencies: int, dossiers_each: int, *, prefix: str) -> None:
    for n in range(extra_agencies):
        level = AgencyLevel.DEPARTMENT if n % 2 else AgencyLevel.DISTRICT
        agency = Agency.objects.create(
            code=f"{prefix}{n}", name=f"Đơn vị {prefix}{n}", level=level, parent=tree.province
        )
        for k in range(dossiers_each):
            make_dossier(
                agency,
                tree.land,
                received_at=vn(2023, 2, 1 + k),
                due_at=end_of_day(2023, 2, 20),
                finished_at=vn(2023, 3, 1) if k % 2 else None,
            )
    kpi_full_recompute()


def _count(client, url: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


def test_the_overview_uses_the_same_number_of_queries_whatever_the_data_size(
    officer, tree, django_assert_num_queries
):
    _grow(tree, 1, 1, prefix="A")
    small = _count(officer, "/", {"period": "2023-H1"})
    _grow(tree, 6, 4, prefix="B")
    with django_assert_num_queries(small):
        officer.get("/", {"period": "2023-H1"})
    assert small <= 15
