"""Files officials can file: the ranking (XLSX, CSV, JSON, PDF); the helpers Biểu số 06's files
(reports/report06_files.py) share with it.

The files match the screen. XLSX: real numeric cells, rates cut (not rounded) to hundredths of a
percent and formatted 0.00%, so Excel shows 99,58% as the page does and never rounds a rate that
misses 100% up to 100,00%; counts with thousands separators; a title block (report name, period
and basis, "data as of"), frozen header rows, set column widths, A4 landscape fitted to the page
width, page numbers in the footer. The exact rates stay in the JSON (ranking_json, export_kpis).
CSV, for people: Vietnamese headers and figures printed as on the page; UTF-8 with a BOM (Excel
then reads Vietnamese correctly); a text cell that starts
with =, +, -, @, a tab or a carriage return gets a leading apostrophe so a spreadsheet never
runs it as a formula; an XLSX text cell starting with "=" is stored as text, not as a formula
(both in kpi_portal.spreadsheets).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from kpi_portal.formatting import format_number, format_percent
from kpi_portal.periods import Basis, Period
from kpi_portal.spreadsheets import neutralise_csv_cell, neutralise_workbook
from reports.models import Indicator
from reports.ranking import (
    TABLE_LABELS,
    Ranking,
    RankingRow,
    ranking_as_dict,
    ranking_no_data_text,
)

RANKING_TITLE = "BẢNG XẾP HẠNG KẾT QUẢ CẢI CÁCH THỦ TỤC HÀNH CHÍNH"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERCENT = "0.00%"
SCORE = "0.00"
INTEGER = "#,##0"
BASIS_LABELS = {
    Basis.CALENDAR: "theo tháng dương lịch",
    Basis.REPORTING: "theo kỳ báo cáo (từ ngày 15 tháng trước đến ngày 14)",
}
BOLD = Font(bold=True)
_THIN = Side(style="thin", color="808080")
BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="E7EEF3")
GROUP_FILL = PatternFill("solid", fgColor="F3F3F3")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def period_line(period: Period) -> str:
    return (
        f"Kỳ: {period.label}, từ ngày {period.start:%d/%m/%Y} đến ngày {period.end:%d/%m/%Y} "
        f"({BASIS_LABELS[period.basis]})"
    )


def data_as_of_line(computed_at: datetime | None) -> str:
    if computed_at is None:
        return "Số liệu tính đến: chưa tính"
    return f"Số liệu tính đến: {timezone.localtime(computed_at):%H:%M ngày %d/%m/%Y}"


def indicator_names(codes: Iterable[str]) -> dict[str, str]:
    names = dict(Indicator.objects.filter(code__in=list(codes)).values_list("code", "name"))
    return {code: names.get(code, code) for code in codes}


def _title_block(sheet: Worksheet, lines: list[str], width: int) -> int:
    """Write the title lines merged across `width` columns; returns the next free row."""
    for number, text in enumerate(lines, start=1):
        sheet.cell(row=number, column=1, value=text)
        sheet.merge_cells(start_row=number, start_column=1, end_row=number, end_column=width)
        cell = sheet.cell(row=number, column=1)
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
        cell.font = Font(bold=number == 1, size=13 if number == 1 else 11)
    return len(lines) + 2


def print_setup(sheet: Worksheet, header_first_row: int, header_last_row: int) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{header_first_row}:{header_last_row}"
    sheet.page_margins.left = sheet.page_margins.right = 0.4


def header_cell(sheet: Worksheet, row: int, column: int, value: str) -> None:
    cell = sheet.cell(row=row, column=column, value=value)
    cell.font = BOLD
    cell.alignment = _CENTER
    cell.fill = _HEADER_FILL
    cell.border = BOX


# --- Ranking ----------------------------------------------------------------------------------


def versions_line(ranking: Ranking) -> str:
    """Which weights and targets scored the ranking (the versions in force on the period's last
    day; docs/rankings.md, "Versions"), in the official Vietnamese of the downloads."""
    weights = (
        f"trọng số áp dụng từ {ranking.weights_from:%d/%m/%Y}"
        if ranking.weights_from
        else "trọng số ban đầu"
    )
    targets = (
        f"mục tiêu theo thay đổi áp dụng từ {ranking.targets_from:%d/%m/%Y}"
        if ranking.targets_from
        else "mục tiêu ban đầu"
    )
    return (
        f"Chấm theo {weights} và {targets}, đang áp dụng ngày cuối kỳ {ranking.period.end:%d/%m/%Y}"
    )


def ranking_columns(ranking: Ranking) -> list[str]:
    return list(ranking.weights)


def _shown_tables(ranking: Ranking) -> list[tuple[str, list[RankingRow]]]:
    return [(table, rows) for table, rows in ranking.tables.items() if rows or table == "all"]


def _unit_name(row: RankingRow) -> str:
    """The unit's name, with its dates when it existed for only part of the period."""
    return f"{row.name} ({row.validity})" if row.validity else row.name


