"""The Quảng Trị demo reproduces the directive's table (domain.md section 1) on both bases.

The demo is loaded once for the module (through `load_demo`, so through the real importer) and
every figure is counted here in the database, independently of the generator, with the
definitions of domain.md section 5. The expected numbers are the directive's.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from io import StringIO
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import F, Q, QuerySet
from django.test import override_settings

from agencies.models import Agency, Domain, Membership, Procedure
from dossiers.demo.generator import generate_demo
from dossiers.models import Dossier, ImportBatch, ImportStatus
from dossiers.signals import dossiers_changed
from reports.demo import portal_demo_wipe
from tests.cleanup import audit_entries_removed_afterwards

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")

CALENDAR_H1 = (date(2023, 1, 1), date(2023, 6, 30))
REPORTING_H1 = (date(2022, 12, 15), date(2023, 6, 14))
BASES = pytest.mark.parametrize(
    "period", [CALENDAR_H1, REPORTING_H1], ids=["calendar", "reporting"]
)


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker, tmp_path_factory):
    """Load the demo once for the whole module (it takes tens of seconds), and remove it after,
    so that other modules see an empty database.

    The KPI engine's receiver is muted while loading: these tests count dossiers, not facts,
    and facts computed here would outlive the module.
    """
    media = tmp_path_factory.mktemp("media")
    receivers = dossiers_changed.receivers
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media),
        audit_entries_removed_afterwards(),
    ):
        dossiers_changed.receivers = []
        try:
            out = StringIO()
            call_command("load_demo", stdout=out)
        finally:
            dossiers_changed.receivers = receivers
        try:
            yield out.getvalue()
        finally:
            portal_demo_wipe(catalogue=True)


@pytest.fixture
def demo(demo_output, db):
    return demo_output


def _bounds(period: tuple[date, date]) -> tuple[datetime, datetime]:
    start, end = period
    return (
        datetime.combine(start, time.min, tzinfo=LOCAL),
        datetime.combine(end, time(23, 59, 59), tzinfo=LOCAL),
    )


def _handled(period) -> QuerySet[Dossier]:
    """Received by E and not finished before S."""
    start, end = _bounds(period)
    return Dossier.objects.filter(received_at__lte=end).filter(
        Q(finished_at__isnull=True) | Q(finished_at__gte=start)
    )


def _overdue(period) -> QuerySet[Dossier]:
    """Judged at finished_at when finished by E, else at E; overdue when that is after due."""
    _, end = _bounds(period)
    finished_late = Q(finished_at__lte=end, finished_at__gt=F("due_at"))
    open_past_due = (Q(finished_at__isnull=True) | Q(finished_at__gt=end)) & Q(due_at__lt=end)
    return _handled(period).filter(finished_late | open_past_due)


def _on_time(period) -> QuerySet[Dossier]:
    _, end = _bounds(period)
    finished_in_time = Q(finished_at__lte=end) & Q(finished_at__lte=F("due_at"))
    open_in_time = (Q(finished_at__isnull=True) | Q(finished_at__gt=end)) & Q(due_at__gte=end)
    return _handled(period).filter(finished_in_time | open_in_time)


def _received(period) -> QuerySet[Dossier]:
    start, end = _bounds(period)
    return Dossier.objects.filter(received_at__gte=start, received_at__lte=end)


def _cut(numerator: int, denominator: int) -> str:
    """Cut (round down) to two decimals of a percent, printed the province's way."""
    hundredths = numerator * 10_000 // denominator
    return f"{hundredths // 100},{hundredths % 100:02d}%"


