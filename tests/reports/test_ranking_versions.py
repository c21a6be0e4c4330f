"""A ranking uses the weights and targets in force on its period's last day (issue 15 item 6;
domain.md section 6: they are versioned). A change applies from the day it is made, so the ranking
of a period that had already ended never moves; a period ending on or after that day uses it; the
page and the downloads say which versions scored the table.

The province of tests/reports/ranking_data.py (every figure worked out there), 2023-H1 with the
defaults: S3 Sở Tài chính (0,5 + 1 + 1) / 3 = 83,33; H1 Hải Lăng (1 + 0,5 + 0,5) / 3 = 66,67. Its
dossiers are all of 2023-H1, so the year 2023 has the same rates and, with the same weights and
targets, the same scores.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command

from agencies.models import Agency, Membership, Role
from kpi_portal.periods import parse_period
from reports.models import Indicator
from reports.ranking import ranking_build, scoring_weight_set
from reports.services import target_set
from tests.reports.ranking_data import ranking_province_create

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
H1, YEAR = {"period": "2023-H1"}, {"period": "2023"}


def _at(day: int, month: int = 7):
    # tests/reports/conftest.py makes today 01/07/2023 (sessions then last two weeks).
    return time_machine.travel(dt.datetime(2023, month, day, 10, tzinfo=LOCAL), tick=False)


@pytest.fixture
def people(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    agencies = ranking_province_create()
    call_command("compute_kpis", "--full", verbosity=0)
    made = {}
    for username, role, code in [
        ("noivu", Role.HOME_AFFAIRS, "S2"),
        ("vanphong", Role.PROVINCE_OFFICE, "QT"),
    ]:
        made[username] = User.objects.create_user(username, password="x")
        Membership.objects.create(user=made[username], role=role, agency=agencies[code])
    return made


def _ranking(client, query) -> dict:
    return client.get("/rankings/export.json", query).json()


def _scores(data: dict) -> dict[str, float]:
    return {row["agency"]: row["score"] for row in data["tables"]["all"]}


class TestAWeightChange:
    def test_a_period_that_had_ended_keeps_its_scores_and_a_later_one_uses_the_new_weights(
        self, client, people
    ):
        client.force_login(people["noivu"])
        with _at(10):
            response = client.post(
                "/rankings/weights/", {"indicator": "on_time", "weight": "2", "note": "2023"}
            )
            assert response.status_code == 302
            before = _ranking(client, H1)
            after = _ranking(client, YEAR)
        # 2023-H1 ended on 30/06, before the change of 10/07: the defaults, as before.
        assert before["weights"] == {
            "digitization": 1,
            "on_time": 1,
            "apology": 1,
            "online_payment": 1,
        }
        assert _scores(before)["S3"] == pytest.approx(250 / 3)
        assert _scores(before)["H1"] == pytest.approx(200 / 3)
        assert before["weights_from"] is None
        # The year 2023 ends on 31/12: on time weighs 2.
        # S3: (1×0,5 + 2×1 + 1×1) / 4 = 87,5; H1: (1×1 + 2×0,5 + 1×0,5) / 4 = 62,5.
        assert after["weights"]["on_time"] == 2
        assert _scores(after)["S3"] == pytest.approx(87.5)
        assert _scores(after)["H1"] == pytest.approx(62.5)
        assert after["weights_from"] == "2023-07-10"

    def test_the_page_and_the_downloads_say_which_weights_scored_the_table(self, client, people):
        client.force_login(people["noivu"])
        with _at(10):
            client.post("/rankings/weights/", {"indicator": "on_time", "weight": "2"})
            ended = client.get("/rankings/", H1).content.decode()
            later = client.get("/rankings/", YEAR).content.decode()
            csv_text = client.get("/rankings/export.csv", YEAR).content.decode("utf-8-sig")
        assert (
            "Chấm theo trọng số ban đầu và mục tiêu ban đầu, đang áp dụng ngày cuối kỳ 30/06/2023"
            in ended
        )
        assert "Chấm theo trọng số áp dụng từ 10/07/2023 và mục tiêu ban đầu" in later
        header, first = csv_text.splitlines()[:2]
        assert header.endswith("Trọng số áp dụng từ,Mục tiêu áp dụng từ")
        assert first.endswith(",10/07/2023,ban đầu")

    def test_the_previous_periods_ranks_use_the_weights_of_their_own_end(self, people):
        # 2022-H2: S3 one perfect dossier (100), S1 one late dossier without an apology, fully
        # digitized (1 + 0 + 0) / 3 = 33,33 with the defaults. From 15/01/2023 only digitization
        # is scored; applied to 2022-H2 too, S1 would score 100 and tie with S3 for first.
        with _at(15, month=1):
            for code in ("on_time", "apology", "online_payment"):
                scoring_weight_set(
                    indicator=Indicator.objects.get(code=code),
                    weight=Decimal(0),
                    valid_from=dt.date(2023, 1, 15),
                )
            ranking = ranking_build(period=parse_period("2023-H1"))
        assert list(ranking.weights) == ["digitization"]
        previous = {row.agency: row.previous_rank for row in ranking.tables["so"]}
        assert previous == {"S3": 1, "S1": 2, "S2": None}


class TestATargetChange:
    def test_a_period_that_had_ended_keeps_its_targets_and_a_later_one_uses_the_new_one(
        self, client, people
    ):
        client.force_login(people["vanphong"])
        with _at(12):
            response = client.post(
                "/targets/",
                {"indicator": "digitization", "year": "", "level": "", "value_percent": "50"},
            )
            assert response.status_code == 302
            before = _ranking(client, H1)
            after = _ranking(client, YEAR)
            page_h1 = client.get("/api/kpis/", H1).json()
        s3_before = next(r for r in before["tables"]["so"] if r["agency"] == "S3")
        s3_after = next(r for r in after["tables"]["so"] if r["agency"] == "S3")
        # 2023-H1: digitization 1/2 against 100% earns half; not eligible (1/2 < 9/11).
        assert s3_before["score"] == pytest.approx(250 / 3)
        assert s3_before["disqualified_by"] == ["digitization"]
        assert before["targets_from"] is None
        # 2023: 1/2 meets 50%: (1 + 1 + 1) / 3 = 100; the province's 9/11 meets it too, so
        # digitization disqualifies nobody.
        assert s3_after["score"] == pytest.approx(100.0)
        assert s3_after["disqualified_by"] == []
        assert after["targets_from"] == "2023-07-12"
        # Pages compare with the targets as last set (docs/rankings.md, "Versions").
        target = next(
            r["target"]
            for r in page_h1["rows"]
            if r["agency"] == "S3" and r["indicator"] == "digitization"
        )
        assert target == 0.5

    def test_a_target_first_set_after_a_period_ended_does_not_score_it(self, people):
        with _at(12):
            target_set(
                indicator=Indicator.objects.get(code="on_time"),
                year=2023,
                level="huyen",
                value=Decimal("0.5"),
                user=None,
                valid_from=dt.date(2023, 7, 12),
            )
            ended = ranking_build(period=parse_period("2023-H1"))
            later = ranking_build(period=parse_period("2023"))
        # H1 on time 2/4: against 100% half the points (66,67); against 50% all ((1+1+0,5)/3).
        assert {r.agency: r.score for r in ended.tables["huyen"]}["H1"] == pytest.approx(200 / 3)
        assert {r.agency: r.score for r in later.tables["huyen"]}["H1"] == pytest.approx(250 / 3)


def test_a_change_never_applies_from_before_an_earlier_one(people):
    on_time = Indicator.objects.get(code="on_time")
    scoring_weight_set(indicator=on_time, weight=Decimal(2), valid_from=dt.date(2023, 7, 15))
    with pytest.raises(ValueError, match="already applies from 2023-07-15"):
        scoring_weight_set(indicator=on_time, weight=Decimal(3), valid_from=dt.date(2023, 7, 1))
    assert Agency.objects.exists()
