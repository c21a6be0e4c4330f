"""The compiled pilot list as an XLSX workbook (openpyxl)."""

from __future__ import annotations

from datetime import date
from io import BytesIO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from directives.models import DirectiveTask
from directives.selectors import CompiledRow
from kpi_portal import clock
from kpi_portal.spreadsheets import neutralise_workbook

HEADERS = [
    "STT",
    "Đơn vị",
    "Mã thủ tục",
    "Tên thủ tục",
    "Lĩnh vực",
    "Số hồ sơ 12 tháng",
    "Thời điểm gửi",
    "Gửi muộn",
]


TITLE = "DANH SÁCH DỊCH VỤ CÔNG TRỰC TUYẾN TOÀN TRÌNH ĐỀ XUẤT THỰC HIỆN THÍ ĐIỂM"
HEADER_ROW = 6


def pilot_compiled_xlsx(
    *, task: DirectiveTask, rows: list[CompiledRow], window: tuple[date, date] | None = None
) -> bytes:
    """One row per nominated procedure under a complete title block: what the list is, the
    directive and task it answers, the twelve months the volumes count and when it was made.
    The submission time is a local date-time cell; volumes have thousands separators."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách thí điểm"
    directive = task.directive
    today = clock.today()
    start, end = window or (today.replace(year=today.year - 1), today)
    lines = [
        (TITLE, Font(bold=True, size=13)),
        (
            f"(Theo {directive.title} — {directive.issuer}, số {directive.number} "
            f"ngày {directive.issued_on:%d/%m/%Y}; nhiệm vụ: {task.title}, "
            f"hạn {task.due_on:%d/%m/%Y})",
            Font(italic=True),
        ),
        (
            f"Số hồ sơ 12 tháng: hồ sơ tiếp nhận từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}. "
            f"Danh sách lập ngày {today:%d/%m/%Y}; chỉ gồm các đơn vị đã gửi danh sách.",
            Font(),
        ),
    ]
    for number, (text, font) in enumerate(lines, start=1):
        sheet.cell(row=number, column=1, value=text)
        sheet.merge_cells(start_row=number, start_column=1, end_row=number, end_column=len(HEADERS))
        cell = sheet.cell(row=number, column=1)
        cell.font = font
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.row_dimensions[1].height = 22
    sheet.row_dimensions[2].height = 48
    sheet.row_dimensions[3].height = 32
    for column, text in enumerate(HEADERS, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=column, value=text)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for number, row in enumerate(rows, start=1):
        submitted = (
            timezone.localtime(row.submitted_at).replace(tzinfo=None) if row.submitted_at else None
        )
        sheet.append(
            [
                number,
                row.agency.name,
                row.procedure.code,
                row.procedure.name,
                row.procedure.domain.name,
                row.volume,
                submitted,
                "Có" if row.late else "",
            ]
        )
        sheet.cell(row=sheet.max_row, column=6).number_format = "#,##0"
        if submitted is not None:
            sheet.cell(row=sheet.max_row, column=7).number_format = "dd/mm/yyyy hh:mm"
    for letter, width in zip("ABCDEFGH", (5, 36, 11, 60, 24, 12, 17, 9), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=1)
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    output = BytesIO()
    neutralise_workbook(workbook)  # a name starting with "=" stays text, never a formula
    workbook.save(output)
    return output.getvalue()
