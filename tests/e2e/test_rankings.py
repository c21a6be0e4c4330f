"""The rankings in a real browser: Home Affairs opens them, switches the level tab and the
period, downloads the XLSX; a district chairman sees only their own row."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import PHONE, screenshot, sign_in
from tests.personas import PASSWORD
from tests.reports.ranking_data import ranking_personas_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people():
    return ranking_personas_create()


def _agencies(page) -> list[str]:
    return page.locator("#ranking-table tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.agency)"
    )


def test_home_affairs_switches_tab_and_period_and_downloads_the_xlsx(page, people, tmp_path):
    sign_in(page, "home_affairs", PASSWORD)
    page.get_by_role("link", name="Xếp hạng").click()
    page.wait_for_url("**/rankings/")
    page.get_by_label("Kỳ", exact=True).select_option("2023-H1")
    page.wait_for_url("**period=2023-H1**")
    page.locator("#ranking-table").wait_for()
    assert _agencies(page) == ["STNMT", "SNV", "HL", "GL"]
    # The indicators' names come from rows a data migration seeds (tests/e2e/conftest.py keeps
    # them across the live server's flushes): short names in the headings, the full name in
    # their title, never the codes.
    headings = page.locator("#ranking-table thead th").all_inner_texts()
    assert "Đúng hạn" in headings
    full_names = page.locator("#ranking-table thead th abbr").evaluate_all(
        "cells => cells.map(cell => cell.title)"
    )
    assert "Tỷ lệ giải quyết trước hạn, đúng hạn" in full_names
    assert "on_time" not in headings
    page.locator('[data-chart="ranking-chart"] .main-svg').first.wait_for()
    screenshot(page, "rankings")

    page.get_by_role("link", name="UBND cấp huyện").click()
    page.locator('#ranking-table[data-level="huyen"]').wait_for()
    assert _agencies(page) == ["HL", "GL"]
    assert "level=huyen" in page.url
    screenshot(page, "rankings-huyen-phone", viewport=PHONE)

    page.get_by_label("Kỳ", exact=True).select_option("2023-Q1")
    page.wait_for_url("**period=2023-Q1**")
    page.locator(".as-of").get_by_text("Quý I/2023").wait_for()
    assert page.locator("#ranking-table").count() == 1

    with page.expect_download() as download_info:
        page.get_by_test_id("download-xlsx").click()
    download = download_info.value
    assert download.suggested_filename == "xep-hang-2023-Q1-calendar.xlsx"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    sheet = load_workbook(target)["Toàn tỉnh"]
    assert "Quý I/2023" in sheet["A2"].value
    assert [r[1] for r in sheet.iter_rows(min_row=8, values_only=True)] == [
        "STNMT",
        "SNV",
        "HL",
        "GL",
    ]
    page.get_by_role("link", name="Biểu số 06").click()
    page.wait_for_url("**/reports/06/**")
    assert page.locator("tr.total th").inner_text() == "Tổng cộng"
    screenshot(page, "report06")
    # the browser's own favicon request answers 404 (no favicon yet): not a page error
    assert [e for e in page.console_errors if not e.startswith("Failed to load resource")] == []


def test_a_district_chairman_sees_only_their_own_row(page, people):
    sign_in(page, "district_chairman", PASSWORD)
    page.goto("/rankings/?period=2023-H1&basis=calendar")
    assert _agencies(page) == ["HL"]
    assert page.get_by_test_id("rank").inner_text() == "3"
    assert page.get_by_text("Sở Tài nguyên và Môi trường").count() == 0
    screenshot(page, "rankings-agency-head")
