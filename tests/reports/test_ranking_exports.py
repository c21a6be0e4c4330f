"""export_ranking as an operator runs it: JSON, CSV and an XLSX read back with openpyxl."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook
from pypdf import PdfReader

from kpi_portal.periods import parse_period
from reports.export_files import csv_text
from reports.ranking import ranking_build
from tests.reports.ranking_data import ranking_province_create

pytestmark = pytest.mark.django_db
CODES = ["digitization", "on_time", "apology", "online_payment"]


@pytest.fixture
def computed(db):
    ranking_province_create()
    call_command("compute_kpis", "--full", verbosity=0)


def _kpi_rates(tmp_path) -> dict[tuple[str, str], float | None]:
    path = tmp_path / "kpis.json"
    call_command("export_kpis", "--period", "2023-H1", "-o", str(path))
    rows = json.loads(path.read_text(encoding="utf-8"))["rows"]
    return {(r["agency"], r["indicator"]): r["rate"] for r in rows}


class TestTheJson:
    def test_it_has_the_shape_of_the_design_and_the_hand_worked_figures(self, computed, tmp_path):
        path = tmp_path / "ranking.json"
        call_command("export_ranking", "--period", "2023-H1", "--format", "json", "-o", str(path))
        data = json.loads(path.read_text(encoding="utf-8"))
        assert (data["period"], data["basis"]) == ("2023-H1", "calendar")
        assert data["computed_at"]
        assert set(data["tables"]) == {"so", "huyen", "xa", "all"}
        assert [(r["agency"], r["rank"]) for r in data["tables"]["so"]] == [
            ("S1", 1),
            ("S2", 1),
            ("S3", 3),
        ]
        assert data["tables"]["so"][2]["score"] == pytest.approx(250 / 3)
        assert data["province"]["digitization"] == pytest.approx(9 / 11)
        kpis = _kpi_rates(tmp_path)
        for row in data["tables"]["all"]:
            for code in CODES:
                assert row["rates"][code] == kpis[row["agency"], code]


class TestTheXlsx:
    @pytest.fixture
    def workbook(self, computed, tmp_path):
        path = tmp_path / "ranking.xlsx"
        call_command("export_ranking", "--period", "2023-H1", "--format", "xlsx", "-o", str(path))
        return load_workbook(path)

    def test_it_has_a_sheet_per_table_with_a_title_block(self, workbook):
        assert workbook.sheetnames == [
            "Sở, ban, ngành",
            "UBND cấp huyện",
            "UBND cấp xã",
            "Toàn tỉnh",
        ]
        sheet = workbook["Toàn tỉnh"]
        assert sheet["A1"].value == "BẢNG XẾP HẠNG KẾT QUẢ CẢI CÁCH THỦ TỤC HÀNH CHÍNH"
        assert "6 tháng đầu năm 2023" in sheet["A2"].value
        assert "01/01/2023" in sheet["A2"].value and "30/06/2023" in sheet["A2"].value
        assert sheet["A3"].value.startswith("Số liệu tính đến:")
        assert "A1:" in " ".join(str(r) for r in sheet.merged_cells.ranges)

    def test_the_header_is_two_merged_rows_and_frozen(self, workbook):
        sheet = workbook["Toàn tỉnh"]
        assert sheet["A6"].value == "Hạng" and sheet["C6"].value == "Đơn vị"
        assert sheet["E6"].value == "Tỷ lệ số hóa thành phần hồ sơ"
        assert [sheet.cell(row=7, column=c).value for c in range(5, 9)] == [
            "Tỷ lệ",
            "Số hồ sơ (đạt / tổng)",
            "Điểm đạt",
            "Điểm bị mất",
        ]
        merged = {str(r) for r in sheet.merged_cells.ranges}
        assert {"A6:A7", "E6:H6"} <= merged
        assert sheet.freeze_panes == "D8"
        assert sheet.page_setup.orientation == "landscape"
        assert int(sheet.page_setup.paperSize) == 9  # A4
        assert sheet.oddFooter.center.text == "Trang &P/&N"

    def test_numbers_are_numeric_cells_cut_like_the_page(self, workbook, tmp_path):
        ranking = ranking_build(period=parse_period("2023-H1"))
        kpis = _kpi_rates(tmp_path)
        sheet = workbook["Toàn tỉnh"]
        rows = list(sheet.iter_rows(min_row=8, values_only=False))
        assert len(rows) == len(ranking.tables["all"]) == 5
        for cells, expected in zip(rows, ranking.tables["all"], strict=True):
            assert cells[0].value == expected.rank
            assert cells[1].value == expected.agency
            assert isinstance(cells[3].value, int | float)  # 100.0 reads back as 100
            # Excel keeps 15 significant digits: equal to that precision
            assert cells[3].value == pytest.approx(expected.score, rel=1e-14)
            for index, code in enumerate(CODES):
                rate_cell = cells[4 + 4 * index]
                assert expected.rates[code] == kpis[expected.agency, code]
                if expected.rates[code] is None:
                    assert rate_cell.value is None
                    continue
                numerator, denominator = expected.fractions[code]
                # cut, not rounded: 2/3 is 66,66% on the page, so 0.6666 here (not 0.6667)
                assert rate_cell.value == (numerator * 10_000 // denominator) / 10_000
                assert rate_cell.number_format == "0.00%"
        s3 = next(cells for cells in rows if cells[1].value == "S3")
        # digitization 1 of 2: 16,67 of its 33,33 points earned, 16,67 lost
        assert s3[4].value == 0.5 and s3[5].value == "1 / 2"
        assert s3[6].value == pytest.approx(100 / 6) and s3[7].value == pytest.approx(100 / 6)
        assert s3[7].number_format == "0.00"
        h1 = next(cells for cells in rows if cells[1].value == "H1")
        assert h1[4 + 4 * 1].value == 0.5  # on time 2 of 4
        assert h1[22].value == "Không"  # eligible
        assert "Tỷ lệ giải quyết trước hạn, đúng hạn (50,00% < 81,81% toàn tỉnh)" in h1[23].value
        assert h1[24].value == "Không có dữ liệu"


class TestTheCsv:
    def test_it_speaks_vietnamese_and_prints_figures_as_the_page_does(self, computed, tmp_path):
        path = tmp_path / "ranking.csv"
        call_command("export_ranking", "--period", "2023-H1", "-o", str(path))
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
        assert len(rows) == 3 + 2 + 1 + 5
        s3 = next(r for r in rows if r["Nhóm"] == "Sở, ban, ngành" and r["Mã đơn vị"] == "S3")
        assert (s3["Hạng"], s3["Đơn vị"], s3["Điểm"]) == ("3", "Sở Tài chính", "83,33")
        assert s3["Đủ điều kiện khen thưởng"] == "Không"
        assert s3["Tỷ lệ số hóa thành phần hồ sơ: tỷ lệ"] == "50,00%"
        assert s3["Tỷ lệ số hóa thành phần hồ sơ: số hồ sơ (đạt / tổng)"] == "1 / 2"
        assert s3["Tỷ lệ số hóa thành phần hồ sơ: điểm đạt"] == "16,67"
        assert s3["Tỷ lệ số hóa thành phần hồ sơ: điểm bị mất"] == "16,67"
        assert s3["Tỷ lệ xin lỗi hồ sơ quá hạn: tỷ lệ"] == "—"  # no overdue dossier
        assert s3["Thay đổi hạng"] == "-2"
        assert s3["Kỳ"].startswith("6 tháng đầu năm 2023")

    def test_formula_looking_text_is_neutralised(self):
        text = csv_text(["a", "b"], [["=HYPERLINK(1)", -2], ["@cmd", "+1"], ["-x", "ok"]])
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        assert rows[1:] == [["'=HYPERLINK(1)", "-2"], ["'@cmd", "'+1"], ["'-x", "ok"]]


class TestAPeriodWithoutDossiers:
    """2025-H1 has no dossier: nobody is scored, ranked or judged eligible, and the files say so."""

    def test_the_json_ranks_nobody_and_says_why(self, computed, tmp_path):
        path = tmp_path / "ranking.json"
        out = io.StringIO()
        call_command("export_ranking", "--period", "2025-H1", "-o", str(path), stdout=out)
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["tables"] == {"so": [], "huyen": [], "xa": [], "all": []}  # always the four
        assert "không có hồ sơ nào" in data["note"]
        assert "không xếp hạng" in out.getvalue()

    def test_the_xlsx_csv_and_pdf_rank_nobody_and_say_so(self, computed, tmp_path):
        xlsx = tmp_path / "ranking.xlsx"
        call_command("export_ranking", "--period", "2025-H1", "-o", str(xlsx))
        sheet = load_workbook(xlsx)["Toàn tỉnh"]
        assert "không xếp hạng" in sheet["A5"].value
        assert sheet.max_row == 8  # the title block and the two header rows, no agency
        call_command("export_ranking", "--period", "2025-H1", "-o", str(tmp_path / "r.csv"))
        lines = (tmp_path / "r.csv").read_text(encoding="utf-8-sig").splitlines()
        assert len(lines) == 2 and "không xếp hạng" in lines[1]
        pdf = tmp_path / "r.pdf"
        call_command("export_ranking", "--period", "2025-H1", "-o", str(pdf))
        text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
        assert "không xếp hạng" in " ".join(text.split()) and "Sở Tư pháp" not in text

    def test_a_dossier_left_open_for_years_does_not_make_a_period_with_data(self, computed):
        # Received in March 2023 and never finished: handled (and overdue) in every period since,
        # but nothing was received in the third quarter (today is 1/7/2023 in these tests):
        # still no data, nobody ranked.
        from agencies.models import Agency, Procedure
        from reports.selectors import kpi_counters_for_period
        from tests.reports.kpi_data import end_of_day, make_dossier, vn

        make_dossier(
            Agency.objects.get(code="H2"),
            Procedure.objects.first(),
            received_at=vn(2023, 3, 1, 8),
            due_at=end_of_day(2023, 3, 10),
        )
        call_command("compute_kpis", "--full", verbosity=0)
        period = parse_period("2023-Q3")
        counters, _ = kpi_counters_for_period(period=period)
        assert counters["QT"]["handled"] == 1 and counters["QT"]["received"] == 0
        ranking = ranking_build(period=period)
        assert not ranking.has_data
        assert all(rows == [] for rows in ranking.tables.values())

    def test_a_period_with_dossiers_still_ranks(self, computed):
        assert ranking_build(period=parse_period("2023-H1")).has_data


def test_a_bad_period_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="Kỳ không hợp lệ"):
        call_command("export_ranking", "--period", "2023-H3", "-o", str(tmp_path / "x.json"))