def _cut(rate: float | None) -> float | None:
    """A rate cut (not rounded) to hundredths of a percent, as the pages print it: a cell
    formatted 0.00% then reads 99,58% where Excel would have rounded 0.99999 up to 100,00%."""
    if rate is None:
        return None
    exact = Fraction(Decimal(repr(rate)))
    return (exact.numerator * 10_000 // exact.denominator) / 10_000


def _fraction(row: RankingRow, code: str) -> str:
    numerator, denominator = row.fractions.get(code, (0, 0))
    if not denominator:
        return ""
    return f"{format_number(numerator)} / {format_number(denominator)}"


def ranking_xlsx(ranking: Ranking, path: Path | io.BytesIO) -> None:
    """One sheet per table (Sở, ban, ngành; UBND cấp huyện; UBND cấp xã; Toàn tỉnh); a level
    without units in the period (districts after 1/7/2025) has no sheet. Per indicator the rate
    (cut like the page), the dossiers, the points earned and the points lost; counts with
    thousands separators. A period without dossiers says so and ranks nobody."""
    codes = ranking_columns(ranking)
    names = indicator_names(codes)
    workbook = Workbook()
    workbook.remove(workbook.active)
    province = ranking.province_rates
    province_text = "; ".join(
        f"{names[c]}: {_percent_text(province.get(c))}" for c in codes if c in province
    )
    weights_text = "; ".join(f"{names[c]}: {ranking.weights[c]:g}" for c in codes)
    fixed = ["Hạng", "Mã đơn vị", "Đơn vị", "Điểm"]
    per_indicator = ["Tỷ lệ", "Số hồ sơ (đạt / tổng)", "Điểm đạt", "Điểm bị mất"]
    tail = [
        "Hạng kỳ trước",
        "Thay đổi hạng",
        "Đủ điều kiện khen thưởng",
        "Chỉ tiêu làm giảm kết quả chung của tỉnh",
        "Ưu tiên (thí điểm toàn trình)",
    ]
    span = len(per_indicator)
    width = len(fixed) + span * len(codes) + len(tail)
    for table, rows in _shown_tables(ranking):
        sheet = workbook.create_sheet(TABLE_LABELS[table][:31])
        lines = [
            RANKING_TITLE,
            f"{TABLE_LABELS[table]}. {period_line(ranking.period)}",
            data_as_of_line(ranking.computed_at),
            f"Trọng số: {weights_text}. {versions_line(ranking)}. Tỷ lệ toàn tỉnh: {province_text}",
        ]
        if not ranking.has_data:
            lines.append(ranking_no_data_text(ranking.period))
        top = _title_block(sheet, lines, width)
        first, second = top, top + 1
        for column, label in enumerate(fixed, start=1):
            header_cell(sheet, first, column, label)
            header_cell(sheet, second, column, "")
            sheet.merge_cells(
                start_row=first, start_column=column, end_row=second, end_column=column
            )
        column = len(fixed) + 1
        for code in codes:
            header_cell(sheet, first, column, names[code])
            for offset, label in enumerate(per_indicator):
                if offset:
                    header_cell(sheet, first, column + offset, "")
                header_cell(sheet, second, column + offset, label)
            sheet.merge_cells(
                start_row=first, start_column=column, end_row=first, end_column=column + span - 1
            )
            column += span
        for label in tail:
            header_cell(sheet, first, column, label)
            header_cell(sheet, second, column, "")
            sheet.merge_cells(
                start_row=first, start_column=column, end_row=second, end_column=column
            )
            column += 1
        for row in rows:
            values: list[Any] = [row.rank, row.agency, _unit_name(row), row.score]
            formats = [None, None, None, SCORE]
            lost = row.lost
            for code in codes:
                values += [
                    _cut(row.rates.get(code)),
                    _fraction(row, code),
                    row.earned.get(code),
                    lost.get(code),
                ]
                formats += [PERCENT, None, SCORE, SCORE]
            values += [
                row.previous_rank,
                row.rank_change,
                "Có" if row.eligible else "Không",
                "; ".join(
                    f"{names.get(d.indicator, d.indicator)} ({_percent_text(d.agency_rate)} < "
                    f"{_percent_text(d.province_rate)} toàn tỉnh)"
                    for d in row.disqualified_by
                ),
                _priority_text(row.pilot_priority),
            ]
            formats += [None, "+0;-0;0", None, None, None]
            sheet.append(values)
            for column, number_format in enumerate(formats, start=1):
                cell = sheet.cell(row=sheet.max_row, column=column)
                cell.border = BOX
                if number_format:
                    cell.number_format = number_format
        widths = [7, 11, 34, 9] + [10, 14, 9, 9] * len(codes) + [9, 9, 12, 40, 14]
        for column, value in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(column)].width = value
        sheet.freeze_panes = sheet.cell(row=second + 1, column=4)
        print_setup(sheet, first, second)
        sheet.oddFooter.center.text = "Trang &P/&N"
    save_workbook(workbook, path)


