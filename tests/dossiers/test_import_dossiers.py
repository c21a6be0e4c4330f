"""Importing dossiers: what is written, how it is counted, and that a re-import changes nothing."""

from __future__ import annotations

import csv
import datetime as dt
import json
import zoneinfo

import pytest
import time_machine
from django.utils import timezone

from agencies.models import Procedure
from dossiers.models import (
    Apology,
    ApologySource,
    Dossier,
    ImportBatch,
    ImportStatus,
    TouchedCell,
)
from dossiers.services import import_batch_apply, import_batch_create, import_batch_validate
from tests.dossiers.conftest import (
    FIXTURES,
    GOOD_ROW,
    HEADERS,
    dossier_csv,
    run_import,
    write_xlsx,
)

pytestmark = pytest.mark.django_db

LOCAL = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LOCAL)


def facts(dossier: Dossier) -> tuple:
    return (
        dossier.agency.code,
        dossier.procedure.code,
        dossier.channel,
        dossier.received_at,
        dossier.due_at,
        dossier.finished_at,
        dossier.components_total,
        dossier.components_digitized,
        dossier.e_result,
        dossier.fee,
        dossier.paid_online,
    )


class TestTheValuesWritten:
    def test_each_cell_is_read_as_the_domain_says(self, catalogue, write_file):
        path = write_file(
            dossier_csv(
                [
                    {},
                    {
                        "code": "H-0002",
                        "agency_code": "HL",
                        "procedure_code": "1.004222",
                        "channel": "truc_tiep",
                        "received_at": "2023-05-01",
                        "due_at": "2023-05-20T17:00:00+07:00",
                        "finished_at": "",
                        "components_total": "3",
                        "components_digitized": "0",
                        "e_result": "",
                        "fee": "1.500.000",
                        "paid_online": "x",
                    },
                ]
            )
        )

        outcome = run_import("import_dossiers", path)

        assert outcome.stdout == "created 2, updated 0, unchanged 0, rejected 0\n"
        assert outcome.stderr == ""
        first, second = Dossier.objects.order_by("code")
        assert facts(first) == (
            "HL-TT",
            "1.001193",
            "truc_tuyen",
            local(2023, 6, 12, 8, 30),
            local(2023, 6, 15, 23, 59, 59),  # a bare due date is the end of that day
            local(2023, 6, 14, 16, 0),
            2,
            2,
            True,
            0,
            False,
        )
        assert facts(second) == (
            "HL",
            "1.004222",
            "truc_tiep",
            local(2023, 5, 1, 0, 0),  # a bare received date is the start of that day
            local(2023, 5, 20, 17, 0),
            None,
            3,
            0,
            False,
            1_500_000,
            True,
        )
        assert first.import_batch == ImportBatch.objects.get()

    def test_a_new_procedure_named_with_its_domain_is_registered(self, catalogue, write_file):
        path = write_file(
            dossier_csv(
                [
                    {
                        "procedure_code": "2.000815",
                        "procedure_name": "Chứng thực bản sao từ bản chính",
                        "domain": "Chứng thực",
                    },
                    {"code": "H-2", "procedure_code": "2.000815", "procedure_name": "Tên khác"},
                ]
            )
        )

        outcome = run_import("import_dossiers", path)

        assert outcome.stdout.strip() == "created 2, updated 0, unchanged 0, rejected 0"
        procedure = Procedure.objects.get(code="2.000815")
        assert (procedure.name, procedure.domain.name) == (
            "Chứng thực bản sao từ bản chính",
            "Chứng thực",
        )
        assert Dossier.objects.filter(procedure=procedure).count() == 2


