"""Importing the agency tree: parents in any order, levels that fit, no cycles, paths kept."""

from __future__ import annotations

import pytest

from agencies.models import Agency
from dossiers.models import ImportRowError
from tests.dossiers.conftest import FIXTURES, run_import

pytestmark = pytest.mark.django_db

HEADER = "Mã đơn vị,Tên đơn vị,Cấp,Mã đơn vị cấp trên\n"


def test_a_child_may_come_before_its_parent_and_paths_follow_the_tree(db):
    outcome = run_import("import_agencies", FIXTURES / "agencies.csv")

    assert outcome.stdout.strip() == "created 4, updated 0, unchanged 0, rejected 0"
    assert dict(Agency.objects.values_list("code", "path")) == {
        "QT": "/QT/",
        "STP": "/QT/STP/",
        "HL": "/QT/HL/",
        "HL-TT": "/QT/HL/HL-TT/",
    }


def test_reimporting_the_same_agencies_changes_nothing(db):
    run_import("import_agencies", FIXTURES / "agencies.csv")

    outcome = run_import("import_agencies", FIXTURES / "agencies.csv")

    assert outcome.stdout.strip() == "created 0, updated 0, unchanged 4, rejected 0"


def test_moving_an_agency_moves_its_whole_subtree(catalogue, write_file):
    path = write_file(
        HEADER + "GL,UBND huyện Gio Linh,huyen,QT\nHL-TT,UBND thị trấn Diên Sanh,xa,GL\n",
        "don_vi.csv",
    )

    outcome = run_import("import_agencies", path)

    assert outcome.stdout.strip() == "created 1, updated 1, unchanged 0, rejected 0"
    assert Agency.objects.get(code="HL-TT").path == "/QT/GL/HL-TT/"


def test_level_names_are_read_like_headers(db, write_file):
    path = write_file(HEADER + 'QT,UBND tỉnh,Tỉnh,\nSTP,Sở Tư pháp,"Sở, ban, ngành",QT\n', "dv.csv")

    outcome = run_import("import_agencies", path)

    assert outcome.stdout.strip() == "created 2, updated 0, unchanged 0, rejected 0"
    assert Agency.objects.get(code="STP").level == "so"


BAD_AGENCIES = [
    (
        "an unknown parent",
        "XA1,UBND xã A,xa,KHONGCO\n",
        "Mã đơn vị cấp trên",
        "Không có đơn vị cấp trên mã «KHONGCO»",
    ),
    ("an unknown level", "P1,Phòng Tư pháp,phong,HL\n", "Cấp", "Cấp không hợp lệ"),
    (
        "a commune under a department",
        "XA1,UBND xã A,xa,STP\n",
        "Mã đơn vị cấp trên",
        "Đơn vị cấp xã không thể trực thuộc đơn vị sở, ban, ngành",
    ),
    (
        "a province with a parent",
        "QT2,UBND tỉnh khác,tinh,QT\n",
        "Mã đơn vị cấp trên",
        "Đơn vị cấp tỉnh không có đơn vị cấp trên",
    ),
    (
        "a district without a parent",
        "GL2,UBND huyện Gio Linh,huyen,\n",
        "Mã đơn vị cấp trên",
        "Thiếu mã đơn vị cấp trên",
    ),
    ("no name", "GL2,,huyen,QT\n", "Tên đơn vị", "Thiếu tên đơn vị"),
]


@pytest.mark.parametrize(
    ("line", "column", "reason"),
    [case[1:] for case in BAD_AGENCIES],
    ids=[case[0] for case in BAD_AGENCIES],
)
def test_a_bad_agency_row_is_rejected_with_its_reason(catalogue, write_file, line, column, reason):
    path = write_file(HEADER + "GL,UBND huyện Gio Linh,huyen,QT\n" + line, "don_vi.csv")

    outcome = run_import("import_agencies", path)

    assert outcome.exit_code == 0
    assert outcome.stdout.strip() == "created 1, updated 0, unchanged 0, rejected 1"
    assert f"Dòng 3, cột «{column}»" in outcome.stderr
    assert reason in outcome.stderr
    assert Agency.objects.count() == 5


def test_a_file_without_the_parent_column_names_it_in_the_error(catalogue, write_file):
    path = write_file("Mã đơn vị,Tên đơn vị,Cấp\nGL2,UBND huyện Gio Linh,huyen\n", "don_vi.csv")

    outcome = run_import("import_agencies", path)

    assert "Dòng 2, cột «Mã đơn vị cấp trên» [bị loại]: Thiếu mã đơn vị cấp trên." in (
        outcome.stderr
    )


def test_a_cycle_of_parents_is_rejected_on_every_row_that_forms_it(catalogue, write_file):
    path = write_file(
        HEADER + "A,UBND xã A,xa,B\nB,UBND xã B,xa,A\nC,UBND xã C,xa,HL\n", "don_vi.csv"
    )

    outcome = run_import("import_agencies", path)

    assert outcome.stdout.strip() == "created 1, updated 0, unchanged 0, rejected 2"
    assert "Đơn vị cấp trên tạo thành vòng lặp: A → B → A." in outcome.stderr
    assert "Đơn vị cấp trên tạo thành vòng lặp: B → A → B." in outcome.stderr
    assert not Agency.objects.filter(code__in=["A", "B"]).exists()


