"""Biểu số 06 as filed: XLSX, PDF and CSV, in the form's own Vietnamese whatever the page's
language (domain.md section 7).

Each file carries the form's header: the form number and its circular, the title, the period
("Từ ngày … đến ngày …"), the header block (Đơn vị báo cáo, Đơn vị nhận báo cáo, Kỳ báo cáo,
"Đơn vị tính: Số hồ sơ TTHC"), the three heading rows with "Trong đó", and the numbering row
(1)–(13). The PDF, printed for signing, ends with the signature block (người lập biểu, thủ trưởng
đơn vị) and numbers its pages; the XLSX numbers its printed pages in the footer and keeps the
grand total as its last row, so a reader of the sheet finds it there.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from kpi_portal import clock
from kpi_portal.formatting import format_number
from kpi_portal.periods import Period
from reports.export_files import (
    BASIS_LABELS,
    BOLD,
    BOX,
    GROUP_FILL,
    INTEGER,
    csv_text,
    data_as_of_line,
    header_cell,
    pdf_document,
    print_setup,
    save_workbook,
)
from reports.report06 import (
    COLUMN_COUNT,
    FORM_CIRCULAR,
    FORM_NUMBER,
    FORM_TITLE,
    FORM_UNIT,
    Report06,
)

HEADING_ROWS = 3  # then the numbering row (1)–(13)


def report06_period_line(period: Period) -> str:
    return f"(Từ ngày {period.start:%d/%m/%Y} đến ngày {period.end:%d/%m/%Y})"


def report06_term_line(period: Period) -> str:
    return f"Kỳ báo cáo: {period.label} ({BASIS_LABELS[period.basis]})"


def report06_header_block(report: Report06) -> list[str]:
    """The header block's lines as the form prints them."""
    return [
        f"Đơn vị báo cáo: {report.reporting_unit}",
        f"Đơn vị nhận báo cáo: {report.receiving_unit}",
        report06_term_line(report.period),
        FORM_UNIT,
    ]


def _signature_date() -> str:
    today = clock.today()
    return f"……, ngày {today.day} tháng {today.month} năm {today.year}"


# --- XLSX ---------------------------------------------------------------------------------------


def _merged(sheet, row: int, first: int, last: int, value: str, **style: Any) -> None:
    sheet.cell(row=row, column=first, value=value)
    if last > first:
        sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    cell = sheet.cell(row=row, column=first)
    cell.alignment = Alignment(
        horizontal=style.pop("horizontal", "left"), vertical="center", wrap_text=True
    )
    cell.font = Font(**style)


