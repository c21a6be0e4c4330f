"""Agency and procedure codes keep to a safe alphabet on every way in (issue 15 item 2).

The tree's paths and the pages' URLs are built from codes, so a department imported as `HL/ZZ`
sat inside Hải Lăng's subtree: the district chairman saw it everywhere, and pages that link to it
answered 500. Codes are ASCII letters, digits, ".", "-" and "_", starting with a letter or digit,
checked by the import, the admin (the model's validator), the database and the migration that
adds the check (which reports stored bad codes instead of changing them).
"""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from agencies.models import Agency, AgencyLevel, Domain, Procedure
from dossiers.models import ImportRowError
from tests.dossiers.conftest import run_import

HEADER = "Mã đơn vị,Tên đơn vị,Cấp,Mã đơn vị cấp trên\n"
REASON = "Mã đơn vị chỉ gồm chữ cái không dấu, chữ số và các dấu . - _"
BEFORE = ("agencies", "0006_delete_postingimport")
AFTER = ("agencies", "0007_agency_and_procedure_codes_safe_alphabet")


@pytest.mark.django_db
class TestTheImport:
    def test_a_code_with_a_slash_is_rejected_and_never_stored(self, catalogue, write_file):
        path = write_file(
            HEADER
            + "HL/ZZ,Phòng Tài chính - Kế hoạch,xa,HL\n"
            + "H48.30,UBND xã Hải An,xa,HL\n"
            + "000.00.30.H48,UBND xã Hải Ba,xa,HL\n"
            + "HL_X2,UBND xã Hải Quy,xa,HL\n",
            "don_vi.csv",
        )
        outcome = run_import("import_agencies", path)
        assert outcome.stdout.strip() == "created 3, updated 0, unchanged 0, rejected 1"
        assert not Agency.objects.filter(code__contains="/").exists()
        assert Agency.objects.get(code="H48.30").path == "/QT/HL/H48.30/"
        error = ImportRowError.objects.get()
        assert (error.row_number, error.column, error.value) == (2, "Mã đơn vị", "HL/ZZ")
        assert error.message.startswith(REASON)

    @pytest.mark.parametrize(
        "code", ["HL/ZZ", "HL\\ZZ", "..", ".HL", "-HL", "Sở TP", "HL ZZ", "HL%", "HL?x", "HL#1"]
    )
    def test_codes_outside_the_alphabet_are_rejected(self, catalogue, write_file, code):
        path = write_file(HEADER + f'"{code}",Phòng X,xa,HL\n', "don_vi.csv")
        outcome = run_import("import_agencies", path)
        assert outcome.stdout.strip() == "created 0, updated 0, unchanged 0, rejected 1"
        assert ImportRowError.objects.get().message.startswith(REASON)


@pytest.mark.django_db
class TestTheAdmin:
    def test_the_admin_refuses_a_code_with_a_slash(self, client, catalogue):
        client.force_login(User.objects.create_superuser("admin", password="x"))
        response = client.post(
            "/admin/agencies/agency/add/",
            {
                "code": "HL/ZZ",
                "name": "Phòng X",
                "level": AgencyLevel.COMMUNE,
                "parent": catalogue["HL"].pk,
                "sort_order": 0,
            },
        )
        assert response.status_code == 200
        assert REASON in response.content.decode()
        assert not Agency.objects.filter(code="HL/ZZ").exists()

    def test_the_admin_refuses_a_malformed_procedure_code(self, client, catalogue):
        client.force_login(User.objects.create_superuser("admin", password="x"))
        response = client.post(
            "/admin/agencies/procedure/add/",
            {
                "code": "1.00/193",
                "name": "Thủ tục X",
                "domain": Domain.objects.get(name="Hộ tịch").pk,
                "online_level": "khong",
            },
        )
        assert response.status_code == 200
        assert "Mã thủ tục phải có dạng D.DDDDDD" in response.content.decode()
        assert not Procedure.objects.filter(code="1.00/193").exists()


@pytest.mark.django_db
class TestTheDatabase:
    @pytest.mark.parametrize("code", ["HL/ZZ", "HL\n", "/HL", "", "Sở"])
    def test_it_refuses_an_agency_code_outside_the_alphabet(self, catalogue, code):
        with pytest.raises(IntegrityError), transaction.atomic():
            Agency.objects.create(
                code=code, name="Phòng X", level=AgencyLevel.COMMUNE, parent=catalogue["HL"]
            )

    @pytest.mark.parametrize("code", ["1.0/1193", "1001193", "1.00119\n"])
    def test_it_refuses_a_malformed_procedure_code(self, catalogue, code):
        with pytest.raises(IntegrityError), transaction.atomic():
            Procedure.objects.create(code=code, name="X", domain=Domain.objects.first())

    def test_real_codes_are_stored(self, catalogue):
        for code in ("H48.30", "000.00.30.H48", "HL-TT2", "X_1"):
            Agency.objects.create(
                code=code, name=code, level=AgencyLevel.COMMUNE, parent=catalogue["HL"]
            )
        assert Agency.objects.filter(path__startswith="/QT/HL/").count() == 6


@pytest.mark.django_db(transaction=True)
class TestTheMigration:
    def test_it_stops_listing_stored_bad_codes_and_runs_once_they_are_renamed(self):
        executor = MigrationExecutor(connection)
        executor.migrate([BEFORE])
        old = executor.loader.project_state([BEFORE]).apps
        province = old.get_model("agencies", "Agency").objects.create(
            code="QT", name="UBND tỉnh", level="tinh", path="/QT/"
        )
        old.get_model("agencies", "Agency").objects.create(
            code="HL/ZZ", name="Phòng X", level="so", parent=province, path="/QT/HL/ZZ/"
        )
        executor.loader.build_graph()
        with pytest.raises(CommandError) as refused:
            executor.migrate([AFTER])
        message = str(refused.value)
        assert "Có 1 mã không hợp lệ; chưa nâng cấp được, không mã nào bị đổi:" in message
        assert "đơn vị 'HL/ZZ' (Phòng X, id" in message
        assert "rename_agency_code" in message
        # Nothing changed; the operator renames the agency, then the migration runs.
        assert Agency.objects.filter(code="HL/ZZ").exists()
        out = io.StringIO()
        call_command("rename_agency_code", "HL/ZZ", "STC", stdout=out)
        assert "renamed 'HL/ZZ' to 'STC' (Phòng X); 1 paths rebuilt." in out.getvalue()
        executor = MigrationExecutor(connection)
        executor.migrate([AFTER])
        assert Agency.objects.get(code="STC").path == "/QT/STC/"
        with pytest.raises(IntegrityError), transaction.atomic():
            Agency.objects.filter(code="STC").update(code="HL/ZZ")


@pytest.mark.django_db
class TestRenamingACode:
    def test_a_new_code_outside_the_alphabet_is_refused(self, catalogue):
        with pytest.raises(CommandError, match=REASON):
            call_command("rename_agency_code", "HL", "HL/1")
        assert Agency.objects.filter(code="HL").exists()

    def test_a_code_in_use_is_refused(self, catalogue):
        with pytest.raises(CommandError, match="đã là mã của một đơn vị khác"):
            call_command("rename_agency_code", "HL", "STP")

    def test_the_subtree_follows(self, catalogue):
        call_command("rename_agency_code", "HL", "H48", stdout=io.StringIO())
        assert Agency.objects.get(code="HL-TT").path == "/QT/H48/HL-TT/"
