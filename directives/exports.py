"""The compiled pilot list as an XLSX workbook (openpyxl)."""

from __future__ import annotations

from io import BytesIO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from directives.models import DirectiveTask
from directives.selectors import CompiledRow
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


def pilot_compiled_xlsx(*, task: DirectiveTask, rows: list[CompiledRow]) -> bytes:
    """One row per nominated procedure; the submission time as a local date-time cell."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Danh sach thi diem"
    sheet.append([f"Danh sách đề xuất thí điểm toàn trình — {task.directive.number}"])
    sheet.append(HEADERS)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
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
        if submitted is not None:
            sheet.cell(row=sheet.max_row, column=7).number_format = "dd/mm/yyyy hh:mm"
    for letter, width in zip("ABCDEFGH", (5, 36, 11, 60, 24, 12, 17, 9), strict=True):
        sheet.column_dimensions[letter].width = width
    output = BytesIO()
    neutralise_workbook(workbook)  # a name starting with "=" stays text, never a formula
    workbook.save(output)
    return output.getvalue()