def _percent_text(rate: float | None) -> str:
    return format_percent(rate)


def _priority_text(value: bool | None) -> str:
    if value is None:
        return "Không có dữ liệu"
    return "Có" if value else "Không"


def csv_text(header: list[str], rows: Iterable[list[Any]]) -> str:
    """CSV with a UTF-8 BOM, formula-looking text neutralised, empty cell for None."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for values in rows:
        writer.writerow(
            [
                ""
                if v is None
                else "true"
                if v is True
                else "false"
                if v is False
                else neutralise_csv_cell(v)
                for v in values
            ]
        )
    return buffer.getvalue()


def _version_day(day) -> str:
    """The first day of the version a ranking used, or "ban đầu" (docs/rankings.md, "Versions")."""
    return f"{day:%d/%m/%Y}" if day else "ban đầu"


def ranking_csv(ranking: Ranking) -> str:
    """The ranking for people opening it in a spreadsheet: Vietnamese headers, every figure as
    the page prints it (rates cut to two decimals, 99,58%; points 24,98; counts 1.453). The
    JSON (ranking_json) keeps the exact values for machines. A period without dossiers gives
    one line saying so."""
    codes = ranking_columns(ranking)
    names = indicator_names(codes)
    header = ["Nhóm", "Hạng", "Mã đơn vị", "Đơn vị", "Điểm"]
    for code in codes:
        header += [
            f"{names[code]}: tỷ lệ",
            f"{names[code]}: số hồ sơ (đạt / tổng)",
            f"{names[code]}: điểm đạt",
            f"{names[code]}: điểm bị mất",
        ]
    header += [
        "Đủ điều kiện khen thưởng",
        "Chỉ tiêu làm giảm kết quả chung của tỉnh",
        "Ưu tiên (thí điểm toàn trình)",
        "Hạng kỳ trước",
        "Thay đổi hạng",
        "Kỳ",
        "Số liệu tính đến",
        "Trọng số áp dụng từ",
        "Mục tiêu áp dụng từ",
    ]
    computed = data_as_of_line(ranking.computed_at).removeprefix("Số liệu tính đến: ")
    term = period_line(ranking.period).removeprefix("Kỳ: ")
    rows: list[list[Any]] = []
    for table, table_rows in ranking.tables.items():
        for row in table_rows:
            lost = row.lost
            line: list[Any] = [TABLE_LABELS[table], row.rank, row.agency, _unit_name(row)]
            line.append(_score(row.score))
            for code in codes:
                scored = row.possible.get(code) is not None
                line += [
                    _percent_text(row.rates.get(code)),
                    _fraction(row, code),
                    _score(row.earned.get(code)) if scored else "—",
                    _score(lost.get(code)) if scored else "—",
                ]
            line += [
                "Có" if row.eligible else "Không",
                "; ".join(names.get(d.indicator, d.indicator) for d in row.disqualified_by),
                _priority_text(row.pilot_priority),
                row.previous_rank,
                row.rank_change,
                term,
                computed,
                _version_day(ranking.weights_from),
                _version_day(ranking.targets_from),
            ]
            rows.append(line)
    if not ranking.has_data:
        rows.append([ranking_no_data_text(ranking.period)])
    return csv_text(header, rows)


def ranking_json(ranking: Ranking) -> str:
    return json.dumps(ranking_as_dict(ranking), ensure_ascii=False, indent=1)


def save_workbook(workbook: Workbook, path: Path | io.BytesIO) -> None:
    workbook.properties.creator = "Cổng theo dõi cải cách TTHC"
    neutralise_workbook(workbook)
    workbook.save(path)


# --- PDF (for signing and filing) --------------------------------------------------------------

FONTS_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"


def pdf_document(title: str) -> Any:
    """An A4 landscape document with DejaVu Sans embedded (it has every Vietnamese letter),
    "Trang n/N" at the foot of every page, its first page added."""
    from fpdf import FPDF

    class Document(FPDF):
        def footer(self) -> None:
            self.set_y(-9)
            self.set_font("DejaVu", "", 8)
            self.cell(0, 5, f"Trang {self.page_no()}/{{nb}}", align="C")

    pdf = Document(orientation="L", unit="mm", format="A4")
    pdf.add_font("DejaVu", "", str(FONTS_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_title(title)
    pdf.set_creator("Cổng theo dõi cải cách TTHC")
    pdf.set_margins(10, 10, 10)
    pdf.set_auto_page_break(auto=True, margin=14)
    pdf.add_page()
    return pdf


def _pdf(title: str, lines: list[str]) -> Any:
    """A document (pdf_document) opening with the title and the given lines, centred."""
    pdf = pdf_document(title)
    pdf.set_font("DejaVu", "B", 13)
    pdf.multi_cell(0, 7, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    for line in lines:
        pdf.multi_cell(0, 5, line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    return pdf


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}".replace(".", ",")


def ranking_pdf(ranking: Ranking, path: Path | io.BytesIO) -> None:
    """The tables one after another (a level without units in the period is left out): rank,
    agency, score, each indicator's rate, points earned out of possible and points lost,
    eligibility with its reasons."""
    from fpdf.fonts import FontFace

    codes = ranking_columns(ranking)
    names = indicator_names(codes)
    lines = [
        period_line(ranking.period),
        data_as_of_line(ranking.computed_at),
        versions_line(ranking) + ".",
    ]
    if not ranking.has_data:
        lines.append(ranking_no_data_text(ranking.period))
    pdf = _pdf(RANKING_TITLE, lines)
    heading = FontFace(emphasis="BOLD", fill_color=(231, 238, 243))
    widths = [12, 62, 16] + [29] * len(codes) + [52]
    for table, rows in _shown_tables(ranking):
        if not rows:
            continue
        pdf.set_font("DejaVu", "B", 11)
        pdf.cell(0, 7, TABLE_LABELS[table], new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 8)
        with pdf.table(
            col_widths=widths,
            width=sum(widths),
            headings_style=heading,
            line_height=4.2,
            text_align="LEFT",
            num_heading_rows=1,
        ) as grid:
            head = grid.row()
            for text in ["Hạng", "Đơn vị", "Điểm", *(names[c] for c in codes)]:
                head.cell(text)
            head.cell("Đủ điều kiện khen thưởng")
            for row in rows:
                lost = row.lost
                line = grid.row()
                line.cell(str(row.rank) if row.rank else "—")
                line.cell(_unit_name(row))
                line.cell(_score(row.score))
                for code in codes:
                    if row.possible.get(code) is None:
                        line.cell("—")
                    else:
                        line.cell(
                            f"{_percent_text(row.rates.get(code))} ({_fraction(row, code)})\n"
                            f"{_score(row.earned.get(code))}/{_score(row.possible.get(code))} đ,"
                            f" mất {_score(lost.get(code))} đ"
                        )
                reasons = "; ".join(
                    f"{names.get(d.indicator, d.indicator)} {_percent_text(d.agency_rate)} < "
                    f"{_percent_text(d.province_rate)}"
                    for d in row.disqualified_by
                )
                line.cell("Có" if row.eligible else f"Không: {reasons}")
        pdf.ln(4)
    pdf.output(path)