class TestHeaders:
    def test_ascii_aliases_any_case_bom_semicolons_and_extra_columns_all_read_the_same(
        self, catalogue, write_file
    ):
        vietnamese = write_file(dossier_csv([{}]), "a.csv")
        run_import("import_dossiers", vietnamese)
        expected = facts(Dossier.objects.get())
        Dossier.objects.all().delete()
        aliases = {c: a for c, a in zip(HEADERS, _aliases(), strict=True)}
        text = dossier_csv([{}], separator=";")
        header, body = text.split("\n", 1)
        shouted = ";".join(aliases[k].upper() for k in _keys_of(header)) + ";Ghi chú nội bộ"
        body = body.replace("\n", ";bỏ qua\n")
        path = write_file("\ufeff" + shouted + "\n" + body, "b.csv")

        outcome = run_import("import_dossiers", path)

        assert outcome.stdout.strip() == "created 1, updated 0, unchanged 0, rejected 0"
        assert facts(Dossier.objects.get()) == expected

    def test_headers_match_ignoring_diacritics_spaces_and_punctuation(self, catalogue, write_file):
        text = dossier_csv([{}])
        header, body = text.split("\n", 1)
        header = (
            header.replace("Ngày tiếp nhận", "NGAY TIEP NHAN")
            .replace("Mã đơn vị", "ma-don-vi")
            .replace('"Phí, lệ phí (đồng)"', "Phi le phi dong")
        )
        path = write_file(header + "\n" + body)

        outcome = run_import("import_dossiers", path)

        assert outcome.stdout.strip() == "created 1, updated 0, unchanged 0, rejected 0"

    def test_a_column_named_like_the_readers_row_numbers_is_an_unknown_column(
        self, catalogue, write_file
    ):
        # "_row" was the readers' own column of row numbers: a file with such a header (the
        # fuzz found one) crashed the import with a polars DuplicateError.
        header, body = dossier_csv([{}]).split("\n", 1)
        path = write_file(header + ",_row\n" + body.replace("\n", ",x\n"))
        assert run_import("import_dossiers", path).stdout.strip() == (
            "created 1, updated 0, unchanged 0, rejected 0"
        )
        record = {"MaHoSo": "J-1", "MaDonVi": "HL-TT", "MaTTHC": "1.001193", "_row": 7}
        record |= {"NgayTiepNhan": "20230612083000", "NgayHenTra": "20230615170000"}
        json_path = write_file(json.dumps([record]), "ho_so.json")
        outcome = run_import("import_dossiers", json_path)
        assert outcome.stdout.strip() == "created 1, updated 0, unchanged 0, rejected 0"


def _aliases() -> list[str]:
    from dossiers.importing.headers import DOSSIER_COLUMNS

    return [column.alias for column in DOSSIER_COLUMNS]


def _keys_of(header: str) -> list[str]:
    by_header = {v: k for k, v in HEADERS.items()}
    return [by_header[h.strip('"')] for h in next(csv.reader([header], delimiter=";"))]