class TestTheDirectiveTableForTheFirstHalfOf2023:
    @BASES
    def test_it_counts_152243_dossiers_handled(self, demo, period):
        assert _handled(period).count() == 152_243

    @BASES
    def test_151606_were_resolved_on_time_which_prints_99_58(self, demo, period):
        on_time = _on_time(period).count()
        assert on_time == 151_606
        assert _cut(on_time, 152_243) == "99,58%"

    @BASES
    def test_637_were_overdue(self, demo, period):
        assert _overdue(period).count() == 637

    @BASES
    def test_293_of_the_overdue_are_land_dossiers_which_prints_45_99(self, demo, period):
        land = _overdue(period).filter(procedure__domain__name="Đất đai").count()
        assert land == 293
        assert _cut(land, 637) == "45,99%"

    @BASES
    def test_297_overdue_dossiers_had_an_apology_by_the_end_which_prints_46_62(self, demo, period):
        _, end = _bounds(period)
        apologized = _overdue(period).filter(apology__issued_at__lte=end).count()
        assert apologized == 297
        assert _cut(apologized, 637) == "46,62%"

    @BASES
    def test_3150_of_the_handled_were_carried_over_from_2022(self, demo, period):
        # Received before the period began, still open when it began: Biểu 06's column 6.
        start, _ = _bounds(period)
        carried = _handled(period).filter(received_at__lt=start)
        assert carried.count() == 3_150
        assert not carried.filter(received_at__gte=datetime(2022, 12, 15, tzinfo=LOCAL)).exists()

    @BASES
    def test_components_digitized_prints_67_50(self, demo, period):
        # Over the dossiers received in the period: the handled ones less the carried-over.
        received = _received(period)
        digitized = received.filter(components_digitized=F("components_total")).count()
        assert received.count() == 152_243 - 3_150
        assert _cut(digitized, received.count()) == "67,50%"

    @BASES
    def test_online_payment_of_provincial_agencies_prints_3_71(self, demo, period):
        paying = _received(period).filter(fee__gt=0, agency__level="so")
        assert _cut(paying.filter(paid_online=True).count(), paying.count()) == "3,71%"

    @BASES
    def test_online_payment_of_district_committees_without_communes_prints_8_47(self, demo, period):
        paying = _received(period).filter(fee__gt=0, agency__level="huyen")
        assert _cut(paying.filter(paid_online=True).count(), paying.count()) == "8,47%"

    def test_some_overdue_dossiers_were_still_open_when_both_periods_ended(self, demo):
        still_open = _overdue(CALENDAR_H1).filter(
            received_at__lt=datetime(2023, 6, 14, tzinfo=LOCAL),
            finished_at__gt=datetime(2023, 7, 1, tzinfo=LOCAL),
        )
        assert still_open.count() > 10
        assert set(still_open.values_list("pk", flat=True)) <= set(
            _overdue(REPORTING_H1).values_list("pk", flat=True)
        )


class TestTheDemoAroundTheFirstHalf:
    def test_2022_and_the_second_half_of_2023_have_dossiers_for_the_trends(self, demo):
        in_2022 = Dossier.objects.filter(received_at__year=2022).count()
        late_2023 = Dossier.objects.filter(received_at__gte=datetime(2023, 7, 1, tzinfo=LOCAL))
        assert in_2022 > 50_000
        assert late_2023.count() > 50_000
        assert Dossier.objects.count() < 500_000

    def test_digitization_rises_from_2022_to_the_second_half_of_2023(self, demo):
        def share(queryset: QuerySet[Dossier]) -> float:
            full = queryset.filter(components_digitized=F("components_total")).count()
            return full / queryset.count()

        in_2022 = Dossier.objects.filter(received_at__lt=datetime(2022, 12, 1, tzinfo=LOCAL))
        late_2023 = Dossier.objects.filter(received_at__gte=datetime(2023, 7, 1, tzinfo=LOCAL))
        assert share(in_2022) < 0.6745 < share(late_2023)

    def test_land_dominates_the_volume_of_districts_and_of_the_environment_department(self, demo):
        for agency in ("HL", "STNMT"):
            domains = (
                Dossier.objects.filter(agency__code=agency)
                .values_list("procedure__domain__name", flat=True)
                .order_by()
            )
            land = domains.filter(procedure__domain__name="Đất đai").count()
            assert land > domains.count() / 2

    def test_every_dossier_keeps_the_database_rules_and_an_apology_only_when_late(self, demo):
        assert not Dossier.objects.filter(received_at__date=date(2022, 12, 31)).exists()
        apologized = Dossier.objects.filter(apology__isnull=False)
        assert apologized.count() > 637
        assert not apologized.filter(finished_at__lte=F("due_at")).exists()
        assert not apologized.filter(apology__new_due_at__lte=F("due_at")).exists()


