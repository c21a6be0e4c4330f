"""`import_postings` and import batches of kind "postings": good files, bad rows, refused files,
re-imports, and dry-run, all-or-nothing and resume, which postings have by being on the one
import pipeline."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from agencies.models import AuditAction, AuditEntry, StaffPosting
from dossiers.models import ImportBatch, ImportKind
from dossiers.services import import_file
from tests.agencies.posting_data import HEADERS, posting_tree, postings_csv
from tests.dossiers.conftest import run_import, write_xlsx

pytestmark = pytest.mark.django_db


def postings_import(*, path):
    return import_file(kind=ImportKind.POSTINGS, path=path)


def posting_batch() -> ImportBatch:
    return ImportBatch.objects.get(kind=ImportKind.POSTINGS)


D = dt.date
GOOD_ROWS = [
    ["Nguyễn Thị Hoa", "CB-001", "STNMT", "", "01/07/2023", "31/12/2023", "", "Bàn đất đai"],
    ["Trần Văn Nam", "", "HL", "", "2023-07-15", "14/07/2024", "", ""],
    ["Lê Thị Thu", "CB-003", "SNNMT", "SXD", "01/03/2025", "30/06/2025", "30/06/2025", ""],
]  # fmt: skip


@pytest.fixture
def tree():
    return posting_tree()


@pytest.fixture
def write(tmp_path):
    def write(content: bytes, name: str = "biet_phai.csv"):
        path = tmp_path / name
        path.write_bytes(content)
        return path

    return write


def excel(*date) -> dt.datetime:
    """A real Excel date cell (openpyxl writes a datetime as one)."""
    return dt.datetime(*date)


class TestAGoodFile:
    def test_it_creates_every_posting_with_its_dates(self, tree, write):
        path = write(postings_csv(GOOD_ROWS))
        outcome = run_import("import_postings", path)
        assert outcome.exit_code == 0
        assert outcome.stdout.strip() == "created 3, updated 0, unchanged 0, rejected 0"
        hoa = StaffPosting.objects.get(staff_code="CB-001")
        assert (hoa.person_name, hoa.agency.code, hoa.former_unit) == (
            "Nguyễn Thị Hoa",
            "STNMT",
            None,
        )
        assert (hoa.start_on, hoa.planned_end_on, hoa.actual_end_on) == (
            D(2023, 7, 1),
            D(2023, 12, 31),
            None,
        )
        assert hoa.note == "Bàn đất đai"
        nam = StaffPosting.objects.get(person_name="Trần Văn Nam")
        assert (nam.staff_code, nam.start_on) == ("", D(2023, 7, 15))  # an ISO date reads too
        thu = StaffPosting.objects.get(staff_code="CB-003")
        assert (thu.former_unit.code, thu.actual_end_on) == ("SXD", D(2025, 6, 30))

    def test_it_keeps_the_original_file_and_one_audit_entry(self, tree, write):
        content = postings_csv(GOOD_ROWS)
        run_import("import_postings", write(content))
        batch = posting_batch()
        assert batch.original_name == "biet_phai.csv"
        with batch.file.open("rb") as kept:
            assert kept.read() == content
        entry = AuditEntry.objects.get(action=AuditAction.POSTING_IMPORT)
        assert entry.after["created"] == 3 and entry.subject_id == str(batch.pk)
        assert all(p.import_batch_id == batch.pk for p in StaffPosting.objects.all())

    def test_reimporting_the_same_file_changes_nothing(self, tree, write):
        path = write(postings_csv(GOOD_ROWS))
        run_import("import_postings", path)
        stamps = dict(StaffPosting.objects.values_list("pk", "updated_at"))
        outcome = run_import("import_postings", path)
        assert outcome.stdout.strip() == "created 0, updated 0, unchanged 3, rejected 0"
        assert dict(StaffPosting.objects.values_list("pk", "updated_at")) == stamps
        assert StaffPosting.objects.count() == 3

    def test_a_later_file_closing_a_posting_updates_it(self, tree, write):
        run_import("import_postings", write(postings_csv(GOOD_ROWS)))
        closed = [row[:] for row in GOOD_ROWS]
        closed[0][6] = "15/11/2023"  # Hoa left early
        outcome = run_import("import_postings", write(postings_csv(closed), "lan2.csv"))
        assert outcome.stdout.strip() == "created 0, updated 1, unchanged 2, rejected 0"
        assert StaffPosting.objects.get(staff_code="CB-001").actual_end_on == D(2023, 11, 15)

    def test_an_xlsx_file_with_ascii_headers_and_date_cells_imports_the_same(self, tree, tmp_path):
        aliases = [
            "ho_va_ten",
            "ma_can_bo",
            "ma_don_vi",
            "ma_don_vi_cu",
            "ngay_bat_dau",
            "ngay_ket_thuc_du_kien",
            "ngay_ket_thuc_thuc_te",
            "ghi_chu",
        ]
        path = write_xlsx(
            tmp_path / "biet_phai.xlsx",
            [
                aliases,
                ["Phạm Văn Đức", "CB-010", "GL", None, excel(2023, 1, 2), excel(2023, 7, 1)],
                ["Hồ Thị Mai", "CB-011", "SNV", None, "01/02/2023", excel(2023, 7, 31), None, "x"],
            ],
            sheet="Biệt phái",
        )
        outcome = run_import("import_postings", path, "--sheet", "Biệt phái")
        assert outcome.stdout.strip() == "created 2, updated 0, unchanged 0, rejected 0"
        duc = StaffPosting.objects.get(staff_code="CB-010")
        assert (duc.start_on, duc.planned_end_on) == (D(2023, 1, 2), D(2023, 7, 1))


class TestBadRows:
    BAD_ROWS = [
        GOOD_ROWS[0],  # row 2: good
        ["", "CB-020", "STNMT", "", "01/07/2023", "31/12/2023", "", ""],  # 3: no name
        ["Võ Văn Bình", "CB-021", "NOPE", "", "01/07/2023", "31/12/2023", "", ""],  # 4
        ["Đỗ Thị Lan", "CB-022", "HL", "", "31/02/2023", "31/12/2023", "", ""],  # 5: no 31/02
        ["Bùi Văn An", "CB-023", "HL", "", "01/07/2023", "30/06/2023", "", ""],  # 6: end < start
        ["Đặng Văn Sơn", "CB-024", "GL", "SXD", "01/07/2023", "31/12/2023", "", ""],  # 7
        ["Hồ Văn Khoa", "CB-025", "SNNMT", "", "01/03/2025", "30/06/2025", "", ""],  # 8
        ["Hồ Văn Khoa", "CB-026", "SNNMT", "GL", "01/03/2025", "30/06/2025", "", ""],  # 9
        ["Nguyễn Thị Hoa", "CB-001", "STNMT", "", "01/07/2023", "31/01/2024", "", ""],  # 10: dup
        ["Phan Thị Yến", "CB-027", "SNV", "", "01/07/2023", "31/12/2023", "01/06/2023", ""],  # 11
    ]

    def test_each_bad_row_is_rejected_with_its_row_column_and_reason(self, tree, write):
        outcome = run_import("import_postings", write(postings_csv(self.BAD_ROWS)))
        assert outcome.exit_code == 0  # the file was read
        assert outcome.stdout.strip() == "created 1, updated 0, unchanged 0, rejected 9"
        errors = {(e.row_number, e.column): e.message for e in posting_batch().row_errors.all()}
        assert errors == {
            (3, "Họ và tên"): "Thiếu họ và tên.",
            (4, "Mã đơn vị"): "Không có đơn vị mã «NOPE» trong danh mục.",
            (5, "Ngày bắt đầu"): "Ngày không hợp lệ: dùng dạng dd/mm/yyyy (ví dụ 01/07/2023).",
            (6, "Ngày kết thúc dự kiến"): "Ngày kết thúc dự kiến trước ngày bắt đầu.",
            (7, "Đơn vị cũ (trước hợp nhất)"): (
                "Đơn vị «GL» không hình thành từ hợp nhất; để trống cột này."
            ),
            (8, "Đơn vị cũ (trước hợp nhất)"): (
                "Đơn vị «SNNMT» hình thành từ hợp nhất: cần ghi đơn vị cũ của cán bộ."
            ),
            (
                9,
                "Đơn vị cũ (trước hợp nhất)",
            ): "«GL» không phải là đơn vị cũ đã hợp nhất vào «SNNMT».",
            (10, "Mã cán bộ"): (
                "Trùng với dòng 2 (cùng cán bộ, cùng ngày bắt đầu); chỉ dòng đó được nhập."
            ),
            (11, "Ngày kết thúc thực tế"): "Ngày kết thúc thực tế trước ngày bắt đầu.",
        }
        assert "Dòng 4, cột «Mã đơn vị» (giá trị «NOPE») [bị loại]" in outcome.stderr
        assert list(StaffPosting.objects.values_list("staff_code", flat=True)) == ["CB-001"]

    def test_errors_out_writes_every_rejected_row(self, tree, write, tmp_path):
        out = tmp_path / "loi.csv"
        run_import("import_postings", write(postings_csv(self.BAD_ROWS)), "--errors-out", str(out))
        with out.open(encoding="utf-8-sig") as handle:
            lines = list(csv.reader(handle))
        assert lines[0] == ["Dòng", "Cột", "Giá trị", "Lý do"]
        assert [line[0] for line in lines[1:]] == ["3", "4", "5", "6", "7", "8", "9", "10", "11"]

    def test_atomic_refuses_the_whole_file_and_writes_nothing(self, tree, write):
        outcome = run_import("import_postings", write(postings_csv(self.BAD_ROWS)), "--atomic")
        assert outcome.exit_code == 1
        assert "9 dòng lỗi" in outcome.error and "--atomic" in outcome.error
        assert not StaffPosting.objects.exists()
        assert not AuditEntry.objects.filter(action=AuditAction.POSTING_IMPORT).exists()

    def test_a_dry_run_counts_and_writes_nothing(self, tree, write):
        outcome = run_import("import_postings", write(postings_csv(GOOD_ROWS)), "--dry-run")
        assert outcome.stdout.strip() == "created 3, updated 0, unchanged 0, rejected 0"
        assert not StaffPosting.objects.exists()
        assert posting_batch().status == "validated" and posting_batch().dry_run


class TestRefusedFiles:
    def test_a_file_missing_a_required_column_is_refused_and_says_which(self, tree, write):
        headers = [h for h in HEADERS if h != "Ngày bắt đầu"]
        rows = [row[:4] + row[5:] for row in GOOD_ROWS]
        outcome = run_import("import_postings", write(postings_csv(rows, headers=headers)))
        assert outcome.exit_code == 1
        assert outcome.error == (
            "Tệp biet_phai.csv thiếu cột bắt buộc: «Ngày bắt đầu» (ngay_bat_dau)."
        )
        assert not StaffPosting.objects.exists()
        assert posting_batch().status == "refused"  # the file is kept all the same

    def test_a_picture_renamed_to_csv_is_refused(self, tree, write):
        outcome = run_import("import_postings", write(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20))
        assert outcome.exit_code == 1
        assert "không phải tệp CSV" in outcome.error

    def test_a_missing_file_is_refused(self, tree, tmp_path):
        outcome = run_import("import_postings", tmp_path / "khong_co.csv")
        assert outcome.exit_code == 1
        assert outcome.error == "Không mở được tệp khong_co.csv."


def test_a_posting_recorded_without_a_staff_code_gets_the_code_a_later_file_gives(tree, write):
    rows = [["Trần Văn Nam", "", "HL", "", "15/07/2023", "14/07/2024", "", ""]]
    postings_import(path=write(postings_csv(rows)))
    rows[0][1] = "CB-002"
    batch = postings_import(path=write(postings_csv(rows), "lan2.csv"))
    assert (batch.created, batch.updated) == (0, 1)
    assert StaffPosting.objects.get().staff_code == "CB-002"


def test_a_file_without_staff_codes_finds_postings_that_have_one_and_keeps_the_code(tree, write):
    rows = [["Trần Văn Nam", "CB-002", "HL", "", "15/07/2023", "14/07/2024", "", ""]]
    postings_import(path=write(postings_csv(rows)))
    rows[0][1] = ""
    batch = postings_import(path=write(postings_csv(rows), "lan2.csv"))
    assert (batch.created, batch.updated, batch.unchanged) == (0, 0, 1)
    assert list(StaffPosting.objects.values_list("staff_code", flat=True)) == ["CB-002"]


def test_a_failure_while_writing_leaves_nothing_half_written(tree, write, monkeypatch):
    calls = []

    def failing_save(self, *args, **kwargs):
        calls.append(self.person_name)
        if len(calls) == 2:
            raise RuntimeError("ổ đĩa đầy")
        return original_save(self, *args, **kwargs)

    original_save = StaffPosting.save
    monkeypatch.setattr(StaffPosting, "save", failing_save)
    batch = postings_import(path=write(postings_csv(GOOD_ROWS)))
    assert batch.status == "failed"
    assert batch.refusal == "Lỗi hệ thống khi nhập tệp biet_phai.csv: ổ đĩa đầy"
    assert len(calls) == 2  # the first posting was saved, then rolled back
    assert not StaffPosting.objects.exists()
    assert not AuditEntry.objects.exists()
    assert posting_batch().pk == batch.pk


class TestOnTheOnePipeline:
    """Dry run, all-or-nothing and resume come with the import pipeline (the command's flags
    are tested above; the web page's in tests/directives/test_postings_pages.py)."""

    def test_a_postings_upload_left_pending_is_written_by_the_resume_sweep(
        self, tree, write, django_capture_on_commit_callbacks, monkeypatch
    ):
        from dossiers import services

        tried = []

        def broker_down(task, *args):
            tried.append(task.name)
            return False

        monkeypatch.setattr(services, "send_or_defer", broker_down)
        with (
            open(write(postings_csv(GOOD_ROWS)), "rb") as handle,
            django_capture_on_commit_callbacks(execute=True),
        ):
            batch = services.import_upload_start(
                kind=ImportKind.POSTINGS,
                uploaded_file=handle,
                original_name="biet_phai.csv",
                write_at_once=True,
            )
        batch.refresh_from_db()
        # The queue did not take the step: the batch waits, saying so, with its step stored.
        assert tried == ["dossiers.import_batch_apply"]
        assert batch.status == "pending" and batch.enqueue_failed_at is not None
        assert services.next_step(batch) == services.APPLY
        assert not StaffPosting.objects.exists()

        monkeypatch.undo()  # the queue is back (tasks run inline in the suite)
        assert services.import_batches_resume(older_than=dt.timedelta(0)) == 1
        batch.refresh_from_db()
        assert (batch.status, batch.summary) == (
            "applied",
            "created 3, updated 0, unchanged 0, rejected 0",
        )
        assert batch.enqueue_failed_at is None
        assert StaffPosting.objects.count() == 3
        assert all(p.import_batch_id == batch.pk for p in StaffPosting.objects.all())

    def test_a_batch_applied_twice_writes_once(self, tree, write):
        from dossiers.services import import_batch_apply

        batch = postings_import(path=write(postings_csv(GOOD_ROWS)))
        again = import_batch_apply(batch_id=batch.pk)
        assert again.summary == batch.summary == "created 3, updated 0, unchanged 0, rejected 0"
        assert StaffPosting.objects.count() == 3
        assert AuditEntry.objects.filter(action=AuditAction.POSTING_IMPORT).count() == 1