class TestExcel:
    def rows(self) -> list[list]:
        return [
            [HEADERS[key] for key in GOOD_ROW],
            # Excel date cells (a date-time, a date: openpyxl gives a date a date-only format)
            # and numeric cells
            [
                "H-1",
                "HL-TT",
                "1.001193",
                "Trực tuyến",
                dt.datetime(2023, 6, 12, 8, 30),
                dt.date(2023, 6, 15),
                dt.datetime(2023, 6, 14, 16, 0),
                2,
                2,
                "Có",
                0,
                "Không",
            ],
            # text dates in an Excel file
            [
                "H-2",
                "HL",
                "1.004222",
                "Bưu chính",
                "01/05/2023",
                "20/05/2023 17:00",
                None,
                3,
                1,
                None,
                1500000,
                "x",
            ],
        ]

    def test_excel_date_cells_and_text_dates_both_import(self, catalogue, tmp_path):
        path = write_xlsx(tmp_path / "ho_so.xlsx", self.rows())

        outcome = run_import("import_dossiers", path)

        assert outcome.stdout.strip() == "created 2, updated 0, unchanged 0, rejected 0"
        first, second = Dossier.objects.order_by("code")
        assert first.received_at == local(2023, 6, 12, 8, 30)
        assert first.due_at == local(2023, 6, 15, 23, 59, 59)
        assert second.received_at == local(2023, 5, 1)
        assert second.due_at == local(2023, 5, 20, 17, 0)
        assert (second.fee, second.paid_online) == (1_500_000, True)

    def test_the_same_rows_as_xlsx_then_csv_give_the_same_dossiers_and_all_unchanged(
        self, catalogue, tmp_path, write_file
    ):
        run_import("import_dossiers", write_xlsx(tmp_path / "ho_so.xlsx", self.rows()))
        before = {d.code: (facts(d), d.updated_at) for d in Dossier.objects.all()}
        csv_path = write_file(
            dossier_csv(
                [
                    {"code": "H-1"},
                    {
                        "code": "H-2",
                        "agency_code": "HL",
                        "procedure_code": "1.004222",
                        "channel": "buu_chinh",
                        "received_at": "2023-05-01",
                        "due_at": "20/05/2023 17:00:00",
                        "finished_at": "",
                        "components_total": "3",
                        "components_digitized": "1",
                        "e_result": "không",
                        "fee": "1500000",
                        "paid_online": "Có",
                    },
                ]
            )
        )

        outcome = run_import("import_dossiers", csv_path)

        assert outcome.stdout.strip() == "created 0, updated 0, unchanged 2, rejected 0"
        after = {d.code: (facts(d), d.updated_at) for d in Dossier.objects.all()}
        assert after == before

    def test_a_date_time_cell_at_midnight_is_midnight_not_the_end_of_that_day(
        self, catalogue, tmp_path, write_file
    ):
        # Issue 12: a cell whose format shows a time means 00:00 is a real time. Before, any
        # cell at 00:00 came back as a bare date: due 15/06 00:00 became 15/06 23:59:59.
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.append([HEADERS[key] for key in GOOD_ROW])
        cells = {
            **GOOD_ROW,
            "code": "H-MID",
            "received_at": dt.datetime(2023, 6, 12, 8, 30),
            "due_at": dt.datetime(2023, 6, 15, 0, 0),
            "finished_at": dt.datetime(2023, 6, 14, 0, 0),
        }
        sheet.append([cells[key] for key in GOOD_ROW])
        for column in ("E", "F", "G"):
            sheet[f"{column}2"].number_format = "dd/mm/yyyy hh:mm"
        workbook.save(tmp_path / "nua_dem.xlsx")
        same_as_csv = {
            "code": "H-MID",
            "received_at": "12/06/2023 08:30",
            "due_at": "15/06/2023 00:00",
            "finished_at": "14/06/2023 00:00",
        }

        outcome = run_import("import_dossiers", tmp_path / "nua_dem.xlsx")
        stored = Dossier.objects.get()
        before = (facts(stored), stored.updated_at)

        assert outcome.stdout.strip() == "created 1, updated 0, unchanged 0, rejected 0"
        assert (stored.due_at, stored.finished_at) == (local(2023, 6, 15), local(2023, 6, 14))
        # The same row as CSV text stores the identical dossier: nothing to update.
        again = run_import("import_dossiers", write_file(dossier_csv([same_as_csv])))
        stored.refresh_from_db()
        assert again.stdout.strip() == "created 0, updated 0, unchanged 1, rejected 0"
        assert (facts(stored), stored.updated_at) == before

    def test_a_named_sheet_is_read(self, catalogue, tmp_path):
        from openpyxl import Workbook

        workbook = Workbook()
        workbook.active.append(["nothing here"])
        data = workbook.create_sheet("Tháng 6")
        for row in self.rows():
            data.append(row)
        workbook.save(tmp_path / "hai_trang.xlsx")

        outcome = run_import("import_dossiers", tmp_path / "hai_trang.xlsx", "--sheet", "Tháng 6")

        assert outcome.stdout.strip() == "created 2, updated 0, unchanged 0, rejected 0"