class TestTheTwoTierSlice:
    """The demo reaches today (domain.md section 12): the districts end on 30/6/2025, their
    communes merge into communes directly under the province, two departments merge on
    1/3/2025, and dossiers run to the current month, each at a unit that existed that day."""

    def test_districts_and_their_communes_end_on_30_june_2025(self, demo):
        old = Agency.objects.filter(level__in=["huyen", "xa"], parent__level="huyen")
        assert old.count() > 40
        assert set(old.values_list("valid_to", flat=True)) == {date(2025, 6, 30)}
        assert set(Agency.objects.filter(level="huyen").values_list("valid_to", flat=True)) == {
            date(2025, 6, 30)
        }

    def test_new_communes_sit_under_the_province_and_name_what_they_were_merged_from(self, demo):
        new = Agency.objects.filter(level="xa", parent__code="QT")
        assert new.count() >= 10
        assert set(new.values_list("valid_from", flat=True)) == {date(2025, 7, 1)}
        old_communes = set(
            Agency.objects.filter(level="xa", parent__level="huyen").values_list("code", flat=True)
        )
        merged = set(new.values_list("merged_from__code", flat=True))
        assert old_communes <= merged  # every old commune went into a new one
        assert "CC" in merged  # the island district became a special zone
        nam_dong_ha = Agency.objects.get(name="UBND phường Nam Đông Hà")
        assert nam_dong_ha.merged_from.count() == 3

    def test_a_department_merged_on_1_march_2025(self, demo):
        merged = Agency.objects.get(code="STC-HN")
        assert merged.valid_from == date(2025, 3, 1)
        assert sorted(merged.merged_from.values_list("code", flat=True)) == ["SKHDT", "STC"]
        assert set(
            Agency.objects.filter(code__in=["SKHDT", "STC"]).values_list("valid_to", flat=True)
        ) == {date(2025, 2, 28)}

    def test_dossiers_run_to_the_current_month_each_at_a_unit_of_its_day(self, demo):
        from django.utils import timezone

        today = timezone.localdate()
        latest = (
            Dossier.objects.filter(received_at__isnull=False).order_by("-received_at").first()
        ).received_at
        assert latest.astimezone(LOCAL).date() < today
        assert (today - latest.astimezone(LOCAL).date()).days <= 7
        assert Dossier.objects.filter(agency__parent__code="QT", agency__level="xa").count() > 5000
        assert Dossier.objects.filter(agency__code="STC-HN").exists()
        outside = Dossier.objects.filter(
            Q(agency__valid_from__gt=F("received_at__date"))
            | Q(agency__valid_to__lt=F("received_at__date"))
        )
        assert not outside.exists()
        # Nothing finished in the future: what would end after today is still open.
        assert not Dossier.objects.filter(finished_at__date__gte=today).exists()
        assert not ImportBatch.objects.filter(row_errors__is_warning=True).exists()


