"""Apologies in a real browser: the district chairman opens the work list, selects two overdue
dossiers, records one apology slip for both, downloads the slips, and sees the agency's apology
rate for the month move once the KPI refresh job has run.

The data are dated from today (the browser's cookies live in real time, so the clock is not
frozen here): UBND huyện Hải Lăng (HL) has four dossiers received ten days ago, due three days ago
and still open, so all four are overdue in the current month; one of them (K1) already has an
apology from an import. A fifth (K5) finished on time and is not overdue.

    before: apology rate of HL for this month = 1 / 4 = 25,00%
    record K2 and K3 in the portal
    after:  (1 + 2) / 4 = 3 / 4 = 75,00%
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.utils import timezone
from docx import Document
from pypdf import PdfReader

from agencies.models import Domain, Procedure
from dossiers.models import Apology, ApologySource, TouchedCell
from tests.e2e.conftest import PHONE, screenshot, sign_in
from tests.personas import PASSWORD, agencies_create, personas_create
from tests.reports.kpi_data import make_dossier

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REASON = "Chờ kết quả đo đạc địa chính của Văn phòng đăng ký đất đai"


def _local(day: dt.date, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute, second)))


@pytest.fixture
def world():
    from reports.services import kpi_full_recompute

    agencies = agencies_create()
    people = personas_create(agencies)
    land = Domain.objects.create(name="Đất đai")
    procedure = Procedure.objects.create(
        code="1.004222", name="Đăng ký biến động quyền sử dụng đất", domain=land
    )
    today = timezone.localdate()
    received = _local(today - dt.timedelta(days=10), 8)
    overdue_due = _local(today - dt.timedelta(days=3), 23, 59, 59)
    for code in ("K1", "K2", "K3", "K4"):
        make_dossier(
            agencies["HL"],
            procedure,
            received_at=received,
            due_at=overdue_due,
            # K1's apology came with an import, yesterday.
            apology_at=_local(today - dt.timedelta(days=1), 9) if code == "K1" else None,
            code=code,
        )
    make_dossier(
        agencies["HL"],
        procedure,
        received_at=received,
        due_at=overdue_due,
        finished_at=_local(today - dt.timedelta(days=5), 15),
        code="K5",
    )
    kpi_full_recompute()  # the nightly job: the facts before anything is recorded
    return {"people": people, "today": today}


def _apology_rate(page, agency_url: str) -> tuple[str, str]:
    page.goto(agency_url)
    row = page.locator('tr[data-indicator="apology"]')
    rate = row.locator("td.rate").inner_text().split("(")[0].strip()
    return rate, row.locator("td").nth(1).inner_text()


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_chairman_records_two_apologies_downloads_the_slips_and_the_rate_rises(
    page, world, tmp_path
):
    today = world["today"]
    agency_url = f"/agencies/HL/?period={today:%Y-%m}&basis=calendar"
    sign_in(page, "district_chairman", PASSWORD)

    # Before: 1 apology (K1) for 4 overdue dossiers; 3 still need one.
    assert _apology_rate(page, agency_url) == ("25,00%", "1 / 4")
    assert page.get_by_test_id("apology-counts").inner_text() == (
        "3 hồ sơ quá hạn chưa xin lỗi, 0 hồ sơ sắp đến hạn"
    )

    # The work list, from the header's link: oldest due first, with the days overdue.
    page.get_by_test_id("apology-counts").get_by_role("link").click()
    page.wait_for_url("**/apologies/")
    assert page.get_by_test_id("overdue-count").inner_text() == "3"
    rows = page.locator("#lists section").first.locator("tbody tr")
    assert rows.count() == 3
    first = rows.first.locator("td")
    assert first.nth(1).inner_text() == "K2"
    assert first.nth(4).inner_text() == "Đất đai"
    assert first.nth(8).inner_text() == "3"  # due three days ago, still open
    screenshot(page, "apologies-work-list")
    screenshot(page, "apologies-work-list-phone", viewport=PHONE)

    # Select K2 and K3 and open the form for both.
    page.get_by_label("Chọn hồ sơ K2").check()
    page.get_by_label("Chọn hồ sơ K3").check()
    page.get_by_role("button", name="Lập phiếu xin lỗi cho các hồ sơ đã chọn").click()
    page.wait_for_url("**/apologies/new/**")
    assert page.get_by_role("heading", name="2 hồ sơ được chọn").is_visible()
    new_date = today + dt.timedelta(days=7)
    page.get_by_label("Lý do quá hạn").fill(REASON)
    page.get_by_label("Ngày hẹn lại").fill(f"{new_date:%d/%m/%Y}")
    page.get_by_label("Hình thức gửi").select_option(label="Zalo")
    assert page.get_by_label("Người ký", exact=True).input_value() == "Hoàng Minh Tuấn"
    page.get_by_label("Chức vụ người ký").fill("Chủ tịch UBND huyện")
    screenshot(page, "apologies-form")
    page.get_by_role("button", name="Ghi nhận phiếu xin lỗi").click()

    # The outcome, one line per dossier.
    status = page.get_by_role("status")
    assert status.inner_text() == "Đã ghi nhận 2 phiếu; 0 hồ sơ bị từ chối."
    assert page.locator('tr[data-recorded="yes"]').count() == 2
    screenshot(page, "apologies-result")
    screenshot(page, "apologies-result-phone", viewport=PHONE)
    recorded = Apology.objects.filter(source=ApologySource.PORTAL).order_by("dossier__code")
    assert [a.dossier.code for a in recorded] == ["K2", "K3"]

    # The slips of both, as a ZIP of PDFs, and one as a Word file.
    with page.expect_download() as download_info:
        page.get_by_test_id("slips-zip").click()
    download = download_info.value
    assert download.suggested_filename == "phieu-xin-loi.zip"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    with zipfile.ZipFile(target) as archive:
        assert sorted(archive.namelist()) == ["phieu-xin-loi-K2.pdf", "phieu-xin-loi-K3.pdf"]
        for code in ("K2", "K3"):
            text = " ".join(_pdf_text(archive.read(f"phieu-xin-loi-{code}.pdf")).split())
            assert f"Mã hồ sơ: {code}" in text
            assert "UBND HUYỆN HẢI LĂNG" in text
            assert f"Lý do quá hạn: {REASON}" in text
            assert f"Ngày hẹn trả kết quả: {today - dt.timedelta(days=3):%d/%m/%Y}" in text
            assert f"Ngày hẹn trả lại kết quả: {new_date:%d/%m/%Y}" in text
    with page.expect_download() as download_info:
        page.locator("tr", has_text="K3").get_by_role("link", name="Word (DOCX)").click()
    word = download_info.value
    assert word.suggested_filename == "phieu-xin-loi-K3.docx"
    word.save_as(tmp_path / word.suggested_filename)
    paragraphs = [p.text for p in Document(tmp_path / word.suggested_filename).paragraphs]
    assert "Mã hồ sơ: K3" in paragraphs
    assert f"Lý do quá hạn: {REASON}" in paragraphs

    # The refresh job ran on commit (Celery is eager in the suite) and drained what it touched.
    assert not TouchedCell.objects.exists()
    # After: (1 + 2) / 4 = 75,00%; one dossier (K4) still needs an apology.
    assert _apology_rate(page, agency_url) == ("75,00%", "3 / 4")
    assert page.get_by_test_id("apology-counts").inner_text() == (
        "1 hồ sơ quá hạn chưa xin lỗi, 0 hồ sơ sắp đến hạn"
    )
    screenshot(page, "apologies-agency-after")
    screenshot(page, "apologies-agency-after-phone", viewport=PHONE)

    # A second appointment for K2 is refused with the reason.
    page.goto("/apologies/new/?dossier=K2")
    page.get_by_label("Lý do quá hạn").fill("Lần hai")
    page.get_by_label("Ngày hẹn lại").fill(f"{new_date + dt.timedelta(days=7):%d/%m/%Y}")
    page.get_by_label("Chức vụ người ký").fill("Chủ tịch UBND huyện")
    page.get_by_role("button", name="Ghi nhận phiếu xin lỗi").click()
    assert page.get_by_role("status").inner_text() == "Đã ghi nhận 0 phiếu; 1 hồ sơ bị từ chối."
    assert "không được hẹn lại lần thứ hai" in page.locator('tr[data-recorded="no"]').inner_text()
    assert [e for e in page.console_errors if not e.startswith("Failed to load resource")] == []
