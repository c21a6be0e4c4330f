"""The seam between an import and the KPI facts, through the real pieces: `manage.py
import_dossiers` records what it touched and sends `dossiers_changed`, the engine's receiver
refreshes only the touched cells, and the facts then equal both a full recompute and figures
worked out by hand.

The second file re-imports the same codes and changes them the ways real corrections do: a
dossier moves to another agency (the old agency's months must be refreshed too), one finishes
late with an apology, one is unchanged, one is new.

Tree (tests/reports/kpi_data.py): QT province; STP (so); HL (huyen) with commune HL-X1.
1.000001 land (paper result), 1.001193 civil (no paper result). Dates without a time are
23:59:59 for due, finished and apology dates.
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from dossiers.models import Dossier, TouchedCell
from reports.models import FACT_COUNTERS, KpiCell, KpiFact, KpiPeriod, KpiRun, KpiRunKind
from reports.services import kpi_full_recompute
from tests.reports.kpi_data import figures

pytestmark = pytest.mark.django_db

HEADER = (
    "Mã hồ sơ,Mã đơn vị,Mã thủ tục,Kênh nộp,Ngày tiếp nhận,Ngày hẹn trả,Ngày kết thúc xử lý,"
    'Số thành phần hồ sơ,Số thành phần đã số hóa,Kết quả điện tử,"Phí, lệ phí (đồng)",'
    "Thanh toán trực tuyến,"
    "Ngày xin lỗi"
)
FIRST = [
    # A1: STP civil, in person; due 20/01, finished 25/01: late. 2 of 2 digitized.
    "A1,STP,1.001193,truc_tiep,05/01/2023 08:00,20/01/2023,25/01/2023 10:00,2,2,0,0,0,",
    # A2: STP land, online; due 31/01, finished 20/01: on time. 1 of 3; e-result; fee paid online.
    "A2,STP,1.000001,truc_tuyen,10/01/2023 09:00,31/01/2023,20/01/2023 15:00,3,1,1,50000,1,",
    # A3: HL-X1 land, in person; due 10/02, still open. Fee not paid online.
    "A3,HL-X1,1.000001,truc_tiep,01/02/2023 08:00,10/02/2023,,1,1,0,20000,0,",
]
SECOND = [
    FIRST[0],  # A1 unchanged
    # A2 was the district's own dossier, and finished 05/02: late.
    "A2,HL,1.000001,truc_tuyen,10/01/2023 09:00,31/01/2023,05/02/2023 10:00,3,1,1,50000,1,",
    # A3 finished 15/02 (late) with an apology on 12/02.
    "A3,HL-X1,1.000001,truc_tiep,01/02/2023 08:00,10/02/2023,15/02/2023 09:00,1,1,0,20000,0,"
    "12/02/2023",
    # A4 new: STP civil, online; due 05/03, finished 01/03: on time.
    "A4,STP,1.001193,truc_tuyen,20/02/2023 08:00,05/03/2023,01/03/2023 10:00,2,2,0,0,0,",
]

INDICATORS = ("digitization", "online_submission", "online_payment", "on_time", "apology")
INDICATORS += ("e_result",)


def _import(tmp_path: Path, name: str, rows: list[str], capture) -> str:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    out = StringIO()
    # The importer announces its change after its transaction commits; run those callbacks.
    with capture(execute=True):
        call_command("import_dossiers", str(path), stdout=out)
    return out.getvalue()


def _row(period: str, scope: str) -> tuple:
    table = figures(period)
    return tuple(table[scope, indicator] for indicator in INDICATORS)


def _stored() -> set[tuple]:
    return {
        (f["scope"], f["domain_id"], f["basis"], f["period"], *(f[n] for n in FACT_COUNTERS))
        for f in KpiFact.objects.values()
    }


@pytest.fixture
def imported(tree, tmp_path, django_capture_on_commit_callbacks):
    out = _import(tmp_path, "first.csv", FIRST, django_capture_on_commit_callbacks)
    assert "created 3, updated 0, unchanged 0, rejected 0" in out
    return tmp_path


class TestTheFirstImport:
    def test_its_signal_computed_the_facts_worked_out_by_hand(self, imported):
        assert not TouchedCell.objects.exists()
        # (digitization, online_submission, online_payment, on_time, apology, e_result)
        assert _row("2023-01", "STP") == ((1, 2), (1, 2), (1, 1), (1, 2), (0, 1), (1, 1))
        assert _row("2023-01", "HL") == ((0, 0),) * 6
        assert _row("2023-02", "STP") == ((0, 0),) * 6
        assert _row("2023-02", "HL-X1") == ((1, 1), (0, 1), (0, 1), (0, 1), (0, 1), (0, 0))
        assert _row("2023-02", "HL") == _row("2023-02", "HL-X1")


class TestARealReImportThenARefresh:
    @pytest.fixture
    def reimported(self, imported, django_capture_on_commit_callbacks):
        runs = KpiRun.objects.filter(kind=KpiRunKind.REFRESH).count()
        out = _import(imported, "second.csv", SECOND, django_capture_on_commit_callbacks)
        assert "created 1, updated 2, unchanged 1, rejected 0" in out
        assert Dossier.objects.get(code="A2").agency.code == "HL"
        # The import refreshed the touched cells, not everything.
        assert KpiRun.objects.filter(kind=KpiRunKind.REFRESH).count() == runs + 1
        assert not TouchedCell.objects.exists()

    def test_january_moves_a2_from_the_department_to_the_district(self, reimported):
        assert _row("2023-01", "STP") == ((1, 1), (0, 1), (0, 0), (0, 1), (0, 1), (0, 0))
        # A2 is still open at the end of January (finished 05/02) and due 31/01 23:59:59.
        assert _row("2023-01", "HL") == ((0, 1), (1, 1), (1, 1), (1, 1), (0, 0), (0, 0))
        assert _row("2023-01", "QT") == ((1, 2), (1, 2), (1, 1), (1, 2), (0, 1), (0, 0))
        assert _row("2023-01", "level:so") == _row("2023-01", "STP")

    def test_february_judges_each_unit_on_its_own_dossiers(self, reimported):
        assert _row("2023-02", "STP") == ((1, 1), (1, 1), (0, 0), (1, 1), (0, 0), (0, 0))
        assert _row("2023-02", "level:huyen") == ((0, 0), (0, 0), (0, 0), (0, 1), (0, 1), (1, 1))
        assert _row("2023-02", "level:xa") == ((1, 1), (0, 1), (0, 1), (0, 1), (1, 1), (0, 1))
        assert _row("2023-02", "HL") == ((1, 1), (0, 1), (0, 1), (0, 2), (1, 2), (1, 2))
        assert _row("2023-02", "QT") == ((2, 2), (1, 2), (0, 1), (1, 3), (1, 2), (1, 2))

    def test_the_quarter_holds_all_four(self, reimported):
        assert _row("2023-Q1", "QT") == ((3, 4), (2, 4), (1, 2), (1, 4), (1, 3), (1, 2))
        assert _row("2023-Q1", "STP") == ((2, 2), (1, 2), (0, 0), (1, 2), (0, 1), (0, 0))

    def test_the_refreshed_facts_equal_a_full_recompute(self, reimported):
        refreshed = _stored()
        for model in (KpiFact, KpiCell, KpiPeriod):
            model.objects.all().delete()
        kpi_full_recompute()
        assert _stored() == refreshed


class TestAReceiptFactChangedOnAnOpenDossier:
    """A3 (received 01/02, due 10/02) is still open, so it is handled and overdue in every
    period up to today. A third file gives it 0 of 1 components digitized: only the periods of
    February can move (issue 16, item 3), and what the narrow refresh leaves equals a full
    recompute."""

    @pytest.fixture
    def corrected(self, imported, django_capture_on_commit_callbacks):
        undigitized = FIRST[2].replace(",1,1,0,20000,0,", ",1,0,0,20000,0,")
        out = _import(imported, "third.csv", [undigitized], django_capture_on_commit_callbacks)
        assert "created 0, updated 1, unchanged 0, rejected 0" in out

    def test_only_the_periods_of_february_are_recomputed(self, corrected):
        run = KpiRun.objects.filter(kind=KpiRunKind.REFRESH).latest("finished_at")
        recomputed = KpiPeriod.objects.filter(computed_at__gte=run.started_at)
        # Those holding February: on the calendar the month, Q1, H1, the nine months and the
        # year; on the reporting basis (15th to 14th) February 1-14 lies in its month 2023-02
        # and February 15-28 in 2023-03, with the same quarter, half, nine months and year.
        assert sorted(recomputed.values_list("basis", "period")) == [
            *(("calendar", p) for p in ("2023", "2023-02", "2023-9M", "2023-H1", "2023-Q1")),
            *(
                ("reporting", p)
                for p in ("2023", "2023-02", "2023-03", "2023-9M", "2023-H1", "2023-Q1")
            ),
        ]
        assert run.periods == 11
        assert _row("2023-02", "HL-X1")[0] == (0, 1)  # digitization: 0 of 1

    def test_the_refreshed_facts_equal_a_full_recompute(self, corrected):
        refreshed = _stored()
        for model in (KpiFact, KpiCell, KpiPeriod):
            model.objects.all().delete()
        kpi_full_recompute()
        assert _stored() == refreshed
