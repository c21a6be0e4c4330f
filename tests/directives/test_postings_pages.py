"""The staff postings page per role: what each person sees, and the office's writes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import AuditAction, AuditEntry, StaffPosting
from dossiers.models import ImportBatch, ImportKind, ImportStatus
from tests.agencies.posting_data import make_posting, posting_tree, postings_csv
from tests.personas import personas_create

pytestmark = pytest.mark.django_db

D = dt.date
ON = "?on=01/04/2025"


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def tree():
    agencies = posting_tree()
    # On 01/04/2025: STNMT fine; HL 3 months (too short); its commune fine; GL 25 months (too
    # long) ending 30/04/2025, 29 days later (ending soon); SNNMT a 4-month turn from SNN.
    # SNV has nobody: of the 5 expected agencies (STNMT, SNV, HL, GL, SNNMT; SNN and SXD closed
    # on 28/02/2025), 1 is unstaffed; 5 people serve (the commune's included).
    make_posting(agencies["STNMT"], D(2025, 1, 1), D(2025, 6, 30), person_name="Nguyễn Văn Đất")
    make_posting(agencies["HL"], D(2025, 3, 1), D(2025, 5, 31), person_name="Trần Thị Hải")
    make_posting(agencies["HL-TT"], D(2025, 1, 1), D(2025, 12, 31), person_name="Lê Văn Xã")
    make_posting(agencies["GL"], D(2023, 4, 1), D(2025, 4, 30), person_name="Phạm Thị Gio")
    make_posting(
        agencies["SNNMT"],
        D(2025, 3, 1),
        D(2025, 6, 30),
        person_name="Hồ Văn Hợp",
        former_unit=agencies["SNN"],
    )
    return agencies


@pytest.fixture
def people(tree) -> dict[str, User]:
    return personas_create(tree)


def rows(response) -> list[str]:
    return [row.posting.person_name for row in response.context["overview"].rows]


class TestTheProvinceOffice:
    def test_it_sees_every_posting_with_its_flags_and_the_unstaffed_agency(self, client, people):
        client.force_login(people["province_officer"])
        response = client.get("/postings/" + ON)
        assert response.status_code == 200
        body = response.content.decode()
        # In tree order: /QT/GL/, /QT/HL/, /QT/HL/HL-TT/, /QT/SNNMT/, /QT/STNMT/.
        assert rows(response) == [
            "Phạm Thị Gio",
            "Trần Thị Hải",
            "Lê Văn Xã",
            "Hồ Văn Hợp",
            "Nguyễn Văn Đất",
        ]
        labels = {row.posting.person_name: row.labels for row in response.context["overview"].rows}
        assert labels["Phạm Thị Gio"] == [
            ("too_long", "Quá 24 tháng"),
            ("ending_soon", "Kết thúc trong 30 ngày"),
        ]
        assert labels["Trần Thị Hải"] == [("too_short", "Dưới 6 tháng")]
        assert labels["Hồ Văn Hợp"] == [] and labels["Nguyễn Văn Đất"] == []
        assert "5 người đang biệt phái; 1/5 đơn vị không có người biệt phái." in body
        assert [a.code for a in response.context["overview"].unstaffed] == ["SNV"]
        assert "01/04/2023" in body and "30/04/2025" in body  # dates dd/mm/yyyy
        assert "25 tháng" in body  # GL's 01/04/2023–30/04/2025
        assert 'action="/postings/import/?on=' in body and 'action="/postings/new/?on=' in body

    def test_it_filters_by_flag_agency_and_day(self, client, people):
        client.force_login(people["province_officer"])
        assert rows(client.get("/postings/" + ON + "&flag=too_short")) == ["Trần Thị Hải"]
        assert rows(client.get("/postings/" + ON + "&agency=HL")) == ["Trần Thị Hải", "Lê Văn Xã"]
        assert rows(client.get("/postings/" + ON + "&flag=unstaffed")) == []
        # On 01/06/2025 HL's posting has ended (31/05) and GL's too (30/04).
        response = client.get("/postings/?on=01/06/2025")
        assert [a.code for a in response.context["overview"].unstaffed] == ["GL", "HL", "SNV"]

    def test_a_merged_agency_unit_sent_twice_in_a_row_names_the_unit_skipped(
        self, client, people, tree
    ):
        # SNNMT: SNN 01/03–30/06/2025, then SNN again from 01/07/2025: SXD's turn was skipped.
        make_posting(
            tree["SNNMT"],
            D(2025, 7, 1),
            D(2025, 10, 31),
            person_name="Hồ Thị Lượt",
            former_unit=tree["SNN"],
        )
        client.force_login(people["province_officer"])
        response = client.get("/postings/?on=01/07/2025&flag=rotation")
        assert [(r.posting.person_name, r.labels) for r in response.context["overview"].rows] == [
            ("Hồ Thị Lượt", [("rotation", "Sai lượt luân phiên: chưa đến lượt Sở Xây dựng (cũ)")])
        ]

    def test_the_page_costs_the_same_queries_whatever_the_number_of_postings(
        self, client, people, tree
    ):
        client.force_login(people["province_officer"])
        with CaptureQueriesContext(connection) as five:
            client.get("/postings/" + ON)
        for n in range(10):
            make_posting(tree["SNV"], D(2020 + n, 1, 1), D(2020 + n, 6, 30), person_name=f"P{n}")
        with CaptureQueriesContext(connection) as fifteen:
            assert len(rows(client.get("/postings/" + ON))) == 15
        assert len(fifteen) == len(five)

    def test_an_unreadable_day_says_so_and_shows_today(self, client, people):
        client.force_login(people["province_officer"])
        response = client.get("/postings/?on=31/02/2025")
        assert response.status_code == 200
        assert "Ngày không hợp lệ: dùng dạng dd/mm/yyyy." in response.content.decode()
        assert response.context["overview"].on == timezone.localdate()

    def test_an_htmx_filter_returns_only_the_results(self, client, people):
        client.force_login(people["province_officer"])
        response = client.get(
            "/postings/" + ON,
            headers={"HX-Request": "true", "HX-Target": "posting-results"},
        )
        body = response.content.decode()
        assert body.lstrip().startswith('<div id="posting-results">')
        assert "Phạm Thị Gio" in body and "<html" not in body

    def test_an_upload_with_a_bad_row_shows_the_row_column_and_reason(
        self, client, people, django_capture_on_commit_callbacks
    ):
        client.force_login(people["province_officer"])
        content = postings_csv(
            [
                ["Võ Thị Mới", "CB-100", "SNV", "", "01/04/2025", "30/09/2025", "", ""],
                ["Đỗ Văn Sai", "CB-101", "NOPE", "", "01/04/2025", "30/09/2025", "", ""],
            ]
        )
        with django_capture_on_commit_callbacks(execute=True):  # the import's task (inline)
            posted = client.post(
                "/postings/import/",
                {"file": SimpleUploadedFile("bp.csv", content, "text/csv")},
            )
        batch = ImportBatch.objects.get(kind=ImportKind.POSTINGS)
        assert posted.status_code == 302
        assert posted["Location"] == f"/postings/imports/{batch.pk}/"
        response = client.get(posted["Location"])
        assert response.status_code == 200
        body = response.content.decode()
        assert "Không có đơn vị mã «NOPE» trong danh mục." in body
        assert [
            (e.row_number, e.column, e.value, e.message) for e in response.context["batch_errors"]
        ] == [(3, "Mã đơn vị", "NOPE", "Không có đơn vị mã «NOPE» trong danh mục.")]
        assert StaffPosting.objects.get(staff_code="CB-100").agency.code == "SNV"
        assert batch.uploaded_by == people["province_officer"]
        entry = AuditEntry.objects.get(action=AuditAction.POSTING_IMPORT)
        assert entry.actor == people["province_officer"]

    def test_a_file_over_the_size_bound_is_cut_off_and_refused_by_the_page(
        self, client, people, settings
    ):
        settings.IMPORT_MAX_UPLOAD_BYTES = 100
        client.force_login(people["province_officer"])
        response = client.post(
            "/postings/import/", {"file": SimpleUploadedFile("lon.csv", b"x" * 500, "text/csv")}
        )
        assert response.status_code == 400
        assert "chỉ nhận tệp tối đa 100\u00a0byte." in response.content.decode()
        assert response.wsgi_request.import_upload_too_large  # cut at the bound, not stored
        assert not ImportBatch.objects.exists()

    def test_a_file_over_the_size_bound_is_refused_by_the_command_and_not_kept(
        self, people, settings, tmp_path
    ):
        from dossiers.services import import_file

        settings.IMPORT_MAX_UPLOAD_BYTES = 100
        big = tmp_path / "lon.csv"
        big.write_bytes(b"x" * 500)
        batch = import_file(kind=ImportKind.POSTINGS, path=big)
        assert batch.status == ImportStatus.REFUSED
        assert batch.refusal.startswith("Tệp lon.csv quá lớn (500")
        assert not batch.file and batch.size == 500

    def test_it_adds_a_posting_and_the_audit_log_says_so(self, client, people, tree):
        client.force_login(people["province_officer"])
        response = client.post(
            "/postings/new/",
            {
                "person_name": "Hoàng Văn Mới",
                "staff_code": "CB-200",
                "agency": "SNV",
                "start_on": "01/04/2025",
                "planned_end_on": "30/09/2025",
            },
        )
        assert response.status_code == 302
        posting = StaffPosting.objects.get(staff_code="CB-200")
        assert (posting.agency, posting.start_on) == (tree["SNV"], D(2025, 4, 1))
        assert posting.created_by == people["province_officer"]
        entry = AuditEntry.objects.get(action=AuditAction.POSTING_CREATE)
        assert entry.subject_id == str(posting.pk) and entry.agency == tree["SNV"]

    def test_a_merged_agency_posting_without_its_former_unit_is_refused(self, client, people):
        client.force_login(people["province_officer"])
        before = StaffPosting.objects.count()
        response = client.post(
            "/postings/new/",
            {
                "person_name": "Hồ Văn Thiếu",
                "agency": "SNNMT",
                "start_on": "01/07/2025",
                "planned_end_on": "31/10/2025",
            },
        )
        assert response.status_code == 400
        assert "hình thành từ hợp nhất: cần chọn đơn vị cũ" in response.content.decode()
        assert StaffPosting.objects.count() == before
        assert not AuditEntry.objects.exists()

    def test_it_records_when_a_posting_ends(self, client, people):
        client.force_login(people["province_officer"])
        posting = StaffPosting.objects.get(person_name="Trần Thị Hải")
        response = client.post(f"/postings/{posting.pk}/close/", {"actual_end_on": "15/04/2025"})
        assert response.status_code == 302
        posting.refresh_from_db()
        assert posting.actual_end_on == D(2025, 4, 15)
        entry = AuditEntry.objects.get(action=AuditAction.POSTING_UPDATE)
        assert entry.before["actual_end_on"] is None
        assert entry.after["actual_end_on"] == "2025-04-15"

    def test_an_end_before_the_start_is_refused(self, client, people):
        client.force_login(people["province_officer"])
        posting = StaffPosting.objects.get(person_name="Trần Thị Hải")
        response = client.post(
            f"/postings/{posting.pk}/close/", {"actual_end_on": "28/02/2025"}, follow=True
        )
        assert "Ngày kết thúc thực tế trước ngày bắt đầu." in response.content.decode()
        posting.refresh_from_db()
        assert posting.actual_end_on is None


class TestAnAgencyHead:
    def test_a_department_head_sees_only_their_agency_read_only(self, client, people):
        client.force_login(people["department_head"])
        response = client.get("/postings/" + ON)
        assert response.status_code == 200
        assert rows(response) == ["Nguyễn Văn Đất"]
        body = response.content.decode()
        for stranger in ("Phạm Thị Gio", "Trần Thị Hải", "Sở Nội vụ", "Gio Linh"):
            assert stranger not in body
        assert "1 người đang biệt phái; 0/1 đơn vị không có người biệt phái." in body
        assert "/postings/import/" not in body and "/close/" not in body

    def test_a_district_chairman_sees_the_district_and_its_communes(self, client, people):
        client.force_login(people["district_chairman"])
        response = client.get("/postings/" + ON)
        assert rows(response) == ["Trần Thị Hải", "Lê Văn Xã"]

    def test_another_agency_in_the_filter_answers_404(self, client, people):
        client.force_login(people["department_head"])
        assert client.get("/postings/?agency=GL").status_code == 404
        assert client.get("/postings/?agency=NOPE").status_code == 404

    def test_an_agency_head_cannot_write(self, client, people):
        client.force_login(people["district_chairman"])
        posting = StaffPosting.objects.get(person_name="Trần Thị Hải")
        close = client.post(f"/postings/{posting.pk}/close/", {"actual_end_on": "15/04/2025"})
        assert close.status_code == 403
        content = postings_csv([["A", "", "HL", "", "01/04/2025", "30/09/2025", "", ""]])
        upload = {"file": SimpleUploadedFile("bp.csv", content, "text/csv")}
        assert client.post("/postings/import/", upload).status_code == 403
        posting.refresh_from_db()
        assert posting.actual_end_on is None and StaffPosting.objects.count() == 5


class TestHomeAffairsAndOthers:
    def test_home_affairs_sees_everything_read_only(self, client, people):
        client.force_login(people["home_affairs"])
        response = client.get("/postings/" + ON)
        assert len(rows(response)) == 5
        assert "/postings/import/" not in response.content.decode()
        assert client.post("/postings/new/", {"person_name": "X"}).status_code == 403

    def test_an_outsider_is_refused_and_a_visitor_sent_to_sign_in(self, client, people):
        client.force_login(people["outsider"])
        assert client.get("/postings/").status_code == 403
        client.logout()
        response = client.get("/postings/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")

    def test_the_menu_links_the_page_for_the_three_roles(self, client, people):
        for persona in ("province_officer", "department_head", "home_affairs"):
            client.force_login(people[persona])
            assert 'href="/postings/"' in client.get("/postings/").content.decode(), persona


class TestUploadOnTheImportPipeline:
    """The page's upload is an import batch like any other: dry run, all or nothing, and a
    file kept and processed later when the queue is down."""

    GOOD = [["Võ Thị Mới", "CB-100", "SNV", "", "01/04/2025", "30/09/2025", "", ""]]
    BAD = ["Đỗ Văn Sai", "CB-101", "NOPE", "", "01/04/2025", "30/09/2025", "", ""]

    @pytest.fixture
    def office(self, client, people):
        client.force_login(people["province_officer"])
        return client

    def _upload(self, office, rows, capture, **fields):
        content = postings_csv(rows)
        with capture(execute=True):
            posted = office.post(
                "/postings/import/",
                {"file": SimpleUploadedFile("bp.csv", content, "text/csv"), **fields},
            )
        assert posted.status_code == 302
        return office.get(posted["Location"])

    def test_a_dry_run_counts_and_writes_nothing(self, office, django_capture_on_commit_callbacks):
        before = StaffPosting.objects.count()
        page = self._upload(office, self.GOOD, django_capture_on_commit_callbacks, dry_run="on")
        body = page.content.decode()
        assert '<td class="num" data-label="Thêm mới" data-count="created">1</td>' in body
        assert "Chạy thử: chưa có dữ liệu nào được ghi." in body
        batch = ImportBatch.objects.get(kind=ImportKind.POSTINGS)
        assert (batch.status, batch.dry_run) == (ImportStatus.VALIDATED, True)
        assert StaffPosting.objects.count() == before
        assert not AuditEntry.objects.filter(action=AuditAction.POSTING_IMPORT).exists()

    def test_all_or_nothing_refuses_a_file_with_a_bad_row(
        self, office, django_capture_on_commit_callbacks
    ):
        before = StaffPosting.objects.count()
        page = self._upload(
            office, [*self.GOOD, self.BAD], django_capture_on_commit_callbacks, atomic="on"
        )
        body = page.content.decode()
        assert (
            "Tệp bp.csv có 1 dòng lỗi; vì chọn «tất cả hoặc không» (--atomic), "
            "không dòng nào được nhập."
        ) in body
        assert "Không có đơn vị mã «NOPE» trong danh mục." in body  # the row that caused it
        assert ImportBatch.objects.get(kind=ImportKind.POSTINGS).status == ImportStatus.REFUSED
        assert StaffPosting.objects.count() == before

    def test_with_the_queue_down_the_file_waits_and_is_written_when_it_is_back(
        self, office, django_capture_on_commit_callbacks, monkeypatch
    ):
        from dossiers import services

        monkeypatch.setattr(services, "send_or_defer", lambda task, *args: False)
        page = self._upload(office, self.GOOD, django_capture_on_commit_callbacks)
        body = page.content.decode()
        batch = ImportBatch.objects.get(kind=ImportKind.POSTINGS)
        assert batch.status == ImportStatus.PENDING
        assert "Việc xử lý đang chậm hơn thường lệ" in body
        assert 'hx-trigger="every 1s"' in body  # the outcome card polls until it is settled
        assert not StaffPosting.objects.filter(staff_code="CB-100").exists()

        monkeypatch.undo()
        assert services.import_batches_resume(older_than=dt.timedelta(0)) == 1
        card = office.get(
            f"/postings/imports/{batch.pk}/",
            headers={"HX-Request": "true", "HX-Target": "import-result"},
        ).content.decode()
        assert card.lstrip().startswith('<section id="import-result"')
        assert "<html" not in card and "hx-trigger" not in card
        assert 'data-count="created">1</td>' in card
        assert StaffPosting.objects.get(staff_code="CB-100").import_batch_id == batch.pk

    def test_another_kinds_batch_is_not_shown_here(self, office, tmp_path):
        from dossiers.services import import_batch_create

        path = tmp_path / "ho_so.csv"
        path.write_text("Mã hồ sơ\nH-1\n", encoding="utf-8")
        dossiers = import_batch_create(kind=ImportKind.DOSSIERS, path=path)
        assert office.get(f"/postings/imports/{dossiers.pk}/").status_code == 404
        assert office.get(f"/postings/imports/{dossiers.pk}/original").status_code == 404
