"""compute_kpis and export_kpis as an operator runs them."""

from __future__ import annotations

import csv
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from reports.models import Indicator, KpiFact
from reports.services import target_set
from tests.reports.kpi_data import end_of_day, make_dossier, vn

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(tree):
    make_dossier(
        tree.department,
        tree.land,
        received_at=vn(2023, 3, 1),
        due_at=end_of_day(2023, 3, 10),
        finished_at=vn(2023, 3, 5),
        fee=1000,
        paid_online=True,
    )
    make_dossier(
        tree.district,
        tree.land,
        received_at=vn(2023, 3, 1),
        due_at=end_of_day(2023, 3, 10),
        fee=1000,
    )
    make_dossier(
        tree.commune,
        tree.civil,
        received_at=vn(2023, 3, 1),
        due_at=end_of_day(2023, 3, 10),
        fee=1000,
    )
    return tree


def export(tmp_path, *args) -> dict:
    out = tmp_path / "kpis.json"
    call_command("export_kpis", *args, "-o", str(out))
    return json.loads(out.read_text(encoding="utf-8"))


def row(body: dict, scope: str, indicator: str) -> dict:
    return next(r for r in body["rows"] if r["agency"] == scope and r["indicator"] == indicator)


class TestComputeKpis:
    def test_the_first_run_computes_everything_and_the_full_flag_recomputes(self, data, capsys):
        call_command("compute_kpis")
        assert KpiFact.objects.exists()
        call_command("compute_kpis", "--full")
        assert "full recompute" in capsys.readouterr().out


class TestExportKpis:
    def test_json_has_one_row_per_node_and_group_and_indicator(self, data, tmp_path):
        call_command("compute_kpis")
        body = export(tmp_path, "--period", "2023-Q1", "--format", "json")
        assert set(body) == {"period", "basis", "start", "end", "computed_at", "rows"}
        assert (body["period"], body["basis"], body["start"], body["end"]) == (
            "2023-Q1",
            "calendar",
            "2023-01-01",
            "2023-03-31",
        )
        assert len(body["rows"]) == (4 + 3) * 6
        assert row(body, "QT", "online_payment") | {} == {
            "agency": "QT",
            "indicator": "online_payment",
            "numerator": 1,
            "denominator": 3,
            "rate": 1 / 3,
            "target": 0.3,
            "meets_target": True,
            "shortfall": 0,
            "dossiers_without_fact": 0,
        }
        assert row(body, "level:huyen", "online_payment")["denominator"] == 1
        assert row(body, "level:xa", "e_result")["rate"] is None

    def test_each_row_says_how_many_dossiers_it_is_short_of_its_target(self, data, tmp_path):
        call_command("compute_kpis")
        body = export(tmp_path, "--period", "2023-Q1", "--format", "json")
        # Three dossiers received in person against a 50% online target: 1.5 would have had to
        # come online, so 2 dossiers; the department alone has 1 of its 1 to gain.
        assert row(body, "QT", "online_submission")["shortfall"] == 2
        assert row(body, "STP", "online_submission")["shortfall"] == 1
        # Two of the three are still open past their due date on 31/3: on time 1 of 3 against
        # 100%, 2 short; no apology for either, 2 short of 100%.
        assert row(body, "QT", "on_time")["shortfall"] == 2
        assert row(body, "QT", "apology")["shortfall"] == 2
        # No dossier with a paper result finished in the communes: no rate, no shortfall.
        assert row(body, "level:xa", "e_result")["shortfall"] is None
        assert row(body, "STP", "on_time")["shortfall"] == 0

    def test_domain_restricts_every_figure(self, data, tmp_path):
        call_command("compute_kpis")
        body = export(tmp_path, "--period", "2023-Q1", "--domain", "Đất đai")
        assert body["domain"] == "Đất đai"
        assert row(body, "QT", "online_payment")["denominator"] == 2
        with pytest.raises(CommandError):
            export(tmp_path, "--period", "2023-Q1", "--domain", "Không có")

    def test_targets_by_year_and_level_apply(self, data, tmp_path):
        call_command("compute_kpis")
        indicator = Indicator.objects.get(code="online_payment")
        target_set(indicator=indicator, year=2023, level="so", value=Decimal("1"), user=None)
        body = export(tmp_path, "--period", "2023-Q1")
        assert row(body, "STP", "online_payment")["target"] == 1.0
        assert row(body, "level:so", "online_payment")["target"] == 1.0
        assert row(body, "HL", "online_payment")["target"] == 0.3

    def test_csv_and_xlsx_carry_the_same_rows(self, data, tmp_path):
        call_command("compute_kpis")
        call_command(
            "export_kpis",
            "--period",
            "2023-03",
            "--basis",
            "reporting",
            "--format",
            "csv",
            "-o",
            str(tmp_path / "k.csv"),
        )
        with open(tmp_path / "k.csv", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == 42
        qt = next(r for r in rows if r["agency"] == "QT" and r["indicator"] == "online_payment")
        assert (qt["numerator"], qt["denominator"], qt["start"]) == ("1", "3", "2023-02-15")
        call_command(
            "export_kpis", "--period", "2023-03", "--format", "xlsx", "-o", str(tmp_path / "k.xlsx")
        )
        sheet = load_workbook(tmp_path / "k.xlsx").active
        header = [c.value for c in sheet[1]]
        values = [
            dict(zip(header, (c.value for c in r), strict=True)) for r in sheet.iter_rows(min_row=2)
        ]
        qt = next(v for v in values if v["agency"] == "QT" and v["indicator"] == "online_payment")
        # The rate as the page prints it (33,33%): cut, so Excel never rounds it up.
        assert qt["numerator"] == 1 and qt["rate"] == 0.3333
        assert qt["shortfall"] == 0  # 1 of 3 paid online meets the 30% target

    def test_a_bad_period_is_refused(self, data):
        with pytest.raises(CommandError, match="Kỳ không hợp lệ"):
            call_command("export_kpis", "--period", "2023-H3")