def test_a_row_under_a_rejected_row_is_rejected_naming_it(catalogue, write_file):
    path = write_file(HEADER + "GL,UBND huyện Gio Linh,huyen,KHONGCO\nGL-1,Xã 1,xa,GL\n", "dv.csv")

    outcome = run_import("import_agencies", path)

    assert outcome.stdout.strip() == "created 0, updated 0, unchanged 0, rejected 2"
    assert ImportRowError.objects.get(row_number=3).message == (
        "Đơn vị cấp trên «GL» (dòng 2) bị loại."
    )


def test_a_repeated_agency_code_keeps_the_first_row(catalogue, write_file):
    path = write_file(HEADER + "GL,Gio Linh,huyen,QT\nGL,Gio Linh 2,huyen,QT\n", "dv.csv")

    outcome = run_import("import_agencies", path)

    assert outcome.stdout.strip() == "created 1, updated 0, unchanged 0, rejected 1"
    assert "Mã đơn vị trùng với dòng 2" in outcome.stderr
    assert Agency.objects.get(code="GL").name == "Gio Linh"


def test_agencies_accept_the_same_options(catalogue, write_file, tmp_path):
    path = write_file(HEADER + "GL,Gio Linh,huyen,QT\nX,X,xa,STP\n", "dv.csv")

    dry = run_import("import_agencies", path, "--dry-run", "--errors-out", str(tmp_path / "e.csv"))
    atomic = run_import("import_agencies", path, "--atomic")

    assert dry.stdout.strip() == "created 1, updated 0, unchanged 0, rejected 1"
    assert "Dòng,Cột,Lý do,Mã đơn vị" in (tmp_path / "e.csv").read_text(encoding="utf-8-sig")
    assert atomic.exit_code == 1
    assert not Agency.objects.filter(code="GL").exists()


TWO_TIER_HEADER = (
    "Mã đơn vị,Tên đơn vị,Cấp,Mã đơn vị cấp trên,Hiệu lực từ,Hiệu lực đến,Hợp nhất từ\n"
)


def test_a_commune_under_the_province_with_dates_and_merges_is_imported(catalogue, write_file):
    path = write_file(
        TWO_TIER_HEADER
        + "HL-TT,UBND thị trấn Diên Sanh,xa,HL,,30/06/2025,\n"
        + "XM,UBND xã Mới,xa,QT,01/07/2025,,HL-TT\n",
        "dv.csv",
    )

    outcome = run_import("import_agencies", path)

    assert outcome.stdout.strip() == "created 1, updated 1, unchanged 0, rejected 0"
    new = Agency.objects.get(code="XM")
    assert (new.path, str(new.valid_from), new.valid_to) == ("/QT/XM/", "2025-07-01", None)
    assert list(new.merged_from.values_list("code", flat=True)) == ["HL-TT"]
    assert str(Agency.objects.get(code="HL-TT").valid_to) == "2025-06-30"
    # The same file again changes nothing; a file without the columns keeps what is stored.
    assert run_import("import_agencies", path).stdout.strip() == (
        "created 0, updated 0, unchanged 2, rejected 0"
    )
    plain = write_file(HEADER + "XM,UBND xã Mới,xa,QT\n", "plain.csv")
    assert run_import("import_agencies", plain).stdout.strip() == (
        "created 0, updated 0, unchanged 1, rejected 0"
    )
    assert Agency.objects.get(code="XM").merged_from.count() == 1


@pytest.mark.parametrize(
    ("line", "column", "reason"),
    [
        ("XM,Xã Mới,xa,QT,31/02/2025,,", "Hiệu lực từ", "Ngày bắt đầu hiệu lực không đọc được"),
        ("XM,Xã Mới,xa,QT,01/07/2025,30/06/2025,", "Hiệu lực đến", "trước ngày bắt đầu"),
        ("XM,Xã Mới,xa,QT,,,KHONGCO", "Hợp nhất từ", "Không có đơn vị hợp nhất mã «KHONGCO»"),
        ("XM,Xã Mới,xa,QT,,,XM", "Hợp nhất từ", "không thể hợp nhất từ chính nó"),
    ],
    ids=["an unreadable start", "an end before the start", "an unknown merged unit", "itself"],
)
def test_bad_dates_and_merges_are_rejected_with_their_reason(
    catalogue, write_file, line, column, reason
):
    path = write_file(TWO_TIER_HEADER + line + "\n", "dv.csv")

    outcome = run_import("import_agencies", path)

    assert outcome.stdout.strip() == "created 0, updated 0, unchanged 0, rejected 1"
    assert f"Dòng 2, cột «{column}»" in outcome.stderr
    assert reason in outcome.stderr
    assert not Agency.objects.filter(code="XM").exists()


def test_the_admin_takes_a_commune_under_the_province_but_not_under_a_department(catalogue):
    from django.core.exceptions import ValidationError

    province, department = Agency.objects.get(code="QT"), Agency.objects.get(code="STP")
    Agency(code="XM", name="Xã Mới", level="xa", parent=province).full_clean()
    with pytest.raises(ValidationError, match="không thể trực thuộc đơn vị sở, ban, ngành"):
        Agency(code="XN", name="Xã N", level="xa", parent=department).full_clean()
