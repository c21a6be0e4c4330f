"""Apologies for overdue dossiers: the work list, the recording service, the pages, the slip PDF.

Today is frozen at Thursday 15/06/2023 10:00 (local), so the next working day is Friday 16/06.
The hand-made dossiers (all received 01/06/2023 08:00):

| code  | agency | state                              | for the district chairman (HL)        |
| ----- | ------ | ---------------------------------- | ------------------------------------- |
| A     | HL-TT  | open, due 10/06                    | overdue, 5 days                       |
| B     | HL     | due 08/06, finished 12/06          | overdue (finished late), 4 days       |
| C     | HL     | open, due 16/06                    | due by the end of the next working day |
| D     | HL     | open, due 20/06                    | neither                               |
| E     | HL     | due 20/06, finished 14/06          | neither (on time)                     |
| F     | STNMT  | open, due 05/06                    | another agency's: not found           |
| G     | HL     | open, due 09/06, apology 12/06     | already apologised                    |
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
import time_machine
from django.core.mail import EmailMessage
from django.test import Client
from docx import Document
from pypdf import PdfReader

from agencies.models import AuditAction, AuditEntry, Domain, Procedure
from dossiers.apologies import (
    apology_counts,
    apology_record,
    apology_work_list,
    due_soon_limit,
    next_working_day,
)
from dossiers.apology_reminders import apology_reminders_send
from dossiers.apology_slip import slip_content
from dossiers.models import (
    Apology,
    ApologyChannel,
    ApologySource,
    PublicHoliday,
    ReminderSend,
    TouchedCell,
)
from kpi_portal.celery import app as celery_app
from tests.dossiers.conftest import dossier_csv, run_import
from tests.personas import agencies_create, personas_create
from tests.reports.kpi_data import end_of_day, figures, make_dossier, vn

NOW = vn(2023, 6, 15, 10)
SECOND_APPOINTMENT = "Hồ sơ đã có phiếu xin lỗi và hẹn lại một lần; không được hẹn lại lần thứ hai."


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _celery_inline():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def world(db):
    agencies = agencies_create()
    people = personas_create(agencies)
    land = Domain.objects.create(name="Đất đai")
    civil = Domain.objects.create(name="Hộ tịch")
    land_procedure = Procedure.objects.create(
        code="1.004222", name="Đăng ký biến động đất đai", domain=land
    )
    civil_procedure = Procedure.objects.create(
        code="1.001193", name="Đăng ký khai sinh", domain=civil
    )
    received = vn(2023, 6, 1, 8)
    spec = {
        "A": ("HL-TT", civil_procedure, end_of_day(2023, 6, 10), None, None),
        "B": ("HL", land_procedure, end_of_day(2023, 6, 8), vn(2023, 6, 12, 9), None),
        "C": ("HL", land_procedure, end_of_day(2023, 6, 16), None, None),
        "D": ("HL", land_procedure, end_of_day(2023, 6, 20), None, None),
        "E": ("HL", land_procedure, end_of_day(2023, 6, 20), vn(2023, 6, 14, 9), None),
        "F": ("STNMT", land_procedure, end_of_day(2023, 6, 5), None, None),
        "G": ("HL", land_procedure, end_of_day(2023, 6, 9), None, end_of_day(2023, 6, 12)),
    }
    dossiers = {
        code: make_dossier(
            agencies[agency],
            procedure,
            received_at=received,
            due_at=due,
            finished_at=finished,
            apology_at=apology,
            code=code,
        )
        for code, (agency, procedure, due, finished, apology) in spec.items()
    }
    TouchedCell.objects.all().delete()
    return {"agencies": agencies, "people": people, "dossiers": dossiers, "land": land}


def _record(world, user, codes, *, new_due_at=None, now=NOW):
    return apology_record(
        user=world["people"][user],
        dossier_ids=[world["dossiers"][code].id for code in codes],
        reason="Chờ kết quả đo đạc địa chính",
        new_due_at=new_due_at or end_of_day(2023, 6, 23),
        channel=ApologyChannel.ZALO,
        signer_name="Hoàng Minh Tuấn",
        signer_title="Chủ tịch UBND huyện",
        now=now,
    )


def _codes(lines):
    return [line.dossier.code for line in lines]


class TestTheNextWorkingDay:
    def test_after_a_thursday_it_is_the_friday(self):
        assert next_working_day(vn(2023, 6, 15).date()).isoformat() == "2023-06-16"

    def test_after_a_friday_or_a_weekend_it_is_the_monday(self):
        for day in (16, 17, 18):
            assert next_working_day(vn(2023, 6, day).date()).isoformat() == "2023-06-19"

    def test_due_soon_ends_when_the_next_working_day_ends(self):
        # Friday 16/06 → Monday 19/06; the limit is the first instant after it.
        assert due_soon_limit(now=vn(2023, 6, 16, 10), holidays=frozenset()) == vn(2023, 6, 20)

    def test_public_holidays_are_skipped_like_weekends(self):
        # Hùng Kings' day and the following days off of 2023: Sat 29/04 to Wed 03/05.
        holidays = frozenset(vn(2023, 5, day).date() for day in (1, 2, 3))
        friday = vn(2023, 4, 28).date()
        assert next_working_day(friday, holidays=holidays).isoformat() == "2023-05-04"

    def test_the_holidays_recorded_as_data_move_the_due_soon_limit(self, db):
        PublicHoliday.objects.create(day=vn(2023, 6, 19).date(), name="Nghỉ bù")
        # Friday 16/06: Monday 19/06 is off, so the next working day is Tuesday 20/06.
        assert due_soon_limit(now=vn(2023, 6, 16, 10)) == vn(2023, 6, 21)


class TestTheWorkList:
    def test_the_district_chairman_sees_own_overdue_dossiers_oldest_due_first(self, world):
        work = apology_work_list(user=world["people"]["district_chairman"], now=NOW)
        assert _codes(work.overdue) == ["B", "A"]
        assert [line.days_overdue for line in work.overdue] == [4, 5]
        assert [line.still_open for line in work.overdue] == [False, True]
        assert _codes(work.due_soon) == ["C"]

    def test_the_department_head_sees_only_the_department(self, world):
        work = apology_work_list(user=world["people"]["department_head"], now=NOW)
        assert _codes(work.overdue) == ["F"]
        assert work.due_soon == []

    def test_the_province_office_sees_every_agency(self, world):
        work = apology_work_list(user=world["people"]["province_officer"], now=NOW)
        assert _codes(work.overdue) == ["F", "B", "A"]
        assert _codes(work.due_soon) == ["C"]

    def test_home_affairs_and_the_outsider_see_nothing(self, world):
        for person in ("home_affairs", "outsider"):
            work = apology_work_list(user=world["people"][person], now=NOW)
            assert work.overdue == [] and work.due_soon == []

    def test_it_filters_by_domain_and_sub_unit(self, world):
        chairman = world["people"]["district_chairman"]
        by_domain = apology_work_list(user=chairman, now=NOW, domain_id=world["land"].id)
        assert _codes(by_domain.overdue) == ["B"]
        commune = world["agencies"]["HL-TT"]
        assert _codes(apology_work_list(user=chairman, now=NOW, unit=commune).overdue) == ["A"]

    def test_on_a_friday_a_dossier_due_on_monday_is_due_soon(self, world):
        friday = vn(2023, 6, 16, 10)
        work = apology_work_list(user=world["people"]["district_chairman"], now=friday)
        # C (due Friday) is now overdue only from Saturday: still due soon; D (Tuesday) is not.
        assert _codes(work.due_soon) == ["C"]
        monday_due = make_dossier(
            world["agencies"]["HL"],
            world["dossiers"]["C"].procedure,
            received_at=vn(2023, 6, 1, 8),
            due_at=end_of_day(2023, 6, 19),
            code="M",
        )
        work = apology_work_list(user=world["people"]["district_chairman"], now=friday)
        assert _codes(work.due_soon) == ["C", monday_due.code]

    def test_the_counts_agree_with_the_list(self, world):
        counts = apology_counts(user=world["people"]["district_chairman"], now=NOW)
        assert (counts.overdue, counts.due_soon) == (2, 1)
        commune = world["agencies"]["HL-TT"]
        counts = apology_counts(user=world["people"]["province_officer"], now=NOW, agency=commune)
        assert (counts.overdue, counts.due_soon) == (1, 0)


class TestRecordingAnApology:
    def test_it_records_a_portal_apology_with_its_author(self, world):
        (outcome,) = _record(world, "district_chairman", ["A"])
        assert outcome.recorded and outcome.reason == ""
        apology = Apology.objects.get(dossier=world["dossiers"]["A"])
        assert apology.source == ApologySource.PORTAL
        assert apology.created_by == world["people"]["district_chairman"]
        assert apology.issued_at == NOW
        assert apology.new_due_at == end_of_day(2023, 6, 23)
        assert apology.channel == ApologyChannel.ZALO
        assert apology.signer_title == "Chủ tịch UBND huyện"

    def test_another_agencys_dossier_is_refused_as_not_found(self, world):
        (outcome,) = _record(world, "district_chairman", ["F"])
        assert not outcome.recorded
        assert outcome.reason == "Không tìm thấy hồ sơ."
        assert outcome.code == ""  # the answer does not even name it
        assert not Apology.objects.filter(dossier=world["dossiers"]["F"]).exists()

    def test_home_affairs_may_act_on_nothing(self, world):
        (outcome,) = _record(world, "home_affairs", ["A"])
        assert not outcome.recorded and outcome.reason == "Không tìm thấy hồ sơ."

    def test_a_dossier_neither_overdue_nor_due_soon_is_refused(self, world):
        outcomes = _record(world, "district_chairman", ["D", "E"])
        assert [o.recorded for o in outcomes] == [False, False]
        assert all("chưa quá hạn và chưa sắp đến hạn" in o.reason for o in outcomes)
        assert Apology.objects.count() == 1  # G's only

    def test_a_dossier_due_by_the_next_working_day_may_be_apologised_for(self, world):
        (outcome,) = _record(world, "district_chairman", ["C"])
        assert outcome.recorded

    def test_the_new_date_must_be_after_the_original_due_date(self, world):
        (outcome,) = _record(world, "district_chairman", ["C"], new_due_at=end_of_day(2023, 6, 16))
        assert not outcome.recorded
        assert outcome.reason == "Ngày hẹn lại phải sau ngày hẹn trả ban đầu (16/06/2023 23:59)."

    def test_the_new_date_must_be_after_today(self, world):
        # After A's due date (10/06) but before today (15/06), or today itself.
        for day in (14, 15):
            (outcome,) = _record(
                world, "district_chairman", ["A"], new_due_at=end_of_day(2023, 6, day)
            )
            assert not outcome.recorded
            assert outcome.reason == "Ngày hẹn lại phải sau ngày hôm nay."
        assert not Apology.objects.filter(dossier=world["dossiers"]["A"]).exists()
        # Tomorrow is accepted.
        (outcome,) = _record(world, "district_chairman", ["A"], new_due_at=end_of_day(2023, 6, 16))
        assert outcome.recorded

    def test_a_second_new_appointment_is_refused_with_the_reason(self, world):
        assert _record(world, "district_chairman", ["A"])[0].recorded
        (again,) = _record(world, "district_chairman", ["A"], new_due_at=end_of_day(2023, 6, 30))
        assert not again.recorded and again.reason == SECOND_APPOINTMENT
        apology = Apology.objects.get(dossier=world["dossiers"]["A"])
        assert apology.new_due_at == end_of_day(2023, 6, 23)
        (imported,) = _record(world, "district_chairman", ["G"])
        assert imported.reason == SECOND_APPOINTMENT

    def test_a_mixed_selection_records_the_valid_ones_and_explains_the_rest(self, world):
        outcomes = _record(world, "district_chairman", ["A", "D", "F", "B", "G"])
        by_code = {o.dossier_id: o for o in outcomes}
        dossiers = world["dossiers"]
        assert [o.recorded for o in outcomes] == [True, False, False, True, False]
        assert "chưa quá hạn" in by_code[dossiers["D"].id].reason
        assert by_code[dossiers["F"].id].reason == "Không tìm thấy hồ sơ."
        assert by_code[dossiers["G"].id].reason == SECOND_APPOINTMENT
        assert set(
            Apology.objects.filter(source=ApologySource.PORTAL).values_list(
                "dossier__code", flat=True
            )
        ) == {"A", "B"}

    def test_nothing_is_half_done_when_writing_fails(self, world, monkeypatch):
        def broken(cells):
            raise RuntimeError("disk full")

        monkeypatch.setattr("dossiers.apologies.record_touched_cells", broken)
        with pytest.raises(RuntimeError):
            _record(world, "district_chairman", ["A", "B"])
        assert Apology.objects.count() == 1  # G's only: neither A nor B

    def test_it_records_the_touched_cells_of_the_months_from_receipt(self, world):
        _record(world, "district_chairman", ["A", "B"])
        cells = set(TouchedCell.objects.values_list("agency__code", "month"))
        june = vn(2023, 6, 1).date()
        assert cells == {("HL-TT", june), ("HL", june)}


class TestALaterImport:
    ROW = {
        "code": "A",
        "agency_code": "HL-TT",
        "procedure_code": "1.001193",
        "channel": "Trực tiếp",
        "received_at": "01/06/2023 08:00",
        "due_at": "10/06/2023",
        "finished_at": "",
        "e_result": "Không",
    }

    def test_never_overwrites_nor_erases_an_apology_recorded_in_the_portal(self, world, write_file):
        _record(world, "district_chairman", ["A"])
        other = {
            "apology_issued_at": "12/06/2023",
            "apology_new_due_at": "30/06/2023",
            "apology_reason": "Theo tệp của hệ thống một cửa",
        }
        emptied = {"apology_issued_at": "", "apology_new_due_at": "", "apology_reason": ""}

        different = run_import("import_dossiers", write_file(dossier_csv([self.ROW | other])))
        erased = run_import("import_dossiers", write_file(dossier_csv([self.ROW | emptied])))

        # The portal's slip stays as recorded; the differing row is imported with a warning.
        assert "giữ phiếu đó" in different.stderr
        assert erased.stdout.strip() == "created 0, updated 0, unchanged 1, rejected 0"
        apology = Apology.objects.get(dossier__code="A")
        assert (apology.source, apology.issued_at, apology.new_due_at, apology.reason) == (
            ApologySource.PORTAL,
            NOW,
            end_of_day(2023, 6, 23),
            "Chờ kết quả đo đạc địa chính",
        )
        # And the one-appointment rule still holds after the import.
        (again,) = _record(world, "district_chairman", ["A"])
        assert again.reason == SECOND_APPOINTMENT


class TestTheApologyRateAfterTheRefresh:
    def test_the_numerator_rises_by_the_number_recorded(
        self, world, django_capture_on_commit_callbacks
    ):
        from reports.services import kpi_full_recompute

        kpi_full_recompute()
        # June 2023 under HL (HL and HL-TT): overdue at 30/06 are A, B, C, D, G (every open
        # dossier is past its due date by then, and B finished late); E was on time. Only G has
        # an apology: 1 / 5.
        assert figures("2023-06")[("HL", "apology")] == (1, 5)
        with django_capture_on_commit_callbacks(execute=True):
            outcomes = _record(world, "district_chairman", ["A", "B", "C", "D"])
        assert [o.recorded for o in outcomes] == [True, True, True, False]
        # A, B, C recorded (D refused): 1 + 3 = 4 of the same 5.
        assert figures("2023-06")[("HL", "apology")] == (4, 5)
        assert figures("2023-06")[("HL-TT", "apology")] == (1, 1)
        assert not TouchedCell.objects.exists()  # drained by the refresh job


class TestTheAuditLog:
    def test_each_recorded_apology_gets_one_entry_and_a_refusal_none(self, world):
        _record(world, "district_chairman", ["A", "D", "B"])  # D is refused (not due yet)
        entries = list(AuditEntry.objects.filter(action=AuditAction.APOLOGY_RECORD).order_by("pk"))
        assert [(e.actor_username, e.agency.code, e.after["dossier"]) for e in entries] == [
            ("district_chairman", "HL-TT", "A"),
            ("district_chairman", "HL", "B"),
        ]
        apology = Apology.objects.get(dossier__code="A")
        first = entries[0]
        assert (first.subject_type, first.subject_id) == ("dossiers.apology", str(apology.pk))
        assert first.summary == "Ghi nhận phiếu xin lỗi, hẹn lại ngày 23/06/2023 cho hồ sơ A"
        assert first.before is None
        assert first.after["reason"] == "Chờ kết quả đo đạc địa chính"
        assert first.after["signer_name"] == "Hoàng Minh Tuấn"

    def test_no_apology_is_kept_when_its_audit_entry_cannot_be_written(self, world, monkeypatch):
        calls = []

        def failing(entries):
            calls.extend(entry.after["dossier"] for entry in entries)
            raise RuntimeError("audit table locked")

        monkeypatch.setattr("dossiers.apologies.audit_record_many", failing)
        with pytest.raises(RuntimeError):
            _record(world, "district_chairman", ["A", "B"])
        assert calls == ["A", "B"]
        # The same transaction: the apologies, written before their entries failed, are gone too.
        assert not Apology.objects.filter(dossier__code__in=["A", "B"]).exists()

    def test_a_bulk_post_from_the_page_leaves_one_entry_per_dossier(self, world):
        response = _client(world, "district_chairman").post(
            "/apologies/new/", _form_data(["A", "B", "C"])
        )
        assert response.status_code == 200
        entries = AuditEntry.objects.filter(action=AuditAction.APOLOGY_RECORD)
        assert sorted(e.after["dossier"] for e in entries) == ["A", "B", "C"]
        assert {e.actor_username for e in entries} == {"district_chairman"}


# --- Pages ---------------------------------------------------------------------------------------


def _client(world, person: str, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(world["people"][person])
    return client


class TestTheWorkListPage:
    def test_each_persona_gets_the_right_answer(self, world):
        expected = {
            "province_officer": 200,
            "department_head": 200,
            "district_chairman": 200,
            "home_affairs": 403,
            "outsider": 403,
        }
        for person, status in expected.items():
            assert _client(world, person).get("/apologies/").status_code == status, person
        assert Client().get("/apologies/").status_code == 302

    def test_it_lists_both_lists_with_checkboxes(self, world):
        response = _client(world, "district_chairman").get("/apologies/")
        html = response.content.decode()
        assert 'data-testid="overdue-count">2<' in html
        assert 'data-testid="due-soon-count">1<' in html
        for code in ("A", "B", "C"):
            assert f'name="dossier" value="{code}"' in html
        for code in ("D", "E", "F", "G"):
            assert f'name="dossier" value="{code}"' not in html

    def test_it_shows_the_status_in_words_and_an_unknown_channel_as_unknown(self, world):
        from dossiers.models import Dossier, DossierStatus

        Dossier.objects.filter(code="A").update(status=DossierStatus.PROCESSING)
        Dossier.objects.filter(code="B").update(channel=None)
        html = _client(world, "district_chairman").get("/apologies/").content.decode()
        row_a = re.search(r'<tr>\s*<td[^>]*><input[^>]*value="A".*?</tr>', html, re.S).group(0)
        row_b = re.search(r'<tr>\s*<td[^>]*><input[^>]*value="B".*?</tr>', html, re.S).group(0)
        assert '<td data-label="Trạng thái">Đang xử lý</td>' in row_a
        assert '<td data-label="Trạng thái">—</td>' in row_b
        assert '<td data-label="Kênh nộp">Không rõ</td>' in row_b
        assert "None" not in row_b

    def test_the_menu_shows_the_page_to_those_who_may_act(self, world):
        html = _client(world, "department_head").get("/apologies/").content.decode()
        assert 'href="/apologies/" aria-current="page"' in html
        home_affairs = _client(world, "home_affairs").get("/domains/")
        assert 'href="/apologies/"' not in home_affairs.content.decode()

    def test_the_htmx_swap_renders_only_the_lists(self, world):
        response = _client(world, "district_chairman").get(
            "/apologies/", {"domain": world["land"].id}, headers={"HX-Request": "true"}
        )
        html = response.content.decode()
        assert html.lstrip().startswith('<div id="lists">')
        assert 'value="B"' in html and 'value="A"' not in html


class TestTheApologyForm:
    def test_another_agencys_dossier_answers_404(self, world):
        client = _client(world, "district_chairman")
        assert client.get("/apologies/new/", {"dossier": "F"}).status_code == 404
        assert client.get("/apologies/new/", {"dossier": ["A", "F"]}).status_code == 404
        assert client.get("/apologies/new/", {"dossier": "NOPE"}).status_code == 404

    def test_a_post_naming_another_agencys_dossier_answers_404_and_records_nothing(self, world):
        response = _client(world, "district_chairman").post(
            "/apologies/new/", _form_data(["A", "F"])
        )
        assert response.status_code == 404
        assert not Apology.objects.filter(dossier__code__in=["A", "F"]).exists()

    def test_home_affairs_gets_403(self, world):
        response = _client(world, "home_affairs").get("/apologies/new/", {"dossier": "A"})
        assert response.status_code == 403

    def test_it_shows_the_selected_dossiers(self, world):
        response = _client(world, "district_chairman").get(
            "/apologies/new/", {"dossier": ["A", "B"]}
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert "2 hồ sơ được chọn" in html and "Đăng ký khai sinh" in html

    def test_a_post_needs_the_csrf_token(self, world):
        client = _client(world, "district_chairman", enforce_csrf_checks=True)
        response = client.post("/apologies/new/", _form_data(["A"]))
        assert response.status_code == 403
        assert not Apology.objects.filter(dossier__code="A").exists()

    def test_a_bulk_post_records_the_valid_ones_and_lists_each_outcome(
        self, world, django_capture_on_commit_callbacks
    ):
        client = _client(world, "district_chairman")
        with django_capture_on_commit_callbacks(execute=False):
            response = client.post("/apologies/new/", _form_data(["A", "B", "D"]))
        html = response.content.decode()
        assert response.status_code == 200
        assert "Đã ghi nhận 2 phiếu; 1 hồ sơ bị từ chối." in html
        assert "chưa quá hạn và chưa sắp đến hạn" in html
        assert 'href="/apologies/A/slip.pdf"' in html
        assert "/apologies/slips.zip?dossier=B&amp;dossier=A" in html
        apology = Apology.objects.get(dossier__code="A")
        assert apology.new_due_at == end_of_day(2023, 6, 23)
        assert apology.channel == ApologyChannel.SMS

    def test_a_form_with_errors_records_nothing(self, world):
        data = _form_data(["A"]) | {"new_due_date": "", "reason": ""}
        response = _client(world, "district_chairman").post("/apologies/new/", data)
        assert response.status_code == 400
        assert not Apology.objects.filter(dossier__code="A").exists()


def _form_data(codes: list[str]) -> dict:
    return {
        "dossier": codes,
        "reason": "Chờ ý kiến của cơ quan phối hợp",
        "new_due_date": "23/06/2023",
        "channel": ApologyChannel.SMS,
        "signer_name": "Hoàng Minh Tuấn",
        "signer_title": "Chủ tịch UBND huyện",
    }


class TestTheAgencyPageCounts:
    def test_the_agency_head_sees_the_counts_in_the_header(self, world):
        html = _client(world, "district_chairman").get("/agencies/HL/").content.decode()
        assert "2 hồ sơ quá hạn chưa xin lỗi, 1 hồ sơ sắp đến hạn" in html

    def test_home_affairs_sees_no_counts(self, world):
        html = _client(world, "home_affairs").get("/agencies/HL/").content.decode()
        assert 'data-testid="apology-counts"' not in html


class TestTheSlip:
    def test_the_pdf_names_the_dossier_its_dates_reason_and_agency(self, world):
        _record(world, "district_chairman", ["A"])
        response = _client(world, "district_chairman").get("/apologies/A/slip.pdf")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        text = _pdf_text(response.content)
        for expected in (
            "Mã hồ sơ: A",
            "Đăng ký khai sinh",
            "01/06/2023",  # received
            "Ngày hẹn trả kết quả: 10/06/2023",
            "Ngày hẹn trả lại kết quả: 23/06/2023",
            "Chờ kết quả đo đạc địa chính",
            "UBND THỊ TRẤN DIÊN SANH",
            "UBND HUYỆN HẢI LĂNG",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
            "Nơi nhận",
            "Hoàng Minh Tuấn",
        ):
            assert expected in text, expected

    def test_a_dossier_without_an_apology_or_of_another_agency_answers_404(self, world):
        _record(world, "province_officer", ["F"])
        client = _client(world, "district_chairman")
        assert client.get("/apologies/B/slip.pdf").status_code == 404
        assert client.get("/apologies/F/slip.pdf").status_code == 404
        assert _client(world, "home_affairs").get("/apologies/F/slip.pdf").status_code == 403

    def test_a_selection_downloads_as_a_zip_of_slips(self, world):
        _record(world, "district_chairman", ["A", "B"])
        response = _client(world, "district_chairman").get(
            "/apologies/slips.zip", {"dossier": ["A", "B"]}
        )
        assert response.status_code == 200
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            names = sorted(archive.namelist())
            assert names == ["phieu-xin-loi-A.pdf", "phieu-xin-loi-B.pdf"]
            assert "Mã hồ sơ: B" in _pdf_text(archive.read("phieu-xin-loi-B.pdf"))


class TestTheWordSlip:
    def test_the_docx_holds_the_same_text_as_the_pdf(self, world):
        _record(world, "district_chairman", ["A"])
        client = _client(world, "district_chairman")
        response = client.get("/apologies/A/slip.docx")
        assert response.status_code == 200
        assert response["Content-Type"] == (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        )
        assert response["Content-Disposition"] == 'attachment; filename="phieu-xin-loi-A.docx"'
        text = _docx_text(response.content)
        for expected in (
            "UBND HUYỆN HẢI LĂNG",
            "UBND THỊ TRẤN DIÊN SANH",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "ngày 15 tháng 06 năm 2023",
            "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
            "Mã hồ sơ: A",
            "Thủ tục hành chính: 1.001193 – Đăng ký khai sinh",
            "Ngày tiếp nhận hồ sơ: 08 giờ 00, ngày 01/06/2023",
            "Ngày hẹn trả kết quả: 10/06/2023",
            "Lý do quá hạn: Chờ kết quả đo đạc địa chính",
            "Ngày hẹn trả lại kết quả: 23/06/2023",
            "Hình thức gửi: Zalo",
            "Nơi nhận:",
            "CHỦ TỊCH UBND HUYỆN",
            "Hoàng Minh Tuấn",
        ):
            assert expected in text, expected
        pdf_text = _pdf_text(client.get("/apologies/A/slip.pdf").content)
        dossier = world["dossiers"]["A"]
        dossier.refresh_from_db()
        flat_pdf = " ".join(pdf_text.split())  # the PDF wraps long lines
        for line in slip_content(dossier=dossier).body:
            assert line in text  # every body line, word for word, in both
            assert line in flat_pdf

    def test_a_selection_downloads_as_a_zip_of_word_files(self, world):
        _record(world, "district_chairman", ["A", "B"])
        response = _client(world, "district_chairman").get(
            "/apologies/slips.zip", {"dossier": ["A", "B"], "format": "docx"}
        )
        assert response.status_code == 200
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            assert sorted(archive.namelist()) == ["phieu-xin-loi-A.docx", "phieu-xin-loi-B.docx"]
            assert "Mã hồ sơ: B" in _docx_text(archive.read("phieu-xin-loi-B.docx"))

    def test_another_agencys_word_slip_answers_404(self, world):
        _record(world, "province_officer", ["F"])
        assert _client(world, "district_chairman").get("/apologies/F/slip.docx").status_code == 404


def _docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    cells = [
        paragraph.text
        for table in document.tables
        for row in table.rows
        for cell in row.cells
        for paragraph in cell.paragraphs
    ]
    return "\n".join([*cells, *(paragraph.text for paragraph in document.paragraphs)])


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


class TestTheDailyReminders:
    def test_each_agency_head_and_the_province_office_get_their_e_mail(self, world, mailoutbox):
        from dossiers.tasks import apology_reminders_task

        people = world["people"]
        for person in ("province_officer", "department_head", "district_chairman", "home_affairs"):
            people[person].email = f"{person}@quangtri.gov.vn"
            people[person].save()
        assert apology_reminders_task.delay().get() == 3
        department, district, province = mailoutbox
        assert department.to == ["department_head@quangtri.gov.vn"]
        assert department.subject == (
            "[Sở Tài nguyên và Môi trường] 1 hồ sơ quá hạn chưa xin lỗi, "
            "0 hồ sơ sắp đến hạn (15/06/2023)"
        )
        assert "- F · Đăng ký biến động đất đai" in department.body
        assert district.to == ["district_chairman@quangtri.gov.vn"]
        assert district.subject == (
            "[UBND huyện Hải Lăng] 2 hồ sơ quá hạn chưa xin lỗi, 1 hồ sơ sắp đến hạn (15/06/2023)"
        )
        assert district.body.splitlines()[:7] == [
            "Hồ sơ quá hạn chưa có phiếu xin lỗi: 2",
            "- B · Đăng ký biến động đất đai · UBND huyện Hải Lăng · hẹn trả 08/06/2023"
            " · quá hạn 4 ngày",
            "- A · Đăng ký khai sinh · UBND thị trấn Diên Sanh · hẹn trả 10/06/2023"
            " · quá hạn 5 ngày",
            "",
            "Hồ sơ đến hạn trả đến hết ngày 16/06/2023: 1",
            "- C · Đăng ký biến động đất đai · UBND huyện Hải Lăng · hẹn trả 16/06/2023",
            "",
        ]
        assert province.to == ["province_officer@quangtri.gov.vn"]
        assert province.subject == (
            "Toàn tỉnh: 3 hồ sơ quá hạn chưa xin lỗi, 1 hồ sơ sắp đến hạn (15/06/2023)"
        )
        assert province.body.splitlines() == [
            "Theo đơn vị tiếp nhận:",
            "- UBND huyện Hải Lăng: 1 quá hạn chưa xin lỗi, 1 sắp đến hạn",
            "- UBND thị trấn Diên Sanh: 1 quá hạn chưa xin lỗi, 0 sắp đến hạn",
            "- Sở Tài nguyên và Môi trường: 1 quá hạn chưa xin lỗi, 0 sắp đến hạn",
        ]

    def test_nobody_is_mailed_when_every_dossier_has_its_apology(self, world, mailoutbox):
        from dossiers.apology_reminders import apology_reminders_send

        world["people"]["district_chairman"].email = "chairman@quangtri.gov.vn"
        world["people"]["district_chairman"].save()
        _record(world, "district_chairman", ["A", "B", "C"])
        assert apology_reminders_send(now=NOW) == 0
        assert mailoutbox == []

    def test_a_second_run_on_the_same_day_mails_nobody_again(self, world, mailoutbox):
        _emails(world, "district_chairman", "province_officer")
        assert apology_reminders_send(now=NOW) == 2
        # Re-run the same afternoon (a retried beat job, an operator by hand): nothing more.
        assert apology_reminders_send(now=vn(2023, 6, 15, 16)) == 0
        assert [m.to for m in mailoutbox] == [
            ["district_chairman@quangtri.gov.vn"],
            ["province_officer@quangtri.gov.vn"],
        ]
        assert set(ReminderSend.objects.values_list("kind", "recipient")) == {
            ("apology.head", "district_chairman@quangtri.gov.vn"),
            ("apology.province", "province_officer@quangtri.gov.vn"),
        }

    def test_the_next_day_mails_again_with_that_days_figures(self, world, mailoutbox):
        _emails(world, "district_chairman")
        assert apology_reminders_send(now=NOW) == 1
        # Friday 16/06 10:00: A (open, due 10/06) is 6 days overdue, B stays at 4 (finished
        # 12/06); C (due Friday 23:59) is still due soon; the next working day is Monday 19/06,
        # and D (due Tuesday 20/06) is not yet listed.
        assert apology_reminders_send(now=vn(2023, 6, 16, 10)) == 1
        friday = mailoutbox[1]
        assert friday.subject == (
            "[UBND huyện Hải Lăng] 2 hồ sơ quá hạn chưa xin lỗi, 1 hồ sơ sắp đến hạn (16/06/2023)"
        )
        assert friday.body.splitlines()[2].endswith("hẹn trả 10/06/2023 · quá hạn 6 ngày")
        assert "Hồ sơ đến hạn trả đến hết ngày 19/06/2023: 1" in friday.body

    def test_a_public_holiday_widens_the_due_soon_list_and_is_a_quiet_day(self, world, mailoutbox):
        _emails(world, "district_chairman")
        PublicHoliday.objects.create(day=vn(2023, 6, 19).date(), name="Nghỉ bù")
        # Friday 16/06 with Monday 19/06 off: the next working day is Tuesday 20/06, so C
        # (due 16/06) and D (due 20/06) are both due soon.
        assert apology_reminders_send(now=vn(2023, 6, 16, 10)) == 1
        (friday,) = mailoutbox
        assert friday.subject.endswith(
            "2 hồ sơ quá hạn chưa xin lỗi, 2 hồ sơ sắp đến hạn (16/06/2023)"
        )
        assert "Hồ sơ đến hạn trả đến hết ngày 20/06/2023: 2" in friday.body
        # Nobody is mailed on the holiday itself, nor on a Saturday.
        assert apology_reminders_send(now=vn(2023, 6, 19, 7)) == 0
        assert apology_reminders_send(now=vn(2023, 6, 17, 7)) == 0
        assert len(mailoutbox) == 1

    def test_a_send_that_fails_gives_its_claim_back_for_the_retry(
        self, world, mailoutbox, monkeypatch
    ):
        _emails(world, "district_chairman")
        real_send = EmailMessage.send

        def down(self, fail_silently=False):
            raise ConnectionRefusedError("mail server down")

        monkeypatch.setattr(EmailMessage, "send", down)
        with pytest.raises(ConnectionRefusedError):
            apology_reminders_send(now=NOW)
        assert not ReminderSend.objects.exists()
        monkeypatch.setattr(EmailMessage, "send", real_send)
        assert apology_reminders_send(now=NOW) == 1
        assert len(mailoutbox) == 1


def _emails(world, *people: str) -> None:
    for person in people:
        user = world["people"][person]
        user.email = f"{person}@quangtri.gov.vn"
        user.save()
