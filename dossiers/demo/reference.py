"""Reference lists of the Quảng Trị demo: agencies, domains, procedures and demo users.

The names are the real units of Quảng Trị before the 2025 reorganisation (domain.md section 10).
A few procedure codes are real national codes (1.001193 Đăng ký khai sinh); the rest are invented
with the national shape `D.DDDDDD`. Volumes and processing times are plausible, not official.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

PROVINCE_CODE = "QT"
PROVINCE_NAME = "UBND tỉnh Quảng Trị"

# The dossier-code prefix of the province in the one-stop system (administrative code 45).
CODE_PREFIX = "H45"

LAND_DOMAIN = "Đất đai"


@dataclass(frozen=True)
class DemoAgency:
    code: str
    name: str
    short_name: str
    level: str  # tinh, so, huyen, xa
    parent: str | None
    prefix: str  # the dossier-code prefix, e.g. "H45.37"
    weight: float  # relative volume within its level
    # Validity and merges (domain.md section 12); None: open at that end.
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    merged_from: tuple[str, ...] = ()
    # Whose procedure list it draws from when not its own (a merged department).
    procedures_of: str | None = None

    def exists_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


# Provincial agencies (level `so`): code, name, short name, relative volume of own dossiers.
DEPARTMENTS: list[tuple[str, str, str, float]] = [
    ("VPUB", "Văn phòng UBND tỉnh", "Văn phòng UBND tỉnh", 0.3),
    ("SNV", "Sở Nội vụ", "Sở Nội vụ", 1.0),
    ("STP", "Sở Tư pháp", "Sở Tư pháp", 10.0),
    ("SKHDT", "Sở Kế hoạch và Đầu tư", "Sở KH&ĐT", 12.0),
    ("STC", "Sở Tài chính", "Sở Tài chính", 1.0),
    ("SCT", "Sở Công Thương", "Sở Công Thương", 4.0),
    ("SNNPTNT", "Sở Nông nghiệp và Phát triển nông thôn", "Sở NN&PTNT", 3.0),
    ("SGTVT", "Sở Giao thông vận tải", "Sở GTVT", 18.0),
    ("SXD", "Sở Xây dựng", "Sở Xây dựng", 3.0),
    ("STNMT", "Sở Tài nguyên và Môi trường", "Sở TN&MT", 30.0),
    ("STTTT", "Sở Thông tin và Truyền thông", "Sở TT&TT", 1.0),
    ("SLDTBXH", "Sở Lao động - Thương binh và Xã hội", "Sở LĐ-TB&XH", 5.0),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch", "Sở VH-TT&DL", 1.5),
    ("SKHCN", "Sở Khoa học và Công nghệ", "Sở KH&CN", 0.5),
    ("SGDDT", "Sở Giáo dục và Đào tạo", "Sở GD&ĐT", 3.0),
    ("SYT", "Sở Y tế", "Sở Y tế", 6.0),
    ("TTT", "Thanh tra tỉnh", "Thanh tra tỉnh", 0.1),
    ("SNGV", "Sở Ngoại vụ", "Sở Ngoại vụ", 0.2),
    ("BDT", "Ban Dân tộc", "Ban Dân tộc", 0.1),
    ("BQLKKT", "Ban Quản lý Khu kinh tế tỉnh", "BQL Khu kinh tế", 0.3),
]

# District-level People's Committees: code, name, short name, relative volume, communes.
# Communes: (code suffix, name). Cồn Cỏ, the island district, has none.
DISTRICTS: list[tuple[str, str, str, float, list[tuple[str, str]]]] = [
    (
        "DH",
        "UBND thành phố Đông Hà",
        "TP Đông Hà",
        15.0,
        [
            ("P1", "UBND Phường 1"),
            ("P2", "UBND Phường 2"),
            ("P5", "UBND Phường 5"),
            ("DL", "UBND phường Đông Lương"),
            ("DT", "UBND phường Đông Thanh"),
            ("DG", "UBND phường Đông Giang"),
        ],
    ),
    (
        "TXQT",
        "UBND thị xã Quảng Trị",
        "TX Quảng Trị",
        5.0,
        [
            ("P1", "UBND Phường 1"),
            ("P2", "UBND Phường 2"),
            ("AD", "UBND phường An Đôn"),
            ("HL", "UBND xã Hải Lệ"),
        ],
    ),
    (
        "VL",
        "UBND huyện Vĩnh Linh",
        "Vĩnh Linh",
        15.0,
        [
            ("HX", "UBND thị trấn Hồ Xá"),
            ("BQ", "UBND thị trấn Bến Quan"),
            ("CT", "UBND thị trấn Cửa Tùng"),
            ("VT", "UBND xã Vĩnh Thạch"),
            ("VLO", "UBND xã Vĩnh Long"),
            ("VG", "UBND xã Vĩnh Giang"),
        ],
    ),
    (
        "GL",
        "UBND huyện Gio Linh",
        "Gio Linh",
        12.0,
        [
            ("TT", "UBND thị trấn Gio Linh"),
            ("CV", "UBND thị trấn Cửa Việt"),
            ("GM", "UBND xã Gio Mỹ"),
            ("GC", "UBND xã Gio Châu"),
            ("TG", "UBND xã Trung Giang"),
        ],
    ),
    (
        "CL",
        "UBND huyện Cam Lộ",
        "Cam Lộ",
        8.0,
        [
            ("TT", "UBND thị trấn Cam Lộ"),
            ("CTH", "UBND xã Cam Thành"),
            ("CH", "UBND xã Cam Hiếu"),
            ("CTU", "UBND xã Cam Tuyền"),
        ],
    ),
    (
        "TP",
        "UBND huyện Triệu Phong",
        "Triệu Phong",
        13.0,
        [
            ("AT", "UBND thị trấn Ái Tử"),
            ("TA", "UBND xã Triệu Ái"),
            ("TTH", "UBND xã Triệu Thành"),
            ("TTR", "UBND xã Triệu Trạch"),
            ("TL", "UBND xã Triệu Long"),
        ],
    ),
    (
        "HL",
        "UBND huyện Hải Lăng",
        "Hải Lăng",
        13.0,
        [
            ("DS", "UBND thị trấn Diên Sanh"),
            ("HP", "UBND xã Hải Phú"),
            ("HT", "UBND xã Hải Thượng"),
            ("HD", "UBND xã Hải Định"),
            ("HC", "UBND xã Hải Chánh"),
            ("HB", "UBND xã Hải Ba"),
        ],
    ),
    (
        "HH",
        "UBND huyện Hướng Hóa",
        "Hướng Hóa",
        12.0,
        [
            ("KS", "UBND thị trấn Khe Sanh"),
            ("LB", "UBND thị trấn Lao Bảo"),
            ("TH", "UBND xã Tân Hợp"),
            ("HP", "UBND xã Hướng Phùng"),
            ("TL", "UBND xã Tân Long"),
        ],
    ),
    (
        "DKR",
        "UBND huyện Đakrông",
        "Đakrông",
        6.0,
        [
            ("KK", "UBND thị trấn Krông Klang"),
            ("HH", "UBND xã Hướng Hiệp"),
            ("MO", "UBND xã Mò Ó"),
            ("TR", "UBND xã Tà Rụt"),
        ],
    ),
    ("CC", "UBND huyện Cồn Cỏ", "Cồn Cỏ", 0.15, []),
]

# Share of the province's dossiers by level (own dossiers of that level).
LEVEL_SHARES = {"so": 0.25, "huyen": 0.33, "xa": 0.42}


# The two-tier government (domain.md section 12). On 1/3/2025 Sở Tài chính and Sở Kế hoạch và
# Đầu tư merged (the code and name are those the staff-posting demo uses, directives/
# posting_demo.py); on 1/7/2025 the districts ended and their communes merged into fewer, larger
# communes directly under the province, Cồn Cỏ becoming a special zone (đặc khu). The new names
# are illustrative.
DEPARTMENTS_MERGED_ON = dt.date(2025, 3, 1)
REFORM_DAY = dt.date(2025, 7, 1)
MERGED_DEPARTMENT = ("STC-HN", "Sở Tài chính (hợp nhất với Sở Kế hoạch và Đầu tư)", "Sở Tài chính")
MERGED_DEPARTMENT_FROM = ("STC", "SKHDT")
# District code -> the new communes its communes merged into: (code, name, how many of the
# district's communes, in order).
NEW_COMMUNES: dict[str, list[tuple[str, str, int]]] = {
    "DH": [("X-NDH", "UBND phường Nam Đông Hà", 3), ("X-DHA", "UBND phường Đông Hà", 3)],
    "TXQT": [("X-QTR", "UBND phường Quảng Trị", 4)],
    "VL": [("X-VLI", "UBND xã Vĩnh Linh", 3), ("X-BVL", "UBND xã Bắc Vĩnh Linh", 3)],
    "GL": [("X-GLI", "UBND xã Gio Linh", 3), ("X-NGL", "UBND xã Nam Gio Linh", 2)],
    "CL": [("X-CLO", "UBND xã Cam Lộ", 4)],
    "TP": [("X-TPH", "UBND xã Triệu Phong", 3), ("X-NTP", "UBND xã Nam Triệu Phong", 2)],
    "HL": [("X-HLA", "UBND xã Hải Lăng", 3), ("X-NHL", "UBND xã Nam Hải Lăng", 3)],
    "HH": [("X-KSA", "UBND xã Khe Sanh", 3), ("X-LBA", "UBND xã Lao Bảo", 2)],
    "DKR": [("X-DKR", "UBND xã Đakrông", 4)],
}
SPECIAL_ZONE = ("X-CCO", "UBND đặc khu Cồn Cỏ", "CC")  # formed from the island district


def demo_agencies() -> list[DemoAgency]:
    """Every agency of the demo, parents before children, in display order: the units of 2023
    first (in the order the 2023 dossiers are drawn from), then those formed later."""
    return _agencies_of_2023() + _agencies_formed_later()


def _agencies_of_2023() -> list[DemoAgency]:
    agencies = [
        DemoAgency(PROVINCE_CODE, PROVINCE_NAME, "Tỉnh Quảng Trị", "tinh", None, CODE_PREFIX, 0.0)
    ]
    for number, (code, name, short, weight) in enumerate(DEPARTMENTS, start=1):
        prefix = f"{CODE_PREFIX}.{number:02d}"
        agencies.append(DemoAgency(code, name, short, "so", PROVINCE_CODE, prefix, weight))
    for number, (code, name, short, weight, communes) in enumerate(DISTRICTS, start=31):
        prefix = f"{CODE_PREFIX}.{number}"
        agencies.append(DemoAgency(code, name, short, "huyen", PROVINCE_CODE, prefix, weight))
        for sub, (suffix, commune) in enumerate(communes, start=1):
            # Communes share their district's volume, the district seat a little more.
            share = weight * (1.4 if sub == 1 else 1.0 - 0.08 * sub)
            agencies.append(
                DemoAgency(
                    f"{code}-{suffix}",
                    commune,
                    commune.removeprefix("UBND "),
                    "xa",
                    code,
                    f"{prefix}.{sub:02d}",
                    share,
                    valid_to=REFORM_DAY - dt.timedelta(days=1),
                )
            )
    ended = {
        **dict.fromkeys(MERGED_DEPARTMENT_FROM, DEPARTMENTS_MERGED_ON - dt.timedelta(days=1)),
        **{a.code: REFORM_DAY - dt.timedelta(days=1) for a in agencies if a.level == "huyen"},
    }
    return [
        dataclasses.replace(a, valid_to=ended[a.code]) if a.code in ended else a for a in agencies
    ]


def _agencies_formed_later() -> list[DemoAgency]:
    old = {a.code: a for a in _agencies_of_2023()}
    code, name, short = MERGED_DEPARTMENT
    formers = [old[c] for c in MERGED_DEPARTMENT_FROM]
    later = [
        DemoAgency(
            code,
            name,
            short,
            "so",
            PROVINCE_CODE,
            f"{CODE_PREFIX}.{len(DEPARTMENTS) + 1:02d}",
            sum(a.weight for a in formers),
            valid_from=DEPARTMENTS_MERGED_ON,
            merged_from=MERGED_DEPARTMENT_FROM,
            procedures_of="SKHDT",
        )
    ]
    number = 60
    for district, groups in NEW_COMMUNES.items():
        communes = [a for a in old.values() if a.parent == district]
        start = 0
        for new_code, new_name, count in groups:
            merged = communes[start : start + count]
            start += count
            number += 1
            later.append(
                DemoAgency(
                    new_code,
                    new_name,
                    new_name.removeprefix("UBND "),
                    "xa",
                    PROVINCE_CODE,
                    f"{CODE_PREFIX}.{number}",
                    sum(a.weight for a in merged),
                    valid_from=REFORM_DAY,
                    merged_from=tuple(a.code for a in merged),
                )
            )
        if start != len(communes):
            raise ValueError(f"the new communes of {district} leave some old ones out")
    zone_code, zone_name, district = SPECIAL_ZONE
    later.append(
        DemoAgency(
            zone_code,
            zone_name,
            zone_name.removeprefix("UBND "),
            "xa",
            PROVINCE_CODE,
            f"{CODE_PREFIX}.{number + 1}",
            old[district].weight,
            valid_from=REFORM_DAY,
            merged_from=(district,),
        )
    )
    return later


@dataclass(frozen=True)
class DemoProcedure:
    code: str
    name: str
    domain: str
    online_level: str  # toan_trinh, mot_phan, khong
    full_process_eligible: bool
    paper_result: bool
    days: int  # processing time in working days
    handler: str  # an agency code (level so), "huyen" or "xa"
    weight: float  # relative volume among the handler's procedures
    fee: int  # typical fee in VND (0: free)
    fee_share: float  # share of dossiers that pay a fee
    components: int  # typical number of dossier components


T, M, K = "toan_trinh", "mot_phan", "khong"

# fmt: off
_PROCEDURES: list[tuple] = [
    # --- Sở Tài nguyên và Môi trường (Văn phòng Đăng ký đất đai) ---
    ("1.004227", "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất do chuyển nhượng, tặng cho, thừa kế", LAND_DOMAIN, M, False, True, 10, "STNMT", 30, 100_000, 0.95, 6),  # noqa: E501
    ("1.004203", "Cấp đổi Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền với đất", LAND_DOMAIN, M, False, True, 7, "STNMT", 12, 50_000, 0.9, 4),  # noqa: E501
    ("1.004217", "Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất lần đầu cho tổ chức", LAND_DOMAIN, M, False, True, 20, "STNMT", 4, 500_000, 0.95, 8),  # noqa: E501
    ("1.004193", "Tách thửa hoặc hợp thửa đất", LAND_DOMAIN, M, False, True, 15, "STNMT", 10, 100_000, 0.9, 5),  # noqa: E501
    ("1.004269", "Đính chính Giấy chứng nhận đã cấp", LAND_DOMAIN, M, False, True, 10, "STNMT", 3, 0, 0.0, 3),  # noqa: E501
    ("1.004238", "Xóa ghi nợ tiền sử dụng đất", LAND_DOMAIN, T, True, False, 3, "STNMT", 3, 0, 0.0, 2),  # noqa: E501
    ("1.004199", "Cấp lại Giấy chứng nhận quyền sử dụng đất do bị mất", LAND_DOMAIN, M, False, True, 10, "STNMT", 2, 100_000, 0.95, 4),  # noqa: E501
    ("1.003002", "Đăng ký thế chấp quyền sử dụng đất, tài sản gắn liền với đất", "Đăng ký biện pháp bảo đảm", T, True, True, 1, "STNMT", 22, 80_000, 0.98, 3),  # noqa: E501
    ("1.003008", "Xóa đăng ký thế chấp quyền sử dụng đất, tài sản gắn liền với đất", "Đăng ký biện pháp bảo đảm", T, True, False, 1, "STNMT", 12, 20_000, 0.98, 2),  # noqa: E501
    ("1.004249", "Thẩm định báo cáo đánh giá tác động môi trường", "Môi trường", M, False, True, 30, "STNMT", 0.5, 5_000_000, 1.0, 6),  # noqa: E501
    ("1.010727", "Cấp giấy phép môi trường", "Môi trường", M, False, True, 20, "STNMT", 0.6, 3_000_000, 1.0, 5),  # noqa: E501
    ("1.004232", "Cấp giấy phép khai thác, sử dụng nước mặt", "Tài nguyên nước", M, False, True, 25, "STNMT", 0.3, 1_200_000, 1.0, 5),  # noqa: E501
    ("1.000778", "Cấp giấy phép khai thác khoáng sản", "Khoáng sản", M, False, True, 30, "STNMT", 0.2, 5_000_000, 1.0, 7),  # noqa: E501
    # --- Sở Kế hoạch và Đầu tư ---
    ("2.001610", "Đăng ký thành lập doanh nghiệp tư nhân", "Thành lập và hoạt động doanh nghiệp", T, True, True, 3, "SKHDT", 4, 50_000, 0.5, 3),  # noqa: E501
    ("2.002040", "Đăng ký thành lập công ty trách nhiệm hữu hạn một thành viên", "Thành lập và hoạt động doanh nghiệp", T, True, True, 3, "SKHDT", 10, 50_000, 0.5, 4),  # noqa: E501
    ("2.001199", "Đăng ký thay đổi nội dung đăng ký doanh nghiệp", "Thành lập và hoạt động doanh nghiệp", T, True, True, 3, "SKHDT", 22, 50_000, 0.5, 3),  # noqa: E501
    ("1.005006", "Thông báo thay đổi nội dung đăng ký doanh nghiệp", "Thành lập và hoạt động doanh nghiệp", T, True, False, 3, "SKHDT", 10, 100_000, 0.6, 2),  # noqa: E501
    ("1.010009", "Đăng ký hoạt động chi nhánh, văn phòng đại diện, địa điểm kinh doanh", "Thành lập và hoạt động doanh nghiệp", T, True, True, 3, "SKHDT", 6, 50_000, 0.5, 3),  # noqa: E501
    ("1.009645", "Thông báo tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn đã thông báo", "Thành lập và hoạt động doanh nghiệp", T, True, False, 3, "SKHDT", 6, 0, 0.0, 1),  # noqa: E501
    ("1.009738", "Cấp Giấy chứng nhận đăng ký đầu tư đối với dự án không thuộc diện chấp thuận chủ trương đầu tư", "Đầu tư tại Việt Nam", M, False, True, 15, "SKHDT", 0.6, 0, 0.0, 6),  # noqa: E501
    ("1.009742", "Điều chỉnh Giấy chứng nhận đăng ký đầu tư", "Đầu tư tại Việt Nam", M, False, True, 10, "SKHDT", 0.5, 0, 0.0, 5),  # noqa: E501
    # --- Sở Giao thông vận tải ---
    ("1.002809", "Đổi giấy phép lái xe do ngành Giao thông vận tải cấp", "Đường bộ", T, True, True, 5, "SGTVT", 40, 135_000, 1.0, 3),  # noqa: E501
    ("1.002820", "Cấp lại giấy phép lái xe", "Đường bộ", M, False, True, 5, "SGTVT", 6, 135_000, 1.0, 3),  # noqa: E501
    ("1.001777", "Cấp giấy phép kinh doanh vận tải bằng xe ô tô", "Đường bộ", T, True, True, 5, "SGTVT", 3, 200_000, 0.6, 4),  # noqa: E501
    ("1.002861", "Cấp phù hiệu xe ô tô kinh doanh vận tải", "Đường bộ", T, True, True, 2, "SGTVT", 10, 0, 0.0, 2),  # noqa: E501
    ("1.001001", "Cấp giấy phép lưu hành xe quá tải trọng, xe quá khổ giới hạn trên đường bộ", "Đường bộ", T, True, True, 2, "SGTVT", 3, 0, 0.0, 3),  # noqa: E501
    # --- Sở Tư pháp ---
    ("2.000488", "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam", "Lý lịch tư pháp", T, True, True, 10, "STP", 50, 200_000, 0.92, 2),  # noqa: E501
    ("2.000505", "Cấp Phiếu lý lịch tư pháp cho cơ quan tiến hành tố tụng", "Lý lịch tư pháp", M, False, True, 10, "STP", 5, 0, 0.0, 1),  # noqa: E501
    ("1.003160", "Giải quyết việc người nước ngoài thường trú ở nước ngoài nhận trẻ em Việt Nam làm con nuôi", "Nuôi con nuôi", K, False, True, 60, "STP", 0.2, 9_000_000, 1.0, 8),  # noqa: E501
    ("1.001233", "Đăng ký hoạt động Văn phòng công chứng", "Công chứng", M, False, True, 10, "STP", 1, 1_000_000, 1.0, 5),  # noqa: E501
    # --- Sở Y tế ---
    ("1.003950", "Cấp chứng chỉ hành nghề khám bệnh, chữa bệnh", "Khám bệnh, chữa bệnh", M, False, True, 20, "SYT", 20, 360_000, 1.0, 5),  # noqa: E501
    ("1.004616", "Cấp giấy phép hoạt động đối với phòng khám chuyên khoa", "Khám bệnh, chữa bệnh", M, False, True, 30, "SYT", 5, 5_700_000, 1.0, 7),  # noqa: E501
    ("1.004599", "Cấp Chứng chỉ hành nghề dược", "Dược phẩm", M, False, True, 20, "SYT", 20, 500_000, 1.0, 4),  # noqa: E501
    ("1.004585", "Cấp Giấy chứng nhận đủ điều kiện kinh doanh dược cho cơ sở bán lẻ thuốc", "Dược phẩm", M, False, True, 20, "SYT", 15, 1_000_000, 1.0, 6),  # noqa: E501
    ("1.002425", "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm do ngành Y tế quản lý", "An toàn thực phẩm", M, False, True, 20, "SYT", 10, 1_000_000, 1.0, 5),  # noqa: E501
    # --- Sở Công Thương ---
    ("2.000633", "Cấp Giấy phép bán lẻ sản phẩm thuốc lá", "Lưu thông hàng hóa trong nước", M, False, True, 15, "SCT", 4, 1_200_000, 1.0, 5),  # noqa: E501
    ("2.000620", "Cấp Giấy phép bán buôn sản phẩm rượu", "Lưu thông hàng hóa trong nước", M, False, True, 15, "SCT", 3, 1_200_000, 1.0, 5),  # noqa: E501
    ("2.000152", "Cấp Giấy chứng nhận cửa hàng đủ điều kiện bán lẻ xăng dầu", "Lưu thông hàng hóa trong nước", M, False, True, 15, "SCT", 3, 1_200_000, 1.0, 6),  # noqa: E501
    ("2.000591", "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm do ngành Công Thương quản lý", "An toàn thực phẩm", M, False, True, 20, "SCT", 4, 1_000_000, 1.0, 5),  # noqa: E501
    ("2.000181", "Xác nhận đăng ký thực hiện khuyến mại", "Xúc tiến thương mại", T, True, False, 5, "SCT", 20, 0, 0.0, 2),  # noqa: E501
    # --- Sở Lao động - Thương binh và Xã hội ---
    ("1.001978", "Giải quyết chế độ ưu đãi đối với người có công với cách mạng", "Người có công", M, False, True, 20, "SLDTBXH", 8, 0, 0.0, 4),  # noqa: E501
    ("1.000459", "Cấp giấy phép lao động cho người lao động nước ngoài làm việc tại Việt Nam", "Việc làm", T, True, True, 5, "SLDTBXH", 5, 600_000, 1.0, 6),  # noqa: E501
    ("1.001865", "Giải quyết hưởng trợ cấp thất nghiệp", "Việc làm", M, False, True, 20, "SLDTBXH", 25, 0, 0.0, 3),  # noqa: E501
    ("2.000134", "Đăng ký nội quy lao động của doanh nghiệp", "Lao động", T, True, False, 7, "SLDTBXH", 3, 0, 0.0, 2),  # noqa: E501
    ("1.000832", "Tiếp nhận đối tượng bảo trợ xã hội vào cơ sở trợ giúp xã hội cấp tỉnh", "Bảo trợ xã hội", K, False, True, 10, "SLDTBXH", 1, 0, 0.0, 5),  # noqa: E501
    # --- Sở Xây dựng ---
    ("1.009972", "Cấp giấy phép xây dựng mới đối với công trình cấp I, cấp II", "Hoạt động xây dựng", M, False, True, 20, "SXD", 3, 150_000, 1.0, 7),  # noqa: E501
    ("1.009931", "Thẩm định báo cáo nghiên cứu khả thi đầu tư xây dựng", "Hoạt động xây dựng", M, False, True, 30, "SXD", 2, 2_000_000, 1.0, 8),  # noqa: E501
    ("1.009986", "Cấp chứng chỉ hành nghề hoạt động xây dựng hạng II, hạng III", "Hoạt động xây dựng", T, True, True, 20, "SXD", 5, 300_000, 1.0, 4),  # noqa: E501
    ("1.008432", "Thẩm định nhiệm vụ, đồ án quy hoạch chi tiết xây dựng", "Quy hoạch xây dựng", M, False, True, 20, "SXD", 1, 0, 0.0, 6),  # noqa: E501
    # --- Sở Nông nghiệp và Phát triển nông thôn ---
    ("1.003619", "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm đối với cơ sở sản xuất, kinh doanh nông, lâm, thủy sản", "An toàn thực phẩm", M, False, True, 15, "SNNPTNT", 3, 700_000, 1.0, 5),  # noqa: E501
    ("1.002338", "Cấp Giấy chứng nhận đủ điều kiện buôn bán thuốc bảo vệ thực vật", "Trồng trọt", M, False, True, 15, "SNNPTNT", 4, 500_000, 1.0, 5),  # noqa: E501
    ("1.005327", "Cấp Giấy chứng nhận kiểm dịch động vật, sản phẩm động vật vận chuyển ra khỏi địa bàn cấp tỉnh", "Thú y", T, True, True, 1, "SNNPTNT", 10, 40_000, 1.0, 2),  # noqa: E501
    ("1.004692", "Cấp Giấy chứng nhận đủ điều kiện sản xuất thức ăn chăn nuôi", "Chăn nuôi", M, False, True, 15, "SNNPTNT", 1, 500_000, 1.0, 5),  # noqa: E501
    ("1.003651", "Cấp giấy phép khai thác thủy sản", "Thủy sản", T, True, True, 5, "SNNPTNT", 3, 40_000, 1.0, 3),  # noqa: E501
    ("1.000047", "Phê duyệt phương án khai thác thực vật rừng thông thường", "Lâm nghiệp", M, False, True, 15, "SNNPTNT", 1, 0, 0.0, 4),  # noqa: E501
    # --- Sở Giáo dục và Đào tạo ---
    ("1.005092", "Chỉnh sửa nội dung văn bằng, chứng chỉ", "Giáo dục và đào tạo", T, True, True, 5, "SGDDT", 6, 0, 0.0, 3),  # noqa: E501
    ("1.005095", "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc", "Giáo dục và đào tạo", T, True, True, 3, "SGDDT", 20, 0, 0.0, 2),  # noqa: E501
    ("1.004889", "Công nhận văn bằng tốt nghiệp do cơ sở giáo dục nước ngoài cấp", "Giáo dục và đào tạo", T, True, True, 20, "SGDDT", 2, 0, 0.0, 3),  # noqa: E501
    ("1.006388", "Cấp giấy phép tổ chức hoạt động dạy thêm, học thêm", "Giáo dục và đào tạo", M, False, True, 10, "SGDDT", 2, 0, 0.0, 5),  # noqa: E501
    # --- Sở Văn hóa, Thể thao và Du lịch ---
    ("1.003609", "Cấp Giấy phép đủ điều kiện kinh doanh dịch vụ karaoke", "Văn hóa", M, False, True, 5, "SVHTTDL", 3, 4_000_000, 1.0, 4),  # noqa: E501
    ("1.001440", "Cấp Giấy phép kinh doanh dịch vụ lữ hành nội địa", "Du lịch", T, True, True, 10, "SVHTTDL", 2, 3_000_000, 1.0, 5),  # noqa: E501
    ("1.001432", "Công nhận hạng cơ sở lưu trú du lịch", "Du lịch", M, False, True, 30, "SVHTTDL", 1, 1_500_000, 1.0, 4),  # noqa: E501
    # --- Sở Thông tin và Truyền thông ---
    ("1.004662", "Cấp giấy phép xuất bản bản tin", "Báo chí", T, True, True, 10, "STTTT", 3, 0, 0.0, 3),  # noqa: E501
    ("1.004468", "Cấp giấy phép hoạt động in xuất bản phẩm", "Xuất bản", M, False, True, 7, "STTTT", 2, 0, 0.0, 4),  # noqa: E501
    ("2.001171", "Cấp giấy phép thiết lập trang thông tin điện tử tổng hợp", "Báo chí", T, True, True, 10, "STTTT", 2, 0, 0.0, 4),  # noqa: E501
    # --- Sở Tài chính ---
    ("1.005428", "Đăng ký mã số đơn vị có quan hệ với ngân sách", "Tài chính ngân sách", T, True, False, 2, "STC", 10, 0, 0.0, 2),  # noqa: E501
    ("1.005421", "Quyết định mua sắm tài sản công", "Quản lý công sản", M, False, True, 15, "STC", 2, 0, 0.0, 4),  # noqa: E501
    # --- Sở Nội vụ ---
    ("1.000748", "Tặng Bằng khen của Chủ tịch UBND tỉnh", "Thi đua - khen thưởng", M, False, True, 20, "SNV", 8, 0, 0.0, 3),  # noqa: E501
    ("1.001055", "Đề nghị tổ chức cuộc lễ ngoài cơ sở tôn giáo", "Tôn giáo", M, False, True, 20, "SNV", 1, 0, 0.0, 2),  # noqa: E501
    ("1.005385", "Thẩm định thành lập, tổ chức lại đơn vị sự nghiệp công lập", "Tổ chức hành chính", K, False, True, 15, "SNV", 1, 0, 0.0, 5),  # noqa: E501
    # --- Sở Khoa học và Công nghệ ---
    ("1.003568", "Cấp Giấy chứng nhận đăng ký hoạt động khoa học và công nghệ", "Hoạt động khoa học và công nghệ", M, False, True, 15, "SKHCN", 1, 0, 0.0, 4),  # noqa: E501
    ("1.004412", "Kiểm tra nhà nước về chất lượng hàng hóa nhập khẩu", "Tiêu chuẩn đo lường chất lượng", T, True, False, 1, "SKHCN", 3, 0, 0.0, 3),  # noqa: E501
    # --- Văn phòng UBND tỉnh, Thanh tra, Ngoại vụ, Ban Dân tộc, Ban Quản lý Khu kinh tế ---
    ("2.002163", "Tiếp nhận, xử lý phản ánh, kiến nghị về quy định hành chính", "Kiểm soát thủ tục hành chính", T, True, False, 10, "VPUB", 1, 0, 0.0, 1),  # noqa: E501
    ("2.002170", "Giải quyết khiếu nại lần hai tại cấp tỉnh", "Giải quyết khiếu nại", K, False, True, 45, "TTT", 1, 0, 0.0, 4),  # noqa: E501
    ("2.002172", "Giải quyết tố cáo tại cấp tỉnh", "Giải quyết tố cáo", K, False, True, 30, "TTT", 0.5, 0, 0.0, 3),  # noqa: E501
    ("1.010771", "Cho phép sử dụng thẻ đi lại của doanh nhân APEC", "Ngoại vụ", T, True, True, 10, "SNGV", 2, 0, 0.0, 4),  # noqa: E501
    ("1.010772", "Cho phép tổ chức hội nghị, hội thảo quốc tế", "Ngoại vụ", M, False, True, 15, "SNGV", 0.5, 0, 0.0, 3),  # noqa: E501
    ("2.001872", "Công nhận người có uy tín trong đồng bào dân tộc thiểu số", "Công tác dân tộc", K, False, True, 15, "BDT", 1, 0, 0.0, 3),  # noqa: E501
    ("1.009755", "Cấp Giấy chứng nhận đăng ký đầu tư đối với dự án trong khu kinh tế", "Đầu tư tại Việt Nam", M, False, True, 15, "BQLKKT", 2, 0, 0.0, 6),  # noqa: E501
    ("1.009760", "Cấp giấy phép lao động cho người nước ngoài làm việc trong khu kinh tế", "Việc làm", T, True, True, 5, "BQLKKT", 1, 600_000, 1.0, 5),  # noqa: E501
    # --- UBND cấp huyện ---
    ("1.004221", "Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất lần đầu cho hộ gia đình, cá nhân", LAND_DOMAIN, M, False, True, 30, "huyen", 14, 100_000, 0.9, 7),  # noqa: E501
    ("1.004222", "Đăng ký biến động quyền sử dụng đất của hộ gia đình, cá nhân do chuyển nhượng, tặng cho, thừa kế", LAND_DOMAIN, M, False, True, 10, "huyen", 22, 100_000, 0.92, 6),  # noqa: E501
    ("1.004211", "Chuyển mục đích sử dụng đất phải được phép của cơ quan nhà nước có thẩm quyền đối với hộ gia đình, cá nhân", LAND_DOMAIN, M, False, True, 15, "huyen", 6, 100_000, 0.95, 5),  # noqa: E501
    ("1.004214", "Cấp đổi Giấy chứng nhận quyền sử dụng đất cho hộ gia đình, cá nhân", LAND_DOMAIN, M, False, True, 7, "huyen", 8, 50_000, 0.9, 4),  # noqa: E501
    ("1.004246", "Tách thửa hoặc hợp thửa đất của hộ gia đình, cá nhân", LAND_DOMAIN, M, False, True, 15, "huyen", 8, 100_000, 0.9, 5),  # noqa: E501
    ("1.004233", "Gia hạn sử dụng đất nông nghiệp của hộ gia đình, cá nhân", LAND_DOMAIN, M, False, True, 7, "huyen", 2, 0, 0.0, 3),  # noqa: E501
    ("1.004258", "Giải quyết tranh chấp đất đai thuộc thẩm quyền của Chủ tịch UBND cấp huyện", LAND_DOMAIN, K, False, True, 45, "huyen", 0.5, 0, 0.0, 5),  # noqa: E501
    ("2.000720", "Đăng ký thành lập hộ kinh doanh", "Thành lập và hoạt động của hộ kinh doanh", T, True, True, 3, "huyen", 7, 100_000, 0.8, 3),  # noqa: E501
    ("2.000575", "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh", "Thành lập và hoạt động của hộ kinh doanh", T, True, True, 3, "huyen", 3, 50_000, 0.8, 2),  # noqa: E501
    ("1.009994", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Hoạt động xây dựng", M, False, True, 15, "huyen", 5, 75_000, 1.0, 5),  # noqa: E501
    ("2.000913", "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan có thẩm quyền của nước ngoài cấp", "Chứng thực", M, False, True, 1, "huyen", 4, 2_000, 0.98, 1),  # noqa: E501
    ("2.000908", "Chứng thực chữ ký người dịch", "Chứng thực", K, False, True, 1, "huyen", 1.5, 10_000, 1.0, 1),  # noqa: E501
    ("1.001766", "Đăng ký khai sinh có yếu tố nước ngoài", "Hộ tịch", M, False, True, 3, "huyen", 0.3, 0, 0.0, 3),  # noqa: E501
    ("1.000893", "Đăng ký kết hôn có yếu tố nước ngoài", "Hộ tịch", M, False, True, 10, "huyen", 0.3, 1_000_000, 1.0, 5),  # noqa: E501
    ("1.001731", "Trợ cấp xã hội hằng tháng đối với đối tượng bảo trợ xã hội", "Bảo trợ xã hội", M, False, True, 20, "huyen", 3, 0, 0.0, 4),  # noqa: E501
    ("1.001776", "Điều chỉnh, thôi hưởng trợ cấp xã hội hằng tháng", "Bảo trợ xã hội", M, False, True, 10, "huyen", 1.5, 0, 0.0, 2),  # noqa: E501
    ("1.004494", "Cấp Giấy phép bán lẻ rượu", "Lưu thông hàng hóa trong nước", M, False, True, 10, "huyen", 0.5, 1_200_000, 1.0, 4),  # noqa: E501
    ("1.005097", "Chuyển trường đối với học sinh trung học cơ sở", "Giáo dục và đào tạo", T, True, False, 3, "huyen", 1, 0, 0.0, 3),  # noqa: E501
    ("1.010734", "Đăng ký kế hoạch bảo vệ môi trường", "Môi trường", M, False, True, 10, "huyen", 0.5, 0, 0.0, 3),  # noqa: E501
    ("1.003005", "Cấp giấy chứng nhận đăng ký kinh tế trang trại", "Trồng trọt", M, False, True, 5, "huyen", 0.3, 0, 0.0, 3),  # noqa: E501
    # --- UBND cấp xã ---
    ("1.001193", "Đăng ký khai sinh", "Hộ tịch", T, True, True, 1, "xa", 10, 0, 0.0, 3),
    ("1.000894", "Đăng ký kết hôn", "Hộ tịch", M, False, True, 3, "xa", 4, 0, 0.0, 3),
    ("1.000656", "Đăng ký khai tử", "Hộ tịch", T, True, True, 1, "xa", 3, 0, 0.0, 2),
    ("1.004873", "Cấp Giấy xác nhận tình trạng hôn nhân", "Hộ tịch", T, True, True, 3, "xa", 8, 0, 0.0, 2),  # noqa: E501
    ("1.004884", "Cấp bản sao trích lục hộ tịch", "Hộ tịch", T, True, True, 1, "xa", 5, 8_000, 0.9, 1),  # noqa: E501
    ("1.000689", "Đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch", "Hộ tịch", M, False, True, 3, "xa", 1.5, 15_000, 0.9, 3),  # noqa: E501
    ("1.004859", "Đăng ký nhận cha, mẹ, con", "Hộ tịch", M, False, True, 3, "xa", 0.3, 0, 0.0, 4),
    ("2.000815", "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan có thẩm quyền của Việt Nam cấp", "Chứng thực", M, False, True, 1, "xa", 22, 2_000, 0.98, 1),  # noqa: E501
    ("2.000884", "Chứng thực chữ ký trong các giấy tờ, văn bản", "Chứng thực", K, False, True, 1, "xa", 6, 10_000, 1.0, 1),  # noqa: E501
    ("2.001035", "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản, quyền sử dụng đất và nhà ở", "Chứng thực", K, False, True, 2, "xa", 4, 50_000, 1.0, 3),  # noqa: E501
    ("2.000751", "Xác nhận hộ gia đình làm nông nghiệp, lâm nghiệp, ngư nghiệp có mức sống trung bình", "Bảo trợ xã hội", M, False, True, 7, "xa", 2, 0, 0.0, 2),  # noqa: E501
    ("1.001699", "Xác định mức độ khuyết tật và cấp Giấy xác nhận khuyết tật", "Bảo trợ xã hội", M, False, True, 25, "xa", 1, 0, 0.0, 3),  # noqa: E501
    ("1.002519", "Giải quyết chế độ trợ cấp mai táng phí đối với người có công với cách mạng", "Người có công", M, False, True, 10, "xa", 1, 0, 0.0, 3),  # noqa: E501
    ("1.003323", "Hòa giải tranh chấp đất đai", LAND_DOMAIN, K, False, True, 45, "xa", 1, 0, 0.0, 3),  # noqa: E501
    ("1.000954", "Xác nhận nguồn gốc, thời điểm sử dụng đất để cấp Giấy chứng nhận", LAND_DOMAIN, K, False, True, 10, "xa", 1.5, 0, 0.0, 3),  # noqa: E501
    ("1.003622", "Xét tặng danh hiệu Gia đình văn hóa", "Văn hóa", K, False, True, 10, "xa", 0.5, 0, 0.0, 2),  # noqa: E501
    ("1.000775", "Tặng Giấy khen của Chủ tịch UBND cấp xã", "Thi đua - khen thưởng", K, False, True, 20, "xa", 0.3, 0, 0.0, 2),  # noqa: E501
]
# fmt: on


def demo_procedures() -> list[DemoProcedure]:
    return [DemoProcedure(*row) for row in _PROCEDURES]


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str  # family and middle names, so that get_full_name() reads in Vietnamese order
    last_name: str  # given name
    role: str | None  # a Role value, or None for a user with no role
    agency: str | None
    title: str
    superuser: bool = False


DEMO_PASSWORD = "demo"

DEMO_USERS: list[DemoUser] = [
    DemoUser("vanphong", "Nguyễn Thị Thu", "Hà", "province_office", PROVINCE_CODE, "Chuyên viên"),
    DemoUser("noivu", "Lê Văn", "Hùng", "home_affairs", "SNV", "Trưởng phòng Cải cách hành chính"),
    DemoUser("so-tnmt", "Trần Quốc", "Bảo", "agency_head", "STNMT", "Giám đốc"),
    DemoUser("hailang", "Hoàng Minh", "Tuấn", "agency_head", "HL", "Chủ tịch"),
    DemoUser("khach", "Phạm Thị", "Lan", None, None, ""),
    DemoUser("admin", "Võ Đình", "Khoa", "administrator", None, "Quản trị hệ thống", True),
]

# Reasons written on apology slips, by domain (Đất đai has its own), then the general ones.
LAND_DELAY_REASONS = [
    "Phải xác minh nguồn gốc, thời điểm sử dụng đất tại UBND cấp xã",
    "Chờ cơ quan thuế xác định nghĩa vụ tài chính",
    "Phải đo đạc, chỉnh lý bản đồ địa chính thửa đất",
    "Hồ sơ có tranh chấp ranh giới, phải tổ chức đối thoại",
    "Phải niêm yết công khai kết quả kiểm tra hồ sơ theo quy định",
]
GENERAL_DELAY_REASONS = [
    "Phải lấy ý kiến của cơ quan, đơn vị có liên quan",
    "Lượng hồ sơ tăng đột biến, cán bộ thụ lý không kịp xử lý",
    "Hệ thống phần mềm một cửa điện tử gặp sự cố",
    "Cán bộ thụ lý nghỉ ốm đột xuất, chưa kịp bàn giao",
    "Phải xác minh thông tin tại địa phương khác",
    "Chờ trích lục hồ sơ lưu trữ",
]
