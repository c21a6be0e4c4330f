"""The report pages in a real browser, on the Quảng Trị demo (loaded once for the module by
conftest's `demo_server`; `tab` is a browser tab on it)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import DEMO_PASSWORD as PASSWORD
from tests.e2e.conftest import DESKTOP, PHONE, screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]
H1 = "/?period=2023-H1&basis=calendar"


def _province_cell(page, index: int) -> str:
    return page.locator('tr[data-scope="QT"] td').nth(index).locator("summary").inner_text()


@pytest.mark.parametrize(
    ("username", "path", "heading"),
    [
        ("vanphong", "/", "Tổng quan toàn tỉnh"),
        ("noivu", "/", "Tổng quan toàn tỉnh"),
        ("so-tnmt", "/agencies/STNMT/", "Sở Tài nguyên và Môi trường"),
        ("hailang", "/agencies/HL/", "Hải Lăng"),
        ("khach", "/", "Tài khoản chưa được phân quyền"),
    ],
)
def test_each_demo_role_lands_on_its_page(tab, demo_server, username, path, heading):
    sign_in(tab, username, PASSWORD)
    assert tab.url.split("?")[0] == demo_server + path
    assert heading in tab.locator("h1").inner_text()


def test_the_overview_shows_the_directive_figures_of_the_first_half_of_2023(tab):
    sign_in(tab, "vanphong", PASSWORD)
    tab.goto(H1)
    assert tab.get_by_test_id("handled").inner_text() == "152.243"
    assert tab.get_by_test_id("on-time").inner_text() == "151.606"
    assert tab.get_by_test_id("overdue").inner_text() == "637"
    assert _province_cell(tab, 0).startswith("67,50%")  # digitization
    assert _province_cell(tab, 2).startswith("99,58%")  # on time
    assert _province_cell(tab, 3).startswith("46,62%")  # apology
    so = tab.locator('tr[data-scope="level:so"] td').nth(5).locator("summary").inner_text()
    huyen = tab.locator('tr[data-scope="level:huyen"] td').nth(5).locator("summary").inner_text()
    assert so.startswith("3,71%") and huyen.startswith("8,47%")
    # Tap a rate: its numerator and denominator appear.
    on_time = tab.locator('tr[data-scope="QT"] td').nth(2)
    on_time.locator("summary").click()
    assert on_time.locator(".frac").inner_text() == "151.606 / 152.243"
    tab.locator('[data-chart="chart-on_time"] .main-svg').first.wait_for()


def test_changing_the_period_swaps_the_figures_without_a_reload(tab):
    sign_in(tab, "vanphong", PASSWORD)
    tab.goto(H1)
    tab.evaluate("window.__kpiMarker = 'still here'")
    before = tab.get_by_test_id("handled").inner_text()
    tab.select_option("#period-select", "2023-Q1")
    tab.wait_for_url(re.compile(r"period=2023-Q1"))
    tab.wait_for_function("document.querySelector('#period-select').value === '2023-Q1'")
    tab.wait_for_function(
        f"document.querySelector('[data-testid=handled]').textContent !== '{before}'"
    )
    assert tab.evaluate("window.__kpiMarker") == "still here"
    assert "Quý I/2023" in tab.locator(".as-of").inner_text()
    tab.locator('[data-chart="chart-on_time"] .main-svg').first.wait_for()
    tab.select_option("#basis-select", "reporting")
    tab.wait_for_url(re.compile(r"basis=reporting"))
    tab.wait_for_function("document.querySelector('.as-of').textContent.includes('kỳ báo cáo')")
    assert tab.evaluate("window.__kpiMarker") == "still here"


def test_an_agency_opens_from_the_overview_and_pages_its_overdue_dossiers(tab):
    sign_in(tab, "vanphong", PASSWORD)
    tab.goto(H1)
    tab.get_by_role("link", name="UBND huyện Hải Lăng").click()
    tab.wait_for_url(re.compile(r"/agencies/HL/"))
    assert "Hải Lăng" in tab.locator("h1").inner_text()
    tab.locator('[data-chart="trend-on_time"] .main-svg').first.wait_for()
    assert tab.locator("table.units-table tbody tr").count() > 0
    tab.evaluate("window.__kpiMarker = 1")
    domains = tab.locator("table.domains-table tbody th").all_inner_texts()
    assert domains[0] == "Đất đai"
    if tab.locator(".pager a[rel=next]").count():
        tab.locator(".pager a[rel=next]").click()
        tab.wait_for_url(re.compile(r"page=2"))
        assert tab.evaluate("window.__kpiMarker") == 1


def test_screenshots_of_the_overview_and_an_agency_page(tab):
    sign_in(tab, "vanphong", PASSWORD)
    tab.goto(H1)
    tab.locator('[data-chart="chart-online_payment"] .main-svg').first.wait_for()
    screenshot(tab, "overview-desktop")
    tab.set_viewport_size(PHONE)
    tab.reload()
    tab.locator('[data-chart="chart-online_payment"] .main-svg').first.wait_for()
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, width  # one column, no sideways scrolling
    screenshot(tab, "overview-phone")
    tab.set_viewport_size(DESKTOP)
    tab.goto("/agencies/HL/?period=2023-H1&basis=calendar")
    tab.locator('[data-chart="trend-online_payment"] .main-svg').first.wait_for()
    screenshot(tab, "agency-desktop")
    tab.set_viewport_size(PHONE)
    tab.reload()
    tab.locator('[data-chart="trend-online_payment"] .main-svg').first.wait_for()
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, width
    screenshot(tab, "agency-phone")
