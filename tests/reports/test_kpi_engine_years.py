"""Dossiers open for years: the facts of years after the last receipt (issue 16).

The engine computes each (basis, year) from the cells merged outside the year's buckets
(reports.services._cells_within_sql); these figures are worked out by hand from domain.md.
"""

from __future__ import annotations

from datetime import date

import pytest

from dossiers.models import Apology, Dossier
from reports.models import KpiFact
from reports.services import kpi_full_recompute
from tests.reports.kpi_data import end_of_day, make_tree, vn

pytestmark = pytest.mark.django_db

COUNTERS = ("received", "handled", "carried_over", "finished", "finished_late", "open_overdue")


def counters(tree, start: date, end: date) -> dict[str, int]:
    fact = KpiFact.objects.get(
        scope=tree.district.code, domain=None, basis="calendar", start_date=start, end_date=end
    )
    return {name: getattr(fact, name) for name in (*COUNTERS, "apologized")}


class TestYearsAfterTheLastReceipt:
    """Every dossier is received in March 2023 by the district, on land; none later.

    D1: due 20/03/2023, never finished, apology 05/01/2024: open and overdue ever since.
    D2: due 30/04/2023, one request 20/03/2023 never completed: with the applicant since 2023,
        so handled in no period that starts after the request.
    D3: due 31/03/2023, finished 20/06/2025: late.
    D4: due 31/03/2023, finished 25/03/2023 on time: in no period of 2025.
    D5: due 31/03/2023, request 10/03/2023 completed 15/03/2023 (a 5-day pause), never finished:
        at every end in 2025 still overdue after taking off the pause.
    D6: due 25/03/2023, finished 10/03/2026: late (the periods run to its finish).

    Year 2025: handled D1 D3 D5 D6 = 4, all carried over, received 0; finished D3 = 1, late 1;
    open and overdue at the end D1 D5 D6 = 3; apologized (overdue, apology by the end) D1 = 1.
    July 2025 (after D3's finish): handled D1 D5 D6 = 3, open overdue 3, apologized 1.
    First half of 2026: handled D1 D5 D6 = 3; finished D6 = 1, late 1; open overdue D1 D5 = 2;
    apologized 1.
    """

    @pytest.fixture(autouse=True)
    def _data(self):
        self.tree = make_tree()
        common = {"agency": self.tree.district, "procedure": self.tree.land, "fee": 0}
        d1 = Dossier.objects.create(
            code="Y-1", received_at=vn(2023, 3, 10, 9), due_at=end_of_day(2023, 3, 20), **common
        )
        Apology.objects.create(dossier=d1, issued_at=vn(2024, 1, 5, 10))
        Dossier.objects.create(
            code="Y-2",
            received_at=vn(2023, 3, 12, 9),
            due_at=end_of_day(2023, 4, 30),
            supplement_requests=1,
            supplement_requested_at=vn(2023, 3, 20, 10),
            **common,
        )
        Dossier.objects.create(
            code="Y-3",
            received_at=vn(2023, 3, 1, 9),
            due_at=end_of_day(2023, 3, 31),
            finished_at=vn(2025, 6, 20, 10),
            **common,
        )
        Dossier.objects.create(
            code="Y-4",
            received_at=vn(2023, 3, 5, 9),
            due_at=end_of_day(2023, 3, 31),
            finished_at=vn(2023, 3, 25, 10),
            **common,
        )
        Dossier.objects.create(
            code="Y-5",
            received_at=vn(2023, 3, 2, 9),
            due_at=end_of_day(2023, 3, 31),
            supplement_requests=1,
            supplement_requested_at=vn(2023, 3, 10, 9),
            supplement_completed_at=vn(2023, 3, 15, 9),
            **common,
        )
        Dossier.objects.create(
            code="Y-6",
            received_at=vn(2023, 3, 20, 9),
            due_at=end_of_day(2023, 3, 25),
            finished_at=vn(2026, 3, 10, 10),
            **common,
        )
        kpi_full_recompute()

    def test_the_year_2025(self):
        assert counters(self.tree, date(2025, 1, 1), date(2025, 12, 31)) == {
            "received": 0,
            "handled": 4,
            "carried_over": 4,
            "finished": 1,
            "finished_late": 1,
            "open_overdue": 3,
            "apologized": 1,
        }

    def test_july_2025_after_the_last_finish(self):
        assert counters(self.tree, date(2025, 7, 1), date(2025, 7, 31)) == {
            "received": 0,
            "handled": 3,
            "carried_over": 3,
            "finished": 0,
            "finished_late": 0,
            "open_overdue": 3,
            "apologized": 1,
        }

    def test_the_first_half_of_2026(self):
        assert counters(self.tree, date(2026, 1, 1), date(2026, 6, 30)) == {
            "received": 0,
            "handled": 3,
            "carried_over": 3,
            "finished": 1,
            "finished_late": 1,
            "open_overdue": 2,
            "apologized": 1,
        }

    def test_march_2023_counts_every_dossier(self):
        # Received 6; D4 finished on time in March; D2 waits (one request before its due day:
        # not overdue); at 31/03 23:59:59 D1 and D6 are overdue: D3 is due that very second,
        # and D5 is judged 5 days earlier (its pause).
        assert counters(self.tree, date(2023, 3, 1), date(2023, 3, 31)) == {
            "received": 6,
            "handled": 6,
            "carried_over": 0,
            "finished": 1,
            "finished_late": 0,
            "open_overdue": 2,
            "apologized": 0,
        }
