"""Each bad dossier row gets its row number, column and a Vietnamese reason; the rest imports."""

from __future__ import annotations

import pytest

from dossiers.models import Apology, Dossier, ImportBatch, ImportRowError, ImportStatus
from tests.dossiers.conftest import dossier_csv, run_import

pytestmark = pytest.mark.django_db

BAD_ROWS = [
    # (what is wrong, cell overrides, column header as in the file, part of the reason)
    ("an impossible date", {"received_at": "31/02/2023"}, "Ngày tiếp nhận", "Ngày không hợp lệ"),
    ("a date that is not a date", {"due_at": "tuần sau"}, "Ngày hẹn trả", "Ngày không hợp lệ"),
    ("no received date", {"received_at": ""}, "Ngày tiếp nhận", "Thiếu ngày tiếp nhận"),
    (
        "a due date before receipt",
        {"due_at": "10/06/2023"},
        "Ngày hẹn trả",
        "Ngày hẹn trả trước ngày tiếp nhận",
    ),
    (
        "a finish before receipt",
        {"finished_at": "11/06/2023 09:00"},
        "Ngày kết thúc xử lý",
        "Ngày kết thúc xử lý trước ngày tiếp nhận",
    ),
    (
        "more components digitized than exist",
        {"components_digitized": "3"},
        "Số thành phần đã số hóa",
        "Số thành phần đã số hóa (3) lớn hơn số thành phần hồ sơ (2)",
    ),
    (
        "zero components",
        {"components_total": "0", "components_digitized": "0"},
        "Số thành phần hồ sơ",
        "phải từ 1",
    ),
    (
        "a fractional number of components",
        {"components_total": "2,5"},
        "Số thành phần hồ sơ",
        "phải là số nguyên",
    ),
    (
        "a negative number digitized",
        {"components_digitized": "-1"},
        "Số thành phần đã số hóa",
        "không được âm",
    ),
    (
        "paid online without a fee",
        {"paid_online": "Có", "fee": "0"},
        "Thanh toán trực tuyến",
        "cần phí, lệ phí lớn hơn 0",
    ),
    ("a negative fee", {"fee": "-50000"}, "Phí, lệ phí (đồng)", "không được âm"),
    ("a fee in words", {"fee": "miễn phí"}, "Phí, lệ phí (đồng)", "phải là số tiền"),
    ("an unknown agency", {"agency_code": "XX"}, "Mã đơn vị", "Không có đơn vị"),
    ("a malformed procedure code", {"procedure_code": "1001193"}, "Mã thủ tục", "D.DDDDDD"),
    (
        "an unknown procedure without its name and domain",
        {"procedure_code": "9.999999"},
        "Mã thủ tục",
        "điền Tên thủ tục và Lĩnh vực",
    ),
    ("an unknown channel", {"channel": "fax"}, "Kênh nộp", "Kênh nộp không hợp lệ"),
    ("no dossier code", {"code": ""}, "Mã hồ sơ", "Thiếu mã hồ sơ"),
    ("a yes/no cell saying maybe", {"e_result": "có lẽ"}, "Kết quả điện tử", "có/không"),
    (
        "a new due date before the due date",
        {"apology_issued_at": "16/06/2023", "apology_new_due_at": "14/06/2023"},
        "Ngày hẹn lại",
        "phải sau ngày hẹn trả",
    ),
]


@pytest.mark.parametrize(
    ("overrides", "column", "reason"),
    [case[1:] for case in BAD_ROWS],
    ids=[case[0] for case in BAD_ROWS],
)
def test_a_bad_row_is_rejected_with_its_row_column_and_reason_and_the_good_row_imports(
    catalogue, write_file, overrides, column, reason
):
    path = write_file(dossier_csv([{"code": "H-GOOD"}, {"code": "H-BAD", **overrides}]))

    outcome = run_import("import_dossiers", path)

    assert outcome.exit_code == 0
    assert outcome.stdout.strip() == "created 1, updated 0, unchanged 0, rejected 1"
    assert f"Dòng 3, cột «{column}»" in outcome.stderr
    assert reason in outcome.stderr
    assert list(Dossier.objects.values_list("code", flat=True)) == ["H-GOOD"]
    error = ImportRowError.objects.get()
    assert (error.row_number, error.column, error.is_warning) == (3, column, False)
    assert reason in error.message


