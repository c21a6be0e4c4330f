"""The two-tier government (domain.md sections 5, 6, 9 and 12), end to end through the commands:
an independent province whose organisation file has validity dates and merges, its dossiers,
`compute_kpis`, then every figure `export_kpis` gives for six periods and the four ranking
tables `export_ranking` gives for two, all worked out by hand below.

The province TN (15 units, all created from one file):
- departments: STN (Sở TN&MT) and SNN (Sở NN&PTNT) until 28/02/2025, merged into SNNMT from
  01/03/2025; STP (Sở Tư pháp) and SYT (Sở Y tế, no dossiers) throughout;
- districts H1, H2 until 30/06/2025; communes X1, X2 under H1 and X3, X4 under H2, until
  30/06/2025;
- from 01/07/2025, communes directly under the province: N1 (from X1, X2), N2 (from X3),
  N3 (from X4).

Procedures: L (land, paper result) and C (civil, no paper result). Dates without a time are
23:59:59 for due, finished and apology dates. The sixteen dossiers, one line each:

    d1  SNN  L rcv 03/02 due 10/02 fin 07/02  2/2 online  fee paid   e-result
    d2  STN  L rcv 05/02 due 12/02 fin 20/02  1/2 person  fee unpaid            apology 21/02
    d3  STN  C rcv 25/02 due 10/03 fin 27/02  1/1 online
    d4  SNNMT L rcv 03/03 due 10/03 open      1/1 person  fee paid
    d5  SNNMT C rcv 02/07 due 15/07 fin 10/07 2/2 online
    d6  STP  C rcv 10/06 due 20/06 fin 18/06  1/1 online
    d7  STP  L rcv 15/07 due 20/07 fin 25/07  0/1 person  fee paid   e-result
    d8  H1   L rcv 02/06 due 30/06 fin 27/06  2/2 person  fee paid
    d9  X1   C rcv 03/06 due 05/06 fin 09/06  1/1 online                        apology 06/06
    d10 X2   L rcv 12/06 due 20/06 fin 19/06  1/1 person  fee unpaid e-result
    d11 X3   C rcv 16/06 due 18/06 fin 18/06 10:00  2/2 online
    d12 X4   L rcv 20/06 due 25/06 fin 27/06  0/2 person  fee paid
    d13 N1   C rcv 01/07 due 03/07 fin 02/07  1/1 online
    d14 N1   L rcv 07/07 due 14/07 fin 16/07  2/2 person  fee paid   e-result  apology 15/07
    d15 N2   L rcv 10/07 due 20/07 fin 18/07  0/1 online  fee unpaid
    d16 N3   C rcv 05/08 due 10/08 fin 08/08  1/1 person
"""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.dossiers.conftest import run_import

pytestmark = pytest.mark.django_db

AGENCIES = """Mã đơn vị,Tên đơn vị,Cấp,Mã đơn vị cấp trên,Hiệu lực từ,Hiệu lực đến,Hợp nhất từ
TN,UBND tỉnh Thử Nghiệm,tinh,,,,
N1,UBND xã Bình An,xa,TN,01/07/2025,,X1;X2
N2,UBND xã Hòa Bình,xa,TN,01/07/2025,,X3
N3,UBND phường Thái Bình,xa,TN,01/07/2025,,X4
SNNMT,Sở Nông nghiệp và Môi trường,so,TN,01/03/2025,,"STN, SNN"
STN,Sở Tài nguyên và Môi trường,so,TN,,28/02/2025,
SNN,Sở Nông nghiệp và Phát triển nông thôn,so,TN,,28/02/2025,
STP,Sở Tư pháp,so,TN,,,
SYT,Sở Y tế,so,TN,,,
H1,UBND huyện Một,huyen,TN,,30/06/2025,
H2,UBND huyện Hai,huyen,TN,,30/06/2025,
X1,UBND xã Một A,xa,H1,,30/06/2025,
X2,UBND xã Một B,xa,H1,,30/06/2025,
X3,UBND xã Hai A,xa,H2,,30/06/2025,
X4,UBND xã Hai B,xa,H2,,30/06/2025,
"""

