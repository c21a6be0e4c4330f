"""The engine's figures on small data sets whose expected numbers are worked out by hand.

Each test builds a few dossiers, runs a full recompute and reads the KPI table as the export
does. Dates are local (Asia/Ho_Chi_Minh); `end_of_day` is a date given without a time.
"""

from __future__ import annotations

import pytest

from dossiers.models import Channel
from reports.services import kpi_full_recompute
from tests.reports.kpi_data import end_of_day, figures, make_dossier, vn

pytestmark = pytest.mark.django_db


class TestADossierOpenAcrossSeveralPeriods:
    """Received 10/01/2023, due 20/02/2023 (no time: 23:59:59), finished 10/03/2023 10:00."""

    @pytest.fixture(autouse=True)
    def _data(self, tree):
        self.tree = tree
        make_dossier(
            tree.department,
            tree.civil,
            received_at=vn(2023, 1, 10, 9),
            due_at=end_of_day(2023, 2, 20),
            finished_at=vn(2023, 3, 10, 10),
        )
        kpi_full_recompute()

    def test_it_is_on_time_in_january_because_it_was_still_within_its_due_date(self):
        assert figures("2023-01")["STP", "on_time"] == (1, 1)

    def test_it_is_overdue_in_february_judged_at_the_end_of_february(self):
        assert figures("2023-02")["STP", "on_time"] == (0, 1)
        assert figures("2023-02")["STP", "apology"] == (0, 1)

    def test_it_is_overdue_again_in_march_when_it_finished_late(self):
        assert figures("2023-03")["STP", "on_time"] == (0, 1)

    def test_it_counts_once_in_the_quarter_and_not_at_all_after_it_finished(self):
        assert figures("2023-Q1")["STP", "on_time"] == (0, 1)
        assert figures("2023-04")["STP", "on_time"] == (0, 0)

    def test_on_the_reporting_basis_february_ends_on_the_14th_before_its_due_date(self):
        # Reporting 2023-02 is 15/01–14/02: still open at 14/02 23:59:59, due 20/02.
        assert figures("2023-02", "reporting")["STP", "on_time"] == (1, 1)
        # Reporting 2023-03 is 15/02–14/03: finished 10/03, after its due date.
        assert figures("2023-03", "reporting")["STP", "on_time"] == (0, 1)

    def test_it_rolls_up_to_the_province_and_the_department_group(self):
        assert figures("2023-02")["QT", "on_time"] == (0, 1)
        assert figures("2023-02")["level:so", "on_time"] == (0, 1)
        assert figures("2023-02")["level:huyen", "on_time"] == (0, 0)


class TestDueTimes:
    @pytest.fixture(autouse=True)
    def _data(self, tree):
        land, agency = tree.land, tree.department
        received = vn(2023, 5, 2, 8)
        # Due 31/05 with no time: finished exactly at 23:59:59 is on time …
        make_dossier(
            agency,
            land,
            received_at=received,
            due_at=end_of_day(2023, 5, 31),
            finished_at=end_of_day(2023, 5, 31),
        )
        # … and one second later (01/06 00:00:00) is overdue, in June.
        make_dossier(
            agency,
            land,
            received_at=received,
            due_at=end_of_day(2023, 5, 31),
            finished_at=vn(2023, 6, 1, 0, 0, 0),
        )
        # Due 10/05 17:00: finished at 17:00:00 is on time, at 17:00:01 overdue.
        make_dossier(
            agency,
            land,
            received_at=received,
            due_at=vn(2023, 5, 10, 17),
            finished_at=vn(2023, 5, 10, 17, 0, 0),
        )
        make_dossier(
            agency,
            land,
            received_at=received,
            due_at=vn(2023, 5, 10, 17),
            finished_at=vn(2023, 5, 10, 17, 0, 1),
        )
        kpi_full_recompute()

    def test_in_may_only_the_dossier_finished_one_second_late_on_the_10th_is_overdue(self):
        # The one finished 01/06 00:00 is open at 31/05 23:59:59, not after its due time.
        assert figures("2023-05")["STP", "on_time"] == (3, 4)

    def test_in_june_the_dossier_finished_at_midnight_is_overdue(self):
        assert figures("2023-06")["STP", "on_time"] == (0, 1)

    def test_the_quarter_sees_two_overdue_dossiers(self):
        assert figures("2023-Q2")["STP", "on_time"] == (2, 4)


class TestAnOpenDossierDueDuringTheLastDay:
    def test_it_is_overdue_at_the_end_of_that_day(self, tree):
        make_dossier(
            tree.department,
            tree.land,
            received_at=vn(2023, 5, 20),
            due_at=vn(2023, 5, 31, 17),
            finished_at=vn(2023, 6, 5, 9),
        )
        kpi_full_recompute()
        assert figures("2023-05")["STP", "on_time"] == (0, 1)
        assert figures("2023-06")["STP", "on_time"] == (0, 1)


