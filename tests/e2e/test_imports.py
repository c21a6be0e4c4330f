"""The imports flow in a real browser: upload a file with one bad row, watch the progress, read
the preview, download the error rows, confirm, see the applied result."""

from __future__ import annotations

import csv
import io
import time

import pytest

from agencies.models import Domain, Procedure
from dossiers import services
from dossiers.models import Dossier, ImportBatch, ImportStatus
from tests.dossiers.conftest import dossier_csv
from tests.e2e.conftest import PHONE, assert_no_template_source, screenshot, sign_in
from tests.personas import PASSWORD, personas_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ONE_BAD_ROW = dossier_csv(
    [
        {"code": "H-0001"},
        {"code": "H-0002", "received_at": "31/02/2023"},
        {"code": "H-0003", "channel": "Trực tiếp"},
    ]
)


@pytest.fixture
def people():
    people = personas_create()
    civil = Domain.objects.create(name="Hộ tịch")
    Procedure.objects.create(code="1.001193", name="Đăng ký khai sinh", domain=civil)
    return people


def _counts(page) -> dict[str, str]:
    return {
        key: page.locator(f'[data-count="{key}"]').inner_text()
        for key in ("created", "updated", "unchanged", "rejected")
    }


def test_upload_preview_error_download_confirm_and_result(page, people):
    sign_in(page, "province_officer", PASSWORD)
    page.get_by_role("link", name="Nhập dữ liệu").click()
    assert page.locator("h1").inner_text() == "Nhập dữ liệu"
    screenshot(page, "imports-empty")

    page.get_by_label("Loại dữ liệu").select_option("dossiers")
    page.get_by_label("Tệp CSV hoặc Excel (.xlsx)").set_input_files(
        files=[
            {"name": "ho_so_thang_6.csv", "mimeType": "text/csv", "buffer": ONE_BAD_ROW.encode()}
        ]
    )
    page.get_by_role("button", name="Tải lên và kiểm tra").click()
    page.wait_for_url("**/imports/*/")

    status = page.locator("#import-status")
    status.get_by_text("Đã kiểm tra, chờ xác nhận").wait_for()
    assert _counts(page) == {"created": "2", "updated": "0", "unchanged": "0", "rejected": "1"}
    errors = page.locator("table.errors tbody tr")
    assert errors.count() == 1
    cells = errors.first.locator("td").all_inner_texts()
    assert cells[:3] == ["3", "Ngày tiếp nhận", "31/02/2023"]
    assert cells[3].startswith("Ngày không hợp lệ")
    assert not Dossier.objects.exists()
    assert_no_template_source(page)  # the counts table once printed its comment
    screenshot(page, "imports-preview")
    screenshot(page, "imports-preview-phone", viewport=PHONE)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Tải các dòng lỗi (CSV)").click()
    download = download_info.value
    with open(download.path(), "rb") as handle:
        body = handle.read()
    assert body.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert header[:3] == ["Dòng", "Cột", "Lý do"]
    assert [row[:2] for row in rows] == [["3", "Ngày tiếp nhận"]]

    page.get_by_role("button", name="Xác nhận nhập").click()
    status.get_by_text("Dữ liệu đã được ghi.").wait_for()
    assert _counts(page)["created"] == "2"
    assert sorted(Dossier.objects.values_list("code", flat=True)) == ["H-0001", "H-0003"]
    assert page.get_by_role("button", name="Xác nhận nhập").count() == 0
    assert_no_template_source(page)  # the counts table once printed its comment
    screenshot(page, "imports-applied")

    page.get_by_role("link", name="Nhập dữ liệu").first.click()
    history = page.locator("table.history tbody tr")
    assert history.count() == 1
    row = history.first.inner_text()
    assert "ho_so_thang_6.csv" in row and "Đã nhập" in row and "Nguyễn Thị Thu Hà" in row
    screenshot(page, "imports-history")
    screenshot(page, "imports-history-phone", viewport=PHONE)


def test_the_progress_bar_polls_until_the_batch_is_checked_then_stops(page, people):
    batch = services.import_batch_create(
        kind="dossiers",
        uploaded_file=io.BytesIO(ONE_BAD_ROW.encode()),
        original_name="cho_kiem_tra.csv",
        user=people["province_officer"],
    )
    sign_in(page, "province_officer", PASSWORD)
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if r.headers.get("hx-request") else None)
    page.goto(f"/imports/{batch.pk}/")
    assert page.locator("progress#import-progress").is_visible()
    assert page.locator("#import-status").get_attribute("hx-trigger") == "every 1s"
    screenshot(page, "imports-progress")
    page.evaluate("window.notReloaded = true")

    services.import_batch_validate(batch_id=batch.pk)  # what the Celery worker would do
    page.get_by_role("button", name="Xác nhận nhập").wait_for()
    assert page.evaluate("window.notReloaded") is True  # swapped in place, no full reload
    assert page.locator("progress").count() == 0
    assert page.locator("#import-status").get_attribute("hx-trigger") is None
    settled = len(polls)
    assert settled >= 1
    time.sleep(2.5)
    assert len(polls) == settled  # polling stopped once the batch was checked
    assert ImportBatch.objects.get().status == ImportStatus.VALIDATED


def test_a_refused_file_says_why(page, people):
    sign_in(page, "province_officer", PASSWORD)
    page.goto("/imports/")
    page.get_by_label("Tệp CSV hoặc Excel (.xlsx)").set_input_files(
        files=[{"name": "sai.csv", "mimeType": "text/csv", "buffer": "Mã hồ sơ\nH-1\n".encode()}]
    )
    page.get_by_role("button", name="Tải lên và kiểm tra").click()
    page.wait_for_url("**/imports/*/")
    refusal = page.locator(".refusal")
    assert "sai.csv" in refusal.inner_text()
    assert refusal.inner_text() == ImportBatch.objects.get().refusal
    assert_no_template_source(page)  # the counts table once printed its comment
    screenshot(page, "imports-refused")