PROCEDURES = """Mã thủ tục,Tên thủ tục,Lĩnh vực,Kết quả bản giấy
1.000001,Đăng ký đất đai,Đất đai,Có
1.001193,Đăng ký khai sinh,Hộ tịch,Không
"""

L, C = "1.000001", "1.001193"
# code, agency, procedure, online, received, due, finished, total, digitized, fee, paid, e,
# apology; dates dd/mm of 2025
DOSSIERS = [
    ("d1", "SNN", L, 1, "03/02 08:00", "10/02", "07/02 10:00", 2, 2, 10000, 1, 1, ""),
    ("d2", "STN", L, 0, "05/02 08:00", "12/02", "20/02", 2, 1, 10000, 0, 0, "21/02"),
    ("d3", "STN", C, 1, "25/02 09:00", "10/03", "27/02", 1, 1, 0, 0, 0, ""),
    ("d4", "SNNMT", L, 0, "03/03 08:00", "10/03", "", 1, 1, 20000, 1, 0, ""),
    ("d5", "SNNMT", C, 1, "02/07 08:00", "15/07", "10/07", 2, 2, 0, 0, 0, ""),
    ("d6", "STP", C, 1, "10/06 08:00", "20/06", "18/06", 1, 1, 0, 0, 0, ""),
    ("d7", "STP", L, 0, "15/07 08:00", "20/07", "25/07", 1, 0, 50000, 1, 1, ""),
    ("d8", "H1", L, 0, "02/06 08:00", "30/06", "27/06", 2, 2, 10000, 1, 0, ""),
    ("d9", "X1", C, 1, "03/06 08:00", "05/06", "09/06", 1, 1, 0, 0, 0, "06/06"),
    ("d10", "X2", L, 0, "12/06 08:00", "20/06", "19/06", 1, 1, 5000, 0, 1, ""),
    ("d11", "X3", C, 1, "16/06 08:00", "18/06", "18/06 10:00", 2, 2, 0, 0, 0, ""),
    ("d12", "X4", L, 0, "20/06 08:00", "25/06", "27/06", 2, 0, 10000, 1, 0, ""),
    ("d13", "N1", C, 1, "01/07 08:00", "03/07", "02/07", 1, 1, 0, 0, 0, ""),
    ("d14", "N1", L, 0, "07/07 08:00", "14/07", "16/07", 2, 2, 10000, 1, 1, "15/07"),
    ("d15", "N2", L, 1, "10/07 08:00", "20/07", "18/07", 1, 0, 20000, 0, 0, ""),
    ("d16", "N3", C, 0, "05/08 08:00", "10/08", "08/08", 1, 1, 0, 0, 0, ""),
]  # fmt: skip
DOSSIER_HEADER = (
    "Mã hồ sơ,Mã đơn vị,Mã thủ tục,Kênh nộp,Ngày tiếp nhận,Ngày hẹn trả,Ngày kết thúc xử lý,"
    'Số thành phần hồ sơ,Số thành phần đã số hóa,"Phí, lệ phí (đồng)",Thanh toán trực tuyến,'
    "Kết quả điện tử,Ngày xin lỗi"
)

# (digitization, e_result, on_time, apology, online_submission, online_payment)
ORDER = ("digitization", "e_result", "on_time", "apology", "online_submission", "online_payment")
Z = ((0, 0),) * 6

