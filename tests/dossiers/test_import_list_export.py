"""Dossier list exports (the list people see on screen, as XLSX with names instead of codes) and
facts a file does not give (domain.md section 11)."""

from __future__ import annotations

import csv
import datetime as dt
import zoneinfo

import pytest

from agencies.models import AgencyAlias, Procedure
from dossiers.models import Channel, Dossier, DossierStatus, ImportRowError
from tests.dossiers.conftest import dossier_csv, run_import, table_csv, write_xlsx

pytestmark = pytest.mark.django_db

LOCAL = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")

LIST_HEADERS = [
    "STT",
    "Đơn vị tiếp nhận",
    "Người tiếp nhận",
    "Tên thủ tục hành chính",
    "Mã hồ sơ",
    "Trạng thái",
    "Chủ hồ sơ",
    "Ngày nộp hồ sơ",
    "Ngày nhận",
    "Ngày hẹn trả",
    "Ngày kết thúc xử lý",
    "Lĩnh vực",
]


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LOCAL)


def list_row(number: int, agency: str, procedure: str, code: str, status: str, **dates):
    return [
        number,
        agency,
        "Lê Thị B",
        procedure,
        code,
        status,
        "Trần Văn C",
        dates.get("submitted"),
        dates.get("received"),
        dates.get("due"),
        dates.get("finished"),
        dates.get("domain", "Hộ tịch"),
    ]


class TestAListExport:
    def rows(self) -> list[list]:
        return [
            LIST_HEADERS,
            list_row(
                1,
                "Ủy ban nhân dân thị trấn Diên Sanh",
                "Đăng ký khai sinh",
                "L-1",
                "Đã trả kết quả",
                submitted=dt.datetime(2023, 6, 11, 21, 5),
                received=dt.datetime(2023, 6, 12, 8, 30),
                due="15/06/2023",
                finished=dt.datetime(2023, 6, 14, 16, 0),
            ),
            list_row(
                2,
                "  sở   tư pháp ",
                "ĐĂNG KÝ KHAI SINH",
                "L-2",
                "Đang xử lý",
                received="01/06/2023 09:00",
                due="05/06/2023 17:00",
            ),
            list_row(
                3,
                "UBND huyen Hai Lang",
                "Đăng ký biến động đất đai",
                "L-3",
                "Mới đăng ký",
                submitted="20/06/2023",
                domain="Đất đai",
            ),
        ]

    def test_agency_procedure_and_status_come_by_name(self, catalogue, tmp_path):
        path = write_xlsx(tmp_path / "danh_sach_ho_so.xlsx", self.rows(), sheet="DanhSach")

        outcome = run_import("import_dossiers", path)

        assert outcome.stdout.strip() == "created 3, updated 0, unchanged 0, rejected 0"
        facts = {
            d.code: (d.agency.code, d.procedure.code, d.status)
            for d in Dossier.objects.select_related("agency", "procedure")
        }
        assert facts == {
            "L-1": ("HL-TT", "1.001193", DossierStatus.RETURNED),
            "L-2": ("STP", "1.001193", DossierStatus.PROCESSING),
            "L-3": ("HL", "1.004222", DossierStatus.REGISTERED),
        }

    def test_received_submitted_due_and_finished_dates(self, catalogue, tmp_path):
        run_import("import_dossiers", write_xlsx(tmp_path / "ds.xlsx", self.rows()))

        first = Dossier.objects.get(code="L-1")
        assert (first.submitted_at, first.received_at, first.due_at, first.finished_at) == (
            local(2023, 6, 11, 21, 5),
            local(2023, 6, 12, 8, 30),
            local(2023, 6, 15, 23, 59, 59),
            local(2023, 6, 14, 16, 0),
        )
        never = Dossier.objects.get(code="L-3")  # never received: no received or due date
        assert (never.submitted_at, never.received_at, never.due_at) == (
            local(2023, 6, 20),
            None,
            None,
        )

    def test_facts_the_export_has_no_column_for_are_unknown(self, catalogue, tmp_path):
        run_import("import_dossiers", write_xlsx(tmp_path / "ds.xlsx", self.rows()))

        dossier = Dossier.objects.get(code="L-2")
        assert (
            dossier.channel,
            dossier.components_total,
            dossier.components_digitized,
            dossier.e_result,
            dossier.fee,
            dossier.paid_online,
        ) == (None, None, None, None, None, None)
        assert (dossier.supplement_requests, dossier.late_reason) == (0, "")

    def test_ngay_co_ket_qua_is_the_end_when_the_export_has_no_end_of_processing(
        self, catalogue, write_file
    ):
        headers = ["Mã hồ sơ", "Đơn vị tiếp nhận", "Tên thủ tục hành chính", "Trạng thái"]
        headers += ["Ngày tiếp nhận", "Ngày hẹn trả", "Ngày có kết quả"]
        text = table_csv(
            headers,
            [
                ["R-1", "Sở Tư pháp", "Đăng ký khai sinh", "9", "01/06/2023", "05/06/2023", ""],
                [
                    "R-2",
                    "Sở Tư pháp",
                    "Đăng ký khai sinh",
                    "Đã xử lý xong",
                    "01/06/2023",
                    "05/06/2023",
                    "04/06/2023 10:00",
                ],
            ],
        )

        outcome = run_import("import_dossiers", write_file(text))

        assert outcome.stdout.strip() == "created 2, updated 0, unchanged 0, rejected 0"
        assert dict(Dossier.objects.values_list("code", "finished_at")) == {
            "R-1": None,
            "R-2": local(2023, 6, 4, 10, 0),
        }


