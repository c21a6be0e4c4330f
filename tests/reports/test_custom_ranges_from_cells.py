"""Custom ranges of whole half-months are read from the cells (issue 16, item 4).

A range from a 1st or a 15th to a 14th or a month's last day is a run of the engine's half-month
buckets, so its counters come from the cells (cost follows the cells, not the dossiers); any other
range, or cells waiting for a refresh, is counted from the dossiers. The figures are worked out by
hand from domain.md section 5.
"""

from __future__ import annotations

from datetime import date

import pytest

from dossiers.models import Dossier, TouchedCell
from kpi_portal.periods import parse_period
from reports.models import KpiRun, KpiRunKind
from reports.selectors import kpi_counters_for_period
from reports.services import kpi_full_recompute
from tests.reports.kpi_data import end_of_day, make_dossier, make_tree, vn

pytestmark = pytest.mark.django_db

SHOWN = ("received", "carried_over", "handled", "finished", "finished_late", "open_overdue")


@pytest.mark.parametrize(
    ("code", "whole"),
    [
        ("2023-03-01..2023-04-14", True),
        ("2023-03-15..2023-03-31", True),
        ("2024-02-15..2024-02-29", True),  # a leap February's end
        ("2023-02-01..2023-02-28", True),
        ("2023-03-02..2023-04-14", False),
        ("2023-03-01..2023-04-13", False),
        ("2023-03-01..2023-03-30", False),
        ("2024-02-01..2024-02-28", False),  # not the end of a leap February
    ],
)
def test_whole_half_months(code, whole):
    assert parse_period(code).is_whole_half_months is whole


class TestCustomRangeFromCells:
    """The district's land dossiers; the range 01/03/2023 – 14/04/2023.

    C1 received 10/03, due 20/03, finished 18/03: on time.
    C2 received 16/03, due 25/03, finished 02/04: late.
    C3 received 20/02, due 05/03, never finished, apology 20/03: carried over, open and overdue.
    C4 received 20/04: after the range.

    Received 2 (C1, C2); carried over 1 (C3); handled 3; finished 2, late 1 (C2); open and
    overdue at the end 1 (C3); apologized 1 (C3: overdue, apology by the end; C2 has none).
    """

    RANGE = "2023-03-01..2023-04-14"
    EXPECTED = {
        "received": 2,
        "carried_over": 1,
        "handled": 3,
        "finished": 2,
        "finished_late": 1,
        "open_overdue": 1,
        "apologized": 1,
    }

    @pytest.fixture(autouse=True)
    def _data(self):
        self.tree = make_tree()
        common = {"agency": self.tree.district, "procedure": self.tree.land}
        self.c1 = make_dossier(
            received_at=vn(2023, 3, 10, 9),
            due_at=end_of_day(2023, 3, 20),
            finished_at=vn(2023, 3, 18, 10),
            **common,
        )
        make_dossier(
            received_at=vn(2023, 3, 16, 9),
            due_at=end_of_day(2023, 3, 25),
            finished_at=vn(2023, 4, 2, 10),
            **common,
        )
        make_dossier(
            received_at=vn(2023, 2, 20, 9),
            due_at=end_of_day(2023, 3, 5),
            apology_at=vn(2023, 3, 20, 8),
            **common,
        )
        make_dossier(received_at=vn(2023, 4, 20, 9), due_at=end_of_day(2023, 4, 30), **common)
        kpi_full_recompute()

    def shown(self, code: str) -> dict[str, int]:
        counters, _ = kpi_counters_for_period(period=parse_period(code))
        own = counters[self.tree.district.code]
        return {name: own[name] for name in (*SHOWN, "apologized")}

    def test_the_figures_by_hand(self):
        assert self.shown(self.RANGE) == self.EXPECTED
        # The province's node holds the district's dossiers; the district level group too.
        counters, computed_at = kpi_counters_for_period(period=parse_period(self.RANGE))
        assert counters[self.tree.province.code]["handled"] == 3
        assert counters["level:huyen"]["open_overdue"] == 1
        cells_run = KpiRun.objects.get(kind=KpiRunKind.FULL_CELLS)
        assert computed_at == cells_run.finished_at

    def test_a_domain(self):
        counters, _ = kpi_counters_for_period(
            period=parse_period(self.RANGE), domain=self.tree.land.domain
        )
        assert counters[self.tree.district.code]["handled"] == 3
        counters, _ = kpi_counters_for_period(
            period=parse_period(self.RANGE), domain=self.tree.civil.domain
        )
        assert self.tree.district.code not in counters

    def test_whole_half_months_read_the_cells_and_other_ranges_the_dossiers(self):
        # C1 finished late in the database, behind the engine's back (no touched cell): the
        # cells still hold the recomputed figures, the dossiers already the change.
        Dossier.objects.filter(pk=self.c1.pk).update(finished_at=vn(2023, 4, 10, 10))
        assert self.shown(self.RANGE)["finished_late"] == 1
        assert self.shown("2023-03-02..2023-04-14")["finished_late"] == 2

    def test_cells_waiting_for_a_refresh_leave_it_to_the_dossiers(self):
        Dossier.objects.filter(pk=self.c1.pk).update(finished_at=vn(2023, 4, 10, 10))
        TouchedCell.objects.create(agency=self.tree.district, month=date(2023, 3, 1))
        _, computed_at = kpi_counters_for_period(period=parse_period(self.RANGE))
        assert self.shown(self.RANGE)["finished_late"] == 2
        assert computed_at > KpiRun.objects.get(kind=KpiRunKind.FULL_CELLS).finished_at
