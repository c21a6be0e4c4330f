"""The ranking tables built from the facts of a small province (tests/reports/ranking_data.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from kpi_portal.periods import parse_period
from reports.models import Indicator, ScoringWeightChange
from reports.ranking import ranking_as_dict, ranking_build, scoring_weight_set, scoring_weights
from tests.reports.ranking_data import ranking_province_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def ranking(db):
    ranking_province_create()
    call_command("compute_kpis", "--full", verbosity=0)
    return ranking_build(period=parse_period("2023-H1"))


def _table(ranking, name):
    return [(row.agency, row.rank, row.score) for row in ranking.tables[name]]


class TestTheTables:
    def test_provincial_agencies_are_ranked_with_a_shared_first_place(self, ranking):
        assert _table(ranking, "so") == [
            ("S1", 1, pytest.approx(100.0)),
            ("S2", 1, pytest.approx(100.0)),
            ("S3", 3, pytest.approx(250 / 3)),
        ]

    def test_districts_are_scored_on_their_node_with_their_communes(self, ranking):
        assert _table(ranking, "huyen") == [
            ("H1", 1, pytest.approx(200 / 3)),
            ("H2", 2, pytest.approx(100 / 3)),
        ]
        assert ranking.tables["huyen"][0].fractions["on_time"] == (2, 4)

    def test_the_overall_table_ranks_both_together(self, ranking):
        assert [(a, r) for a, r, _ in _table(ranking, "all")] == [
            ("S1", 1),
            ("S2", 1),
            ("S3", 3),
            ("H1", 4),
            ("H2", 5),
        ]

    def test_points_earned_of_points_possible(self, ranking):
        s3 = ranking.tables["so"][2]
        assert s3.possible == {
            "digitization": pytest.approx(100 / 3),
            "on_time": pytest.approx(100 / 3),
            "apology": None,
            "online_payment": pytest.approx(100 / 3),
        }
        assert s3.earned["digitization"] == pytest.approx(50 / 3)
        assert s3.earned["online_payment"] == pytest.approx(100 / 3)

    def test_the_previous_half_gives_the_previous_rank_and_the_change(self, ranking):
        assert ranking.previous_period.code == "2022-H2"
        by_code = {row.agency: row for row in ranking.tables["so"]}
        assert (by_code["S3"].previous_rank, by_code["S3"].rank_change) == (1, -2)
        assert (by_code["S1"].previous_rank, by_code["S1"].rank_change) == (2, 1)
        assert (by_code["S2"].previous_rank, by_code["S2"].rank_change) == (None, None)


class TestEligibility:
    def test_the_province_rates(self, ranking):
        assert ranking.province == {
            "digitization": (9, 11),
            "on_time": (9, 11),
            "apology": (1, 2),
            "online_payment": (1, 3),
        }

    def test_agencies_below_a_missed_province_rate_are_not_eligible(self, ranking):
        rows = {row.agency: row for row in ranking.tables["all"]}
        assert {code: row.disqualified_codes for code, row in rows.items()} == {
            "S1": [],
            "S2": [],
            "S3": ["digitization"],
            "H1": ["on_time"],
            "H2": ["digitization"],
        }
        figures = rows["H1"].disqualified_by[0]
        assert (figures.agency_rate, figures.province_rate) == (0.5, pytest.approx(9 / 11))
        # No pilot in this province: no data for anyone (hand-worked true/false/null cases in
        # tests/reports/test_ranking_pilot.py).
        assert {row.pilot_priority for row in rows.values()} == {None}

    def test_the_json_matches_the_design(self, ranking):
        data = ranking_as_dict(ranking)
        assert data["weights"] == {
            "digitization": 1,
            "on_time": 1,
            "apology": 1,
            "online_payment": 1,
        }
        assert data["province"]["apology"] == 0.5
        first = data["tables"]["huyen"][0]
        assert set(first) == {
            "agency",
            "name",
            "score",
            "rank",
            "rates",
            "points",
            "eligible",
            "disqualified_by",
            "pilot_priority",
        }
        assert first["agency"] == "H1"
        assert first["rates"]["online_payment"] is None
        assert first["eligible"] is False
        assert first["disqualified_by"] == ["on_time"]


class TestWeights:
    def test_a_weight_change_is_kept_with_who_and_the_old_and_new_value(self, ranking):
        officer = User.objects.create_user("snv")
        on_time = Indicator.objects.get(code="on_time")
        scoring_weight_set(indicator=on_time, weight=Decimal(2), user=officer)
        scoring_weight_set(
            indicator=Indicator.objects.get(code="apology"), weight=Decimal(0), user=officer
        )
        assert scoring_weights() == {
            "digitization": Decimal(1),
            "on_time": Decimal(2),
            "online_payment": Decimal(1),
        }
        change = ScoringWeightChange.objects.filter(indicator=on_time).get()
        assert (change.old_weight, change.new_weight, change.changed_by) == (1, 2, officer)
        # S3: (1×0.5 + 2×1 + 1×1) / 4 = 87.5; H1: (1×1 + 2×0.5) / 3 = 66.66…
        again = ranking_build(period=parse_period("2023-H1"))
        scores = {row.agency: row.score for row in again.tables["all"]}
        assert scores["S3"] == pytest.approx(87.5)
        assert scores["H1"] == pytest.approx(200 / 3)

    def test_setting_the_same_weight_records_nothing(self, ranking):
        scoring_weight_set(indicator=Indicator.objects.get(code="on_time"), weight=Decimal(1))
        assert not ScoringWeightChange.objects.exists()


class TestTheWeightsAdmin:
    def test_a_change_in_the_admin_is_recorded_with_the_user(self, client, db):
        admin_user = User.objects.create_superuser("admin", password="x")
        client.force_login(admin_user)
        weight = Indicator.objects.get(code="apology").weight
        response = client.post(
            f"/admin/reports/scoringweight/{weight.pk}/change/", {"weight": "0.5"}
        )
        assert response.status_code == 302
        weight.refresh_from_db()
        assert weight.weight == Decimal("0.5")
        change = ScoringWeightChange.objects.get()
        assert (change.old_weight, change.new_weight, change.changed_by, change.note) == (
            1,
            Decimal("0.5"),
            admin_user,
            "admin",
        )
