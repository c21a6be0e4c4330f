"""Biểu số 06 and the ranking on the Quảng Trị demo, 2023-H1, both bases (demo loaded once)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import transaction
from openpyxl import load_workbook

from kpi_portal.periods import parse_period
from reports.indicators import indicator_fraction
from reports.ranking import ranking_build
from reports.report06 import report06_build, report06_columns
from reports.selectors import kpi_counters_for_period

pytestmark = [
    pytest.mark.django_db,
]
BASES = ("calendar", "reporting")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory) -> dict:
    """Load the demo once, compute, build everything needed, then roll back."""
    out = tmp_path_factory.mktemp("demo06")
    results: dict = {}
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", verbosity=0)
        call_command("compute_kpis", "--full", verbosity=0)
        for basis in BASES:
            period = parse_period("2023-H1", basis)
            counters, _ = kpi_counters_for_period(period=period)
            results[basis] = {
                "agency": report06_build(period=period),
                "domain": report06_build(period=period, by="domain"),
                "level-domain": report06_build(period=period, by="level-domain"),
                "facts": counters,
                "ranking": ranking_build(period=period),
            }
        # The same half-year as a custom range: counted from the dossiers, not the facts.
        results["custom"] = report06_build(
            period=parse_period("2023-01-01..2023-06-30"), by="level-domain"
        )
        # The demo has no dossier received between 2024 and 30/6/2025 (its two-tier slice starts
        # on 1/7/2025): that half-year ranks nobody (issue 14).
        results["ranking_2025_h1"] = ranking_build(period=parse_period("2025-H1"))
        results["ranking_2025_h2"] = ranking_build(period=parse_period("2025-H2"))
        path = out / "bieu06.xlsx"
        call_command("export_report06", "--period", "2023-H1", "-o", str(path))
        results["xlsx"] = load_workbook(path)["Biểu số 06"]
        transaction.set_rollback(True)
    return results


@pytest.mark.parametrize("basis", BASES)
class TestTheIdentities:
    @pytest.mark.parametrize("by", ["agency", "domain", "level-domain"])
    def test_every_row_adds_up(self, demo, basis, by):
        rows = demo[basis][by].rows
        assert len(rows) > 3
        for row in rows:
            c = dict(zip(range(3, 14), row.values, strict=True))
            assert c[3] == c[4] + c[5] + c[6], row.label
            assert c[7] == c[8] + c[9] + c[10], row.label
            assert c[11] == c[12] + c[13], row.label
            assert c[3] == c[7] + c[11], row.label
            assert min(row.values) >= 0, row.label

    def test_subtotals_add_up_to_the_grand_total(self, demo, basis):
        rows = demo[basis]["agency"].rows
        groups = [row for row in rows if row.kind == "group"]
        assert [g.label for g in groups][:3] == ["Sở, ban, ngành", "UBND cấp huyện", "UBND cấp xã"]
        total = rows[-1].values
        assert [sum(col) for col in zip(*(g.values for g in groups), strict=True)] == total
        current = None
        sums: dict[str, list[int]] = {}
        for row in rows[:-1]:
            if row.kind == "group":
                current = row
                sums[row.number] = [0] * 11
            else:
                sums[current.number] = [
                    a + b for a, b in zip(sums[current.number], row.values, strict=True)
                ]
        assert sums == {g.number: g.values for g in groups}

    def test_the_totals_equal_the_kpi_facts(self, demo, basis):
        facts = demo[basis]["facts"]["QT"]
        on_time, handled = indicator_fraction("on_time", facts)
        assert (on_time, handled) == (151606, 152243)
        for by in ("agency", "domain", "level-domain"):
            t = dict(zip(range(3, 14), demo[basis][by].total.values, strict=True))
            assert t[3] == handled
            assert t[8] + t[9] + t[12] == on_time
            assert t[10] + t[13] == handled - on_time == 637

    def test_the_ranking_has_every_department_and_district(self, demo, basis):
        ranking = demo[basis]["ranking"]
        assert len(ranking.tables["huyen"]) == 10
        assert len(ranking.tables["all"]) == len(ranking.tables["so"]) + 10
        assert ranking.province_rates["on_time"] == pytest.approx(151606 / 152243)
        ranks = [row.rank for row in ranking.tables["all"]]
        assert ranks[0] == 1 and ranks == sorted(ranks)

    def test_the_level_subtotals_are_the_level_groups_and_add_up_to_the_total(self, demo, basis):
        facts = demo[basis]["facts"]
        rows = demo[basis]["level-domain"].rows
        groups = {row.label: row.values for row in rows if row.kind == "group"}
        assert list(groups) == ["Sở, ban, ngành", "UBND cấp huyện", "UBND cấp xã"]
        for label, scope in (
            ("Sở, ban, ngành", "level:so"),
            ("UBND cấp huyện", "level:huyen"),
            ("UBND cấp xã", "level:xa"),
        ):
            assert groups[label] == report06_columns(facts[scope]), label
        assert [sum(c) for c in zip(*groups.values(), strict=True)] == rows[-1].values
        # within each level, the domain rows add up to the level's subtotal
        current, sums = None, {}
        for row in rows[:-1]:
            if row.kind == "group":
                current = row.label
                sums[current] = [0] * 11
            else:
                sums[current] = [a + b for a, b in zip(sums[current], row.values, strict=True)]
        assert sums == groups
        # land is handled at every level
        names = {row.label for row in rows if row.kind == "row"}
        assert "Đất đai" in names and len(names) >= 15


def test_every_domain_row_at_every_level_matches_the_count_from_the_dossiers(demo):
    """The facts' figures against a scan of the dossiers (a custom range of the same days)."""
    facts = [(r.kind, r.label, r.values) for r in demo["calendar"]["level-domain"].rows]
    scan = [(r.kind, r.label, r.values) for r in demo["custom"].rows]
    assert facts == scan


def test_the_xlsx_grand_total_is_the_facts(demo):
    sheet = demo["xlsx"]
    last = sheet.max_row
    assert sheet.cell(row=last, column=2).value == "Tổng cộng"
    assert sheet.cell(row=last, column=3).value == 152243
    texts = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    for text in (
        "Biểu số 06/VPCP/KSTT",
        "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC",
        "Đơn vị báo cáo: UBND tỉnh Quảng Trị",
        "Đơn vị nhận báo cáo: Văn phòng Chính phủ",
        "Đơn vị tính: Số hồ sơ TTHC",
        "Trong đó",
        "Từ kỳ trước",
        "(13)",
    ):
        assert text in texts, text
    labels = [sheet.cell(row=r, column=2).value for r in range(10, last + 1)]
    # the default rows are the domains within each level
    level_rows = [labels.index(level) for level in ("Sở, ban, ngành", "UBND cấp huyện")]
    assert labels[level_rows[0] + 1 : level_rows[1]].count("Đất đai") == 1
    assert sheet.cell(row=last, column=12).value is not None


class TestTheDemoAfter2023:
    def test_the_first_half_of_2025_has_no_dossier_and_ranks_nobody(self, demo):
        ranking = demo["ranking_2025_h1"]
        assert ranking.has_data is False
        assert all(rows == [] for rows in ranking.tables.values())

    def test_the_second_half_of_2025_ranks_the_units_under_the_province_after_the_reform(
        self, demo
    ):
        ranking = demo["ranking_2025_h2"]
        assert ranking.has_data is True
        assert ranking.tables["xa"] and ranking.tables["so"]
        assert not ranking.tables["huyen"]  # the districts ended on 30/6/2025
        assert {row.level for row in ranking.tables["all"]} == {"so", "xa"}
