"""Importing the procedure catalogue."""

from __future__ import annotations

import pytest

from agencies.models import Domain, OnlineLevel, Procedure
from tests.dossiers.conftest import FIXTURES, run_import

pytestmark = pytest.mark.django_db

HEADER = "Mã thủ tục,Tên thủ tục,Lĩnh vực,Mức độ,Đủ điều kiện toàn trình,Kết quả bản giấy\n"


def test_procedures_are_created_with_their_domains_and_levels(db):
    outcome = run_import("import_procedures", FIXTURES / "procedures.csv")

    assert outcome.stdout.strip() == "created 3, updated 0, unchanged 0, rejected 0"
    birth = Procedure.objects.get(code="1.001193")
    assert (birth.domain.name, birth.online_level, birth.full_process_eligible) == (
        "Hộ tịch",
        OnlineLevel.FULL,
        True,
    )
    copy = Procedure.objects.get(code="2.000815")
    assert (copy.online_level, copy.full_process_eligible, copy.paper_result) == (
        OnlineLevel.PARTIAL,
        False,
        True,
    )
    assert Domain.objects.count() == 3


def test_reimporting_procedures_changes_nothing_and_a_change_is_an_update(db, write_file):
    run_import("import_procedures", FIXTURES / "procedures.csv")
    again = run_import("import_procedures", FIXTURES / "procedures.csv")
    changed = run_import(
        "import_procedures",
        write_file(
            "ma_thu_tuc,ten_thu_tuc,linh_vuc\n1.001193,Đăng ký khai sinh (mới),Hộ tịch\n", "tt.csv"
        ),
    )

    assert again.stdout.strip() == "created 0, updated 0, unchanged 3, rejected 0"
    assert changed.stdout.strip() == "created 0, updated 1, unchanged 0, rejected 0"
    birth = Procedure.objects.get(code="1.001193")
    # columns absent from the file keep their values
    assert (birth.name, birth.online_level) == ("Đăng ký khai sinh (mới)", OnlineLevel.FULL)


BAD_PROCEDURES = [
    ("a malformed code", "1.00119,Tên,Hộ tịch,,,\n", "Mã thủ tục", "D.DDDDDD"),
    ("an unknown online level", "1.000001,Tên,Hộ tịch,mức 5,,\n", "Mức độ", "Mức độ không hợp lệ"),
    ("no domain", "1.000001,Tên,,,,\n", "Lĩnh vực", "Thiếu lĩnh vực"),
    ("a bad yes/no", "1.000001,Tên,Hộ tịch,,có thể,\n", "Đủ điều kiện toàn trình", "có/không"),
]


@pytest.mark.parametrize(
    ("line", "column", "reason"),
    [case[1:] for case in BAD_PROCEDURES],
    ids=[case[0] for case in BAD_PROCEDURES],
)
def test_a_bad_procedure_row_is_rejected_with_its_reason(db, write_file, line, column, reason):
    path = write_file(HEADER + "1.000002,Tốt,Hộ tịch,Toàn trình,x,\n" + line, "tt.csv")

    outcome = run_import("import_procedures", path)

    assert outcome.stdout.strip() == "created 1, updated 0, unchanged 0, rejected 1"
    assert f"Dòng 3, cột «{column}»" in outcome.stderr
    assert reason in outcome.stderr
    assert list(Procedure.objects.values_list("code", flat=True)) == ["1.000002"]
