"""The apology slip (Phiếu xin lỗi và hẹn lại ngày trả kết quả, Circular 01/2018/TT-VPCP), one per
dossier, as a PDF or as a DOCX for offices that edit in Word, and a ZIP of slips for a selection
(domain.md section 8). Both formats print the same text, built once by `slip_content`.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from dossiers.models import Apology, Dossier

FONTS_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
TITLE = "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"
RECIPIENTS = ("- Như trên;", "- Lưu: VT, bộ phận một cửa.")
FORMATS = ("pdf", "docx")
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _date(value) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y") if value else ""


def _datetime(value) -> str:
    return timezone.localtime(value).strftime("%H giờ %M, ngày %d/%m/%Y") if value else ""


@dataclass(frozen=True)
class SlipContent:
    parent_name: str  # upper case, as on the form
    agency_name: str
    number: str
    dated: str  # "ngày … tháng … năm …"
    body: tuple[str, ...]
    signer_title: str
    signer_name: str


def slip_content(*, dossier: Dossier) -> SlipContent:
    """The slip's text, for a dossier that has an apology (with agency__parent, procedure)."""
    apology: Apology = dossier.apology
    agency = dossier.agency
    parent = agency.parent
    issued = timezone.localtime(apology.issued_at)
    return SlipContent(
        parent_name=(parent.name if parent else "").upper(),
        agency_name=agency.name.upper(),
        number=f"Số: {apology.pk}/PXL",
        dated=f"ngày {issued:%d} tháng {issued:%m} năm {issued:%Y}",
        body=(
            f"{agency.name} xin gửi lời xin lỗi tới Ông/Bà: người nộp hồ sơ {dossier.code}.",
            f"Mã hồ sơ: {dossier.code}",
            f"Thủ tục hành chính: {dossier.procedure.code} – {dossier.procedure.name}",
            f"Ngày tiếp nhận hồ sơ: {_datetime(dossier.received_at)}",
            f"Ngày hẹn trả kết quả: {_date(dossier.due_at)}",
            f"Lý do quá hạn: {apology.reason}",
            f"Sự chậm trễ này là do lỗi của {agency.name}. {agency.name} xin lỗi Ông/Bà vì sự "
            "chậm trễ này và sẽ trả kết quả giải quyết hồ sơ cho Ông/Bà vào ngày hẹn lại dưới đây.",
            f"Ngày hẹn trả lại kết quả: {_date(apology.new_due_at)}",
            f"Hình thức gửi: {apology.get_channel_display()}",
            "Mong nhận được sự thông cảm của Ông/Bà.",
        ),
        signer_title=apology.signer_title.upper(),
        signer_name=apology.signer_name,
    )


def slip_file_name(dossier: Dossier, fmt: str = "pdf") -> str:
    safe = "".join(c if c.isalnum() or c in "-._" else "_" for c in dossier.code)
    return f"phieu-xin-loi-{safe}.{fmt}"


def apology_slip_pdf(*, dossier: Dossier) -> bytes:
    """The slip as an A4 PDF (DejaVu fonts embedded, so every diacritic prints)."""
    from fpdf import FPDF

    content = slip_content(dossier=dossier)
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.add_font("DejaVu", "", str(FONTS_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_title(f"Phiếu xin lỗi và hẹn lại ngày trả kết quả {dossier.code}")
    pdf.set_creator("Cổng theo dõi cải cách TTHC")
    pdf.set_margins(20, 15, 15)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()

    # Header: the issuing agency (and its parent) on the left, the national motto on the right.
    top = pdf.get_y()
    left_width, right_width = 70, 100
    pdf.set_font("DejaVu", "", 9)
    below = {"new_x": "LMARGIN", "new_y": "NEXT"}
    pdf.multi_cell(left_width, 5, content.parent_name, align="C", **below)
    pdf.set_font("DejaVu", "B", 9)
    pdf.multi_cell(left_width, 5, content.agency_name, align="C", **below)
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(left_width, 5, content.number, align="C", **below)
    left_bottom = pdf.get_y()
    pdf.set_xy(20 + left_width, top)
    pdf.set_font("DejaVu", "B", 9)
    pdf.multi_cell(right_width, 5, MOTTO[0], align="C", new_x="LEFT", new_y="NEXT")
    pdf.multi_cell(right_width, 5, MOTTO[1], align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(right_width, 5, content.dated, align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_xy(20, max(left_bottom, pdf.get_y()) + 8)

    pdf.set_font("DejaVu", "B", 13)
    pdf.multi_cell(0, 7, TITLE, align="C", **below)
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 11)
    for line in content.body:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    pdf.ln(6)

    # Footer: recipients on the left, the signer on the right.
    top = pdf.get_y()
    pdf.set_font("DejaVu", "B", 9)
    pdf.multi_cell(80, 5, "Nơi nhận:", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    for recipient in RECIPIENTS:
        pdf.multi_cell(80, 5, recipient, new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(110, top)
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(80, 6, content.signer_title, align="C", new_x="LEFT", new_y="NEXT")
    pdf.ln(18)
    pdf.set_x(110)
    pdf.multi_cell(80, 6, content.signer_name, align="C")
    return bytes(pdf.output())


def apology_slip_docx(*, dossier: Dossier) -> bytes:
    """The same slip as a Word document: the header and signature blocks as borderless
    two-column tables, Times New Roman as official documents use."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    content = slip_content(dossier=dossier)
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    section.top_margin = section.bottom_margin = Cm(2)
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    document.core_properties.title = f"Phiếu xin lỗi và hẹn lại ngày trả kết quả {dossier.code}"

    def cell_lines(cell, lines: Iterable[tuple[str, bool]], *, size: int = 12) -> None:
        cell.paragraphs[0].text = ""
        for index, (text, bold) in enumerate(lines):
            paragraph = cell.paragraphs[0] if index == 0 else cell.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = paragraph.add_run(text)
            run.bold = bold
            run.font.size = Pt(size)

    header = document.add_table(rows=1, cols=2)
    cell_lines(
        header.cell(0, 0),
        [(content.parent_name, False), (content.agency_name, True), (content.number, False)],
    )
    cell_lines(header.cell(0, 1), [(MOTTO[0], True), (MOTTO[1], True), (content.dated, False)])

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_before = Pt(18)
    title_run = title.add_run(TITLE)
    title_run.bold = True
    title_run.font.size = Pt(14)
    for line in content.body:
        document.add_paragraph(line).paragraph_format.space_after = Pt(4)

    footer = document.add_table(rows=1, cols=2)
    recipients = footer.cell(0, 0)
    recipients.paragraphs[0].add_run("Nơi nhận:").bold = True
    for recipient in RECIPIENTS:
        recipients.add_paragraph(recipient).runs[0].font.size = Pt(11)
    cell_lines(
        footer.cell(0, 1),
        [(content.signer_title, True), ("", False), ("", False), (content.signer_name, True)],
        size=13,
    )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def apology_slip(*, dossier: Dossier, fmt: str = "pdf") -> bytes:
    if fmt == "docx":
        return apology_slip_docx(dossier=dossier)
    return apology_slip_pdf(dossier=dossier)


def apology_slips_zip(*, dossiers: Iterable[Dossier], fmt: str = "pdf") -> bytes:
    """One slip per dossier that has an apology, in a ZIP."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for dossier in dossiers:
            if getattr(dossier, "apology", None) is not None:
                archive.writestr(
                    slip_file_name(dossier, fmt), apology_slip(dossier=dossier, fmt=fmt)
                )
    return buffer.getvalue()