class TestTheOrganisationAndCatalogue:
    def test_the_province_is_the_root(self, demo):
        province = Agency.objects.get(code="QT")
        assert province.level == "tinh"
        assert province.parent is None

    def test_there_are_at_least_18_provincial_agencies_among_them_the_named_ones(self, demo):
        departments = Agency.objects.filter(level="so", parent__code="QT")
        assert departments.count() >= 18
        names = set(departments.values_list("name", flat=True))
        assert {
            "Văn phòng UBND tỉnh",
            "Sở Tài nguyên và Môi trường",
            "Sở Tư pháp",
            "Sở Nội vụ",
        } <= names
        assert Agency.objects.get(code="STNMT").name == "Sở Tài nguyên và Môi trường"

    def test_there_are_the_10_districts_with_communes_except_con_co(self, demo):
        districts = Agency.objects.filter(level="huyen", parent__code="QT")
        assert districts.count() == 10
        assert Agency.objects.get(code="HL").name == "UBND huyện Hải Lăng"
        assert Agency.objects.get(code="DH").name == "UBND thành phố Đông Hà"
        for district in districts:
            communes = Agency.objects.filter(parent=district, level="xa").count()
            if district.code == "CC":
                assert communes == 0
            else:
                assert 3 <= communes <= 6, district.code
        assert Dossier.objects.filter(agency__code="CC").count() < 1_000

    def test_there_are_at_least_15_domains_and_80_procedures_of_the_national_shape(self, demo):
        assert Domain.objects.count() >= 15
        assert Domain.objects.filter(name="Đất đai").exists()
        assert Procedure.objects.count() >= 80
        assert all(
            re.fullmatch(r"\d\.\d{6}", c) for c in Procedure.objects.values_list("code", flat=True)
        )
        birth = Procedure.objects.get(code="1.001193")
        assert (birth.name, birth.domain.name) == ("Đăng ký khai sinh", "Hộ tịch")

    def test_dossier_codes_carry_the_agency_prefix_the_day_and_a_sequence(self, demo):
        code = Dossier.objects.filter(agency__code="HL").order_by("received_at").first().code
        assert re.fullmatch(r"H45\.37-2201\d\d-\d{4}", code)


class TestTheDemoLogins:
    @pytest.mark.parametrize(
        ("username", "role", "agency", "title"),
        [
            ("vanphong", "province_office", "QT", None),
            ("noivu", "home_affairs", "SNV", None),
            ("so-tnmt", "agency_head", "STNMT", "Giám đốc"),
            ("hailang", "agency_head", "HL", "Chủ tịch"),
        ],
    )
    def test_each_role_holder_signs_in_with_demo(self, demo, username, role, agency, title):
        user = get_user_model().objects.get(username=username)
        assert user.check_password("demo")
        assert user.get_full_name()
        membership = Membership.objects.get(user=user)
        assert membership.role == role
        assert membership.agency.code == agency
        if title:
            assert membership.title == title

    def test_the_guest_has_no_role(self, demo):
        guest = get_user_model().objects.get(username="khach")
        assert guest.check_password("demo")
        assert not Membership.objects.filter(user=guest).exists()

    def test_the_administrator_is_a_superuser(self, demo):
        admin = get_user_model().objects.get(username="admin")
        assert admin.check_password("demo")
        assert admin.is_staff and admin.is_superuser
        assert admin.membership.role == "administrator"


