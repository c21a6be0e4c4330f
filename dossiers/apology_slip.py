"""The apology slip (Phiếu xin lỗi và hẹn lại ngày trả kết quả, Circular 01/2018/TT-VPCP) as a
PDF, one per dossier, and a ZIP of slips for a selection (domain.md section 8)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from pathlib import Path

from django.utils import timezone

from dossiers.models import Apology, Dossier

FONTS_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")


def _date(value) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y") if value else ""


def _datetime(value) -> str:
    return timezone.localtime(value).strftime("%H giờ %M, ngày %d/%m/%Y") if value else ""


def slip_file_name(dossier: Dossier) -> str:
    safe = "".join(c if c.isalnum() or c in "-._" else "_" for c in dossier.code)
    return f"phieu-xin-loi-{safe}.pdf"


def apology_slip_pdf(*, dossier: Dossier) -> bytes:
    """The slip of a dossier that has an apology (with agency__parent, procedure, apology)."""
    from fpdf import FPDF

    apology: Apology = dossier.apology
    agency = dossier.agency
    parent = agency.parent
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
    pdf.multi_cell(left_width, 5, (parent.name if parent else "").upper(), align="C", **below)
    pdf.set_font("DejaVu", "B", 9)
    pdf.multi_cell(left_width, 5, agency.name.upper(), align="C", **below)
    pdf.set_font("DejaVu", "", 9)
    issued = timezone.localtime(apology.issued_at)
    pdf.multi_cell(left_width, 5, f"Số: {apology.pk}/PXL", align="C", **below)
    left_bottom = pdf.get_y()
    pdf.set_xy(20 + left_width, top)
    pdf.set_font("DejaVu", "B", 9)
    pdf.multi_cell(right_width, 5, MOTTO[0], align="C", new_x="LEFT", new_y="NEXT")
    pdf.multi_cell(right_width, 5, MOTTO[1], align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(
        right_width,
        5,
        f"ngày {issued:%d} tháng {issued:%m} năm {issued:%Y}",
        align="C",
        new_x="LEFT",
        new_y="NEXT",
    )
    pdf.set_xy(20, max(left_bottom, pdf.get_y()) + 8)

    pdf.set_font("DejaVu", "B", 13)
    pdf.multi_cell(0, 7, "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", align="C", **below)
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 11)
    lines = [
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
    ]
    for line in lines:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    pdf.ln(6)

    # Footer: recipients on the left, the signer on the right.
    top = pdf.get_y()
    pdf.set_font("DejaVu", "B", 9)
    pdf.multi_cell(80, 5, "Nơi nhận:", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    for recipient in ("- Như trên;", "- Lưu: VT, bộ phận một cửa."):
        pdf.multi_cell(80, 5, recipient, new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(110, top)
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(80, 6, apology.signer_title.upper(), align="C", new_x="LEFT", new_y="NEXT")
    pdf.ln(18)
    pdf.set_x(110)
    pdf.multi_cell(80, 6, apology.signer_name, align="C")
    return bytes(pdf.output())


def apology_slips_zip(*, dossiers: Iterable[Dossier]) -> bytes:
    """One PDF per dossier that has an apology, in a ZIP."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for dossier in dossiers:
            if getattr(dossier, "apology", None) is not None:
                archive.writestr(slip_file_name(dossier), apology_slip_pdf(dossier=dossier))
    return buffer.getvalue()