def report06_xlsx(report: Report06, path: Path | io.BytesIO) -> None:
    """One sheet "Biểu số 06": the header (rows 1–4), the headings (6–8), the numbering row (9),
    then the rows with the grand total last; real integer cells with thousands separators."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Biểu số 06"
    period = report.period
    _merged(sheet, 1, 1, 3, FORM_NUMBER, bold=True)
    _merged(sheet, 2, 1, 3, FORM_CIRCULAR, italic=True, size=9)
    _merged(sheet, 1, 4, 10, FORM_TITLE, bold=True, size=12, horizontal="center")
    _merged(sheet, 2, 4, 10, report06_term_line(period), bold=True, horizontal="center")
    _merged(sheet, 3, 4, 10, report06_period_line(period), italic=True, horizontal="center")
    _merged(sheet, 1, 11, 13, f"Đơn vị báo cáo: {report.reporting_unit}")
    _merged(sheet, 2, 11, 13, f"Đơn vị nhận báo cáo: {report.receiving_unit}")
    _merged(sheet, 4, 1, 6, data_as_of_line(report.computed_at), italic=True, size=9)
    _merged(sheet, 4, 11, 13, FORM_UNIT, italic=True, horizontal="right")
    sheet.row_dimensions[1].height = 32
    top = 6
    for heading in report.headings:
        row, column = top + heading.row, 1 + heading.column
        header_cell(sheet, row, column, heading.text)
        for extra_row in range(heading.rowspan):
            for extra_column in range(heading.colspan):
                if extra_row or extra_column:
                    header_cell(sheet, row + extra_row, column + extra_column, "")
        if heading.rowspan > 1 or heading.colspan > 1:
            sheet.merge_cells(
                start_row=row,
                start_column=column,
                end_row=row + heading.rowspan - 1,
                end_column=column + heading.colspan - 1,
            )
    numbers = top + HEADING_ROWS
    for column in range(1, COLUMN_COUNT + 1):
        header_cell(sheet, numbers, column, f"({column})")
    for row in report.rows:
        sheet.append([row.number, row.label, *row.values])
        current = sheet.max_row
        for column in range(1, COLUMN_COUNT + 1):
            cell = sheet.cell(row=current, column=column)
            cell.border = BOX
            if column >= 3:
                cell.number_format = INTEGER
            if row.kind != "row":
                cell.font = BOLD
                cell.fill = GROUP_FILL
        sheet.cell(row=current, column=1).alignment = Alignment(horizontal="center")
    widths = [6, 40, 10, 10, 13, 10, 10, 10, 10, 10, 10, 10, 10]
    for column, value in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = value
    sheet.row_dimensions[top + 2].height = 45
    sheet.freeze_panes = sheet.cell(row=numbers + 1, column=3)
    print_setup(sheet, top, numbers)
    sheet.oddFooter.center.text = "Trang &P/&N"
    save_workbook(workbook, path)


# --- CSV ----------------------------------------------------------------------------------------


def report06_csv(report: Report06) -> str:
    """A table for people: each column named by its headings ("Số hồ sơ nhận giải quyết: Trong
    đó: Trực tuyến"), then the numbering row, then the rows with the grand total last."""
    numbering = [f"({n})" for n in range(1, COLUMN_COUNT + 1)]
    rows = [numbering] + [[row.number, row.label, *row.values] for row in report.rows]
    return csv_text(report.column_names, rows)


# --- PDF ----------------------------------------------------------------------------------------


def report06_pdf(report: Report06, path: Path | io.BytesIO) -> None:
    """A4 landscape: the header, the table (its heading rows repeated on every page), then the
    signature block; "Trang n/N" at the foot of every page."""
    from fpdf.enums import TableCellFillMode
    from fpdf.fonts import FontFace

    pdf = pdf_document(FORM_TITLE)
    width = pdf.epw
    top = pdf.get_y()
    pdf.set_font("DejaVu", "B", 9)
    pdf.cell(90, 5, FORM_NUMBER, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 7.5)
    pdf.cell(90, 4, FORM_CIRCULAR, new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(pdf.l_margin + width - 95, top)
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(95, 5, f"Đơn vị báo cáo: {report.reporting_unit}", new_x="LEFT", new_y="NEXT")
    pdf.multi_cell(
        95, 5, f"Đơn vị nhận báo cáo: {report.receiving_unit}", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 12)
    pdf.multi_cell(0, 6, FORM_TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    for line in (report06_term_line(report.period), report06_period_line(report.period)):
        pdf.multi_cell(0, 5, line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)
    pdf.cell(width / 2, 5, data_as_of_line(report.computed_at))
    pdf.cell(width / 2, 5, FORM_UNIT, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)

    heading = FontFace(emphasis="BOLD", fill_color=(231, 238, 243))
    group_style = FontFace(emphasis="BOLD", fill_color=(243, 243, 243))
    widths = [10, 74] + [17] * 11
    grid_rows: list[list[Any]] = [[] for _ in range(HEADING_ROWS)]
    for cell in sorted(report.headings, key=lambda h: (h.row, h.column)):
        grid_rows[cell.row].append(cell)
    pdf.set_font("DejaVu", "", 7.5)
    with pdf.table(
        col_widths=widths,
        width=sum(widths),
        headings_style=heading,
        line_height=4,
        text_align="CENTER",
        num_heading_rows=HEADING_ROWS + 1,
        cell_fill_mode=TableCellFillMode.NONE,
    ) as grid:
        for cells in grid_rows:
            line = grid.row()
            for cell in cells:
                line.cell(cell.text, rowspan=cell.rowspan, colspan=cell.colspan)
        numbers = grid.row()
        for n in range(1, COLUMN_COUNT + 1):
            numbers.cell(f"({n})")
        for row in report.rows:
            line = grid.row(style=group_style if row.kind != "row" else None)
            line.cell(row.number)
            line.cell(row.label, align="LEFT")
            for value in row.values:
                line.cell(format_number(value), align="RIGHT")

    # The signature block stays whole: on a new page if it does not fit under the table.
    if pdf.get_y() + 38 > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(6)
    column = width / 2
    y = pdf.get_y()
    pdf.set_font("DejaVu", "", 9)
    pdf.set_xy(pdf.l_margin + column, y)
    pdf.cell(column, 5, _signature_date(), align="C")
    y += 6
    for x, title, hint in (
        (pdf.l_margin, "NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)"),
        (pdf.l_margin + column, "THỦ TRƯỞNG ĐƠN VỊ", "(Ký, đóng dấu, ghi rõ họ tên)"),
    ):
        pdf.set_xy(x, y)
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(column, 5, title, align="C")
        pdf.set_xy(x, y + 5)
        pdf.set_font("DejaVu", "", 8)
        pdf.cell(column, 5, hint, align="C")
    pdf.output(path)
