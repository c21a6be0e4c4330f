"""Score, ranks with ties and award eligibility: pure arithmetic worked out by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from reports.scoring import (
    DEFAULT_WEIGHTS,
    eligibility_check,
    previous_period_code,
    ranks_with_ties,
    score_compute,
)

TARGETS = {
    "digitization": Decimal(1),
    "on_time": Decimal(1),
    "apology": Decimal(1),
    "online_payment": Decimal("0.3"),
}


class TestTheScore:
    def test_it_averages_the_capped_achievements_of_the_four_indicators(self):
        # digitization 1/2 -> 0.5; on_time 9/10 -> 0.9; apology 1/4 -> 0.25;
        # online payment 3/5 = 60% of a 30% target -> capped at 1. (0.5+0.9+0.25+1)/4 = 66.25
        breakdown = score_compute(
            fractions={
                "digitization": (1, 2),
                "on_time": (9, 10),
                "apology": (1, 4),
                "online_payment": (3, 5),
            },
            targets=TARGETS,
            weights=DEFAULT_WEIGHTS,
        )
        assert breakdown.score == pytest.approx(66.25)
        assert breakdown.possible == dict.fromkeys(TARGETS, 25.0)
        assert breakdown.earned == {
            "digitization": 12.5,
            "on_time": 22.5,
            "apology": 6.25,
            "online_payment": 25.0,
        }
        assert sum(breakdown.earned.values()) == pytest.approx(breakdown.score)

    def test_an_indicator_without_dossiers_is_left_out_of_the_weights(self):
        # no overdue dossier (apology 0/0), no fee (payment 0/0): (1 + 0.5) / 2 = 75
        breakdown = score_compute(
            fractions={"digitization": (4, 4), "on_time": (1, 2), "apology": (0, 0)},
            targets=TARGETS,
            weights=DEFAULT_WEIGHTS,
        )
        assert breakdown.score == pytest.approx(75.0)
        assert breakdown.earned["apology"] is None
        assert breakdown.possible["online_payment"] is None
        assert breakdown.possible["on_time"] == 50.0

    def test_weights_change_the_shares(self):
        # on_time weight 3, digitization weight 1: (1×0.5 + 3×1) / 4 = 87.5
        breakdown = score_compute(
            fractions={"digitization": (1, 2), "on_time": (5, 5)},
            targets=TARGETS,
            weights={"digitization": Decimal(1), "on_time": Decimal(3), "apology": Decimal(0)},
        )
        assert breakdown.score == pytest.approx(87.5)
        assert "apology" not in breakdown.possible

    def test_no_dossiers_at_all_means_no_score(self):
        breakdown = score_compute(fractions={}, targets=TARGETS, weights=DEFAULT_WEIGHTS)
        assert breakdown.score is None

    def test_a_zero_target_is_met_by_any_rate(self):
        breakdown = score_compute(
            fractions={"online_payment": (0, 3)},
            targets={"online_payment": Decimal(0)},
            weights={"online_payment": 1},
        )
        assert breakdown.score == 100.0


class TestRanks:
    def test_equal_scores_share_a_rank_and_the_next_is_skipped(self):
        assert ranks_with_ties([90.0, 80.0, 90.0, 70.0]) == [1, 3, 1, 4]

    def test_scores_within_a_billionth_are_equal(self):
        assert ranks_with_ties([100 / 3, 33.333333333333336, 10.0]) == [1, 1, 3]
        assert ranks_with_ties([50.0, 50.000001]) == [2, 1]

    def test_an_agency_without_a_score_has_no_rank(self):
        assert ranks_with_ties([None, 60.0, 60.0, 20.0]) == [None, 1, 1, 3]


class TestEligibility:
    PROVINCE = {
        "digitization": (675, 1000),  # misses 100%
        "on_time": (99, 100),  # misses 100%
        "apology": (0, 0),  # no overdue dossier: not judged
        "online_payment": (40, 100),  # meets 30%
    }

    def test_below_the_province_on_a_missed_indicator_disqualifies(self):
        found = eligibility_check(
            fractions={"digitization": (1, 2), "on_time": (100, 100), "online_payment": (0, 10)},
            province_fractions=self.PROVINCE,
            province_targets=TARGETS,
        )
        # online payment 0% is below the province's 40%, but the province meets its target
        assert [d.indicator for d in found] == ["digitization"]
        assert found[0].agency_rate == 0.5
        assert found[0].province_rate == 0.675
        assert found[0].province_target == 1.0

    def test_equal_to_the_province_or_without_dossiers_is_eligible(self):
        assert not eligibility_check(
            fractions={"digitization": (27, 40), "on_time": (0, 0)},
            province_fractions=self.PROVINCE,
            province_targets=TARGETS,
        )


@pytest.mark.parametrize(
    ("code", "kind", "year", "first_month", "expected"),
    [
        ("2023-H1", "half", 2023, 1, "2022-H2"),
        ("2023-H2", "half", 2023, 7, "2023-H1"),
        ("2023-Q1", "quarter", 2023, 1, "2022-Q4"),
        ("2023-Q3", "quarter", 2023, 7, "2023-Q2"),
        ("2023-01", "month", 2023, 1, "2022-12"),
        ("2023-06", "month", 2023, 6, "2023-05"),
        ("2023", "year", 2023, 1, "2022"),
        ("2023-9M", "nine_months", 2023, 1, "2022-9M"),
        ("2023-01-01..2023-02-01", "custom", 2023, None, None),
    ],
)
def test_the_previous_period_is_the_same_kind_just_before(code, kind, year, first_month, expected):
    assert (
        previous_period_code(code=code, kind=kind, year=year, first_month=first_month) == expected
    )
