"""The two-tier province in a real browser (domain.md section 12), on the data set of
tests/reports/test_two_tier.py plus two dossiers of 2026: the 2026 overview lists the
departments and the communes under the province with no district section, and a merged commune's
page draws its trend with its predecessors' months as a separate, labelled line."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tests.dossiers.conftest import run_import
from tests.e2e.conftest import screenshot, sign_in
from tests.personas import PASSWORD
from tests.reports.test_successor_view import _person
from tests.reports.test_two_tier import DOSSIER_HEADER
from tests.reports.test_two_tier import province as two_tier  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# N1: in on time; STP: late (due 10/03, finished 12/03). In person, nothing digitized, no fee.
DOSSIERS_2026 = (
    "e1,N1,1.001193,truc_tiep,02/03/2026 08:00,06/03/2026,05/03/2026 10:00,1,1,0,0,0,\n"
    "e2,STP,1.001193,truc_tiep,03/03/2026 08:00,10/03/2026,12/03/2026 10:00,1,0,0,0,0,\n"
)


@pytest.fixture
def people(two_tier, tmp_path):  # noqa: F811
    path = tmp_path / "ho_so_2026.csv"
    path.write_text(DOSSIER_HEADER + "\n" + DOSSIERS_2026, encoding="utf-8")
    assert run_import("import_dossiers", path).stdout.strip() == (
        "created 2, updated 0, unchanged 0, rejected 0"
    )
    call_command("compute_kpis", "--full", verbosity=0)
    return {"office": _person("office", "province_office", "TN")}


def _rows(page) -> list[str]:
    return page.locator("#rates-table tbody tr[data-scope]").evaluate_all(
        "rows => rows.map(r => r.dataset.scope)"
    )


def test_the_2026_overview_has_departments_and_communes_and_no_district_section(page, people):
    sign_in(page, "office", PASSWORD)
    page.goto("/?period=2026")
    page.locator("#rates-table").wait_for()
    heads = page.locator("#rates-table tr.group-head").all_text_contents()
    assert heads == ["Sở, ban, ngành", "UBND cấp xã"]
    assert _rows(page) == [
        "TN",
        "level:so",
        "SNNMT",
        "STP",
        "SYT",
        "level:xa",
        "N1",
        "N2",
        "N3",
    ]
    on_time = page.locator('#rates-table tr[data-scope="N1"] td').nth(2)
    assert "100,00%" in on_time.inner_text()
    assert "UBND huyện" not in page.locator("#rates-table").inner_text()
    page.locator('[data-chart="chart-on_time"] .main-svg').first.wait_for()
    screenshot(page, "two-tier-overview-2026")


def test_a_merged_communes_trend_shows_its_predecessors_before_it_existed(page, people):
    sign_in(page, "office", PASSWORD)
    page.goto("/agencies/N1/?period=2025")
    section = page.get_by_test_id("predecessors")
    assert "UBND xã Một A" in section.inner_text() and "UBND xã Một B" in section.inner_text()
    # X1 + X2 in 2025: on time 1 of 2 (d9 late, d10 on time).
    on_time = section.locator('tr[data-indicator="on_time"]')
    assert "50,00%" in on_time.inner_text() and "1 / 2" in on_time.inner_text()
    chart = page.locator('[data-chart="trend-on_time"]')
    chart.locator(".main-svg").first.wait_for()
    legend = chart.locator(".legendtext").all_text_contents()
    assert "Các đơn vị tiền thân (cộng gộp)" in legend
    assert "UBND xã Bình An" in legend
    screenshot(page, "two-tier-merged-unit-trend")
