"""The columns each import file may carry, and how a file's header row is matched to them.

A header matches a column when, once both are reduced by `normalise_label` (lower case, no
diacritics, "đ" read as "d", no spaces or punctuation), it equals the Vietnamese header or its
ASCII alias: "Ngày tiếp nhận", "NGAY TIEP NHAN" and "ngay_tiep_nhan" are the same column.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from dossiers.importing.outcome import ImportRefused

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def normalise_label(text: str) -> str:
    """Reduce a header or a coded cell ("Trực tuyến", "truc_tuyen") to a comparable key."""
    decomposed = unicodedata.normalize("NFD", str(text).lower().replace("đ", "d"))
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_ALNUM.sub("", without_marks)


@dataclass(frozen=True)
class Column:
    key: str  # the name the importer uses internally
    header: str  # the Vietnamese header of domain.md section 9
    alias: str  # its ASCII alias
    required: bool = False

    def matches(self, label: str) -> bool:
        key = normalise_label(label)
        return key in (normalise_label(self.header), normalise_label(self.alias))

    @property
    def described(self) -> str:
        return f"«{self.header}» ({self.alias})"


AGENCY_COLUMNS = (
    Column("code", "Mã đơn vị", "ma_don_vi", required=True),
    Column("name", "Tên đơn vị", "ten_don_vi", required=True),
    Column("level", "Cấp", "cap", required=True),
    Column("parent_code", "Mã đơn vị cấp trên", "ma_don_vi_cap_tren"),
    Column("valid_from", "Hiệu lực từ", "hieu_luc_tu"),
    Column("valid_to", "Hiệu lực đến", "hieu_luc_den"),
    Column("merged_from", "Hợp nhất từ", "hop_nhat_tu"),
)

PROCEDURE_COLUMNS = (
    Column("code", "Mã thủ tục", "ma_thu_tuc", required=True),
    Column("name", "Tên thủ tục", "ten_thu_tuc", required=True),
    Column("domain", "Lĩnh vực", "linh_vuc", required=True),
    Column("online_level", "Mức độ", "muc_do"),
    Column("full_process_eligible", "Đủ điều kiện toàn trình", "du_dieu_kien_toan_trinh"),
    Column("paper_result", "Kết quả bản giấy", "ket_qua_ban_giay"),
)

DOSSIER_COLUMNS = (
    Column("code", "Mã hồ sơ", "ma_ho_so", required=True),
    Column("agency_code", "Mã đơn vị", "ma_don_vi", required=True),
    Column("procedure_code", "Mã thủ tục", "ma_thu_tuc", required=True),
    Column("procedure_name", "Tên thủ tục", "ten_thu_tuc"),
    Column("domain", "Lĩnh vực", "linh_vuc"),
    Column("channel", "Kênh nộp", "kenh_nop", required=True),
    Column("received_at", "Ngày tiếp nhận", "ngay_tiep_nhan", required=True),
    Column("due_at", "Ngày hẹn trả", "ngay_hen_tra", required=True),
    Column("finished_at", "Ngày kết thúc xử lý", "ngay_ket_thuc"),
    Column("components_total", "Số thành phần hồ sơ", "so_thanh_phan", required=True),
    Column(
        "components_digitized", "Số thành phần đã số hóa", "so_thanh_phan_so_hoa", required=True
    ),
    Column("e_result", "Kết quả điện tử", "ket_qua_dien_tu"),
    Column("fee", "Phí, lệ phí (đồng)", "phi_le_phi"),
    Column("paid_online", "Thanh toán trực tuyến", "thanh_toan_truc_tuyen"),
    Column("apology_issued_at", "Ngày xin lỗi", "ngay_xin_loi"),
    Column("apology_new_due_at", "Ngày hẹn lại", "ngay_hen_lai"),
    Column("apology_reason", "Lý do quá hạn", "ly_do_qua_han"),
)


def match_headers(headers: list[str], columns: tuple[Column, ...], *, file_name: str) -> dict:
    """Map each known column's key to the header it has in the file; extra headers are ignored.

    Refuses the file when a required column is missing or a column appears twice.
    """
    found: dict[str, str] = {}
    for header in headers:
        for column in columns:
            if not column.matches(header):
                continue
            if column.key in found:
                raise ImportRefused(
                    f"Tệp {file_name} có cột {column.described} hai lần "
                    f"(«{found[column.key]}» và «{header}»)."
                )
            found[column.key] = header
    missing = [
        column.described for column in columns if column.required and column.key not in found
    ]
    if missing:
        raise ImportRefused(f"Tệp {file_name} thiếu cột bắt buộc: {', '.join(missing)}.")
    return found