FEB_SNN = ((1, 1), (1, 1), (1, 1), (0, 0), (1, 1), (1, 1))
FEB_STN = ((1, 2), (0, 1), (1, 2), (1, 1), (1, 2), (0, 1))
FEB_SO = ((2, 3), (1, 2), (2, 3), (1, 1), (2, 3), (1, 2))
# March: only d4, open past its due date 10/03.
MAR_SNNMT = ((1, 1), (0, 0), (0, 1), (0, 1), (0, 1), (1, 1))
# June
JUN_SNNMT = ((0, 0), (0, 0), (0, 1), (0, 1), (0, 0), (0, 0))  # d4 still open, overdue
JUN_STP = ((1, 1), (0, 0), (1, 1), (0, 0), (1, 1), (0, 0))
JUN_H1 = ((3, 3), (1, 2), (2, 3), (1, 1), (1, 3), (1, 2))  # node: d8, d9, d10
JUN_H2 = ((1, 2), (0, 1), (1, 2), (0, 1), (1, 2), (1, 1))  # node: d11, d12
JUN_X1 = ((1, 1), (0, 0), (0, 1), (1, 1), (1, 1), (0, 0))
JUN_X2 = ((1, 1), (1, 1), (1, 1), (0, 0), (0, 1), (0, 1))
JUN_X3 = ((1, 1), (0, 0), (1, 1), (0, 0), (1, 1), (0, 0))
JUN_X4 = ((0, 1), (0, 1), (0, 1), (0, 1), (0, 1), (1, 1))
JUN_HUYEN = ((1, 1), (0, 1), (1, 1), (0, 0), (0, 1), (1, 1))  # H1's own: d8
# July
JUL_SNNMT = ((1, 1), (0, 0), (1, 2), (0, 1), (1, 1), (0, 0))
JUL_STP = ((0, 1), (1, 1), (0, 1), (0, 1), (0, 1), (1, 1))
JUL_N1 = ((2, 2), (1, 1), (1, 2), (1, 1), (1, 2), (1, 1))
JUL_N2 = ((0, 1), (0, 1), (1, 1), (0, 0), (1, 1), (0, 1))
Q3_N3 = ((1, 1), (0, 0), (1, 1), (0, 0), (0, 1), (0, 0))

EXPECTED = {
    "2025-02": {
        "TN": FEB_SO,
        "SNN": FEB_SNN,
        "STN": FEB_STN,
        "STP": Z,
        "SYT": Z,
        "H1": Z,
        "H2": Z,
        "X1": Z,
        "X2": Z,
        "X3": Z,
        "X4": Z,
        "level:so": FEB_SO,
        "level:huyen": Z,
        "level:xa": Z,
    },
    "2025-03": {
        "TN": MAR_SNNMT,
        "SNNMT": MAR_SNNMT,
        "STP": Z,
        "SYT": Z,
        "H1": Z,
        "H2": Z,
        "X1": Z,
        "X2": Z,
        "X3": Z,
        "X4": Z,
        "level:so": MAR_SNNMT,
        "level:huyen": Z,
        "level:xa": Z,
    },
    "2025-06": {
        "TN": ((5, 6), (1, 3), (4, 7), (1, 3), (3, 6), (2, 3)),
        "SNNMT": JUN_SNNMT,
        "STP": JUN_STP,
        "SYT": Z,
        "H1": JUN_H1,
        "H2": JUN_H2,
        "X1": JUN_X1,
        "X2": JUN_X2,
        "X3": JUN_X3,
        "X4": JUN_X4,
        "level:so": ((1, 1), (0, 0), (1, 2), (0, 1), (1, 1), (0, 0)),
        "level:huyen": JUN_HUYEN,
        "level:xa": ((3, 4), (1, 2), (2, 4), (1, 2), (2, 4), (1, 2)),
    },
    "2025-07": {
        "TN": ((3, 5), (2, 3), (3, 6), (1, 3), (3, 5), (2, 3)),
        "SNNMT": JUL_SNNMT,
        "STP": JUL_STP,
        "SYT": Z,
        "N1": JUL_N1,
        "N2": JUL_N2,
        "N3": Z,
        "level:so": ((1, 2), (1, 1), (1, 3), (0, 2), (1, 2), (1, 1)),
        "level:huyen": Z,
        "level:xa": ((2, 3), (1, 2), (2, 3), (1, 1), (2, 3), (1, 2)),
    },
    "2025-Q3": {
        "TN": ((4, 6), (2, 3), (4, 7), (1, 3), (3, 6), (2, 3)),
        "SNNMT": JUL_SNNMT,
        "STP": JUL_STP,
        "SYT": Z,
        "N1": JUL_N1,
        "N2": JUL_N2,
        "N3": Q3_N3,
        "level:so": ((1, 2), (1, 1), (1, 3), (0, 2), (1, 2), (1, 1)),
        "level:huyen": Z,
        "level:xa": ((3, 4), (1, 2), (3, 4), (1, 1), (2, 4), (1, 2)),
    },
    "2025": {
        "TN": ((12, 16), (4, 8), (10, 16), (3, 6), (8, 16), (6, 9)),
        "SNN": FEB_SNN,
        "STN": FEB_STN,
        "SNNMT": ((2, 2), (0, 0), (1, 2), (0, 1), (1, 2), (1, 1)),
        "STP": ((1, 2), (1, 1), (1, 2), (0, 1), (1, 2), (1, 1)),
        "SYT": Z,
        "H1": JUN_H1,
        "H2": JUN_H2,
        "X1": JUN_X1,
        "X2": JUN_X2,
        "X3": JUN_X3,
        "X4": JUN_X4,
        "N1": JUL_N1,
        "N2": JUL_N2,
        "N3": Q3_N3,
        "level:so": ((5, 7), (2, 3), (4, 7), (1, 3), (4, 7), (3, 4)),
        "level:huyen": JUN_HUYEN,
        "level:xa": ((6, 8), (2, 4), (5, 8), (2, 3), (4, 8), (2, 4)),
    },
}


