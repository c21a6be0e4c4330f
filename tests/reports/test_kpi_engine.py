"""The engine is safe to re-run and its incremental refresh equals a full recompute.

`reference_facts` recomputes every stored fact independently: straight from the dossiers with
datetime comparisons (reports.selectors.kpi_own_counters_from_dossiers) and rolled up in Python.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agencies.models import Agency, Domain
from dossiers.models import Apology, Dossier, TouchedCell
from kpi_portal.periods import parse_period
from reports import services
from reports.models import FACT_COUNTERS, KpiCell, KpiFact, KpiPeriod, KpiRun
from reports.selectors import kpi_own_counters_from_dossiers, kpi_roll_up, kpi_table
from reports.services import kpi_full_recompute, kpi_refresh_touched, kpi_universe
from tests.reports.kpi_data import end_of_day, figures, make_dossier, make_tree, touch, vn

pytestmark = pytest.mark.django_db


def stored_facts() -> set[tuple]:
    return {
        (
            f["scope"],
            f["domain_id"],
            f["basis"],
            f["period"],
            f["start_date"],
            f["end_date"],
            *(f[name] for name in FACT_COUNTERS),
        )
        for f in KpiFact.objects.values()
    }


def reference_facts() -> set[tuple]:
    agencies = list(Agency.objects.all())
    rows = set()
    for period in kpi_universe():
        own = kpi_own_counters_from_dossiers(start=period.start, end=period.end)
        for (scope, domain_id), counters in kpi_roll_up(own=own, agencies=agencies).items():
            rows.add(
                (
                    scope,
                    domain_id,
                    period.basis.value,
                    period.code,
                    period.start,
                    period.end,
                    *(counters[name] for name in FACT_COUNTERS),
                )
            )
    return rows


def full_from_scratch() -> set[tuple]:
    KpiFact.objects.all().delete()
    KpiCell.objects.all().delete()
    KpiPeriod.objects.all().delete()
    kpi_full_recompute()
    return stored_facts()


def mixed_data(tree) -> list[Dossier]:
    return [
        make_dossier(
            tree.department,
            tree.civil,
            received_at=vn(2022, 12, 20, 9),
            due_at=end_of_day(2023, 2, 20),
            finished_at=vn(2023, 3, 10, 10),
            apology_at=end_of_day(2023, 3, 1),
        ),
        make_dossier(
            tree.district,
            tree.land,
            received_at=vn(2023, 1, 14, 23, 30),
            due_at=vn(2023, 1, 31, 17),
            fee=5000,
            paid_online=True,
        ),
        make_dossier(
            tree.commune,
            tree.land,
            received_at=vn(2023, 1, 15, 0, 10),
            due_at=end_of_day(2023, 1, 31),
            finished_at=end_of_day(2023, 1, 31),
            e_result=True,
        ),
        make_dossier(
            tree.commune,
            tree.civil,
            received_at=vn(2023, 2, 1),
            due_at=end_of_day(2023, 2, 14),
            finished_at=vn(2023, 2, 10),
        ),
    ]


class TestTheEngineAgreesWithTheDefinitions:
    def test_every_stored_fact_equals_the_direct_computation_from_dossiers(self, tree):
        mixed_data(tree)
        kpi_full_recompute()
        assert stored_facts() == reference_facts()
        assert KpiPeriod.objects.count() == len(kpi_universe()) > 0

    def test_the_periods_computed_run_from_the_first_receipt_to_today(self, tree):
        mixed_data(tree)
        with time_machine.travel(vn(2023, 3, 20, 10), tick=False):
            kpi_full_recompute()
        codes = set(KpiPeriod.objects.values_list("basis", "period"))
        assert ("reporting", "2023-01") in codes  # 15/12/2022–14/01/2023 holds 20/12/2022
        assert ("calendar", "2022-12") in codes
        assert ("calendar", "2023-03") in codes
        assert ("reporting", "2023-04") in codes  # 15/03–14/04 holds today
        assert ("calendar", "2023-04") not in codes


def stored_cells() -> list[dict]:
    names = [f.name for f in KpiCell._meta.concrete_fields if f.name != "id"]
    return sorted(KpiCell.objects.values(*names), key=str)


class TestBothWaysOfWritingCells:
    def test_a_full_rebuild_writes_the_cells_an_insert_of_the_same_dossiers_writes(self, tree):
        # A full rebuild groups through a temporary table (parallel workers on PostgreSQL); a
        # refresh inserts its few cells directly. Same dossiers, same cells.
        mixed_data(tree)
        waiting = make_dossier(
            tree.district,
            tree.civil,
            received_at=vn(2023, 1, 3, 8),
            due_at=end_of_day(2023, 1, 20),
            finished_at=vn(2023, 3, 2, 9),
        )
        Dossier.objects.filter(pk=waiting.pk).update(
            supplement_requests=2,
            supplement_requested_at=vn(2023, 1, 10, 9),
            supplement_completed_at=vn(2023, 2, 16, 15),
        )
        services._cells_rebuild_all()
        rebuilt = stored_cells()
        KpiCell.objects.all().delete()
        services._cells_insert("1 = 1")
        assert stored_cells() == rebuilt
        assert sum(cell["dossiers"] for cell in rebuilt) == Dossier.objects.count() == 5


# (digitization, online_submission, online_payment, on_time, apology, e_result)
HAND_INDICATORS = (
    "digitization", "online_submission", "online_payment", "on_time", "apology", "e_result"
)  # fmt: skip


class TestTheEngineAgainstHandWorkedNumbers:
    """`mixed_data`, counted by hand from domain.md section 5 (not from any product code):

    D1 STP civil: received 20/12/2022 09:00, due 20/02 23:59:59, finished 10/03 10:00, apology
       01/03 23:59:59. D2 HL land: received 14/01 23:30, due 31/01 17:00, open, fee paid online.
    D3 HL-X1 land: received 15/01 00:10, due and finished 31/01 23:59:59, e-result.
    D4 HL-X1 civil: received 01/02 00:00, due 14/02, finished 10/02. All in person, 2 of 2
    components digitized.
    """

    @pytest.fixture(autouse=True)
    def _computed(self, tree):
        mixed_data(tree)
        kpi_full_recompute()

    def _row(self, period: str, scope: str, basis: str = "calendar", domain=None) -> list:
        table = figures(period, basis, domain)
        return [table[scope, code] for code in HAND_INDICATORS]

    def test_january_d1_is_judged_at_the_end_of_the_month_and_d2_is_overdue(self):
        assert self._row("2023-01", "STP") == [(0, 0), (0, 0), (0, 0), (1, 1), (0, 0), (0, 0)]
        assert self._row("2023-01", "level:huyen") == [
            (1, 1), (0, 1), (1, 1), (0, 1), (0, 1), (0, 0)
        ]  # fmt: skip
        assert self._row("2023-01", "HL-X1") == [(1, 1), (0, 1), (0, 0), (1, 1), (0, 0), (1, 1)]
        assert self._row("2023-01", "HL") == [(2, 2), (0, 2), (1, 1), (1, 2), (0, 1), (1, 1)]
        assert self._row("2023-01", "QT") == [(2, 2), (0, 2), (1, 1), (2, 3), (0, 1), (1, 1)]

    def test_the_reporting_month_ends_on_14_january_before_d3_and_before_d2_is_due(self):
        # 15/12/2022 00:00 to 14/01/2023 23:59:59: D1 and D2 received, both within their due.
        assert self._row("2023-01", "QT", "reporting") == [
            (2, 2), (0, 2), (1, 1), (2, 2), (0, 0), (0, 0)
        ]  # fmt: skip
        assert self._row("2023-01", "HL-X1", "reporting") == [(0, 0)] * 6

    def test_february_d1_is_overdue_and_its_apology_comes_after_the_end(self):
        assert self._row("2023-02", "STP") == [(0, 0), (0, 0), (0, 0), (0, 1), (0, 1), (0, 0)]
        # D4 is civil: no paper result, so not in e_result's denominator.
        assert self._row("2023-02", "level:xa") == [
            (1, 1), (0, 1), (0, 0), (1, 1), (0, 0), (0, 0)
        ]  # fmt: skip
        assert self._row("2023-02", "QT") == [(1, 1), (0, 1), (0, 0), (1, 3), (0, 2), (0, 0)]

    def test_the_half_year_rolls_up_as_sums_not_averages(self):
        assert self._row("2023-H1", "QT") == [(3, 3), (0, 3), (1, 1), (2, 4), (1, 2), (1, 1)]
        assert self._row("2023-H1", "level:so") == [
            (0, 0), (0, 0), (0, 0), (0, 1), (1, 1), (0, 0)
        ]  # fmt: skip
        land = self._row("2023-H1", "QT", domain=Domain.objects.get(name="Đất đai"))
        assert land == [(2, 2), (0, 2), (1, 1), (1, 2), (0, 1), (1, 1)]


class TestReRuns:
    def test_computing_twice_gives_the_same_facts(self, tree):
        mixed_data(tree)
        kpi_full_recompute()
        first = stored_facts()
        kpi_full_recompute()
        assert stored_facts() == first
        kpi_refresh_touched()
        assert stored_facts() == first

    def test_an_incremental_refresh_equals_a_full_recompute_after_changes(self, tree):
        dossiers = mixed_data(tree)
        kpi_full_recompute()
        assert not TouchedCell.objects.exists()

        # An import changes a dossier: both its old and new version are touched.
        changed = dossiers[1]
        touch(changed)
        changed.finished_at = vn(2023, 2, 20, 8)
        changed.received_at = vn(2023, 1, 2)
        changed.save()
        touch(changed)
        Apology.objects.create(dossier=changed, issued_at=end_of_day(2023, 2, 1))
        # Another one is removed, a new one arrives.
        touch(dossiers[3])
        dossiers[3].delete()
        make_dossier(
            tree.department, tree.land, received_at=vn(2023, 3, 20), due_at=end_of_day(2023, 3, 25)
        )

        result = kpi_refresh_touched()
        assert result.touched > 0
        assert not TouchedCell.objects.exists()
        incremental = stored_facts()
        assert incremental == full_from_scratch()
        assert incremental == reference_facts()
        # And by hand (see TestTheEngineAgainstHandWorkedNumbers for the data before): in H1,
        # received D2 (now 02/01), D3, D5; D2 finished 20/02 after its due 31/01 17:00 with an
        # apology on 01/02; D5 is open past its due 25/03; D4 is gone.
        h1 = figures("2023-H1")
        assert [h1["QT", code] for code in HAND_INDICATORS] == [
            (3, 3), (0, 3), (1, 1), (1, 4), (2, 3), (1, 2)
        ]  # fmt: skip
        february = figures("2023-02")
        assert [february["QT", code] for code in HAND_INDICATORS] == [
            (0, 0), (0, 0), (0, 0), (0, 2), (1, 2), (0, 1)
        ]  # fmt: skip
        assert february["HL-X1", "on_time"] == (0, 0)

    def test_a_refresh_without_touched_cells_does_nothing(self, tree):
        mixed_data(tree)
        kpi_full_recompute()
        runs = KpiRun.objects.count()
        assert kpi_refresh_touched().periods == 0
        assert KpiRun.objects.count() == runs

    def test_the_first_refresh_runs_a_full_recompute(self, tree):
        mixed_data(tree)
        kpi_refresh_touched()
        assert stored_facts() == reference_facts()

    def test_a_cell_touched_again_while_draining_is_kept_for_the_next_drain(
        self, tree, monkeypatch
    ):
        mixed_data(tree)
        kpi_full_recompute()
        cell = TouchedCell.objects.create(agency=tree.department, month=date(2023, 2, 1))
        universe = services.kpi_universe

        def import_touches_the_same_cell_meanwhile():
            # What the importer's upsert does on conflict: bump created_at.
            TouchedCell.objects.filter(pk=cell.pk).update(
                created_at=timezone.now() + timedelta(seconds=5)
            )
            return universe()

        monkeypatch.setattr(services, "kpi_universe", import_touches_the_same_cell_meanwhile)
        kpi_refresh_touched()
        assert TouchedCell.objects.filter(pk=cell.pk).exists()

        monkeypatch.setattr(services, "kpi_universe", universe)
        kpi_refresh_touched()
        assert not TouchedCell.objects.exists()


day_offsets = st.integers(min_value=0, max_value=100)
times = st.sampled_from([(0, 0, 0), (8, 30, 0), (17, 0, 0), (23, 59, 59)])


@st.composite
def dossier_specs(draw):
    start = vn(2022, 11, 20)
    received_day = draw(day_offsets)
    received = start + timedelta(days=received_day, hours=draw(st.sampled_from([0, 9, 23])))
    due = received + timedelta(days=draw(st.integers(0, 40)))
    due = due.replace(**dict(zip(("hour", "minute", "second"), draw(times), strict=True)))
    due = max(due, received)
    finished = None
    if draw(st.booleans()):
        finished = received + timedelta(hours=draw(st.integers(0, 24 * 60)))
    apology = None
    if draw(st.booleans()):
        apology = received + timedelta(days=draw(st.integers(0, 60)))
    requests = draw(st.sampled_from([0, 0, 1, 2]))
    requested = completed = None
    if requests:
        requested = received + timedelta(days=draw(st.integers(-2, 40)))
        if draw(st.booleans()):
            completed = requested + timedelta(days=draw(st.integers(-3, 30)))
    return {
        "where": draw(st.sampled_from(["department", "district", "commune"])),
        "procedure": draw(st.sampled_from(["land", "civil"])),
        "supplement": (requests, requested, completed),
        "received_at": received,
        "due_at": due,
        "finished_at": finished,
        "apology_at": apology,
        "fee": draw(st.sampled_from([0, 10_000])),
        "online": draw(st.booleans()),
    }


def build(tree, spec) -> Dossier:
    fee = spec["fee"]
    dossier = make_dossier(
        getattr(tree, spec["where"]),
        getattr(tree, spec["procedure"]),
        received_at=spec["received_at"],
        due_at=spec["due_at"],
        finished_at=spec["finished_at"],
        apology_at=spec["apology_at"],
        fee=fee,
        paid_online=bool(fee) and spec["online"],
        channel="truc_tuyen" if spec["online"] else "truc_tiep",
    )
    requests, requested, completed = spec.get("supplement", (0, None, None))
    if requests:
        # Supplementation (domain.md section 11) changes which periods see the dossier open,
        # waiting or paused: a refresh must still equal a full recompute.
        Dossier.objects.filter(pk=dossier.pk).update(
            supplement_requests=requests,
            supplement_requested_at=requested,
            supplement_completed_at=completed,
        )
    return dossier


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    before=st.lists(dossier_specs(), min_size=1, max_size=6),
    changes=st.lists(
        st.tuples(st.integers(0, 5), st.one_of(st.none(), dossier_specs())), min_size=1, max_size=3
    ),
)
def test_property_refresh_after_random_changes_equals_full_recompute_and_definitions(
    db, before, changes
):
    for model in (KpiFact, KpiCell, KpiPeriod, KpiRun, TouchedCell, Apology, Dossier):
        model.objects.all().delete()
    tree = make_tree() if not Agency.objects.exists() else _existing_tree()
    dossiers = [build(tree, spec) for spec in before]
    kpi_full_recompute()
    for index, replacement in changes:
        victim = dossiers[index % len(dossiers)]
        if victim.pk is None:
            continue
        touch(victim)
        victim.delete()
        if replacement is not None:
            dossiers.append(build(tree, replacement))
    kpi_refresh_touched()
    incremental = stored_facts()
    assert incremental == reference_facts()
    assert incremental == full_from_scratch()


def _existing_tree():
    from agencies.models import Procedure
    from tests.reports.kpi_data import Tree

    get = Agency.objects.get
    return Tree(
        get(code="QT"),
        get(code="STP"),
        get(code="HL"),
        get(code="HL-X1"),
        Procedure.objects.get(code="1.000001"),
        Procedure.objects.get(code="1.001193"),
    )


class TestReadingATableIsAConstantNumberOfQueries:
    @pytest.mark.parametrize("communes", [0, 40])
    def test_whatever_the_number_of_agencies(self, tree, django_assert_num_queries, communes):
        for n in range(communes):
            commune = Agency.objects.create(
                code=f"X{n}", name=f"Xã {n}", level="xa", parent=tree.district
            )
            make_dossier(
                commune, tree.land, received_at=vn(2023, 3, 1), due_at=end_of_day(2023, 3, 9)
            )
        mixed_data(tree)
        kpi_full_recompute()
        period = parse_period("2023-H1")
        with django_assert_num_queries(5):
            table = kpi_table(period=period)
        assert len(table.rows) == (4 + communes + 3) * 6
        with django_assert_num_queries(5):
            kpi_table(period=period, domain=tree.land.domain)