class TestAListExportWithATitle:
    """The export as people save it: a title and a date range above the header row, a blank
    row between. The header row is found below them and rows keep their numbers in the file."""

    TITLE = [["DANH SÁCH HỒ SƠ"], ["Từ ngày 01/06/2023 đến ngày 30/06/2023"], []]

    def rows(self) -> list[list]:
        return [
            *self.TITLE,
            LIST_HEADERS,  # row 4
            list_row(
                1,
                "Sở Tư pháp",
                "Đăng ký khai sinh",
                "T-1",
                "Đã trả kết quả",
                received="12/06/2023 08:30",
                due="15/06/2023",
                finished="14/06/2023 16:00",
            ),
            list_row(
                2,
                "Sở Tư pháp",
                "Đăng ký khai sinh",
                "T-2",
                "Đang xử lý",
                received="31/02/2023",
                due="15/06/2023",
            ),
        ]

    def test_an_xlsx_export_is_read_below_its_title_with_the_file_s_row_numbers(
        self, catalogue, tmp_path
    ):
        path = write_xlsx(tmp_path / "danh_sach.xlsx", self.rows())
        outcome = run_import("import_dossiers", path)
        assert outcome.stdout.strip() == "created 1, updated 0, unchanged 0, rejected 1"
        assert Dossier.objects.get().code == "T-1"
        error = ImportRowError.objects.get()
        assert (error.row_number, error.column, error.value) == (6, "Ngày nhận", "31/02/2023")

    def test_a_csv_export_is_read_below_its_title(self, catalogue, write_file, tmp_path):
        title = "DANH SÁCH HỒ SƠ,,,\nTừ ngày 01/06/2023 đến ngày 30/06/2023,,,\n\n"
        rows = [[str(cell or "") for cell in row] for row in self.rows()[4:]]
        path = write_file(title + table_csv(LIST_HEADERS, rows, separator=";"))
        out = tmp_path / "loi.csv"
        outcome = run_import("import_dossiers", path, "--errors-out", str(out))
        assert outcome.stdout.strip() == "created 1, updated 0, unchanged 0, rejected 1"
        error = ImportRowError.objects.get()
        assert (error.row_number, error.column, error.value) == (6, "Ngày nhận", "31/02/2023")
        # The error file gives the row's own cells, read the same way.
        lines = list(csv.DictReader(out.read_bytes().decode("utf-8-sig").splitlines()))
        assert [(r["Dòng"], r["Mã hồ sơ"]) for r in lines] == [("6", "T-2")]

    def test_without_known_headers_in_the_first_rows_the_first_row_is_the_header(
        self, catalogue, tmp_path
    ):
        filler = [[f"Ghi chú {n}"] for n in range(10)]
        path = write_xlsx(tmp_path / "xa.xlsx", [*filler, *self.rows()[3:]])
        outcome = run_import("import_dossiers", path)
        assert outcome.exit_code == 1
        assert outcome.error.startswith("Tệp xa.xlsx thiếu cột bắt buộc:")


