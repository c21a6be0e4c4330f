"""The mapping step in a real browser: a CSV naming one agency the portal does not know stops at
the mapping step, the province officer maps the name on the page, the import completes, and the
next file with that name imports without asking."""

from __future__ import annotations

import pytest

from agencies.models import AgencyAlias, Domain, Procedure
from dossiers.models import Dossier, ImportBatch, ImportStatus
from tests.dossiers.conftest import table_csv
from tests.e2e.conftest import PHONE, screenshot, sign_in
from tests.personas import PASSWORD, personas_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HEADERS = ["Mã hồ sơ", "Đơn vị tiếp nhận", "Mã thủ tục", "Ngày nhận", "Ngày hẹn trả"]


def names_file(prefix: str) -> bytes:
    return table_csv(
        HEADERS,
        [
            [
                f"{prefix}-1",
                "TT Diên Sanh - Hải Lăng",
                "1.001193",
                "01/06/2023 08:00",
                "05/06/2023",
            ],
            [
                f"{prefix}-2",
                "Ủy ban nhân dân huyện Gio Linh",
                "1.001193",
                "01/06/2023",
                "05/06/2023",
            ],
            [f"{prefix}-3", "TT Diên Sanh - Hải Lăng", "1.001193", "02/06/2023", "06/06/2023"],
        ],
    ).encode()


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


def _upload(page, name: str, content: bytes) -> None:
    page.goto("/imports/")
    page.get_by_label("Loại dữ liệu").select_option("dossiers")
    page.get_by_label("Tệp CSV hoặc Excel (.xlsx)").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": content}]
    )
    page.get_by_role("button", name="Tải lên và kiểm tra").click()
    page.wait_for_url("**/imports/*/")
    page.locator("#import-status").get_by_text("Đã kiểm tra, chờ xác nhận").wait_for()


def test_map_an_unknown_agency_name_then_the_next_file_imports_without_asking(page, people):
    sign_in(page, "province_officer", PASSWORD)
    _upload(page, "danh_sach_thang_6.csv", names_file("T6"))

    mapping = page.locator("section.mapping")
    assert mapping.get_by_role("heading", name="Gán các tên chưa xác định").is_visible()
    rows = mapping.locator("tbody tr")
    assert rows.count() == 1
    assert "TT Diên Sanh - Hải Lăng" in rows.first.locator("th").inner_text()
    assert rows.first.locator("td.num").inner_text() == "2"
    select = page.get_by_label("Đơn vị cho tên «TT Diên Sanh - Hải Lăng»")
    suggested = select.locator('optgroup[label="Gần giống nhất"] option').all_inner_texts()
    assert suggested[0] == "HL-TT UBND thị trấn Diên Sanh"
    assert _counts(page) == {"created": "1", "updated": "0", "unchanged": "0", "rejected": "2"}
    assert not Dossier.objects.exists()
    screenshot(page, "imports-mapping")
    screenshot(page, "imports-mapping-phone", viewport=PHONE)

    select.select_option(label="HL-TT UBND thị trấn Diên Sanh")
    page.get_by_role("button", name="Lưu cách gán và kiểm tra lại").click()
    page.locator("#import-status").get_by_text("Đã kiểm tra, chờ xác nhận").wait_for()
    assert page.locator("section.mapping").count() == 0
    assert _counts(page) == {"created": "3", "updated": "0", "unchanged": "0", "rejected": "0"}
    assert "Đã ghi nhớ cách gán 1 tên" in page.locator(".messages").inner_text()

    page.get_by_role("button", name="Xác nhận nhập").click()
    page.locator("#import-status").get_by_text("Dữ liệu đã được ghi.").wait_for()
    assert dict(Dossier.objects.values_list("code", "agency__code")) == {
        "T6-1": "HL-TT",
        "T6-2": "GL",
        "T6-3": "HL-TT",
    }
    alias = AgencyAlias.objects.get()
    assert (alias.name, alias.agency.code) == ("TT Diên Sanh - Hải Lăng", "HL-TT")

    # The next month's file: the name is remembered, no mapping step.
    _upload(page, "danh_sach_thang_7.csv", names_file("T7"))
    assert page.locator("section.mapping").count() == 0
    assert _counts(page) == {"created": "3", "updated": "0", "unchanged": "0", "rejected": "0"}
    page.get_by_role("button", name="Xác nhận nhập").click()
    page.locator("#import-status").get_by_text("Dữ liệu đã được ghi.").wait_for()
    assert Dossier.objects.filter(code__startswith="T7-", agency__code="HL-TT").count() == 2
    assert list(ImportBatch.objects.values_list("status", flat=True)) == [
        ImportStatus.APPLIED,
        ImportStatus.APPLIED,
    ]
    screenshot(page, "imports-mapping-remembered")