def _csv_row(dossier: tuple) -> str:
    code, agency, procedure, online, rcv, due, fin, total, dig, fee, paid, e, apology = dossier
    rcv, due, fin, apology = (
        re.sub(r"^(\d\d/\d\d)", r"\1/2025", d) for d in (rcv, due, fin, apology)
    )
    channel = "truc_tuyen" if online else "truc_tiep"
    cells = [code, agency, procedure, channel, rcv, due, fin, total, dig, fee, paid, e, apology]
    return ",".join(str(cell) for cell in cells)


@pytest.fixture
def province(tmp_path: Path) -> dict[str, str]:
    files = {
        "don_vi.csv": AGENCIES,
        "thu_tuc.csv": PROCEDURES,
        "ho_so.csv": "\n".join([DOSSIER_HEADER, *map(_csv_row, DOSSIERS)]) + "\n",
    }
    outputs = {}
    for (name, text), command in zip(
        files.items(), ("import_agencies", "import_procedures", "import_dossiers"), strict=True
    ):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        outcome = run_import(command, path)
        assert outcome.exit_code == 0, outcome.stderr
        outputs[command] = outcome.stdout.strip()
    call_command("compute_kpis", "--full", verbosity=0)
    return outputs


def _export(tmp_path: Path, command: str, period: str) -> dict:
    path = tmp_path / f"{command}-{period}.json"
    call_command(command, "--period", period, "--format", "json", "-o", str(path))
    return json.loads(path.read_text(encoding="utf-8"))


class TestTheOrganisationFile:
    def test_it_imports_whole_with_communes_under_the_province_dates_and_merges(self, province):
        from agencies.models import Agency

        assert province["import_agencies"] == "created 15, updated 0, unchanged 0, rejected 0"
        assert province["import_dossiers"] == "created 16, updated 0, unchanged 0, rejected 0"
        n1 = Agency.objects.get(code="N1")
        assert (n1.parent.code, n1.path, str(n1.valid_from), n1.valid_to) == (
            "TN",
            "/TN/N1/",
            "2025-07-01",
            None,
        )
        assert sorted(n1.merged_from.values_list("code", flat=True)) == ["X1", "X2"]
        merged = Agency.objects.get(code="SNNMT")
        assert sorted(merged.merged_from.values_list("code", flat=True)) == ["SNN", "STN"]
        assert str(Agency.objects.get(code="X4").valid_to) == "2025-06-30"


