"""The audit log: the page (/audit/), its filters and paging, and the entries that imports, target
changes and weight changes write."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from agencies.audit import audit_record
from agencies.models import Agency, AuditAction, AuditEntry
from dossiers.models import ImportKind, ImportStatus
from dossiers.services import import_file
from reports.models import Indicator
from reports.ranking import scoring_weight_change
from reports.services import target_set
from tests.personas import personas_create

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "dossiers" / "fixtures"


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def people():
    return personas_create()


@pytest.fixture
def office(client, people):
    client.force_login(people["province_officer"])
    return client


def _at(year: int, month: int, day: int, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour, 0))


def _entry(actor, action, *, at, agency=None, summary="", before=None, after=None) -> AuditEntry:
    entry = audit_record(
        actor=actor,
        action=action,
        subject_type="tests.thing",
        subject_id="1",
        agency=agency,
        summary=summary,
        before=before,
        after=after,
    )
    AuditEntry.objects.filter(pk=entry.pk).update(at=at)
    return entry


def _rows(response) -> list[str]:
    """The summaries shown, top to bottom."""
    return [row.summary for row, _changes in response.context["rows"]]


class TestThePage:
    def test_an_entry_shows_who_when_what_the_summary_and_before_to_after(self, office, people):
        _entry(
            people["province_officer"],
            AuditAction.TARGET_CHANGE,
            at=_at(2026, 3, 5, 14),
            summary="Chỉ tiêu on_time, năm 2026",
            before={"indicator": "on_time", "year": 2026, "value": 0.95, "note": "cũ"},
            after={"indicator": "on_time", "year": 2026, "value": 0.99, "rows": 1500},
        )
        response = office.get("/audit/")
        assert response.status_code == 200
        body = response.content.decode()
        assert "Nguyễn Thị Thu Hà" in body and "province_officer" in body
        assert "05/03/2026 14:00:00" in body
        assert "Đổi chỉ tiêu" in body
        assert "Chỉ tiêu on_time, năm 2026" in body
        ((_entry_shown, changes),) = response.context["rows"]
        # Only the keys that changed, alphabetically, with their values as people read them:
        # `note` removed; the new key `rows` (1.500, grouped the Vietnamese way); 0,95 → 0,99.
        assert [(c.key, c.before, c.after) for c in changes] == [
            ("note", "cũ", "—"),
            ("rows", "—", "1.500"),
            ("value", "0,95", "0,99"),
        ]
        assert "<del>0,95</del> → <ins>0,99</ins>" in body

    def test_records_and_ids_are_shown_by_their_names_not_by_field_names_and_ids(
        self, office, people
    ):
        from agencies.audit import snapshot
        from agencies.models import Domain, Procedure
        from dossiers.models import Apology
        from tests.reports.kpi_data import end_of_day, make_dossier, vn

        hl = Agency.objects.get(code="HL")
        procedure = Procedure.objects.create(
            code="1.000001", name="Đăng ký đất đai", domain=Domain.objects.create(name="Đất đai")
        )
        dossier = make_dossier(
            hl,
            procedure,
            received_at=vn(2023, 3, 1, 8),
            due_at=end_of_day(2023, 3, 5),
            apology_at=end_of_day(2023, 3, 4),
            code="H45.37-230301-0001",
        )
        apology = Apology.objects.get(dossier=dossier)
        Apology.objects.filter(pk=apology.pk).update(created_by=people["district_chairman"])
        apology.refresh_from_db()
        audit_record(
            actor=people["district_chairman"],
            action=AuditAction.APOLOGY_RECORD,
            subject=apology,
            agency=hl,
            summary="Xin lỗi hồ sơ quá hạn",
            after=snapshot(apology, fields=["dossier", "created_by", "signer_name"]),
        )
        audit_record(
            actor=people["province_officer"],
            action=AuditAction.TARGET_CHANGE,
            subject_type="agencies.agency",
            subject_id=str(hl.pk),
            before={"id": hl.pk, "parent": None},
            after={"id": hl.pk, "parent": Agency.objects.get(code="QT").pk},
        )
        body = office.get("/audit/").content.decode()
        assert "dossiers.apology" not in body and "agencies.agency" not in body
        assert "(Phiếu xin lỗi: hồ sơ H45.37-230301-0001, xin lỗi ngày 04/03/2023)" in body
        assert "(Đơn vị: UBND huyện Hải Lăng)" in body
        rows = office.get("/audit/").context["rows"]
        shown = {c.shown_label: (c.before, c.after) for _entry, changes in rows for c in changes}
        assert shown["Hồ sơ"] == ("—", "H45.37-230301-0001")
        assert shown["Người tạo"] == ("—", "Hoàng Minh Tuấn")
        assert shown["Đơn vị cấp trên"] == ("—", "UBND tỉnh Quảng Trị")
        assert "id" not in {c.key for _entry, changes in rows for c in changes}

    def test_an_entry_made_by_the_system_says_so(self, office):
        _entry(None, AuditAction.IMPORT_APPLY, at=_at(2026, 3, 5), summary="nightly")
        body = office.get("/audit/").content.decode()
        assert "Hệ thống" in body

    def test_it_is_in_the_province_officers_menu_only(self, client, people):
        client.force_login(people["province_officer"])
        assert "/audit/" in [item["url"] for item in client.get("/audit/").context["nav_items"]]
        client.force_login(people["home_affairs"])
        assert "/audit/" not in [item["url"] for item in client.get("/").context["nav_items"]]

    def test_it_is_paged_fifty_at_a_time_newest_first(self, office, people):
        for n in range(51):
            _entry(
                people["province_officer"],
                AuditAction.WEIGHT_CHANGE,
                at=_at(2026, 1, 1) + dt.timedelta(minutes=n),
                summary=f"entry {n}",
            )
        first = office.get("/audit/")
        assert len(first.context["rows"]) == 50
        assert _rows(first)[0] == "entry 50"  # the newest
        assert "Trang 1/2" in first.content.decode()
        second = office.get("/audit/?page=2")
        assert _rows(second) == ["entry 0"]
        assert 'data-testid="audit-count">51<' in second.content.decode()

    def test_the_number_of_queries_does_not_grow_with_the_entries(self, office, people):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        agency = Agency.objects.get(code="HL")

        def queries_for_page() -> int:
            with CaptureQueriesContext(connection) as captured:
                assert office.get("/audit/").status_code == 200
            return len(captured)

        _entry(
            people["department_head"], AuditAction.APOLOGY_RECORD, at=_at(2026, 1, 1), agency=agency
        )
        few = queries_for_page()
        for n in range(30):
            actor = people["province_officer"] if n % 2 else people["district_chairman"]
            _entry(actor, AuditAction.APOLOGY_RECORD, at=_at(2026, 1, 2), agency=agency)
        assert queries_for_page() == few

    def test_an_htmx_request_gets_the_entries_only(self, office, people):
        _entry(people["province_officer"], AuditAction.WEIGHT_CHANGE, at=_at(2026, 1, 1))
        body = office.get("/audit/", headers={"HX-Request": "true"}).content.decode()
        assert body.lstrip().startswith('<section id="entries"')
        assert "<form" not in body


class TestTheFilters:
    @pytest.fixture
    def log(self, people):
        agencies = {a.code: a for a in Agency.objects.all()}
        officer, head = people["province_officer"], people["department_head"]
        _entry(officer, AuditAction.IMPORT_APPLY, at=_at(2026, 2, 28, 23), summary="import feb")
        _entry(officer, AuditAction.TARGET_CHANGE, at=_at(2026, 3, 1, 0), summary="target mar 1")
        _entry(
            head,
            AuditAction.APOLOGY_RECORD,
            at=_at(2026, 3, 15),
            agency=agencies["STNMT"],
            summary="apology stnmt",
        )
        _entry(
            head,
            AuditAction.PILOT_NOMINATE,
            at=_at(2026, 3, 31, 23),
            agency=agencies["STNMT"],
            summary="pilot stnmt",
        )
        _entry(
            officer,
            AuditAction.POSTING_CREATE,
            at=_at(2026, 4, 1, 0),
            agency=agencies["HL"],
            summary="posting hl",
        )

    def test_by_action(self, office, log):
        response = office.get("/audit/?action=apology.record")
        assert _rows(response) == ["apology stnmt"]

    def test_by_account(self, office, log):
        response = office.get("/audit/?user=DEPARTMENT_HEAD")  # case does not matter
        assert _rows(response) == ["pilot stnmt", "apology stnmt"]

    def test_by_agency(self, office, log):
        assert _rows(office.get("/audit/?agency=HL")) == ["posting hl"]

    def test_by_date_range_whole_days_in_the_portals_time_zone(self, office, log):
        # 01/03 00:00 to 31/03 23:00 are in March; 28/02 23:00 and 01/04 00:00 are not.
        response = office.get("/audit/?date_from=2026-03-01&date_to=2026-03-31")
        assert _rows(response) == ["pilot stnmt", "apology stnmt", "target mar 1"]
        assert _rows(office.get("/audit/?date_from=01/04/2026")) == ["posting hl"]

    def test_filters_combine(self, office, log):
        response = office.get("/audit/?user=department_head&date_to=2026-03-20&agency=STNMT")
        assert _rows(response) == ["apology stnmt"]

    def test_a_reversed_date_range_is_explained(self, office, log):
        response = office.get("/audit/?date_from=2026-04-01&date_to=2026-03-01")
        assert response.status_code == 200
        assert _rows(response) == []
        assert "“Từ ngày” phải trước hoặc bằng “Đến ngày”." in response.content.decode()

    def test_the_page_links_keep_the_filters(self, office, people):
        for _n in range(51):
            _entry(people["province_officer"], AuditAction.WEIGHT_CHANGE, at=_at(2026, 1, 1))
        body = office.get("/audit/?action=weight.change").content.decode()
        assert "?action=weight.change&amp;page=2" in body


class TestWhatWritesAnEntry:
    def test_setting_and_changing_a_target(self, people):
        officer = people["province_officer"]
        on_time = Indicator.objects.get(code="on_time")
        target_set(indicator=on_time, year=2026, level="", value=Decimal("0.95"), user=officer)
        target_set(indicator=on_time, year=2026, level="", value=Decimal("0.99"), user=officer)
        target_set(indicator=on_time, year=2026, level="", value=Decimal("0.99"), user=officer)
        entries = list(AuditEntry.objects.filter(action=AuditAction.TARGET_CHANGE).order_by("pk"))
        assert len(entries) == 2  # the third call changed nothing
        first, second = entries
        assert first.actor == officer and first.actor_username == "province_officer"
        assert first.before["value"] is None
        assert first.after["value"] == 0.95
        assert second.before["value"] == 0.95
        assert second.after["value"] == 0.99
        assert second.after["indicator"] == "on_time" and second.after["year"] == 2026

    def test_a_target_change_reads_as_before_and_after_on_the_page(self, office, people):
        on_time = Indicator.objects.get(code="on_time")
        officer = people["province_officer"]
        target_set(indicator=on_time, year=2026, level="", value=Decimal("0.95"), user=officer)
        target_set(indicator=on_time, year=2026, level="", value=Decimal("0.99"), user=officer)
        body = office.get("/audit/?action=target.change").content.decode()
        assert "<del>0,95</del> → <ins>0,99</ins>" in body  # the change
        assert "<del>—</del> → <ins>0,95</ins>" in body  # the first setting

    def test_the_account_suggestions_name_each_account_once(self, people):
        from agencies.audit_log import audit_usernames

        officer, head = people["province_officer"], people["department_head"]
        for actor in (officer, head, officer, officer):
            audit_record(actor=actor, action=AuditAction.TARGET_CHANGE, subject_type="t")
        assert audit_usernames() == ["department_head", "province_officer"]

    def test_dates_and_moments_read_the_vietnamese_way(self):
        from agencies.audit_log import audit_changes

        entry = AuditEntry(
            action=AuditAction.APOLOGY_RECORD,
            before={"new_due": None},
            after={
                "new_due": "2026-03-02",
                "issued_at": "2026-03-02T02:30:00Z",  # 09:30 in Asia/Ho_Chi_Minh
                "reason": "2026-03-02 không phải ngày",
            },
        )
        shown = {change.key: change.after for change in audit_changes(entry)}
        assert shown == {
            "new_due": "02/03/2026",
            "issued_at": "02/03/2026 09:30",
            "reason": "2026-03-02 không phải ngày",
        }

    def test_changing_a_ranking_weight(self, people):
        home_affairs = people["home_affairs"]
        apology = Indicator.objects.get(code="apology")
        scoring_weight_change(indicator=apology, weight=Decimal("2"), user=home_affairs)
        scoring_weight_change(indicator=apology, weight=Decimal("3"), user=home_affairs)
        scoring_weight_change(indicator=apology, weight=Decimal("3"), user=home_affairs)
        changed = AuditEntry.objects.filter(
            action=AuditAction.WEIGHT_CHANGE, subject_id="apology"
        ).order_by("pk")
        # 2 → 3 is the last entry; the third call changed nothing and wrote none.
        assert [
            Decimal(changed.last().before["weight"]),
            Decimal(changed.last().after["weight"]),
        ] == [
            Decimal("2"),
            Decimal("3"),
        ]
        assert Decimal(changed[len(changed) - 2].after["weight"]) == Decimal("2")
        assert {e.actor_username for e in changed} == {"home_affairs"}

    def test_applying_an_import(self, people):
        officer = people["province_officer"]
        batch = import_file(kind=ImportKind.AGENCIES, path=FIXTURES / "agencies.csv", user=officer)
        assert batch.status == ImportStatus.APPLIED
        (entry,) = AuditEntry.objects.filter(action=AuditAction.IMPORT_APPLY)
        assert entry.actor == officer
        assert entry.subject_type == "dossiers.importbatch"
        assert entry.subject_id == str(batch.pk)
        assert entry.before is None
        # agencies.csv: 4 rows; QT and HL exist already (personas), HL-TT too; STP is new.
        assert entry.after == {
            "file": "agencies.csv",
            "kind": "agencies",
            "rows": 4,
            "created": batch.created,
            "updated": batch.updated,
            "unchanged": batch.unchanged,
            "rejected": batch.rejected,
        }
        assert batch.created + batch.updated + batch.unchanged + batch.rejected == 4
        assert "agencies.csv" in entry.summary

    def test_a_dry_run_writes_no_entry(self, people):
        batch = import_file(kind=ImportKind.AGENCIES, path=FIXTURES / "agencies.csv", dry_run=True)
        # The dry run itself worked: the file was read and checked to the end (a crash would
        # leave the batch failed and write no entry either, which is not what this test is for).
        batch.refresh_from_db()
        assert (batch.status, batch.dry_run, batch.processed_rows) == (
            ImportStatus.VALIDATED,
            True,
            4,
        )
        assert batch.created == 1  # STP would be created; the personas hold the other three
        assert batch.rejected == 0
        assert not Agency.objects.filter(code="STP").exists()
        assert not AuditEntry.objects.filter(action=AuditAction.IMPORT_APPLY).exists()
