"""The dossiers a rate is short of its target (reports/shortfall.py), worked out by hand."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from reports.shortfall import shortfall


class TestShortfall:
    def test_the_directive_on_time_rate_is_637_dossiers_short_of_100_percent(self):
        # 152 243 handled, 151 606 on time: every one of the 637 overdue would have had to be
        # on time.
        assert shortfall(151_606, 152_243, Decimal("1")) == 637

    def test_a_30_percent_target_over_1000_dossiers_needs_300(self):
        assert shortfall(299, 1_000, Decimal("0.3")) == 1
        assert shortfall(300, 1_000, Decimal("0.3")) == 0  # exactly met: not 1 (float 0.3 would)
        assert shortfall(300, 1_000, 0.3) == 0  # a float target is read as the decimal it prints

    def test_a_fraction_of_a_dossier_rounds_up_to_a_whole_one(self):
        # 30% of 7 is 2.1: 2 online payments miss it, 3 meet it, so 2 of 7 is 1 short.
        assert shortfall(2, 7, Decimal("0.3")) == 1
        assert shortfall(3, 7, Decimal("0.3")) == 0
        # the directive's provincial online payment, 3.71% of a made-up 12 345: 30% is 3 703.5.
        assert shortfall(458, 12_345, Decimal("0.30")) == 3_246

    def test_a_rate_above_the_target_is_0_short_never_negative(self):
        assert shortfall(95, 100, Fraction(1, 2)) == 0

    def test_no_dossiers_or_no_target_means_no_shortfall(self):
        assert shortfall(0, 0, Decimal("1")) is None
        assert shortfall(5, 10, None) is None

    def test_where_lower_is_better_it_counts_the_dossiers_that_must_leave(self):
        # at most 5% late: 8 late of 100 is 3 too many; 5 is fine.
        assert shortfall(8, 100, Decimal("0.05"), higher_is_better=False) == 3
        assert shortfall(5, 100, Decimal("0.05"), higher_is_better=False) == 0

    @pytest.mark.parametrize("denominator", [1, 3, 7, 100, 152_243])
    def test_the_shortfall_is_the_least_number_that_meets_the_target(self, denominator):
        target = Decimal("0.675")
        for numerator in range(0, denominator + 1, max(1, denominator // 50)):
            short = shortfall(numerator, denominator, target)
            assert Fraction(numerator + short, denominator) >= Fraction(target)
            if short:
                assert Fraction(numerator + short - 1, denominator) < Fraction(target)