class TestReimport:
    def test_importing_the_same_file_twice_changes_nothing_the_second_time(self, catalogue):
        path = FIXTURES / "dossiers.csv"
        first = run_import("import_dossiers", path)
        stamps = dict(Dossier.objects.values_list("code", "updated_at"))
        apologies = list(Apology.objects.values())
        cells = TouchedCell.objects.count()

        second = run_import("import_dossiers", path)

        assert first.stdout.strip() == "created 3, updated 0, unchanged 0, rejected 0"
        assert second.stdout.strip() == "created 0, updated 0, unchanged 3, rejected 0"
        assert dict(Dossier.objects.values_list("code", "updated_at")) == stamps
        assert list(Apology.objects.values()) == apologies
        assert TouchedCell.objects.count() == cells

    def test_a_changed_dossier_counts_as_updated_and_only_it_is_rewritten(
        self, catalogue, write_file
    ):
        run_import("import_dossiers", write_file(dossier_csv([{}, {"code": "H-2"}])))
        untouched = Dossier.objects.get(code="H-2").updated_at

        outcome = run_import(
            "import_dossiers",
            write_file(dossier_csv([{"components_digitized": "1"}, {"code": "H-2"}])),
        )

        assert outcome.stdout.strip() == "created 0, updated 1, unchanged 1, rejected 0"
        assert Dossier.objects.get(code="H-0001").components_digitized == 1
        assert Dossier.objects.get(code="H-2").updated_at == untouched


class TestDryRun:
    def test_a_dry_run_counts_but_writes_no_dossier(self, catalogue, write_file):
        path = write_file(dossier_csv([{}, {"code": "H-2", "fee": "-5"}]))

        outcome = run_import("import_dossiers", path, "--dry-run")

        assert outcome.exit_code == 0
        assert outcome.stdout.strip() == "created 1, updated 0, unchanged 0, rejected 1"
        assert not Dossier.objects.exists()
        assert not TouchedCell.objects.exists()
        assert ImportBatch.objects.get().status == ImportStatus.VALIDATED

    def test_a_dry_run_registers_no_new_procedure(self, catalogue, write_file):
        path = write_file(
            dossier_csv([{"procedure_code": "2.000815", "procedure_name": "X", "domain": "Y"}])
        )

        outcome = run_import("import_dossiers", path, "--dry-run")

        assert outcome.stdout.strip() == "created 1, updated 0, unchanged 0, rejected 0"
        assert not Procedure.objects.filter(code="2.000815").exists()


class TestErrorsOut:
    def test_the_errors_file_holds_each_problem_with_the_original_cells(
        self, catalogue, write_file, tmp_path
    ):
        path = write_file(
            dossier_csv([{}, {"code": "H-2", "received_at": "31/02/2023", "channel": "fax"}])
        )
        out = tmp_path / "loi.csv"

        run_import("import_dossiers", path, "--errors-out", str(out))

        raw = out.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        lines = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
        assert [(r["Dòng"], r["Cột"]) for r in lines] == [
            ("3", "Kênh nộp"),
            ("3", "Ngày tiếp nhận"),
        ] or [(r["Dòng"], r["Cột"]) for r in lines] == [("3", "Ngày tiếp nhận"), ("3", "Kênh nộp")]
        assert all(r["Mã hồ sơ"] == "H-2" and r["Kênh nộp"] == "fax" for r in lines)
        assert lines[0]["Ngày tiếp nhận"] == "31/02/2023"
        assert all(r["Lý do"] for r in lines)

    def test_a_refused_file_writes_its_refusal_to_the_errors_file(
        self, catalogue, write_file, tmp_path
    ):
        out = tmp_path / "loi.csv"

        run_import("import_dossiers", write_file(b""), "--errors-out", str(out))

        lines = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
        assert [r["Lý do"] for r in lines] == ["Tệp ho_so.csv trống."]


