"""Dossier files that name their agency: unknown and ambiguous names reject their rows, naming
the name; the batch keeps each such name with its row count for the mapping step; a mapping
(alias) is audited and applies to every later file."""

from __future__ import annotations

import csv

import pytest

from agencies.models import Agency, AgencyAlias, AgencyLevel, AuditAction, AuditEntry
from agencies.services import agency_alias_save, procedure_alias_save
from dossiers.models import Dossier, ImportBatch, ImportUnresolvedName
from tests.dossiers.conftest import run_import, table_csv

pytestmark = pytest.mark.django_db

HEADERS = ["Mã hồ sơ", "Tên đơn vị", "Mã thủ tục", "Ngày tiếp nhận", "Ngày hẹn trả"]


def row(code: str, agency: str) -> list[str]:
    return [code, agency, "1.001193", "01/06/2023 08:00", "05/06/2023"]


@pytest.fixture
def namesakes(catalogue):
    """Two communes called "UBND xã Hải An", under two districts."""
    gio_linh = Agency.objects.create(
        code="GL", name="UBND huyện Gio Linh", level=AgencyLevel.DISTRICT, parent=catalogue["QT"]
    )
    return {
        "HL-HA": Agency.objects.create(
            code="HL-HA",
            name="UBND xã Hải An",
            level=AgencyLevel.COMMUNE,
            parent=catalogue["HL"],
        ),
        "GL-HA": Agency.objects.create(
            code="GL-HA", name="UBND xã Hải An", level=AgencyLevel.COMMUNE, parent=gio_linh
        ),
    }


def names_file(write_file):
    return write_file(
        table_csv(
            HEADERS,
            [
                row("H-1", "Ủy ban nhân dân  huyện Hải Lăng"),
                row("H-2", "UBND xã Hải An"),
                row("H-3", "Sở Tư Pháp Quảng Trị"),
                row("H-4", "so tu phap quang tri"),
                row("H-5", "sở tư pháp"),
                row("H-6", "UBND xa Hai An"),
            ],
        )
    )


def test_the_command_rejects_the_rows_of_unknown_and_ambiguous_names_naming_them(
    namesakes, write_file, tmp_path
):
    errors_out = tmp_path / "loi.csv"

    outcome = run_import("import_dossiers", names_file(write_file), "--errors-out", errors_out)

    assert outcome.exit_code == 0
    assert outcome.stdout.strip() == "created 2, updated 0, unchanged 0, rejected 4"
    assert dict(Dossier.objects.values_list("code", "agency__code")) == {"H-1": "HL", "H-5": "STP"}
    assert (
        "Dòng 4, cột «Tên đơn vị» (giá trị «Sở Tư Pháp Quảng Trị») [bị loại]: Không có đơn vị "
        "nào tên «Sở Tư Pháp Quảng Trị»" in outcome.stderr
    )
    assert "Tên đơn vị «UBND xã Hải An» trùng với nhiều đơn vị (GL-HA, HL-HA)" in outcome.stderr
    lines = list(csv.DictReader(errors_out.read_text(encoding="utf-8-sig").splitlines()))
    assert [(line["Dòng"], line["Tên đơn vị"]) for line in lines] == [
        ("3", "UBND xã Hải An"),
        ("4", "Sở Tư Pháp Quảng Trị"),
        ("5", "so tu phap quang tri"),
        ("7", "UBND xa Hai An"),
    ]


def test_the_batch_keeps_each_unresolved_name_once_with_its_row_count(namesakes, write_file):
    run_import("import_dossiers", names_file(write_file))

    names = {
        (n.name, n.rows, n.candidates)
        for n in ImportUnresolvedName.objects.filter(batch=ImportBatch.objects.get())
    }
    assert names == {
        ("UBND xã Hải An", 2, "GL-HA, HL-HA"),
        ("Sở Tư Pháp Quảng Trị", 2, ""),
    }


def test_after_a_mapping_the_same_file_imports_every_row(namesakes, write_file):
    run_import("import_dossiers", names_file(write_file))
    agency_alias_save(
        name="Sở Tư Pháp Quảng Trị", agency=Agency.objects.get(code="STP"), actor=None
    )
    agency_alias_save(name="UBND xã Hải An", agency=namesakes["GL-HA"], actor=None)

    outcome = run_import("import_dossiers", names_file(write_file))

    assert outcome.stdout.strip() == "created 4, updated 0, unchanged 2, rejected 0"
    assert dict(Dossier.objects.values_list("code", "agency__code")) == {
        "H-1": "HL",
        "H-2": "GL-HA",
        "H-3": "STP",
        "H-4": "STP",
        "H-5": "STP",
        "H-6": "GL-HA",
    }
    assert not ImportUnresolvedName.objects.filter(batch=ImportBatch.objects.first()).exists()


def test_a_mapping_is_audited_and_remapping_records_the_old_agency(namesakes, django_user_model):
    province_officer = django_user_model.objects.create_user("thu_ha", password="x-long-pass-42")
    first = agency_alias_save(name="UBND xã Hải An", agency=namesakes["HL-HA"], actor=None)
    again = agency_alias_save(name="ubnd xa hai an", agency=namesakes["HL-HA"], actor=None)
    moved = agency_alias_save(
        name="UBND xã Hải An", agency=namesakes["GL-HA"], actor=province_officer
    )

    assert first.pk == again.pk == moved.pk
    assert AgencyAlias.objects.get().agency == namesakes["GL-HA"]
    entries = AuditEntry.objects.filter(action=AuditAction.AGENCY_ALIAS).order_by("pk")
    assert [(e.actor_username, e.before, e.after) for e in entries] == [
        ("", None, {"name": "UBND xã Hải An", "agency": namesakes["HL-HA"].pk}),
        (
            province_officer.username,
            {"name": "UBND xã Hải An", "agency": namesakes["HL-HA"].pk},
            {"name": "UBND xã Hải An", "agency": namesakes["GL-HA"].pk},
        ),
    ]
    assert entries[1].summary == "«UBND xã Hải An» → GL-HA UBND xã Hải An"


def test_procedure_names_map_the_same_way(catalogue, write_file):
    from agencies.models import Procedure

    text = table_csv(
        ["Mã hồ sơ", "Mã đơn vị", "Tên thủ tục hành chính", "Ngày nhận", "Ngày hẹn trả"],
        [["T-1", "STP", "Khai sinh cho trẻ", "01/06/2023", "05/06/2023"]],
    )
    first = run_import("import_dossiers", write_file(text))
    procedure_alias_save(
        name="Khai sinh cho trẻ", procedure=Procedure.objects.get(code="1.001193"), actor=None
    )

    second = run_import("import_dossiers", write_file(text))

    assert "Không có thủ tục nào tên «Khai sinh cho trẻ»" in first.stderr
    assert second.stdout.strip() == "created 1, updated 0, unchanged 0, rejected 0"
    assert Dossier.objects.get().procedure.code == "1.001193"
    assert AuditEntry.objects.filter(action=AuditAction.PROCEDURE_ALIAS).count() == 1