class TestApologies:
    @pytest.fixture(autouse=True)
    def _data(self, tree):
        # Overdue in May (due 15/05, finished 20/05); the apology is issued 02/06.
        make_dossier(
            tree.department,
            tree.land,
            received_at=vn(2023, 5, 2),
            due_at=end_of_day(2023, 5, 15),
            finished_at=vn(2023, 5, 20, 10),
            apology_at=end_of_day(2023, 6, 2),
        )
        # Overdue and never apologised for.
        make_dossier(
            tree.department,
            tree.land,
            received_at=vn(2023, 5, 2),
            due_at=end_of_day(2023, 5, 15),
            finished_at=vn(2023, 5, 25, 10),
        )
        kpi_full_recompute()

    def test_an_apology_issued_after_the_period_end_does_not_count_in_it(self):
        assert figures("2023-05")["STP", "apology"] == (0, 2)

    def test_it_counts_in_a_period_that_ends_after_it(self):
        assert figures("2023-Q2")["STP", "apology"] == (1, 2)
        assert figures("2023-H1")["STP", "apology"] == (1, 2)
        # Reporting 2023-06 is 15/05–14/06: both finished late in it, one apology by 14/06.
        assert figures("2023-06", "reporting")["STP", "apology"] == (1, 2)


class TestReceivedInPeriodIndicators:
    @pytest.fixture(autouse=True)
    def _data(self, tree):
        day = vn(2023, 3, 6, 9)
        due = end_of_day(2023, 3, 20)
        dept, land, civil = tree.department, tree.land, tree.civil
        make_dossier(dept, land, received_at=day, due_at=due, fee=0)
        make_dossier(
            dept,
            land,
            received_at=day,
            due_at=due,
            fee=50_000,
            paid_online=True,
            channel=Channel.ONLINE,
        )
        make_dossier(dept, land, received_at=day, due_at=due, fee=20_000, components_digitized=1)
        make_dossier(
            dept,
            civil,
            received_at=day,
            due_at=due,
            channel=Channel.ONLINE,
            finished_at=vn(2023, 3, 8),
            e_result=True,
        )
        kpi_full_recompute()

    def test_a_dossier_without_fee_is_outside_the_online_payment_denominator(self):
        assert figures("2023-03")["STP", "online_payment"] == (1, 2)

    def test_digitization_and_online_submission_count_dossiers_received(self):
        assert figures("2023-03")["STP", "digitization"] == (3, 4)
        assert figures("2023-03")["STP", "online_submission"] == (2, 4)

    def test_e_result_has_denominator_zero_without_a_paper_result_finished(self):
        table = figures("2023-03")
        assert table["STP", "e_result"] == (0, 0)

    def test_a_domain_filter_restricts_every_figure(self, tree):
        land = figures("2023-03", domain=tree.land.domain)
        assert land["STP", "digitization"] == (2, 3)
        assert land["QT", "online_submission"] == (1, 3)


class TestDenominatorZero:
    def test_the_rate_is_null_and_meets_target_is_null(self, tree):
        from kpi_portal.periods import parse_period
        from reports.selectors import kpi_table

        make_dossier(
            tree.department, tree.civil, received_at=vn(2023, 3, 6), due_at=end_of_day(2023, 3, 20)
        )
        kpi_full_recompute()
        table = kpi_table(period=parse_period("2023-03"))
        row = next(r for r in table.rows if r.scope == "STP" and r.indicator == "online_payment")
        assert (row.numerator, row.denominator, row.rate, row.meets_target) == (0, 0, None, None)
        empty = next(r for r in table.rows if r.scope == "HL" and r.indicator == "on_time")
        assert empty.rate is None


class TestLevelGroups:
    @pytest.fixture(autouse=True)
    def _data(self, tree):
        due = end_of_day(2023, 3, 20)
        # The district itself: one dossier paid online.
        make_dossier(
            tree.district,
            tree.land,
            received_at=vn(2023, 3, 1),
            due_at=due,
            fee=10_000,
            paid_online=True,
        )
        # Its commune: three dossiers with a fee, none paid online.
        for _ in range(3):
            make_dossier(
                tree.commune, tree.land, received_at=vn(2023, 3, 1), due_at=due, fee=10_000
            )
        kpi_full_recompute()

    def test_a_commune_dossier_counts_in_its_district_node(self):
        assert figures("2023-03")["HL", "online_payment"] == (1, 4)

    def test_but_not_in_the_district_level_group(self):
        assert figures("2023-03")["level:huyen", "online_payment"] == (1, 1)
        assert figures("2023-03")["level:xa", "online_payment"] == (0, 3)

    def test_the_province_covers_everything(self):
        assert figures("2023-03")["QT", "online_payment"] == (1, 4)
        assert figures("2023-03")["HL-X1", "online_payment"] == (0, 3)


class TestTheReportingBoundary:
    @pytest.fixture(autouse=True)
    def _data(self, tree):
        due = end_of_day(2023, 7, 30)
        # 14/06 23:30 local is 14/06 16:30 UTC; 15/06 00:30 local is 14/06 17:30 UTC: the
        # engine must cut in local time.
        make_dossier(tree.department, tree.land, received_at=vn(2023, 6, 14, 23, 30), due_at=due)
        make_dossier(
            tree.department,
            tree.land,
            received_at=vn(2023, 6, 15, 0, 30),
            due_at=due,
            channel=Channel.ONLINE,
        )
        kpi_full_recompute()

    def test_the_14th_belongs_to_the_report_month_that_ends_on_it(self):
        assert figures("2023-06", "reporting")["STP", "online_submission"] == (0, 1)

    def test_the_15th_starts_the_next_report_month(self):
        assert figures("2023-07", "reporting")["STP", "online_submission"] == (1, 1)

    def test_both_are_in_june_on_the_calendar(self):
        assert figures("2023-06")["STP", "online_submission"] == (1, 2)

    def test_reporting_h1_ends_on_14_june_and_h2_starts_on_15_june(self):
        assert figures("2023-H1", "reporting")["STP", "digitization"] == (1, 1)
        assert figures("2023-H2", "reporting")["STP", "digitization"] == (1, 1)