class TestTouchedCells:
    def test_a_created_dossier_touches_each_month_from_received_to_finished(
        self, catalogue, write_file
    ):
        path = write_file(
            dossier_csv(
                [
                    {
                        "received_at": "30/04/2023 23:30",
                        "due_at": "30/06/2023",
                        "finished_at": "01/06/2023 07:00",
                    },
                    {"code": "H-2", "agency_code": "STP"},
                ]
            )
        )

        run_import("import_dossiers", path)

        assert _cells() == {
            ("HL-TT", "2023-04-01"),
            ("HL-TT", "2023-05-01"),
            ("HL-TT", "2023-06-01"),
            ("STP", "2023-06-01"),
        }

    def test_an_updated_dossier_touches_its_old_and_new_months_only(self, catalogue, write_file):
        run_import("import_dossiers", write_file(dossier_csv([{}, {"code": "H-2"}])))
        TouchedCell.objects.all().delete()

        run_import(
            "import_dossiers",
            write_file(
                dossier_csv(
                    [
                        {
                            "agency_code": "HL",
                            "received_at": "02/08/2023",
                            "due_at": "05/08/2023",
                            "finished_at": "04/08/2023",
                        },
                        {"code": "H-2"},
                    ]
                )
            ),
        )

        assert _cells() == {("HL-TT", "2023-06-01"), ("HL", "2023-08-01")}

    @time_machine.travel(dt.datetime(2023, 8, 10, 9, 0, tzinfo=LOCAL), tick=False)
    def test_an_open_dossier_touches_every_month_up_to_this_one(self, catalogue, write_file):
        run_import("import_dossiers", write_file(dossier_csv([{"finished_at": ""}])))

        assert _cells() == {
            ("HL-TT", "2023-06-01"),
            ("HL-TT", "2023-07-01"),
            ("HL-TT", "2023-08-01"),
        }

    @time_machine.travel(dt.datetime(2023, 8, 10, 9, 0, tzinfo=LOCAL), tick=False)
    def test_a_fact_known_at_receipt_touches_the_month_received_only(self, catalogue, write_file):
        # Open since June: a new digitization count or channel moves no figure after June.
        run_import("import_dossiers", write_file(dossier_csv([{"finished_at": ""}])))
        TouchedCell.objects.all().delete()

        changed = {"finished_at": "", "components_digitized": "1", "channel": "Trực tiếp"}
        run_import("import_dossiers", write_file(dossier_csv([changed])))

        assert _cells() == {("HL-TT", "2023-06-01")}

    def test_the_electronic_result_touches_the_months_received_and_finished(
        self, catalogue, write_file
    ):
        # Received in April, finished in June: the e-result counts in the periods of June.
        dates = {"received_at": "28/04/2023 08:00", "due_at": "30/06/2023"}
        dates["finished_at"] = "01/06/2023 10:00"
        run_import("import_dossiers", write_file(dossier_csv([dates])))
        TouchedCell.objects.all().delete()

        run_import("import_dossiers", write_file(dossier_csv([{**dates, "e_result": "Không"}])))

        assert _cells() == {("HL-TT", "2023-04-01"), ("HL-TT", "2023-06-01")}

    def test_a_new_due_date_touches_the_whole_timeline(self, catalogue, write_file):
        dates = {"received_at": "28/04/2023 08:00", "due_at": "30/06/2023"}
        dates["finished_at"] = "01/06/2023 10:00"
        run_import("import_dossiers", write_file(dossier_csv([dates])))
        TouchedCell.objects.all().delete()

        run_import("import_dossiers", write_file(dossier_csv([{**dates, "due_at": "20/05/2023"}])))

        assert _cells() == {("HL-TT", f"2023-{m:02d}-01") for m in (4, 5, 6)}


def _cells() -> set[tuple[str, str]]:
    return {(c.agency.code, c.month.isoformat()) for c in TouchedCell.objects.all()}


