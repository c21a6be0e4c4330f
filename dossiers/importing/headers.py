"""The columns each import file may carry, and how a file's header row is matched to them.

A header matches a column when, once both are reduced by `normalise_label` (lower case, no
diacritics, "đ" read as "d", no spaces or punctuation), it equals the Vietnamese header or its
ASCII alias: "Ngày tiếp nhận", "NGAY TIEP NHAN" and "ngay_tiep_nhan" are the same column.
"""

from __future__ import annotations

from dataclasses import dataclass

from dossiers.importing.labels import normalise_label
from dossiers.importing.outcome import ImportRefused


@dataclass(frozen=True)
class Column:
    key: str  # the name the importer uses internally
    header: str  # the Vietnamese header of domain.md section 9 (or 11)
    alias: str  # its ASCII alias
    required: bool = False
    # Other names of the same column: the national sync record's field names and the headers of
    # one-stop list exports (domain.md section 11). They match like the header.
    names: tuple[str, ...] = ()
    nested: bool = False  # may hold a JSON list or object (given as its JSON text: json_records)

    def matches(self, label: str) -> bool:
        key = normalise_label(label)
        return key in {normalise_label(name) for name in (self.header, self.alias, *self.names)}

    @property
    def described(self) -> str:
        return f"«{self.header}» ({self.alias})"


def known_labels(columns: tuple[Column, ...]) -> frozenset[str]:
    """Every name of these columns as `normalise_label` reduces it (to find the header row)."""
    return frozenset(
        normalise_label(name)
        for column in columns
        for name in (column.header, column.alias, *column.names)
    )


def column_of_label(columns: tuple[Column, ...]) -> dict[str, str]:
    """Every name of these columns as `normalise_label` reduces it → the column it names. A JSON
    file's records may name one column differently (`MaDonVi` in some, `MaCoQuan` in others):
    `json_records` makes such keys one column, as it does for spellings of one key."""
    return {
        normalise_label(name): f"column:{column.key}"
        for column in columns
        for name in (column.header, column.alias, *column.names)
    }


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

# The dossier file's columns in both layouts: section 9's headers, and section 11's sync fields
# and list-export headers as further names. Facts that two layouts give in different forms
# (channel as a word or as KenhThucHien 1/2/3, components as counts or as one flag, …) are
# separate columns; `dossier_rows` merges them. Which columns a dossier file must have is
# `dossier_rows.require_columns` (the agency and the procedure by code or by name).
DOSSIER_COLUMNS = (
    Column("code", "Mã hồ sơ", "ma_ho_so", required=True, names=("MaHoSo",)),
    Column("agency_code", "Mã đơn vị", "ma_don_vi", names=("MaDonVi", "MaCoQuan", "Mã cơ quan")),
    Column(
        "agency_name",
        "Tên đơn vị",
        "ten_don_vi",
        names=("TenDonVi", "DonViXuLy", "Đơn vị giải quyết", "Đơn vị xử lý"),
    ),
    Column("agency_name_received", "Đơn vị tiếp nhận", "don_vi_tiep_nhan"),
    Column("procedure_code", "Mã thủ tục", "ma_thu_tuc", names=("MaTTHC", "Mã TTHC")),
    Column(
        "procedure_name",
        "Tên thủ tục",
        "ten_thu_tuc",
        names=("TenTTHC", "Tên thủ tục hành chính", "Tên TTHC"),
    ),
    Column("domain", "Lĩnh vực", "linh_vuc", names=("TenLinhVuc", "Tên lĩnh vực")),
    Column("domain_code", "Mã lĩnh vực", "ma_linh_vuc", names=("MaLinhVuc",)),
    Column("channel", "Kênh nộp", "kenh_nop"),
    Column("channel_code", "Kênh thực hiện", "kenh_thuc_hien", names=("KenhThucHien",)),
    Column("status", "Trạng thái", "trang_thai", names=("TrangThaiHoSo", "Trạng thái hồ sơ")),
    Column("received_at", "Ngày tiếp nhận", "ngay_tiep_nhan", required=True, names=("Ngày nhận",)),
    Column("submitted_at", "Ngày nộp hồ sơ", "ngay_nop_ho_so", names=("NgayNopHoSo", "Ngày nộp")),
    Column("due_at", "Ngày hẹn trả", "ngay_hen_tra", required=True, names=("NgayHenTra",)),
    Column("finished_at", "Ngày kết thúc xử lý", "ngay_ket_thuc", names=("NgayKetThucXuLy",)),
    Column("result_at", "Ngày có kết quả", "ngay_co_ket_qua", names=("NgayCoKetQua",)),
    Column(
        "returned_at",
        "Ngày trả kết quả",
        "ngay_tra_ket_qua",
        names=("NgayTra", "NgayTraKetQua"),
    ),
    Column("components_total", "Số thành phần hồ sơ", "so_thanh_phan"),
    Column("components_digitized", "Số thành phần đã số hóa", "so_thanh_phan_so_hoa"),
    Column(
        "digitized_flag",
        "Hồ sơ có thành phần số hóa",
        "ho_so_co_thanh_phan_so_hoa",
        names=("HoSoCoThanhPhanSoHoa",),
    ),
    Column("e_result", "Kết quả điện tử", "ket_qua_dien_tu"),
    Column(
        "result_link",
        "Đường dẫn tệp tin kết quả",
        "duong_dan_tep_tin_ket_qua",
        names=("DuongDanTepTinKetQua",),
    ),
    Column("fee", "Phí, lệ phí (đồng)", "phi_le_phi", names=("LePhi", "Lệ phí", "Phí, lệ phí")),
    Column(
        "fee_list",
        "Danh sách lệ phí",
        "danh_sach_le_phi",
        names=("DanhSachLePhi",),
        nested=True,  # a JSON list of {"Gia": …}, as its JSON text (json_records)
    ),
    Column("paid_online", "Thanh toán trực tuyến", "thanh_toan_truc_tuyen"),
    Column(
        "paid_online_code",
        "Được thanh toán trực tuyến",
        "duoc_thanh_toan_truc_tuyen",
        names=("DuocThanhToanTrucTuyen",),
    ),
    Column(
        "supplement_requests",
        "Số lần yêu cầu bổ sung",
        "so_lan_yeu_cau_bo_sung",
        names=("SoLanYeuCauBoSung",),
    ),
    Column(
        "supplement_requested_at",
        "Ngày yêu cầu bổ sung",
        "ngay_yeu_cau_bo_sung",
        names=("NgayYeuCauBoSung",),
    ),
    Column(
        "supplement_completed_at",
        "Ngày hoàn thành bổ sung",
        "ngay_hoan_thanh_bo_sung",
        names=("NgayHoanThanhBoSung",),
    ),
    Column("apology_issued_at", "Ngày xin lỗi", "ngay_xin_loi", names=("NgayXinLoi",)),
    Column("apology_new_due_at", "Ngày hẹn lại", "ngay_hen_lai", names=("NgayHenLai",)),
    Column("apology_reason", "Lý do quá hạn", "ly_do_qua_han", names=("LyDoQuaHan",)),
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