class TestEveryFigureOfTheUnitsThatExisted:
    @pytest.mark.parametrize("period", list(EXPECTED))
    def test_export_kpis_lists_exactly_the_units_of_the_period_with_hand_worked_figures(
        self, province, tmp_path, period
    ):
        rows = _export(tmp_path, "export_kpis", period)["rows"]
        got: dict[str, dict[str, tuple[int, int]]] = {}
        for row in rows:
            got.setdefault(row["agency"], {})[row["indicator"]] = (
                row["numerator"],
                row["denominator"],
            )
        expected = {
            scope: dict(zip(ORDER, figures, strict=True))
            for scope, figures in EXPECTED[period].items()
        }
        assert set(got) == set(expected)
        for scope, figures in expected.items():
            assert {code: got[scope][code] for code in ORDER} == figures, scope


def _score(parts: list[tuple[int, int, Fraction]]) -> float:
    """Σ min(1, rate/target) over the indicators with a denominator, / their number × 100."""
    counted = [min(Fraction(1), Fraction(n, d) / t) for n, d, t in parts if d]
    return float(sum(counted) / len(counted) * 100)


T = Fraction(1)  # digitization, on_time and apology targets: 100%
PAY = Fraction(3, 10)  # online payment: 30%


def _rows(table: list[dict]) -> list[tuple]:
    return [
        (row["agency"], row["rank"], row["score"], row["eligible"], row["disqualified_by"])
        for row in table
    ]


class TestTheRankingTables:
    def test_june_2025_before_the_reform(self, province, tmp_path):
        tables = _export(tmp_path, "export_ranking", "2025-06")["tables"]
        # Province-wide in June: digitization 5/6, on_time 4/7, apology 1/3 miss their targets;
        # online payment 2/3 meets 30%. Below the province on a missed one: not eligible.
        h1 = _score([(3, 3, T), (2, 3, T), (1, 1, T), (1, 2, PAY)])  # 91,67
        h2 = _score([(1, 2, T), (1, 2, T), (0, 1, T), (1, 1, PAY)])  # 50
        assert _rows(tables["so"]) == [
            ("STP", 1, 100.0, True, []),
            ("SNNMT", 2, 0.0, False, ["on_time", "apology"]),
            ("SYT", None, None, True, []),
        ]
        assert _rows(tables["huyen"]) == [
            ("H1", 1, pytest.approx(h1), True, []),
            ("H2", 2, 50.0, False, ["digitization", "on_time", "apology"]),
        ]
        assert h1 == pytest.approx(91.6666666666)
        # Communes on their own dossiers; X1 and X2 tie at 2/3 (rank 2, 2, then 4).
        assert _rows(tables["xa"]) == [
            ("X3", 1, 100.0, True, []),
            ("X1", 2, pytest.approx(200 / 3), False, ["on_time"]),
            ("X2", 2, pytest.approx(200 / 3), True, []),
            ("X4", 4, 25.0, False, ["digitization", "on_time", "apology"]),
        ]
        assert h2 == 50.0
        # Directly under the province in June: the departments and the districts.
        assert [(a, r) for a, r, *_ in _rows(tables["all"])] == [
            ("STP", 1),
            ("H1", 2),
            ("H2", 3),
            ("SNNMT", 4),
            ("SYT", None),
        ]

    def test_july_2025_after_the_reform(self, province, tmp_path):
        tables = _export(tmp_path, "export_ranking", "2025-07")["tables"]
        # Province-wide in July: digitization 3/5, on_time 3/6, apology 1/3 miss; payment 2/3.
        assert _rows(tables["so"]) == [
            ("SNNMT", 1, 50.0, False, ["apology"]),
            ("STP", 2, 25.0, False, ["digitization", "on_time", "apology"]),
            ("SYT", None, None, True, []),
        ]
        assert tables["huyen"] == []
        assert _rows(tables["xa"]) == [
            ("N1", 1, 87.5, True, []),
            ("N2", 2, pytest.approx(100 / 3), False, ["digitization"]),
            ("N3", None, None, True, []),
        ]
        # Directly under the province in July: the departments and the new communes.
        assert [(a, r) for a, r, *_ in _rows(tables["all"])] == [
            ("N1", 1),
            ("SNNMT", 2),
            ("N2", 3),
            ("STP", 4),
            ("N3", None),
            ("SYT", None),
        ]