class TestApologies:
    ROW = {
        "received_at": "01/06/2023",
        "due_at": "05/06/2023",
        "finished_at": "",
        "apology_issued_at": "06/06/2023",
        "apology_new_due_at": "20/06/2023",
        "apology_reason": "Chờ xác minh",
    }

    def test_an_apology_in_the_file_is_recorded_as_imported(self, catalogue, write_file):
        run_import("import_dossiers", write_file(dossier_csv([self.ROW])))

        apology = Apology.objects.get()
        assert (apology.issued_at, apology.new_due_at, apology.reason, apology.source) == (
            local(2023, 6, 6, 23, 59, 59),
            local(2023, 6, 20, 23, 59, 59),
            "Chờ xác minh",
            ApologySource.IMPORT,
        )

    def test_a_changed_apology_alone_counts_the_dossier_as_updated(self, catalogue, write_file):
        run_import("import_dossiers", write_file(dossier_csv([self.ROW])))

        outcome = run_import(
            "import_dossiers", write_file(dossier_csv([{**self.ROW, "apology_reason": "Khác"}]))
        )

        assert outcome.stdout.strip() == "created 0, updated 1, unchanged 0, rejected 0"
        assert Apology.objects.get().reason == "Khác"

    def test_an_empty_apology_removes_one_an_earlier_import_made(self, catalogue, write_file):
        run_import("import_dossiers", write_file(dossier_csv([self.ROW])))
        empty = {
            **self.ROW,
            "apology_issued_at": "",
            "apology_new_due_at": "",
            "apology_reason": "",
        }

        outcome = run_import("import_dossiers", write_file(dossier_csv([empty])))

        assert outcome.stdout.strip() == "created 0, updated 1, unchanged 0, rejected 0"
        assert not Apology.objects.exists()

    def test_a_file_without_apology_columns_leaves_apologies_alone(self, catalogue, write_file):
        run_import("import_dossiers", write_file(dossier_csv([self.ROW])))
        plain = {k: v for k, v in self.ROW.items() if "apology" not in k}

        outcome = run_import("import_dossiers", write_file(dossier_csv([plain])))

        assert outcome.stdout.strip() == "created 0, updated 0, unchanged 1, rejected 0"
        assert Apology.objects.exists()

    def test_an_apology_recorded_in_the_portal_is_never_overwritten_or_erased(
        self, catalogue, write_file
    ):
        plain = {k: v for k, v in self.ROW.items() if "apology" not in k}
        run_import("import_dossiers", write_file(dossier_csv([plain])))
        portal = Apology.objects.create(
            dossier=Dossier.objects.get(),
            issued_at=local(2023, 6, 5, 10, 0),
            reason="Ghi trên cổng",
            source=ApologySource.PORTAL,
        )
        empty = {
            **self.ROW,
            "apology_issued_at": "",
            "apology_new_due_at": "",
            "apology_reason": "",
        }

        emptied = run_import("import_dossiers", write_file(dossier_csv([empty])))
        different = run_import(
            "import_dossiers", write_file(dossier_csv([{**self.ROW, "fee": "2000"}]))
        )

        assert emptied.stdout.strip() == "created 0, updated 0, unchanged 1, rejected 0"
        assert different.stdout.strip() == "created 0, updated 1, unchanged 0, rejected 0"
        assert "Dòng 2, cột «Ngày xin lỗi» [cảnh báo]" in different.stderr
        assert "giữ phiếu đó" in different.stderr
        portal.refresh_from_db()
        assert (portal.issued_at, portal.reason, portal.source) == (
            local(2023, 6, 5, 10, 0),
            "Ghi trên cổng",
            ApologySource.PORTAL,
        )
        assert Dossier.objects.get().fee == 2000  # the row's other facts still apply
        batch = ImportBatch.objects.order_by("-pk").first()
        assert batch.rejected == 0
        assert batch.row_errors.get().is_warning


