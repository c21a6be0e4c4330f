"""What officials see, in a real browser on the Quảng Trị demo at its moment (the portal's today
25/7/2023): how far each agency is from its target, Biểu 06 as filed, and each defect of issue 14
that a person noticed in the browser. Screenshots of the overview, an agency page, the rankings
and Biểu 06 at 1366×768 and printed to PDF go to tests/e2e/screenshots/.

The demo is loaded once for the module (conftest's `demo_server`; `tab` is a tab on it).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from fractions import Fraction

import pytest
from pypdf import PdfReader

from tests.e2e.conftest import DEMO_PASSWORD as PASSWORD
from tests.e2e.conftest import (
    DESKTOP,
    SCREENSHOTS,
    assert_no_template_source,
    screenshot,
    sign_in,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]
H1 = "period=2023-H1&basis=calendar"
A4_PORTRAIT_WIDTH = 718  # CSS pixels between 10 mm margins on A4 portrait (190 mm at 96 dpi)


@pytest.fixture(autouse=True)
def _directive_moment(settings):
    """The demo's `make run` setting: the portal's today is 25/7/2023 (the live server shares
    this process's settings)."""
    settings.PORTAL_TODAY = dt.date(2023, 7, 25)


def _print_pdf(page, name: str, *, landscape: bool = False) -> bytes:
    """Print the page as Chromium would on A4 (the page's print stylesheet applies) and keep it."""
    SCREENSHOTS.mkdir(exist_ok=True)
    pdf = page.pdf(
        path=str(SCREENSHOTS / f"{name}.pdf"),
        format="A4",
        landscape=landscape,
        print_background=True,
        prefer_css_page_size=True,
    )
    return pdf


def _overflow(page, selector: str) -> list[tuple[int, int]]:
    """(scrollWidth, clientWidth) of each matching element."""
    return page.eval_on_selector_all(
        selector, "els => els.map(e => [e.scrollWidth, e.clientWidth])"
    )


def _no_sideways_scroll(page) -> None:
    width, client = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width <= client, f"the page scrolls sideways on {page.url}: {width} > {client}"
    for scroll, visible in _overflow(page, ".table-scroll"):
        assert scroll <= visible, f"a table is cut on {page.url}: {scroll} > {visible}"


class TestHowFarFromTheTarget:
    def test_every_rate_short_of_its_target_says_how_many_dossiers_and_the_overview_sorts_by_it(
        self, tab
    ):
        sign_in(tab, "vanphong", PASSWORD)
        tab.goto(f"/?{H1}")
        province = tab.locator('tr[data-scope="QT"] td').nth(2)  # on time 151.606 / 152.243
        assert province.locator(".shortfall").inner_text() == "còn thiếu 637 hồ sơ"
        # Every shortfall shown equals ceil(target × denominator − numerator), from the cell's
        # own fraction and target (in its title).
        cells = tab.eval_on_selector_all(
            "td.rate[title]",
            "tds => tds.map(td => [td.title, (td.querySelector('.shortfall') || {}).textContent])",
        )
        checked = 0
        for title, shown in cells:
            match = re.fullmatch(r"([\d.]+) / ([\d.]+) · mục tiêu ([\d,]+)%", title)
            numerator, denominator = (int(g.replace(".", "")) for g in match.groups()[:2])
            target = Fraction(match.group(3).replace(",", ".")) / 100
            short = math.ceil(target * denominator - numerator)
            if short > 0:
                assert shown == f"còn thiếu {short:,} hồ sơ".replace(",", "."), title
                checked += 1
            else:
                assert shown is None, title
        assert checked > 50
        # Sort by the on-time shortfall: the agencies most dossiers short come first.
        tab.locator('th[data-indicator="on_time"] a[data-sort="shortfall"]').click()
        tab.wait_for_url(re.compile(r"by=shortfall"))
        tab.wait_for_function(
            "document.querySelector('th[data-indicator=on_time]').getAttribute('aria-sort')"
            " === 'descending'"
        )
        shortfalls = tab.evaluate(
            """[...document.querySelectorAll('tbody.group')[0]
                   .querySelectorAll('tr[data-scope]:not(.group-total)')]
               .map(row => row.querySelectorAll('td')[2].querySelector('.shortfall'))
               .map(cell => cell ? Number(cell.dataset.shortfall) : 0)"""
        )
        assert shortfalls == sorted(shortfalls, reverse=True) and shortfalls[0] > 0

    def test_the_agency_and_domains_pages_show_it_too(self, tab):
        sign_in(tab, "vanphong", PASSWORD)
        tab.goto(f"/agencies/STNMT/?{H1}")
        on_time = tab.locator('tr[data-indicator="on_time"] [data-testid="shortfall"]')
        assert re.fullmatch(r"còn thiếu [\d.]+ hồ sơ", on_time.inner_text())
        tab.goto(f"/domains/?{H1}")
        land = tab.locator('tr[data-domain="Đất đai"] td[data-label="Đúng hạn"] .shortfall')
        assert re.fullmatch(r"còn thiếu [\d.]+ hồ sơ", land.inner_text())


class TestBieu06AsFiled:
    def test_the_page_is_the_form_with_the_domains_of_each_level(self, tab):
        sign_in(tab, "vanphong", PASSWORD)
        tab.goto(f"/reports/06/?{H1}")
        text = tab.locator("#content").inner_text()
        for phrase in (
            "Biểu số 06/VPCP/KSTT",
            "Ban hành kèm theo Thông tư số 01/2020/TT-VPCP",
            "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC",
            "(Từ ngày 01/01/2023 đến ngày 30/06/2023)",
            "Đơn vị báo cáo: UBND tỉnh Quảng Trị",
            "Đơn vị nhận báo cáo: Văn phòng Chính phủ",
            "Kỳ báo cáo: 6 tháng đầu năm 2023",
            "Đơn vị tính: Số hồ sơ TTHC",
        ):
            assert phrase in text, phrase
        headings = tab.locator("table.report06 thead tr")
        assert headings.count() == 4  # three heading rows and the numbering row
        assert "Trong đó" in headings.nth(1).inner_text()
        assert "Từ kỳ trước" in headings.nth(1).inner_text()
        assert headings.nth(3).locator("th").all_inner_texts() == [f"({n})" for n in range(1, 14)]
        kinds = tab.eval_on_selector_all(
            "table.report06 tbody tr", "rows => rows.map(r => r.dataset.kind)"
        )
        labels = tab.locator("table.report06 tbody th").all_inner_texts()
        groups = [label for label, kind in zip(labels, kinds, strict=True) if kind == "group"]
        assert groups == ["Sở, ban, ngành", "UBND cấp huyện", "UBND cấp xã"]
        # domains within each level: land is handled by departments, districts and communes
        assert labels.count("Đất đai") == 3
        assert kinds[-1] == "total" and kinds.count("row") > 30
        # The demo carries dossiers over from 2022: column 6 of the total is not 0.
        total = tab.locator("table.report06 tr.total td").all_inner_texts()
        assert total[1] == "152.243" and total[4] == "3.150"
        _no_sideways_scroll(tab)
        screenshot(tab, "issue14-report06")
        _print_pdf(tab, "issue14-report06-printed", landscape=True)

    def test_the_english_page_translates_and_the_filed_pdf_stays_vietnamese(self, tab):
        sign_in(tab, "vanphong", PASSWORD)
        tab.goto(f"/reports/06/?{H1}")
        tab.get_by_role("button", name="English").click()
        tab.wait_for_load_state()
        assert tab.locator("html").get_attribute("lang") == "en"
        with tab.expect_download() as download_info:
            tab.get_by_test_id("download-pdf").click()
        text = " ".join(page.extract_text() for page in PdfReader(download_info.value.path()).pages)
        text = " ".join(text.split())
        assert "Số hồ sơ nhận giải quyết" in text and "Từ kỳ trước" in text
        assert "NGƯỜI LẬP BIỂU" in text and "THỦ TRƯỞNG ĐƠN VỊ" in text


class TestDefectsSeenInTheBrowser:
    def test_no_page_shows_template_source(self, tab):
        pages = {
            "vanphong": [
                f"/?{H1}",
                f"/agencies/QT/?{H1}",
                f"/domains/?{H1}",
                f"/rankings/?{H1}",
                f"/reports/06/?{H1}",
                "/imports/",
                "/targets/",
                "/directives/",
                "/directives/pilot/",
                "/apologies/",
                "/postings/",
                "/audit/",
            ],
            "hailang": [f"/agencies/HL/?{H1}", "/rankings/", "/reports/06/", "/apologies/"],
        }
        for username, paths in pages.items():
            sign_in(tab, username, PASSWORD)
            for path in paths:
                tab.goto(path)
                assert_no_template_source(tab)
            tab.context.clear_cookies()
        sign_in(tab, "vanphong", PASSWORD)
        tab.goto("/imports/")
        tab.locator("table.history a").first.click()  # the demo's own import results
        tab.wait_for_url(re.compile(r"/imports/\d+/"))
        tab.locator('[data-count="created"]').wait_for()
        assert_no_template_source(tab)

    def test_the_province_s_own_page_draws_its_monthly_trend(self, tab):
        sign_in(tab, "vanphong", PASSWORD)
        tab.goto(f"/agencies/QT/?{H1}")
        chart = tab.locator('[data-chart="trend-on_time"]')
        chart.locator(".main-svg").first.wait_for()
        points = chart.evaluate(
            "el => el.data.filter(t => t.mode === 'lines+markers')"
            ".map(t => t.y.filter(v => v !== null).length)"
        )
        assert points == [12]  # one line, the province's, with a point for every month
        assert chart.locator(".scatterlayer .point").count() >= 12

    @pytest.mark.parametrize(("username", "code"), [("so-tnmt", "STNMT"), ("hailang", "HL")])
    def test_heads_reach_their_own_ranking_row_and_report06_from_the_menu(
        self, tab, username, code
    ):
        sign_in(tab, username, PASSWORD)
        menu = tab.locator("nav.mainnav")
        menu.get_by_role("link", name="Xếp hạng").click()
        tab.wait_for_url("**/rankings/**")
        agencies = tab.eval_on_selector_all(
            "#ranking-table tbody tr", "rows => rows.map(r => r.dataset.agency)"
        )
        assert agencies == [code]
        tab.locator("nav.mainnav").get_by_role("link", name="Biểu 06").click()
        tab.wait_for_url("**/reports/06/**")
        assert "Đơn vị báo cáo:" in tab.locator(".form06-block").inner_text()
        assert tab.locator("table.report06 tr.total").count() == 1

    def test_the_rankings_fit_1366_pixels_with_separated_fractions_and_points_lost(self, tab):
        sign_in(tab, "noivu", PASSWORD)
        for level in ("so", "huyen", "all"):
            tab.goto(f"/rankings/?{H1}&level={level}")
            _no_sideways_scroll(tab)
            right = tab.locator("table.ranking-table thead th").last.bounding_box()
            assert right["x"] + right["width"] <= DESKTOP["width"]
        fractions = tab.get_by_test_id("fraction").all_inner_texts()
        separated = re.compile(r"\d{1,3}(\.\d{3})* / \d{1,3}(\.\d{3})*")
        assert fractions and all(separated.fullmatch(f) for f in fractions)
        assert any("." in f for f in fractions)  # thousands are separated: "1.453 / 1.811"
        lost = tab.get_by_test_id("lost").first.inner_text()
        assert re.fullmatch(r"mất \d+,\d\d điểm", lost)
        screenshot(tab, "issue14-rankings")
        _print_pdf(tab, "issue14-rankings-printed", landscape=True)

    def test_a_period_without_dossiers_ranks_nobody_and_is_not_offered(self, tab):
        sign_in(tab, "noivu", PASSWORD)
        tab.goto("/rankings/?period=2025-H1&basis=calendar")
        assert "không xếp hạng" in tab.get_by_test_id("no-data").inner_text()
        assert tab.get_by_test_id("rank").count() == 0
        tab.goto(f"/?{H1}")
        offered = tab.eval_on_selector_all("#period-select option", "os => os.map(o => o.value)")
        assert "2023-H1" in offered and "2022" in offered
        # The demo has no dossier in 2024 or in the first half of 2025 (its post-reform slice
        # starts on 1/7/2025), so none of those periods is offered; the slice's are.
        empty = ("2024", "2025-H1", "2025-Q1", "2025-Q2", *(f"2025-{m:02d}" for m in range(1, 7)))
        assert not [code for code in offered if code.startswith(empty)]
        assert {"2025", "2025-H2", "2026"} <= set(offered)
        tab.goto("/?period=2025-H1&basis=calendar")
        assert "không có hồ sơ nào" in tab.get_by_test_id("no-data").inner_text()

    def test_the_audit_log_shows_names_not_field_names_and_ids(self, tab):
        sign_in(tab, "vanphong", PASSWORD)
        tab.goto("/audit/?action=pilot.nominate")
        text = tab.locator("#entries").inner_text()
        assert not re.search(r"\b[a-z]+\.[a-z]+ \d+\b", text)  # "dossiers.apology 879"
        assert not re.search(r"\bagency: — → \d+", text)
        assert "Đơn vị: — → " in text and "Thủ tục: — → " in text
        assert "Thủ tục đề xuất thí điểm:" in text

    def test_bar_charts_label_every_agency_and_zoom_the_on_time_axis(self, tab):
        sign_in(tab, "vanphong", PASSWORD)
        tab.goto(f"/?{H1}")
        chart = tab.locator('[data-chart="chart-on_time"]')
        chart.locator(".main-svg").first.wait_for()
        bars = chart.evaluate("el => el.data[0].x.length")
        labels = chart.locator(".xtick text").all_text_contents()
        assert len(labels) == bars > 25
        low, high = chart.evaluate("el => el.layout.yaxis.range")
        assert 90 <= low < 98 and high >= 100  # 98–100% is visible
        tab.goto(f"/agencies/HL/?{H1}")
        trend = tab.locator('[data-chart="trend-on_time"]')
        trend.locator(".main-svg").first.wait_for()
        months = trend.locator(".xtick text").all_text_contents()
        assert months == [f"{m:02d}/2023" for m in range(1, 13)]
        # every month label is drawn inside its chart, not cut at the bottom
        box = trend.bounding_box()
        for label in trend.locator(".xtick text").all():
            bounds = label.bounding_box()
            assert bounds["y"] + bounds["height"] <= box["y"] + box["height"] + 1

    def test_printing_an_agency_page_keeps_the_figures_only_and_the_tables_whole(self, tab):
        sign_in(tab, "vanphong", PASSWORD)
        tab.goto(f"/agencies/HL/?{H1}")
        tab.locator('[data-chart="trend-on_time"] .main-svg').first.wait_for()
        screenshot(tab, "issue14-agency")
        tab.set_viewport_size({"width": A4_PORTRAIT_WIDTH, "height": 1000})
        tab.emulate_media(media="print")
        for hidden in ("header.topbar", "form.period-form", "#overdue form.filters", ".pager"):
            if tab.locator(hidden).count():
                assert not tab.locator(hidden).first.is_visible(), hidden
        for scroll, visible in _overflow(tab, ".table-scroll"):
            assert scroll <= visible  # the domain table is not cut on A4
        pdf = _print_pdf(tab, "issue14-agency-printed")
        assert pdf.startswith(b"%PDF")
        tab.emulate_media(media="screen")
        tab.set_viewport_size(DESKTOP)

    def test_the_overview_at_1366_and_printed(self, tab):
        sign_in(tab, "vanphong", PASSWORD)
        tab.goto(f"/?{H1}")
        tab.locator('[data-chart="chart-online_payment"] .main-svg').first.wait_for()
        _no_sideways_scroll(tab)
        screenshot(tab, "issue14-overview")
        _print_pdf(tab, "issue14-overview-printed")

    def test_the_apology_list_is_paged_its_action_stays_in_view_and_its_date_is_dd_mm_yyyy(
        self, tab
    ):
        sign_in(tab, "hailang", PASSWORD)
        tab.goto("/apologies/")
        rows = tab.locator("#lists section:first-of-type table tbody tr")
        assert 0 < rows.count() <= 50
        assert re.search(r"Trang 1/\d+", tab.locator("#lists .pager").inner_text())
        tab.mouse.wheel(0, 20_000)  # the bottom of the list
        tab.wait_for_timeout(200)
        button = tab.get_by_role("button", name="Lập phiếu xin lỗi cho các hồ sơ đã chọn")
        box = button.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= DESKTOP["height"]
        rows.first.locator("input[type=checkbox]").check()
        button.click()
        tab.wait_for_url("**/apologies/new/**")
        field = tab.get_by_label("Ngày hẹn lại")
        assert field.get_attribute("type") == "text"
        assert field.get_attribute("placeholder") == "dd/mm/yyyy"
        help_text = tab.locator("#id_new_due_date-help").inner_text()
        assert "Phải sau ngày 25/07/2023" in help_text  # told before anything is sent
        field.fill("25/07/2023")
        field.blur()
        check = tab.locator("#id_new_due_date-check")
        assert check.inner_text() == "Ngày hẹn lại phải sau ngày 25/07/2023."
        tab.get_by_label("Lý do quá hạn").fill("Thiếu hồ sơ đo đạc")
        tab.get_by_role("button", name="Ghi nhận phiếu xin lỗi").click()  # refused in the page
        tab.wait_for_timeout(300)
        assert tab.locator("h1").inner_text() == "Phiếu xin lỗi và hẹn lại ngày trả kết quả"
        assert check.inner_text() == "Ngày hẹn lại phải sau ngày 25/07/2023."
        field.fill("31/02/2024")
        field.blur()
        assert "ngày/tháng/năm" in check.inner_text()
        field.fill("01/08/2023")
        field.blur()
        assert check.is_hidden()

    def test_the_pilot_picker_counts_the_12_months_before_the_portal_s_today(self, tab):
        sign_in(tab, "hailang", PASSWORD)
        tab.goto("/directives/pilot/HL/")
        assert "(từ 25/07/2022 đến 25/07/2023)" in tab.get_by_test_id("window").inner_text()
        volumes = [int(v.replace(".", "")) for v in tab.get_by_test_id("volume").all_inner_texts()]
        assert volumes and sum(volumes) > 0

    def test_the_deadline_panel_counts_from_the_portal_s_today(self, tab):
        sign_in(tab, "vanphong", PASSWORD)
        tab.goto(f"/?{H1}")
        panel = tab.get_by_test_id("deadlines-panel").inner_text()
        assert "Quá hạn 5 ngày" in panel and "Còn 5 ngày" in panel
        assert not re.search(r"Quá hạn \d{3,} ngày", panel)