def test_a_lateness_reason_without_an_apology_date_is_imported_and_kept_with_the_dossier(
    catalogue, write_file
):
    # Exactly the overdue dossiers nobody apologised for: rejecting them would raise both the
    # on-time and the apology rates (domain.md section 11).
    path = write_file(
        dossier_csv(
            [
                {"code": "H-1", "apology_reason": "Chờ xác minh nguồn gốc đất"},
                {
                    "code": "H-2",
                    "apology_issued_at": "16/06/2023",
                    "apology_reason": "Thiếu giấy tờ",
                },
            ]
        )
    )

    outcome = run_import("import_dossiers", path)

    assert outcome.stdout.strip() == "created 2, updated 0, unchanged 0, rejected 0"
    assert outcome.stderr == ""
    late = Dossier.objects.get(code="H-1")
    assert late.late_reason == "Chờ xác minh nguồn gốc đất"
    assert not Apology.objects.filter(dossier=late).exists()
    apologised = Dossier.objects.get(code="H-2")
    assert apologised.late_reason == ""  # the reason is the apology's
    assert apologised.apology.reason == "Thiếu giấy tờ"


def test_a_new_due_date_without_an_apology_date_is_imported_with_a_warning(catalogue, write_file):
    path = write_file(dossier_csv([{"code": "H-1", "apology_new_due_at": "30/06/2023"}]))

    outcome = run_import("import_dossiers", path)

    assert outcome.stdout.strip() == "created 1, updated 0, unchanged 0, rejected 0"
    assert "Dòng 2, cột «Ngày hẹn lại» (giá trị «30/06/2023») [cảnh báo]" in outcome.stderr
    assert "ngày hẹn lại không được ghi" in outcome.stderr
    dossier = Dossier.objects.get()
    assert not Apology.objects.filter(dossier=dossier).exists()
    warning = ImportRowError.objects.get()
    assert (warning.row_number, warning.is_warning) == (2, True)
    assert ImportBatch.objects.get().rejected == 0


def test_a_row_with_several_problems_reports_each_and_counts_one_rejected_row(
    catalogue, write_file
):
    path = write_file(dossier_csv([{"received_at": "31/02/2023", "channel": "fax", "fee": "-1"}]))

    outcome = run_import("import_dossiers", path)

    assert outcome.stdout.strip() == "created 0, updated 0, unchanged 0, rejected 1"
    errors = list(ImportRowError.objects.values_list("row_number", "column"))
    assert sorted(errors) == [
        (2, "Kênh nộp"),
        (2, "Ngày tiếp nhận"),
        (2, "Phí, lệ phí (đồng)"),
    ]
    assert not Dossier.objects.exists()


def test_a_code_repeated_in_the_file_keeps_the_first_row_and_rejects_the_others(
    catalogue, write_file
):
    path = write_file(
        dossier_csv(
            [
                {"code": "H-1", "fee": "1000"},
                {"code": "H-2"},
                {"code": "H-1", "fee": "2000"},
                {"code": "H-1", "fee": "3000"},
            ]
        )
    )

    outcome = run_import("import_dossiers", path)

    assert outcome.stdout.strip() == "created 2, updated 0, unchanged 0, rejected 2"
    assert "Dòng 4, cột «Mã hồ sơ»" in outcome.stderr
    assert "Mã hồ sơ trùng với dòng 2" in outcome.stderr
    assert list(ImportRowError.objects.values_list("row_number", flat=True)) == [4, 5]
    assert Dossier.objects.get(code="H-1").fee == 1000


def test_under_atomic_one_bad_row_refuses_the_whole_file_and_writes_nothing(catalogue, write_file):
    path = write_file(dossier_csv([{"code": "H-1"}, {"code": "H-2", "fee": "-1"}]))

    outcome = run_import("import_dossiers", path, "--atomic")

    assert outcome.exit_code == 1
    assert "ho_so.csv có 1 dòng lỗi" in outcome.error
    assert "không dòng nào được nhập" in outcome.error
    assert "Dòng 3, cột «Phí, lệ phí (đồng)»" in outcome.stderr
    assert not Dossier.objects.exists()
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.REFUSED
    assert batch.rejected == 1


def test_a_row_error_is_stored_with_the_cell_value(catalogue, write_file):
    path = write_file(dossier_csv([{"received_at": "31/02/2023"}]))

    run_import("import_dossiers", path)

    error = ImportRowError.objects.get()
    assert error.value == "31/02/2023"
    assert str(error.batch.row_errors.get()) == ("dòng 2, cột Ngày tiếp nhận: " + error.message)