class TestTheWebSteps:
    def test_validate_counts_without_writing_then_apply_writes_once(self, catalogue):
        batch = import_batch_create(kind="dossiers", path=FIXTURES / "dossiers.csv")

        validated = import_batch_validate(batch_id=batch.pk)
        assert (validated.status, validated.created, validated.processed_rows) == (
            ImportStatus.VALIDATED,
            3,
            3,
        )
        assert not Dossier.objects.exists()

        applied = import_batch_apply(batch_id=batch.pk)
        again = import_batch_apply(batch_id=batch.pk)

        assert applied.status == ImportStatus.APPLIED
        assert applied.summary == "created 3, updated 0, unchanged 0, rejected 0"
        assert again.summary == applied.summary
        assert Dossier.objects.count() == 3

    def test_a_second_validation_message_changes_nothing(self, catalogue):
        # A re-sent task or the resume sweep: the batch was checked once and stays as it is.
        batch = import_batch_create(kind="dossiers", path=FIXTURES / "dossiers.csv")
        first = import_batch_validate(batch_id=batch.pk)
        again = import_batch_validate(batch_id=batch.pk)
        assert again.status == ImportStatus.VALIDATED
        assert (again.started_at, again.finished_at) == (first.started_at, first.finished_at)

    def test_a_batch_left_applying_by_a_dead_process_does_not_block_the_next(
        self, catalogue, monkeypatch
    ):
        # A process killed mid-import left batch A "applying" (no lock held: it is gone). B must
        # be written at once, not wait for A: fail after a few polls instead of hanging.
        dead = import_batch_create(kind="dossiers", path=FIXTURES / "dossiers.csv")
        ImportBatch.objects.filter(pk=dead.pk).update(
            status=ImportStatus.APPLYING, started_at=timezone.now() - dt.timedelta(minutes=5)
        )
        polls = []

        def sleep(seconds):
            polls.append(seconds)
            assert len(polls) < 5, "the import is waiting for a batch whose process is dead"

        monkeypatch.setattr("dossiers.services.time.sleep", sleep)
        batch = import_batch_create(kind="dossiers", path=FIXTURES / "dossiers.csv")
        applied = import_batch_apply(batch_id=batch.pk)
        assert applied.status == ImportStatus.APPLIED and polls == []
        assert Dossier.objects.count() == 3

    def test_the_original_file_is_kept_with_its_checksum(self, catalogue):
        batch = import_batch_create(kind="dossiers", path=FIXTURES / "dossiers.csv")

        content = (FIXTURES / "dossiers.csv").read_bytes()
        with batch.file.open("rb") as kept:
            assert kept.read() == content
        assert batch.size == len(content)
        assert batch.file.name == f"imports/dossiers/{batch.sha256[:2]}/{batch.sha256}"


def test_the_celery_tasks_validate_then_apply_a_batch(catalogue):
    from dossiers.tasks import import_batch_apply_task, import_batch_validate_task

    batch = import_batch_create(kind="dossiers", path=FIXTURES / "dossiers.csv")

    assert import_batch_validate_task.delay(batch.pk).get() == ImportStatus.VALIDATED
    assert import_batch_apply_task.delay(batch.pk).get() == ImportStatus.APPLIED
    assert Dossier.objects.count() == 3


def test_a_dossier_received_when_its_agency_did_not_exist_is_imported_with_a_warning(
    catalogue, write_file
):
    from agencies.models import Agency
    from dossiers.models import ImportRowError

    Agency.objects.filter(code="HL-TT").update(valid_to="2025-06-30")
    path = write_file(
        "Mã hồ sơ,Mã đơn vị,Mã thủ tục,Kênh nộp,Ngày tiếp nhận,Ngày hẹn trả,"
        "Số thành phần hồ sơ,Số thành phần đã số hóa\n"
        "W1,HL-TT,1.001193,truc_tiep,30/06/2025 16:00,05/07/2025,1,1\n"
        "W2,HL-TT,1.001193,truc_tiep,02/07/2025 08:00,05/07/2025,1,1\n"
    )

    outcome = run_import("import_dossiers", path)

    assert outcome.stdout.strip() == "created 2, updated 0, unchanged 0, rejected 0"
    (warning,) = ImportRowError.objects.filter(is_warning=True)
    assert (warning.row_number, warning.column, warning.value) == (3, "Mã đơn vị", "HL-TT")
    assert warning.message == (
        "Đơn vị «HL-TT» không tồn tại vào ngày tiếp nhận 02/07/2025 (hiệu lực đến 30/06/2025); "
        "hồ sơ vẫn được nhập và tính cho đơn vị đó."
    )
    assert Dossier.objects.get(code="W2").agency.code == "HL-TT"