class TestLoadingTheDemo:
    def test_it_went_through_the_importer_and_left_four_applied_batches(self, demo):
        batches = ImportBatch.objects.filter(source="demo").order_by("id")
        assert [b.kind for b in batches] == ["agencies", "procedures", "dossiers", "dossiers"]
        assert all(b.status == ImportStatus.APPLIED and b.rejected == 0 for b in batches)
        assert batches[2].created + batches[3].created == Dossier.objects.count()

    def test_the_second_half_of_2023_came_as_the_national_sync_record(self, demo):
        sync = ImportBatch.objects.get(original_name="quang-tri-demo-ho-so-dong-bo.json")
        july = datetime(2023, 7, 1, tzinfo=LOCAL)
        with_status = Dossier.objects.filter(status__isnull=False)
        assert sync.created == with_status.count() > 100_000
        # Every dossier of the sync file is received in the second half of 2023, or never
        # received; the two-tier slice (1/7/2025 on) comes in section 9's layout again.
        next_year = datetime(2024, 1, 1, tzinfo=LOCAL)
        assert not with_status.filter(received_at__lt=july).exists()
        assert not with_status.filter(received_at__gte=next_year).exists()
        assert not Dossier.objects.filter(
            status__isnull=True, received_at__gte=july, received_at__lt=next_year
        ).exists()
        assert set(with_status.values_list("status", flat=True).distinct()) == {
            1,
            3,
            5,
            7,
            8,
            9,
            10,
        }
        assert (
            sync.created
            == Dossier.objects.filter(received_at__gte=july, received_at__lt=next_year).count()
            + 120
        )

    def test_never_received_dossiers_are_stored_without_dates(self, demo):
        never = Dossier.objects.filter(status__in=[1, 3])
        assert never.count() == 120
        assert never.filter(status=1).exists() and never.filter(status=3).exists()
        assert not never.filter(received_at__isnull=False).exists()
        assert not never.filter(due_at__isnull=False).exists()
        assert not never.filter(finished_at__isnull=False).exists()

    def test_supplementation_only_in_the_second_half_of_2023(self, demo):
        supplemented = Dossier.objects.filter(supplement_requests__gt=0)
        assert supplemented.count() > 1_000
        assert not supplemented.filter(received_at__lt=datetime(2023, 7, 1, tzinfo=LOCAL)).exists()
        assert supplemented.filter(supplement_requests=2).exists()
        finished = supplemented.filter(finished_at__isnull=False)
        assert not finished.filter(supplement_completed_at__gt=F("finished_at")).exists()
        assert not finished.filter(
            supplement_completed_at__lt=F("supplement_requested_at")
        ).exists()
        waiting = supplemented.filter(status=5)
        assert waiting.count() == 40
        assert not waiting.filter(finished_at__isnull=False).exists()
        assert not waiting.filter(supplement_completed_at__isnull=False).exists()

    def test_the_sync_record_kept_every_flag_the_indicators_read(self, demo):
        """The sync layout gives components as one flag: whether all were digitized is kept."""
        data = generate_demo().dossiers.filter(pl.col("layout") == "sync")
        sample = data.filter(pl.col("received_at").is_not_null()).head(2_000)
        stored = {
            d["code"]: d
            for d in Dossier.objects.filter(code__in=sample["code"].to_list()).values(
                "code",
                "channel",
                "components_digitized",
                "components_total",
                "e_result",
                "fee",
                "paid_online",
                "finished_at",
                "status",
            )
        }
        assert len(stored) == sample.height
        for row in sample.iter_rows(named=True):
            dossier = stored[row["code"]]
            full = row["components_digitized"] == row["components_total"]
            assert (dossier["components_digitized"], dossier["components_total"]) == (
                int(full),
                1,
            )
            assert (dossier["channel"], dossier["e_result"], dossier["fee"]) == (
                row["channel"],
                row["e_result"],
                row["fee"],
            )
            assert (dossier["paid_online"], dossier["status"]) == (
                row["paid_online"],
                row["status"],
            )

    def test_it_prints_a_summary_and_the_logins(self, demo):
        assert "Đã nạp dữ liệu mẫu Quảng Trị" in demo
        for username in ("vanphong", "noivu", "so-tnmt", "hailang", "khach", "admin"):
            assert username in demo

    def test_running_it_again_does_nothing_and_says_so(self, demo):
        dossiers, batches = Dossier.objects.count(), ImportBatch.objects.count()
        out = StringIO()
        call_command("load_demo", stdout=out)
        assert "đã có" in out.getvalue()
        assert (Dossier.objects.count(), ImportBatch.objects.count()) == (dossiers, batches)

    def test_the_generator_gives_the_same_dossiers_on_every_run(self, demo):
        first, second = generate_demo(), generate_demo()
        assert first.dossiers.equals(second.dossiers)
        assert first.dossiers.height == Dossier.objects.count()
