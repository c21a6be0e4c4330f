"""The staff postings page in a real browser: the province office sees a flag, filters by it, and
uploads a file with one bad row, whose row, column and reason it reads on the page."""

from __future__ import annotations

import datetime as dt

import pytest

from agencies.models import StaffPosting
from tests.agencies.posting_data import make_posting, posting_tree, postings_csv
from tests.e2e.conftest import assert_no_template_source, screenshot, sign_in
from tests.personas import PASSWORD, personas_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

D = dt.date


@pytest.fixture
def people():
    agencies = posting_tree()
    # Planned 01/03/2025–31/05/2025: 3 months, under the 6-month minimum.
    make_posting(agencies["HL"], D(2025, 3, 1), D(2025, 5, 31), person_name="Trần Thị Hải")
    make_posting(agencies["STNMT"], D(2025, 1, 1), D(2025, 12, 31), person_name="Nguyễn Văn Đất")
    return personas_create(agencies)


def test_the_office_sees_a_flag_and_uploads_a_file_with_a_bad_row(page, people):
    sign_in(page, "province_officer", PASSWORD)
    page.get_by_role("link", name="Biệt phái").click()
    page.wait_for_url("**/postings/")
    page.get_by_label("Ngày xem").fill("01/04/2025")
    page.get_by_role("button", name="Xem").click()
    page.locator("[data-testid=posting-day]", has_text="Ngày 01/04/2025").wait_for()
    hai = page.locator("tr", has_text="Trần Thị Hải")
    hai.locator('[data-flag="too_short"]').wait_for()
    assert hai.locator('[data-flag="too_short"]').inner_text() == "Dưới 6 tháng"
    # Nobody posted from Sở Nội vụ, Gio Linh or the merged agency on 01/04/2025.
    assert page.locator('[data-testid="unstaffed"] li').all_inner_texts() == [
        "UBND huyện Gio Linh",
        "Sở Nông nghiệp và Môi trường",
        "Sở Nội vụ",
    ]
    screenshot(page, "postings-office")

    page.get_by_label("Cảnh báo").select_option("too_short")
    page.get_by_role("button", name="Xem").click()
    page.locator("tr", has_text="Nguyễn Văn Đất").wait_for(state="detached")
    assert page.locator('[data-testid="postings"] tbody tr').count() == 1

    content = postings_csv(
        [
            ["Võ Thị Mới", "CB-100", "SNV", "", "01/04/2025", "30/09/2025", "", ""],
            ["Đỗ Văn Sai", "CB-101", "GL", "", "01/04/2025", "31/02/2026", "", ""],
        ]
    )
    page.get_by_label("Tệp CSV hoặc Excel (.xlsx)").set_input_files(
        files=[{"name": "biet_phai.csv", "mimeType": "text/csv", "buffer": content}]
    )
    page.get_by_role("button", name="Tải lên và nhập").click()
    errors = page.locator('[data-testid="import-errors"] tbody tr')
    errors.first.wait_for()
    assert errors.count() == 1
    assert errors.first.locator("td").all_inner_texts() == [
        "3",
        "Ngày kết thúc dự kiến",
        "31/02/2026",
        "Ngày không hợp lệ: dùng dạng dd/mm/yyyy (ví dụ 01/07/2023).",
    ]
    assert page.locator('[data-count="created"]').inner_text() == "1"
    assert page.locator('[data-count="rejected"]').inner_text() == "1"
    assert_no_template_source(page)  # the counts table once printed its comment
    screenshot(page, "postings-upload-error")
    assert StaffPosting.objects.filter(staff_code="CB-100").exists()
    assert not StaffPosting.objects.filter(staff_code="CB-101").exists()
