"""The Quảng Trị demo reproduces the directive's table (domain.md section 1) on both bases."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.db import transaction

from kpi_portal.formatting import format_rate

pytestmark = [
    pytest.mark.django_db,
]


@pytest.fixture(scope="module")
def exports(django_db_setup, django_db_blocker, tmp_path_factory) -> dict:
    """Load the demo once, compute, export 2023-H1 four ways, then roll everything back."""
    out = tmp_path_factory.mktemp("demo")
    results = {}
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", verbosity=0)
        call_command("compute_kpis", "--full", verbosity=0)
        for basis in ("calendar", "reporting"):
            for domain in (None, "Đất đai"):
                path = out / f"{basis}-{domain}.json"
                args = ["--period", "2023-H1", "--basis", basis, "-o", str(path)]
                if domain:
                    args += ["--domain", domain]
                call_command("export_kpis", *args)
                body = json.loads(path.read_text(encoding="utf-8"))
                results[basis, domain] = {
                    (r["agency"], r["indicator"]): (r["numerator"], r["denominator"])
                    for r in body["rows"]
                }
                results[basis, domain, "rate"] = {
                    (r["agency"], r["indicator"]): r["rate"] for r in body["rows"]
                }
        transaction.set_rollback(True)
    return results


@pytest.mark.parametrize("basis", ["calendar", "reporting"])
class TestTheDirectiveFigures:
    def test_on_time(self, exports, basis):
        assert exports[basis, None]["QT", "on_time"] == (151606, 152243)
        # The export's rate is the exact ratio (design.md), printed 99,58% once cut.
        rate = exports[basis, None, "rate"]["QT", "on_time"]
        assert rate == pytest.approx(0.99581589958159, abs=1e-12)
        assert format_rate(*exports[basis, None]["QT", "on_time"]) == "99,58%"

    def test_land_overdue(self, exports, basis):
        numerator, denominator = exports[basis, "Đất đai"]["QT", "on_time"]
        assert denominator - numerator == 293

    def test_apology(self, exports, basis):
        assert exports[basis, None]["QT", "apology"] == (297, 637)

    def test_digitization(self, exports, basis):
        assert format_rate(*exports[basis, None]["QT", "digitization"]) == "67,50%"

    def test_online_payment_by_level_group(self, exports, basis):
        assert format_rate(*exports[basis, None]["level:so", "online_payment"]) == "3,71%"
        assert format_rate(*exports[basis, None]["level:huyen", "online_payment"]) == "8,47%"
