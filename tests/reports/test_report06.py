"""Biểu số 06 on a hand-made data set: every column worked out by hand, and its XLSX.

2023-H1, calendar (today: 01/07/2023):

| dossier | agency | domain | channel | received | due | finished | counts as |
| --- | --- | --- | --- | --- | --- | --- | --- |
| a | Sở Tư pháp | Đất đai | online | 01/03 | 10/03 | 05/03 | received online, before due date |
| b | Sở Tư pháp | Đất đai | in person | 01/03 | 10/03 23:59:59 | 10/03 15:00 | on the due date |
| c | Sở Tư pháp | Hộ tịch | post | 20/12/2022 | 10/01 | 12/01 | carried over, overdue |
| d | huyện Hải Lăng | Đất đai | in person | 01/06 | 15/07 | — | open, in time |
| e | xã Hải An | Hộ tịch | online | 01/05 | 10/06 | — | open, overdue |
| f | xã Hải An | Đất đai | in person | 01/11/2022 | 10/11/2022 | 09/11/2022 | not in the period |
| g | xã Hải An | Đất đai | in person | 01/02 | 05/02 10:00 | 05/02 16:00 | same day, late |
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from dossiers.models import Channel
from kpi_portal.periods import parse_period
from reports.report06 import report06_build
from tests.reports.kpi_data import end_of_day, figures, make_dossier, vn

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(tree):
    t = tree
    make_dossier(t.department, t.land, channel=Channel.ONLINE, received_at=vn(2023, 3, 1, 8),
                 due_at=end_of_day(2023, 3, 10), finished_at=end_of_day(2023, 3, 5))  # fmt: skip
    make_dossier(t.department, t.land, received_at=vn(2023, 3, 1, 8),
                 due_at=end_of_day(2023, 3, 10), finished_at=vn(2023, 3, 10, 15))  # fmt: skip
    make_dossier(t.department, t.civil, channel=Channel.POSTAL, received_at=vn(2022, 12, 20, 8),
                 due_at=end_of_day(2023, 1, 10), finished_at=end_of_day(2023, 1, 12))  # fmt: skip
    make_dossier(t.district, t.land, received_at=vn(2023, 6, 1, 8),
                 due_at=end_of_day(2023, 7, 15))  # fmt: skip
    make_dossier(t.commune, t.civil, channel=Channel.ONLINE, received_at=vn(2023, 5, 1, 8),
                 due_at=end_of_day(2023, 6, 10))  # fmt: skip
    make_dossier(t.commune, t.land, received_at=vn(2022, 11, 1, 8),
                 due_at=end_of_day(2022, 11, 10), finished_at=end_of_day(2022, 11, 9))  # fmt: skip
    make_dossier(t.commune, t.land, received_at=vn(2023, 2, 1, 8),
                 due_at=vn(2023, 2, 5, 10), finished_at=vn(2023, 2, 5, 16))  # fmt: skip
    call_command("compute_kpis", "--full", verbosity=0)
    return t


def _rows(report):
    return [(row.kind, row.number, row.label, row.values) for row in report.rows]


class TestByAgency:
    def test_every_column_matches_the_hand_count(self, data):
        report = report06_build(period=parse_period("2023-H1"))
        #                3  4  5  6  7  8  9 10 11 12 13
        assert _rows(report) == [
            ("group", "I", "Sở, ban, ngành", [3, 1, 1, 1, 3, 1, 1, 1, 0, 0, 0]),
            ("row", "1", "Sở Tư pháp", [3, 1, 1, 1, 3, 1, 1, 1, 0, 0, 0]),
            ("group", "II", "UBND cấp huyện", [1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0]),
            ("row", "1", "UBND huyện Hải Lăng", [1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0]),
            ("group", "III", "UBND cấp xã", [2, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1]),
            ("row", "1", "UBND xã Hải An", [2, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1]),
            ("total", "", "Tổng cộng", [6, 2, 3, 1, 4, 1, 1, 2, 2, 1, 1]),
        ]

    def test_the_total_equals_the_kpi_facts(self, data):
        total = report06_build(period=parse_period("2023-H1")).total.values
        on_time, handled = figures("2023-H1")["QT", "on_time"]
        assert total[0] == handled == 6
        assert total[5] + total[6] + total[9] == on_time == 3
        assert total[7] + total[10] == handled - on_time

    def test_an_agency_head_gets_their_subtree_only(self, data):
        report = report06_build(period=parse_period("2023-H1"), within=data.district)
        assert [row.label for row in report.rows] == [
            "UBND cấp huyện",
            "UBND huyện Hải Lăng",
            "UBND cấp xã",
            "UBND xã Hải An",
            "Tổng cộng",
        ]
        assert report.total.values == [3, 1, 2, 0, 1, 0, 0, 1, 2, 1, 1]


class TestByDomain:
    def test_one_row_per_domain_and_the_total(self, data):
        report = report06_build(period=parse_period("2023-H1"), by="domain")
        assert _rows(report) == [
            ("row", "1", "Đất đai", [4, 1, 3, 0, 3, 1, 1, 1, 1, 1, 0]),
            ("row", "2", "Hộ tịch", [2, 1, 0, 1, 1, 0, 0, 1, 1, 0, 1]),
            ("total", "", "Tổng cộng", [6, 2, 3, 1, 4, 1, 1, 2, 2, 1, 1]),
        ]

    def test_a_custom_range_is_computed_from_the_dossiers(self, data):
        report = report06_build(period=parse_period("2023-01-01..2023-06-30"), by="domain")
        assert report.total.values == [6, 2, 3, 1, 4, 1, 1, 2, 2, 1, 1]


class TestByLevelAndDomain:
    """The form as filed: the domains handled at each level, each level with its subtotal."""

    def test_every_domain_row_of_every_level_matches_the_hand_count(self, data):
        report = report06_build(period=parse_period("2023-H1"), by="level-domain")
        #                3  4  5  6  7  8  9 10 11 12 13
        assert _rows(report) == [
            ("group", "I", "Sở, ban, ngành", [3, 1, 1, 1, 3, 1, 1, 1, 0, 0, 0]),
            ("row", "1", "Đất đai", [2, 1, 1, 0, 2, 1, 1, 0, 0, 0, 0]),  # a, b
            ("row", "2", "Hộ tịch", [1, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0]),  # c, carried over
            ("group", "II", "UBND cấp huyện", [1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0]),
            ("row", "1", "Đất đai", [1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0]),  # d
            ("group", "III", "UBND cấp xã", [2, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1]),
            ("row", "1", "Đất đai", [1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0]),  # g
            ("row", "2", "Hộ tịch", [1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1]),  # e
            ("total", "", "Tổng cộng", [6, 2, 3, 1, 4, 1, 1, 2, 2, 1, 1]),
        ]

    def test_the_header_block_names_who_reports_to_whom(self, data):
        report = report06_build(period=parse_period("2023-H1"), by="level-domain")
        assert report.reporting_unit == "UBND tỉnh"
        assert report.receiving_unit == "Văn phòng Chính phủ"
        own = report06_build(
            period=parse_period("2023-H1"), by="level-domain", within=data.district
        )
        assert own.reporting_unit == "UBND huyện Hải Lăng"
        assert own.receiving_unit == "Văn phòng UBND tỉnh"

    def test_an_agency_head_gets_the_domains_of_their_subtree_at_each_level(self, data):
        report = report06_build(
            period=parse_period("2023-H1"), by="level-domain", within=data.district
        )
        assert _rows(report) == [
            ("group", "I", "UBND cấp huyện", [1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0]),
            ("row", "1", "Đất đai", [1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0]),
            ("group", "II", "UBND cấp xã", [2, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1]),
            ("row", "1", "Đất đai", [1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0]),
            ("row", "2", "Hộ tịch", [1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1]),
            ("total", "", "Tổng cộng", [3, 1, 2, 0, 1, 0, 0, 1, 2, 1, 1]),
        ]

    @pytest.mark.parametrize("within", [False, True])
    def test_a_custom_range_counts_the_same_from_the_dossiers(self, data, within):
        kwargs = {"by": "level-domain", "within": data.district if within else None}
        standard = report06_build(period=parse_period("2023-H1"), **kwargs)
        custom = report06_build(period=parse_period("2023-01-01..2023-06-30"), **kwargs)
        assert _rows(custom) == _rows(standard)

    def test_the_province_s_own_dossiers_get_their_own_group(self, data):
        make_dossier(
            data.province,
            data.civil,
            received_at=vn(2023, 4, 3, 8),
            due_at=end_of_day(2023, 4, 20),
            finished_at=end_of_day(2023, 4, 10),
        )
        call_command("compute_kpis", "--full", verbosity=0)
        report = report06_build(period=parse_period("2023-H1"), by="level-domain")
        assert _rows(report)[-3:] == [
            ("group", "IV", "UBND tỉnh (trực tiếp giải quyết)", [1, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0]),
            ("row", "1", "Hộ tịch", [1, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0]),
            ("total", "", "Tổng cộng", [7, 2, 4, 1, 5, 2, 1, 2, 2, 1, 1]),
        ]

    def test_an_unknown_layout_is_refused(self, data):
        with pytest.raises(ValueError, match="by must be one of"):
            report06_build(period=parse_period("2023-H1"), by="level")


def _texts(sheet) -> list[str]:
    return [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]


class TestTheXlsx:
    def test_it_is_the_form_as_filed_header_headings_numbering_and_levels(self, data, tmp_path):
        path = tmp_path / "bieu06.xlsx"
        call_command("export_report06", "--period", "2023-H1", "-o", str(path))
        sheet = load_workbook(path)["Biểu số 06"]
        assert sheet["A1"].value == "Biểu số 06/VPCP/KSTT"
        assert sheet["A2"].value == "Ban hành kèm theo Thông tư số 01/2020/TT-VPCP"
        assert sheet["D1"].value == (
            "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC"
        )
        assert sheet["D2"].value == "Kỳ báo cáo: 6 tháng đầu năm 2023 (theo tháng dương lịch)"
        assert sheet["D3"].value == "(Từ ngày 01/01/2023 đến ngày 30/06/2023)"
        assert sheet["K1"].value == "Đơn vị báo cáo: UBND tỉnh"
        assert sheet["K2"].value == "Đơn vị nhận báo cáo: Văn phòng Chính phủ"
        assert sheet["K4"].value == "Đơn vị tính: Số hồ sơ TTHC"
        assert sheet["A4"].value.startswith("Số liệu tính đến:")
        merged = {str(r) for r in sheet.merged_cells.ranges}
        # three heading rows: STT and (2) over all three, "Trong đó" over (4) and (5)
        assert {"A6:A8", "B6:B8", "C6:F6", "G6:J6", "K6:M6", "C7:C8", "D7:E7", "F7:F8"} <= merged
        assert sheet["B6"].value == "Lĩnh vực, công việc giải quyết theo cấp"
        assert (sheet["C6"].value, sheet["G6"].value, sheet["K6"].value) == (
            "Số hồ sơ nhận giải quyết",
            "Số hồ sơ đã giải quyết",
            "Số hồ sơ đang giải quyết",
        )
        assert [sheet.cell(row=7, column=c).value for c in (3, 4, 6, 7, 8, 9, 10, 11, 12, 13)] == [
            "Tổng số", "Trong đó", "Từ kỳ trước", "Tổng số", "Trước hạn", "Đúng hạn", "Quá hạn",
            "Tổng số", "Trong hạn", "Quá hạn",
        ]  # fmt: skip
        assert (sheet["D8"].value, sheet["E8"].value) == (
            "Trực tuyến",
            "Trực tiếp, dịch vụ bưu chính",
        )
        assert [sheet.cell(row=9, column=c).value for c in range(1, 14)] == [
            f"({n})" for n in range(1, 14)
        ]
        assert sheet.freeze_panes == "C10"
        labels = [sheet.cell(row=r, column=2).value for r in range(10, sheet.max_row + 1)]
        assert labels == [
            "Sở, ban, ngành", "Đất đai", "Hộ tịch", "UBND cấp huyện", "Đất đai",
            "UBND cấp xã", "Đất đai", "Hộ tịch", "Tổng cộng",
        ]  # fmt: skip
        last = sheet.max_row
        totals = [sheet.cell(row=last, column=c).value for c in range(3, 14)]
        assert totals == [6, 2, 3, 1, 4, 1, 1, 2, 2, 1, 1]
        assert all(isinstance(v, int) for v in totals)
        assert sheet.cell(row=last, column=3).number_format == "#,##0"
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.oddFooter.center.text == "Trang &P/&N"

    def test_the_reporting_basis_is_named_and_the_agency_layout_keeps_its_rows(
        self, data, tmp_path
    ):
        path = tmp_path / "bieu06.xlsx"
        call_command(
            "export_report06", "--period", "2023-H1", "--basis", "reporting", "--by", "agency",
            "-o", str(path),
        )  # fmt: skip
        sheet = load_workbook(path).active
        assert "theo kỳ báo cáo" in sheet["D2"].value
        assert sheet["D3"].value == "(Từ ngày 15/12/2022 đến ngày 14/06/2023)"
        assert sheet["B6"].value == "Cơ quan, đơn vị giải quyết"
        assert "UBND huyện Hải Lăng" in _texts(sheet)


def test_the_csv_has_a_bom_the_named_columns_the_numbering_and_the_same_rows(data, tmp_path):
    path = tmp_path / "bieu06.csv"
    call_command("export_report06", "--period", "2023-H1", "--by", "domain", "-o", str(path))
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].startswith(
        'STT,"Lĩnh vực, công việc giải quyết",Số hồ sơ nhận giải quyết: Tổng số,'
        "Số hồ sơ nhận giải quyết: Trong đó: Trực tuyến,"
    )
    assert "Số hồ sơ nhận giải quyết: Từ kỳ trước" in lines[0]
    assert lines[1] == ",".join(f"({n})" for n in range(1, 14))
    assert lines[-1] == ",Tổng cộng,6,2,3,1,4,1,1,2,2,1,1"
