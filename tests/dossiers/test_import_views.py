"""The Imports pages: who may open them, upload, progress and preview, confirm, error rows."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from agencies.models import Domain, Procedure
from dossiers import services
from dossiers.models import Dossier, ImportBatch, ImportStatus
from tests.dossiers.conftest import dossier_csv
from tests.personas import PASSWORD, agencies_create, personas_create

pytestmark = pytest.mark.django_db

# Row 2 is good, row 3 has a negative fee (a cell a spreadsheet would read as a formula).
ONE_BAD_ROW = dossier_csv([{"code": "H-GOOD"}, {"code": "H-BAD", "fee": "-50000"}])


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
def office(client, people) -> Client:
    client.force_login(people["province_officer"])
    return client


def _upload(client: Client, content: str | bytes, name: str = "ho_so.csv", **fields):
    data = content.encode() if isinstance(content, str) else content
    payload = {"kind": "dossiers", "sheet": "", **fields, "file": SimpleUploadedFile(name, data)}
    return client.post("/imports/", payload)


@pytest.fixture
def upload(office, django_capture_on_commit_callbacks):
    """Upload as the province officer, running the enqueued validation (tasks run inline)."""

    def run(content: str | bytes = ONE_BAD_ROW, name: str = "ho_so.csv", **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return _upload(office, content, name, **fields)

    return run


@pytest.fixture
def validated_batch(upload) -> ImportBatch:
    response = upload()
    assert response.status_code == 302
    return ImportBatch.objects.get()


class TestWhoMayOpenTheImportsPages:
    """Every imports URL × the personas and an anonymous visitor."""

    URLS = [
        ("get", "/imports/"),
        ("get", "/imports/{id}/"),
        ("htmx", "/imports/{id}/"),
        ("post", "/imports/{id}/confirm/"),
        ("get", "/imports/{id}/errors.csv"),
        ("get", "/imports/{id}/original"),
    ]

    def _call(self, client: Client, method: str, url: str):
        if method == "htmx":
            return client.get(url, headers={"HX-Request": "true"})
        return getattr(client, method)(url)

    @pytest.mark.parametrize(("method", "url"), URLS)
    def test_the_province_officer_opens_each_page(self, office, validated_batch, method, url):
        response = self._call(office, method, url.format(id=validated_batch.pk))
        assert response.status_code == (302 if method == "post" else 200)

    @pytest.mark.parametrize(("method", "url"), URLS)
    @pytest.mark.parametrize("persona", ["department_head", "district_chairman", "home_affairs"])
    def test_other_roles_get_the_no_permission_page(
        self, client, people, validated_batch, persona, method, url
    ):
        client.force_login(people[persona])
        response = self._call(client, method, url.format(id=validated_batch.pk))
        assert response.status_code == 403
        assert "Không có quyền truy cập" in response.content.decode()
        assert validated_batch.original_name not in response.content.decode()

    @pytest.mark.parametrize(("method", "url"), URLS)
    def test_a_user_without_a_role_gets_the_no_role_page(
        self, client, people, validated_batch, method, url
    ):
        client.force_login(people["outsider"])
        response = self._call(client, method, url.format(id=validated_batch.pk))
        assert response.status_code == 403
        assert "chưa được phân quyền" in response.content.decode()

    @pytest.mark.parametrize(("method", "url"), URLS)
    def test_an_anonymous_visitor_is_sent_to_sign_in(self, validated_batch, method, url):
        response = self._call(Client(), method, url.format(id=validated_batch.pk))
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")

    def test_a_superuser_without_a_role_opens_the_imports_page(self, client, people):
        client.force_login(User.objects.create_superuser("root", password=PASSWORD))
        assert client.get("/imports/").status_code == 200

    def test_the_confirm_step_did_not_run_for_anyone_refused(self, client, people, validated_batch):
        for persona in ("department_head", "home_affairs", "outsider"):
            client.force_login(people[persona])
            client.post(f"/imports/{validated_batch.pk}/confirm/")
        validated_batch.refresh_from_db()
        assert validated_batch.status == ImportStatus.VALIDATED
        assert not Dossier.objects.exists()

    def test_a_missing_batch_answers_404_to_the_province_officer(self, office):
        assert office.get("/imports/999999/").status_code == 404


class TestUpload:
    def test_the_upload_page_shows_the_form_and_an_empty_history(self, office):
        response = office.get("/imports/")
        page = response.content.decode()
        assert 'enctype="multipart/form-data"' in page
        assert "Loại dữ liệu" in page
        assert "Chưa có lần nhập nào." in page

    def test_an_upload_creates_a_batch_and_leads_to_its_page(self, upload, people):
        response = upload()
        batch = ImportBatch.objects.get()
        assert response["Location"] == f"/imports/{batch.pk}/"
        assert (batch.original_name, batch.kind, batch.source) == ("ho_so.csv", "dossiers", "web")
        assert batch.uploaded_by == people["province_officer"]

    def test_the_upload_is_validated_but_not_applied(self, validated_batch):
        assert validated_batch.status == ImportStatus.VALIDATED
        assert (validated_batch.created, validated_batch.rejected) == (1, 1)
        assert not Dossier.objects.exists()

    def test_a_file_over_the_size_limit_is_refused_with_a_clear_message(self, upload, settings):
        settings.IMPORT_MAX_UPLOAD_BYTES = 100
        response = upload()
        assert response.status_code == 400
        page = response.content.decode()
        assert "Tệp quá lớn" in page
        assert "chỉ nhận tệp tối đa 100" in page
        assert not ImportBatch.objects.exists()

    @pytest.mark.parametrize("name", ["ho_so.txt", "ho_so.pdf", "ho_so.csv.html", "ho_so"])
    def test_a_file_that_is_not_csv_or_xlsx_is_refused(self, upload, name):
        response = upload(name=name)
        assert response.status_code == 400
        assert "Chỉ nhận tệp CSV (.csv) hoặc Excel (.xlsx), hoặc JSON (.json)." in (
            response.content.decode()
        )
        assert not ImportBatch.objects.exists()

    def test_an_upload_without_a_file_asks_for_one(self, office):
        response = office.post("/imports/", {"kind": "dossiers"})
        assert response.status_code == 400
        assert "Hãy chọn một tệp để tải lên." in response.content.decode()

    def test_an_unknown_kind_is_refused(self, upload):
        assert upload(kind="users").status_code == 400
        assert not ImportBatch.objects.exists()

    def test_the_history_lists_who_when_which_file_and_the_counts(self, office, validated_batch):
        page = office.get("/imports/").content.decode()
        assert "Nguyễn Thị Thu Hà" in page
        assert "ho_so.csv" in page
        assert "Đã kiểm tra, chờ xác nhận" in page
        assert f'href="/imports/{validated_batch.pk}/"' in page


class TestProgressAndPreview:
    def test_the_preview_shows_the_counts_and_the_error_in_vietnamese(
        self, office, validated_batch
    ):
        page = office.get(f"/imports/{validated_batch.pk}/").content.decode()
        assert '<td class="num" data-label="Thêm mới" data-count="created">1</td>' in page
        assert '<td class="num" data-label="Bị loại" data-count="rejected">1</td>' in page
        assert "Phí, lệ phí (đồng)" in page
        assert "-50000" in page
        assert "không được âm" in page
        assert "Xác nhận nhập" in page
        assert "Tải các dòng lỗi (CSV)" in page

    def test_a_batch_still_running_polls_every_second(self, office, people):
        batch = services.import_batch_create(
            kind="dossiers",
            uploaded_file=io.BytesIO(ONE_BAD_ROW.encode()),
            original_name="cho.csv",
            user=people["province_officer"],
        )
        page = office.get(f"/imports/{batch.pk}/", headers={"HX-Request": "true"}).content.decode()
        assert 'hx-trigger="every 1s"' in page
        assert "<progress" in page
        assert "Xác nhận nhập" not in page

    def test_a_finished_batch_stops_polling(self, office, validated_batch):
        page = office.get(f"/imports/{validated_batch.pk}/", headers={"HX-Request": "true"})
        assert "hx-trigger" not in page.content.decode()

    def test_with_hx_request_only_the_status_partial_is_returned(self, office, validated_batch):
        page = office.get(
            f"/imports/{validated_batch.pk}/", headers={"HX-Request": "true"}
        ).content.decode()
        assert page.lstrip().startswith('<section id="import-status"')
        assert "<html" not in page
        assert "Tải tệp gốc" not in page  # outside the partial

    def test_the_page_and_its_partial_are_cached_apart(self, office, validated_batch):
        response = office.get(f"/imports/{validated_batch.pk}/")
        assert "HX-Request" in response["Vary"]

    def test_without_hx_request_the_whole_page_is_returned(self, office, validated_batch):
        page = office.get(f"/imports/{validated_batch.pk}/").content.decode()
        assert "<html" in page
        assert 'id="import-status"' in page
        assert "Tải tệp gốc" in page

    def test_a_file_missing_a_required_column_is_refused_in_one_sentence(self, upload):
        upload("Mã hồ sơ,Ghi chú\nH-1,x\n")
        batch = ImportBatch.objects.get()
        assert batch.status == ImportStatus.REFUSED
        assert "ho_so.csv" in batch.refusal
        assert batch.refusal.count(". ") == 0 and batch.refusal.endswith(".")
        assert not Dossier.objects.exists()

    def test_the_refusal_is_shown_on_the_batch_page(self, office, upload):
        upload("Mã hồ sơ,Ghi chú\nH-1,x\n")
        batch = ImportBatch.objects.get()
        page = office.get(f"/imports/{batch.pk}/").content.decode()
        assert batch.refusal in page
        assert "Bị từ chối" in page
        assert "Xác nhận nhập" not in page


class TestConfirm:
    def test_confirming_applies_the_good_rows(
        self, office, validated_batch, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = office.post(f"/imports/{validated_batch.pk}/confirm/")
        assert response.status_code == 302
        assert response["Location"] == f"/imports/{validated_batch.pk}/"
        validated_batch.refresh_from_db()
        assert validated_batch.status == ImportStatus.APPLIED
        assert list(Dossier.objects.values_list("code", flat=True)) == ["H-GOOD"]
        page = office.get(response["Location"]).content.decode()
        assert "Dữ liệu đã được ghi." in page
        assert "Xác nhận nhập" not in page

    def test_confirming_twice_does_not_apply_twice(
        self, office, validated_batch, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            office.post(f"/imports/{validated_batch.pk}/confirm/")
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = office.post(f"/imports/{validated_batch.pk}/confirm/")
        assert response.status_code == 409
        assert "không còn chờ xác nhận" in response.content.decode()
        assert callbacks == []
        assert Dossier.objects.count() == 1

    def test_confirm_refuses_a_get(self, office, validated_batch):
        response = office.get(f"/imports/{validated_batch.pk}/confirm/")
        assert response.status_code == 405
        validated_batch.refresh_from_db()
        assert validated_batch.status == ImportStatus.VALIDATED

    def test_confirm_needs_the_csrf_token(self, people, validated_batch):
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(people["province_officer"])
        response = browser.post(f"/imports/{validated_batch.pk}/confirm/")
        assert response.status_code == 403
        validated_batch.refresh_from_db()
        assert validated_batch.status == ImportStatus.VALIDATED
        assert not Dossier.objects.exists()


class TestErrorRowsDownload:
    def _rows(self, response) -> list[list[str]]:
        body = response.content
        assert body.startswith(b"\xef\xbb\xbf")
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))

    def test_it_is_a_csv_attachment(self, office, validated_batch):
        response = office.get(f"/imports/{validated_batch.pk}/errors.csv")
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == (
            f'attachment; filename="loi-nhap-{validated_batch.pk}.csv"'
        )
        assert response["X-Content-Type-Options"] == "nosniff"

    def test_it_lists_the_bad_row_with_its_column_reason_and_cells(self, office, validated_batch):
        header, *rows = self._rows(office.get(f"/imports/{validated_batch.pk}/errors.csv"))
        assert header[:3] == ["Dòng", "Cột", "Lý do"]
        assert len(rows) == 1
        line = dict(zip(header, rows[0], strict=True))
        assert (line["Dòng"], line["Cột"]) == ("3", "Phí, lệ phí (đồng)")
        assert "không được âm" in line["Lý do"]
        assert line["Mã hồ sơ"] == "H-BAD"

    def test_a_cell_that_would_be_a_formula_is_neutralised(self, office, validated_batch):
        header, row = self._rows(office.get(f"/imports/{validated_batch.pk}/errors.csv"))
        line = dict(zip(header, row, strict=True))
        assert line["Phí, lệ phí (đồng)"] == "'-50000"
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)


class TestOriginalFileDownload:
    def test_the_original_is_never_served_as_a_page(self, office, upload):
        upload("<html><script>alert(1)</script></html>", name="trang.csv")
        batch = ImportBatch.objects.get()
        response = office.get(f"/imports/{batch.pk}/original")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/octet-stream"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == b"<html><script>alert(1)</script></html>"
