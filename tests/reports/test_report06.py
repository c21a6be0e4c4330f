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


class TestTheXlsx:
    def test_it_has_the_title_block_the_merged_header_and_numeric_cells(self, data, tmp_path):
        path = tmp_path / "bieu06.xlsx"
        call_command("export_report06", "--period", "2023-H1", "-o", str(path))
        sheet = load_workbook(path)["Biểu số 06"]
        assert sheet["M1"].value == "Biểu số 06"
        assert sheet["A1"].value == "TỔNG HỢP TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
        assert "6 tháng đầu năm 2023" in sheet["A2"].value
        assert sheet["A3"].value.startswith("Số liệu tính đến:")
        merged = {str(r) for r in sheet.merged_cells.ranges}
        assert {"A6:A7", "B6:B7", "C6:F6", "G6:J6", "K6:M6"} <= merged
        assert sheet["C6"].value == "Số hồ sơ nhận giải quyết"
        assert sheet["G6"].value == "Số hồ sơ đã giải quyết"
        assert sheet["K6"].value == "Số hồ sơ đang giải quyết"
        assert [sheet.cell(row=8, column=c).value for c in range(1, 14)] == [
            f"({n})" for n in range(1, 14)
        ]
        assert sheet.freeze_panes == "C9"
        last = sheet.max_row
        assert sheet.cell(row=last, column=2).value == "Tổng cộng"
        totals = [sheet.cell(row=last, column=c).value for c in range(3, 14)]
        assert totals == [6, 2, 3, 1, 4, 1, 1, 2, 2, 1, 1]
        assert all(isinstance(v, int) for v in totals)
        assert sheet.page_setup.orientation == "landscape"

    def test_the_reporting_basis_is_named_in_the_title(self, data, tmp_path):
        path = tmp_path / "bieu06.xlsx"
        call_command(
            "export_report06", "--period", "2023-H1", "--basis", "reporting", "--by", "domain",
            "-o", str(path),
        )  # fmt: skip
        sheet = load_workbook(path).active
        assert "15/12/2022" in sheet["A2"].value and "kỳ báo cáo" in sheet["A2"].value
        assert sheet["B6"].value == "Lĩnh vực"


def test_the_csv_has_a_bom_and_the_same_rows(data, tmp_path):
    path = tmp_path / "bieu06.csv"
    call_command("export_report06", "--period", "2023-H1", "--by", "domain", "-o", str(path))
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("STT,Đơn vị / Lĩnh vực,(3),")
    assert lines[-1] == ",Tổng cộng,6,2,3,1,4,1,1,2,2,1,1"