class TestUnknownFactsOfAKnownDossier:
    def test_a_list_export_keeps_what_an_earlier_file_said(self, catalogue, tmp_path, write_file):
        full = {
            "code": "K-1",
            "agency_code": "STP",
            "channel": "Trực tuyến",
            "components_total": "3",
            "components_digitized": "2",
            "e_result": "Có",
            "fee": "50000",
            "paid_online": "Có",
            "finished_at": "",
        }
        run_import("import_dossiers", write_file(dossier_csv([full])))
        export = [
            LIST_HEADERS,
            list_row(
                1,
                "Sở Tư pháp",
                "Đăng ký khai sinh",
                "K-1",
                "Đã trả kết quả",
                received="12/06/2023 08:30",
                due="15/06/2023",
                finished="14/06/2023 16:00",
            ),
        ]

        outcome = run_import("import_dossiers", write_xlsx(tmp_path / "ds.xlsx", export))

        assert outcome.stdout.strip() == "created 0, updated 1, unchanged 0, rejected 0"
        dossier = Dossier.objects.get(code="K-1")
        assert dossier.finished_at == local(2023, 6, 14, 16, 0)  # what the export gives
        assert dossier.status == DossierStatus.RETURNED
        assert (
            dossier.channel,
            dossier.components_total,
            dossier.components_digitized,
            dossier.e_result,
            dossier.fee,
            dossier.paid_online,
        ) == (Channel.ONLINE, 3, 2, True, 50_000, True)  # kept as stored

    def test_the_same_export_twice_changes_nothing(self, catalogue, tmp_path):
        path = write_xlsx(tmp_path / "ds.xlsx", TestAListExport().rows())
        run_import("import_dossiers", path)
        stamps = dict(Dossier.objects.values_list("code", "updated_at"))

        outcome = run_import("import_dossiers", path)

        assert outcome.stdout.strip() == "created 0, updated 0, unchanged 3, rejected 0"
        assert dict(Dossier.objects.values_list("code", "updated_at")) == stamps


class TestAPresentColumnWithAnEmptyCellMeansTheDefault:
    def test_in_person_no_and_zero(self, catalogue, write_file):
        path = write_file(
            dossier_csv(
                [
                    {
                        "channel": "",
                        "e_result": "",
                        "fee": "",
                        "paid_online": "",
                        "components_digitized": "",
                    }
                ]
            )
        )

        outcome = run_import("import_dossiers", path)

        assert outcome.stdout.strip() == "created 1, updated 0, unchanged 0, rejected 0"
        dossier = Dossier.objects.get()
        assert (
            dossier.channel,
            dossier.components_total,
            dossier.components_digitized,
            dossier.e_result,
            dossier.fee,
            dossier.paid_online,
        ) == (Channel.IN_PERSON, 2, 0, False, 0, False)


