"""Pages, the API and export_kpis say how many dossiers of the period lack each fact
(domain.md section 11: unknown facts leave the indicators that need them)."""

from __future__ import annotations

import csv
import json
import re

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from agencies.models import Membership, Role
from dossiers.models import Dossier
from reports import overview_cache
from reports.services import kpi_full_recompute
from tests.reports.kpi_data import end_of_day, make_dossier, vn

pytestmark = pytest.mark.django_db
MARCH = {"period": "2023-03"}


@pytest.fixture(autouse=True)
def _empty_overview_cache():
    overview_cache.clear()
    yield
    overview_cache.clear()


@pytest.fixture
def data(tree):
    """March 2023: K known in every fact (in person, fee 1.000 paid online, finished with an
    e-result); U1 and U2 at the district with channel, components, fee, payment and e-result
    unknown (U1 finished); U3 at the commune with a fee of 1.000 and payment unknown."""
    march = {"received_at": vn(2023, 3, 1, 8), "due_at": end_of_day(2023, 3, 10)}
    make_dossier(
        tree.district,
        tree.land,
        **march,
        finished_at=vn(2023, 3, 5),
        fee=1000,
        paid_online=True,
        e_result=True,
    )
    for finished in (vn(2023, 3, 6), None):
        unknown = make_dossier(tree.district, tree.land, **march, finished_at=finished)
        Dossier.objects.filter(pk=unknown.pk).update(
            channel=None,
            components_total=None,
            components_digitized=None,
            fee=None,
            paid_online=None,
            e_result=None,
        )
    unknown_payment = make_dossier(tree.commune, tree.land, **march, fee=1000)
    Dossier.objects.filter(pk=unknown_payment.pk).update(paid_online=None)
    kpi_full_recompute()
    return tree


def _login(client, role: str, agency) -> None:
    user = User.objects.create_user(f"u-{role}", password="x")
    Membership.objects.create(user=user, role=role, agency=agency)
    client.force_login(user)


def _notes(html: str) -> list[str]:
    block = re.search(r'data-testid="unknown-facts">(.*?)</div>', html, re.S)
    if block is None:
        return []
    return [re.sub(r"<[^>]+>", "", li).strip() for li in re.findall(r"<li>(.*?)</li>", block[1])]


class TestPages:
    def test_the_overview_says_how_many_of_the_province_s_dossiers_lack_each_fact(
        self, client, data
    ):
        _login(client, Role.PROVINCE_OFFICE, data.province)
        html = client.get(reverse("home"), MARCH).content.decode()
        assert _notes(html) == [
            "2 hồ sơ không có thông tin kênh nộp (không tính vào tỷ lệ trực tuyến)",
            "2 hồ sơ không có thông tin số hóa thành phần hồ sơ (không tính vào tỷ lệ số hóa)",
            "3 hồ sơ không có thông tin phí, lệ phí hoặc thanh toán trực tuyến"
            " (không tính vào tỷ lệ thanh toán trực tuyến)",
            "1 hồ sơ không có thông tin kết quả điện tử (không tính vào tỷ lệ cấp kết quả điện tử)",
        ]

    def test_the_agency_page_counts_its_own_node(self, client, data):
        _login(client, Role.PROVINCE_OFFICE, data.province)
        url = reverse("agency_detail", args=[data.commune.code])
        notes = _notes(client.get(url, MARCH).content.decode())
        assert notes == [
            "1 hồ sơ không có thông tin phí, lệ phí hoặc thanh toán trực tuyến"
            " (không tính vào tỷ lệ thanh toán trực tuyến)"
        ]

    def test_no_note_when_every_fact_is_known(self, client, data):
        _login(client, Role.PROVINCE_OFFICE, data.province)
        url = reverse("agency_detail", args=[data.department.code])
        assert 'data-testid="unknown-facts"' not in client.get(url, MARCH).content.decode()


def _row(rows, scope: str, indicator: str) -> dict:
    return next(r for r in rows if r["agency"] == scope and r["indicator"] == indicator)


class TestApiAndExports:
    def test_each_json_row_carries_its_dossiers_without_the_fact_beside_the_fraction(
        self, client, data
    ):
        _login(client, Role.PROVINCE_OFFICE, data.province)
        rows = client.get(reverse("kpis_api"), MARCH).json()["rows"]
        hl = {
            code: (r["numerator"], r["denominator"], r["dossiers_without_fact"])
            for code in (
                "digitization",
                "online_submission",
                "online_payment",
                "e_result",
                "on_time",
                "apology",
            )
            for r in [_row(rows, "HL", code)]
        }
        # HL: K, U1, U2 (U3 is the commune's, under HL's node too).
        assert hl == {
            "digitization": (2, 2, 2),  # K and U3 known, both 2 of 2 components
            "online_submission": (0, 2, 2),
            "online_payment": (1, 1, 3),  # K; U1, U2 fee unknown, U3 payment unknown
            "e_result": (1, 1, 1),  # K; U1 finished, e-result unknown
            "on_time": (2, 4, 0),  # U2 and U3 open on 31/03, past their due 10/03
            "apology": (0, 2, 0),
        }

    def test_export_kpis_json_csv_and_xlsx(self, data, tmp_path):
        out = tmp_path / "k.json"
        call_command("export_kpis", "--period", "2023-03", "-o", str(out))
        body = json.loads(out.read_text(encoding="utf-8"))
        assert _row(body["rows"], "QT", "online_payment")["dossiers_without_fact"] == 3
        assert _row(body["rows"], "level:xa", "online_payment")["dossiers_without_fact"] == 1
        call_command(
            "export_kpis", "--period", "2023-03", "--format", "csv", "-o", str(tmp_path / "k.csv")
        )
        with open(tmp_path / "k.csv", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert _row(rows, "QT", "online_submission")["dossiers_without_fact"] == "2"
        call_command(
            "export_kpis", "--period", "2023-03", "--format", "xlsx", "-o", str(tmp_path / "k.xlsx")
        )
        sheet = load_workbook(tmp_path / "k.xlsx").active
        header = [c.value for c in sheet[1]]
        values = [dict(zip(header, (c.value for c in r), strict=True)) for r in sheet.iter_rows(2)]
        assert _row(values, "QT", "e_result")["dossiers_without_fact"] == 1
