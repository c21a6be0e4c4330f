"""The mapping step of the Imports page: an upload naming an agency the portal does not know stops
before anything is written, shows each such name with its row count and the closest agencies,
and once the province office maps it the file is checked again and imports; later files with
that name import without asking."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from agencies.models import Agency, AgencyAlias, AuditAction, AuditEntry, Domain, Procedure
from dossiers.models import Dossier, ImportBatch, ImportStatus
from tests.dossiers.conftest import table_csv
from tests.personas import agencies_create, personas_create

pytestmark = pytest.mark.django_db

HEADERS = ["Mã hồ sơ", "Đơn vị tiếp nhận", "Mã thủ tục", "Ngày nhận", "Ngày hẹn trả"]
FILE = table_csv(
    HEADERS,
    [
        ["W-1", "UBND TT Dien Sanh", "1.001193", "01/06/2023 08:00", "05/06/2023"],
        ["W-2", "Sở Nội vụ", "1.001193", "01/06/2023 08:00", "05/06/2023"],
        ["W-3", "ubnd tt dien sanh", "1.001193", "02/06/2023 08:00", "06/06/2023"],
    ],
)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def people():
    agencies = agencies_create()
    civil = Domain.objects.create(name="Hộ tịch")
    Procedure.objects.create(code="1.001193", name="Đăng ký khai sinh", domain=civil)
    return personas_create(agencies)


@pytest.fixture
def office(client, people):
    client.force_login(people["province_officer"])
    return client


@pytest.fixture
def upload(office, django_capture_on_commit_callbacks):
    def run(content: str = FILE, name: str = "danh_sach.csv") -> ImportBatch:
        with django_capture_on_commit_callbacks(execute=True):
            response = office.post(
                "/imports/",
                {
                    "kind": "dossiers",
                    "sheet": "",
                    "file": SimpleUploadedFile(name, content.encode()),
                },
            )
        assert response.status_code == 302
        return ImportBatch.objects.order_by("-pk").first()

    return run


def test_an_unknown_name_stops_at_the_mapping_step_before_anything_is_written(office, upload):
    batch = upload()

    page = office.get(f"/imports/{batch.pk}/").content.decode()

    assert batch.status == ImportStatus.VALIDATED
    assert (batch.created, batch.rejected) == (1, 2)
    assert "Gán các tên chưa xác định" in page
    assert '<span class="name">UBND TT Dien Sanh</span>' in page
    assert '<td class="num" data-label="Số dòng">2</td>' in page
    # The closest agency is suggested first.
    assert batch.unresolved_names.count() == 1
    suggested = page.split('<optgroup label="Gần giống nhất">')[1].split("</optgroup>")[0]
    first = suggested.split("</option>")[0]
    hl_tt = Agency.objects.get(code="HL-TT")
    assert first == f'<option value="{hl_tt.pk}">HL-TT UBND thị trấn Diên Sanh'
    assert "Bỏ qua và nhập các dòng còn lại" in page
    assert "{#" not in page  # no template comment shown as text
    assert not Dossier.objects.exists()


def test_mapping_the_name_remembers_it_checks_again_and_the_import_completes(
    office, upload, people, django_capture_on_commit_callbacks
):
    batch = upload()
    (unresolved,) = batch.unresolved_names.all()
    hl_tt = Agency.objects.get(code="HL-TT")

    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(f"/imports/{batch.pk}/map/", {f"name-{unresolved.pk}": hl_tt.pk})

    assert response.status_code == 302
    alias = AgencyAlias.objects.get()
    assert (alias.name, alias.agency, alias.created_by) == (
        "UBND TT Dien Sanh",
        hl_tt,
        people["province_officer"],
    )
    entry = AuditEntry.objects.get(action=AuditAction.AGENCY_ALIAS)
    assert entry.actor == people["province_officer"]
    batch.refresh_from_db()
    assert (batch.status, batch.created, batch.rejected) == (ImportStatus.VALIDATED, 3, 0)
    page = office.get(f"/imports/{batch.pk}/").content.decode()
    assert "Gán các tên chưa xác định" not in page
    assert not Dossier.objects.exists()  # still nothing written until confirmed

    with django_capture_on_commit_callbacks(execute=True):
        office.post(f"/imports/{batch.pk}/confirm/")

    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLIED
    assert dict(Dossier.objects.values_list("code", "agency__code")) == {
        "W-1": "HL-TT",
        "W-2": "SNV",
        "W-3": "HL-TT",
    }


def test_the_next_file_with_that_name_imports_without_asking(office, upload):
    AgencyAlias.objects.create(name="UBND TT Dien Sanh", agency=Agency.objects.get(code="HL-TT"))

    batch = upload(FILE.replace("W-", "V-"), "thang_7.csv")

    page = office.get(f"/imports/{batch.pk}/").content.decode()
    assert (batch.status, batch.created, batch.rejected) == (ImportStatus.VALIDATED, 3, 0)
    assert "Gán các tên chưa xác định" not in page
    assert "Xác nhận nhập" in page


def test_mapping_nothing_is_refused_with_a_message(office, upload):
    batch = upload()
    (unresolved,) = batch.unresolved_names.all()

    response = office.post(f"/imports/{batch.pk}/map/", {f"name-{unresolved.pk}": ""})

    assert response.status_code == 400
    assert "Hãy chọn đơn vị (thủ tục) cho ít nhất một tên." in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.VALIDATED
    assert not AgencyAlias.objects.exists()


def test_an_applied_batch_cannot_be_mapped_any_more(office, upload):
    batch = upload()
    (unresolved,) = batch.unresolved_names.all()
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.APPLIED)

    response = office.post(
        f"/imports/{batch.pk}/map/",
        {f"name-{unresolved.pk}": Agency.objects.get(code="HL-TT").pk},
    )

    assert response.status_code == 409
    assert not AgencyAlias.objects.exists()


@pytest.mark.parametrize("persona", ["department_head", "district_chairman", "home_affairs"])
def test_only_the_province_office_may_map_names(client, people, upload, persona):
    batch = upload()
    (unresolved,) = batch.unresolved_names.all()
    client.force_login(people[persona])

    response = client.post(
        f"/imports/{batch.pk}/map/",
        {f"name-{unresolved.pk}": Agency.objects.get(code="HL-TT").pk},
    )

    assert response.status_code == 403
    assert not AgencyAlias.objects.exists()


def test_an_anonymous_visitor_is_sent_to_sign_in(client, people, upload):
    batch = upload()
    client.logout()

    response = client.post(f"/imports/{batch.pk}/map/", {})

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_imports_page_lists_the_layouts_their_columns_and_links_the_samples(office):
    import re
    from pathlib import Path

    html = office.get("/imports/").content.decode()

    assert "Tệp hồ sơ nào được nhận?" in html
    for field in ("MaHoSo", "KenhThucHien", "TrangThaiHoSo", "DanhSachLePhi", "SoLanYeuCauBoSung"):
        assert f"<code>{field}</code>" in html
    assert "Đơn vị tiếp nhận, Tên thủ tục hành chính, Mã hồ sơ, Trạng thái" in html
    assert "đơn vị (mã hoặc tên); thủ tục (mã hoặc tên)" in html
    links = re.findall(r'href="/static/samples/([^"]+)" download', html)
    assert links == [
        "ho-so-dong-bo-ten-don-vi.csv",
        "ho-so-dong-bo.json",
        "danh-sach-ho-so.xlsx",
        "ho-so-muc-9.csv",
    ]
    samples = Path(__file__).resolve().parents[2] / "static" / "samples"
    assert all((samples / name).stat().st_size > 0 for name in links)
