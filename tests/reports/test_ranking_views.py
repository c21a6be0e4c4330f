"""The rankings page, Biểu số 06 page and their downloads, tried by every persona
(data: tests/reports/ranking_data.py, `ranking_personas_create`)."""

from __future__ import annotations

import io
import json
import re

import pytest
from openpyxl import load_workbook

from tests.reports.ranking_data import ranking_personas_create

pytestmark = pytest.mark.django_db
QUERY = {"period": "2023-H1", "basis": "calendar"}


@pytest.fixture
def people(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast set-up
    return ranking_personas_create()


def _ranks(response) -> list[tuple[str, str]]:
    html = response.content.decode()
    rows = re.findall(r'<tr data-agency="([^"]+)">\s*<td[^>]*data-testid="rank">([^<]*)</td>', html)
    return rows


class TestTheRankingsPage:
    def test_home_affairs_sees_every_agency_ranked_with_scores(self, client, people):
        client.force_login(people["home_affairs"])
        response = client.get("/rankings/", QUERY)
        assert response.status_code == 200
        assert _ranks(response) == [("STNMT", "1"), ("SNV", "2"), ("HL", "3"), ("GL", "—")]
        html = response.content.decode()
        assert "100,00" in html and "75,00" in html and "33,33" in html
        assert "25,00 / 50,00" in html  # Sở Nội vụ: digitization 1/2 of its 50 points
        assert 'data-chart="ranking-chart"' in html
        assert "không có dữ liệu" in html

    def test_each_indicator_says_how_many_points_it_lost(self, client, people):
        client.force_login(people["home_affairs"])
        html = client.get("/rankings/", QUERY).content.decode()
        snv = re.search(r'<tr data-agency="SNV">.*?</tr>', html, re.S).group(0)
        digitization = re.search(r'<td[^>]*data-indicator="digitization">.*?</td>', snv, re.S)
        # 1 of 2 digitized: 25,00 of 50,00 points, 25,00 lost; on time 2/2 loses nothing
        assert "25,00 / 50,00" in digitization.group(0)
        assert "mất 25,00 điểm" in digitization.group(0)
        assert "1 / 2" in digitization.group(0)
        on_time = re.search(r'<td[^>]*data-indicator="on_time">.*?</td>', snv, re.S).group(0)
        assert "50,00 / 50,00" in on_time and "mất" not in on_time
        hl = re.search(r'<tr data-agency="HL">.*?</tr>', html, re.S).group(0)
        assert "mất 33,33 điểm" in hl  # late and no apology: each of those 33,33 points lost

    def test_a_period_without_dossiers_ranks_nobody_and_says_so(self, client, people):
        client.force_login(people["home_affairs"])
        response = client.get("/rankings/", {"period": "2025-H1", "basis": "calendar"})
        assert response.status_code == 200
        html = response.content.decode()
        assert _ranks(response) == []
        assert 'data-testid="no-data"' in html and "không xếp hạng" in html
        assert "Đủ điều kiện" not in html

    def test_the_level_tab_swaps_only_the_table(self, client, people):
        client.force_login(people["province_officer"])
        response = client.get(
            "/rankings/",
            {**QUERY, "level": "huyen"},
            headers={"HX-Request": "true", "HX-Target": "ranking-table"},
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert html.lstrip().startswith('<section id="ranking-table" data-level="huyen">')
        assert _ranks(response) == [("HL", "1"), ("GL", "—")]
        assert "<html" not in html

    def test_a_district_chairman_sees_only_their_own_row(self, client, people):
        client.force_login(people["district_chairman"])
        response = client.get("/rankings/", QUERY)
        assert response.status_code == 200
        assert _ranks(response) == [("HL", "3")]
        html = response.content.decode()
        assert "Sở Tài nguyên và Môi trường" not in html
        assert "ranking-chart" not in html

    def test_a_department_head_sees_only_their_own_row(self, client, people):
        client.force_login(people["department_head"])
        response = client.get("/rankings/", {**QUERY, "level": "so"})
        assert _ranks(response) == [("STNMT", "1")]
        assert "Sở Nội vụ" not in response.content.decode()

    def test_no_role_is_refused_and_anonymous_is_sent_to_sign_in(self, client, people):
        client.force_login(people["outsider"])
        assert client.get("/rankings/").status_code == 403
        assert client.get("/rankings/export.xlsx", QUERY).status_code == 403
        assert client.get("/reports/06/").status_code == 403
        client.logout()
        assert client.get("/rankings/").status_code == 302


class TestTheDownloads:
    def test_the_xlsx_equals_the_page(self, client, people):
        client.force_login(people["home_affairs"])
        response = client.get("/rankings/export.xlsx", QUERY)
        assert response.status_code == 200
        assert response["Content-Disposition"].endswith('xep-hang-2023-H1-calendar.xlsx"')
        sheet = load_workbook(io.BytesIO(response.content))["Toàn tỉnh"]
        rows = [(r[1], r[0], r[3]) for r in sheet.iter_rows(min_row=8, values_only=True) if r[1]]
        assert rows == [
            ("STNMT", 1, 100),
            ("SNV", 2, 75),
            ("HL", 3, pytest.approx(100 / 3)),
            ("GL", None, None),
        ]

    def test_an_agency_heads_downloads_carry_only_their_row(self, client, people):
        client.force_login(people["district_chairman"])
        data = json.loads(client.get("/rankings/export.json", QUERY).content)
        assert [r["agency"] for r in data["tables"]["all"]] == ["HL"]
        assert data["tables"]["so"] == []
        text = client.get("/rankings/export.csv", QUERY).content.decode("utf-8")
        assert text.startswith("\ufeff")
        assert "STNMT" not in text and "HL" in text

    def test_an_unknown_format_is_not_found(self, client, people):
        client.force_login(people["home_affairs"])
        assert client.get("/rankings/export.pdfx", QUERY).status_code == 404


class TestTheReport06Page:
    def test_home_affairs_sees_the_form_the_domains_of_each_level_and_the_total(
        self, client, people
    ):
        client.force_login(people["home_affairs"])
        response = client.get("/reports/06/", QUERY)
        assert response.status_code == 200
        html = response.content.decode()
        for text in (
            "Biểu số 06/VPCP/KSTT",
            "Đơn vị báo cáo:",
            "Đơn vị nhận báo cáo: Văn phòng Chính phủ",
            "Đơn vị tính: Số hồ sơ TTHC",
            "Lĩnh vực, công việc giải quyết theo cấp",
            "Trong đó",
            "Từ kỳ trước",
            "Sở, ban, ngành",
            "UBND cấp huyện",
            "Tổng cộng",
            "Số hồ sơ đã giải quyết",
        ):
            assert text in html, text
        kinds = re.findall(r'data-kind="(\w+)"', html)
        assert kinds[0] == "group" and kinds[1] == "row" and kinds[-1] == "total"
        by_agency = client.get("/reports/06/", {**QUERY, "by": "agency"}).content.decode()
        assert 'data-agency="STNMT"' in by_agency

    def test_a_district_chairman_gets_their_subtree_only(self, client, people):
        client.force_login(people["district_chairman"])
        query = {**QUERY, "by": "agency"}
        html = client.get("/reports/06/", query).content.decode()
        assert 'data-agency="HL"' in html
        assert 'data-agency="STNMT"' not in html
        sheet = load_workbook(
            io.BytesIO(client.get("/reports/06/export.xlsx", query).content)
        ).active
        assert sheet["K1"].value == "Đơn vị báo cáo: UBND huyện Hải Lăng"
        labels = [sheet.cell(row=r, column=2).value for r in range(10, sheet.max_row + 1)]
        assert labels == [
            "UBND cấp huyện",
            "UBND huyện Hải Lăng",
            "UBND cấp xã",
            "UBND thị trấn Diên Sanh",  # no dossiers, still listed
            "Tổng cộng",
        ]

    def test_the_xlsx_download_by_domain(self, client, people):
        client.force_login(people["province_officer"])
        response = client.get("/reports/06/export.xlsx", {**QUERY, "by": "domain"})
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet["B10"].value == "Đất đai"
        assert sheet.cell(row=sheet.max_row, column=3).value == 5


class TestQueryCounts:
    def test_the_pages_read_the_facts_in_a_fixed_number_of_queries(
        self, client, people, django_assert_max_num_queries
    ):
        client.force_login(people["home_affairs"])
        with django_assert_max_num_queries(20):
            assert client.get("/rankings/", QUERY).status_code == 200
        with django_assert_max_num_queries(16):
            assert client.get("/reports/06/", QUERY).status_code == 200