class TestRequiredColumns:
    def test_a_file_without_any_agency_column_is_refused(self, catalogue, write_file):
        text = table_csv(
            ["Mã hồ sơ", "Mã thủ tục", "Ngày tiếp nhận", "Ngày hẹn trả"],
            [["H-1", "1.001193", "01/06/2023", "05/06/2023"]],
        )

        outcome = run_import("import_dossiers", write_file(text))

        assert outcome.exit_code == 1
        assert "thiếu cột đơn vị" in outcome.error
        assert not Dossier.objects.exists()

    def test_a_file_without_any_procedure_column_is_refused(self, catalogue, write_file):
        text = table_csv(
            ["Mã hồ sơ", "Đơn vị tiếp nhận", "Ngày nhận", "Ngày hẹn trả"],
            [["H-1", "Sở Tư pháp", "01/06/2023", "05/06/2023"]],
        )

        outcome = run_import("import_dossiers", write_file(text))

        assert outcome.exit_code == 1
        assert "thiếu cột thủ tục" in outcome.error

    def test_half_of_the_components_pair_is_refused(self, catalogue, write_file):
        keys = ["code", "agency_code", "procedure_code", "received_at", "due_at"]
        path = write_file(dossier_csv([{}], keys=[*keys, "components_total"]))

        outcome = run_import("import_dossiers", path)

        assert outcome.exit_code == 1
        assert "thiếu cột «Số thành phần đã số hóa»" in outcome.error


class TestProcedureNames:
    def test_a_name_two_domains_share_is_told_apart_by_the_domain(self, catalogue, write_file):
        from agencies.models import Domain

        other = Domain.objects.create(name="Chứng thực")
        Procedure.objects.create(code="2.000815", name="Đăng ký khai sinh", domain=other)
        text = table_csv(
            ["Mã hồ sơ", "Mã đơn vị", "Tên thủ tục", "Lĩnh vực", "Ngày nhận", "Ngày hẹn trả"],
            [
                ["P-1", "STP", "Đăng ký khai sinh", "Hộ tịch", "01/06/2023", "05/06/2023"],
                ["P-2", "STP", "Đăng ký khai sinh", "chung thuc", "01/06/2023", "05/06/2023"],
                ["P-3", "STP", "Đăng ký khai sinh", "", "01/06/2023", "05/06/2023"],
            ],
        )

        outcome = run_import("import_dossiers", write_file(text))

        assert outcome.stdout.strip() == "created 2, updated 0, unchanged 0, rejected 1"
        assert dict(Dossier.objects.values_list("code", "procedure__code")) == {
            "P-1": "1.001193",
            "P-2": "2.000815",
        }
        assert "trùng với nhiều thủ tục (1.001193, 2.000815)" in outcome.stderr

    def test_an_unknown_procedure_code_with_a_name_and_domain_is_registered(
        self, catalogue, write_file
    ):
        text = table_csv(
            ["MaHoSo", "MaDonVi", "MaTTHC", "TenTTHC", "TenLinhVuc", "NgayTiepNhan", "NgayHenTra"],
            [
                [
                    "N-1",
                    "STP",
                    "2.002000.000.00.00.H48",
                    "Cấp phiếu lý lịch tư pháp",
                    "Lý lịch tư pháp",
                    "20230601080000",
                    "20230610170000",
                ]
            ],
        )

        outcome = run_import("import_dossiers", write_file(text))

        assert outcome.stdout.strip() == "created 1, updated 0, unchanged 0, rejected 0"
        procedure = Procedure.objects.get(code="2.002000")
        assert (procedure.name, procedure.domain.name) == (
            "Cấp phiếu lý lịch tư pháp",
            "Lý lịch tư pháp",
        )

    def test_an_alias_maps_an_agency_name_once_for_every_later_file(self, catalogue, write_file):
        text = table_csv(
            ["Mã hồ sơ", "DonViXuLy", "Mã thủ tục", "Ngày tiếp nhận", "Ngày hẹn trả"],
            [["H-1", "Phòng Tư pháp tỉnh", "1.001193", "01/06/2023", "05/06/2023"]],
        )
        first = run_import("import_dossiers", write_file(text))
        AgencyAlias.objects.create(name="Phòng Tư pháp tỉnh", agency=catalogue["STP"])

        second = run_import("import_dossiers", write_file(text))

        assert first.stdout.strip() == "created 0, updated 0, unchanged 0, rejected 1"
        assert second.stdout.strip() == "created 1, updated 0, unchanged 0, rejected 0"
        assert Dossier.objects.get().agency == catalogue["STP"]
