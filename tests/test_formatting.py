"""Figures printed as the province prints them."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from kpi_portal.formatting import cut_percent, format_number, format_percent, format_rate


class TestNumbers:
    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (0, "0"),
            (999, "999"),
            (1000, "1.000"),
            (151606, "151.606"),
            (1234567, "1.234.567"),
            (-1500, "-1.500"),
            (None, "—"),
        ],
    )
    def test_thousands_are_separated_by_dots(self, value, text):
        assert format_number(value) == text


class TestRates:
    def test_the_directive_on_time_rate(self):
        assert format_rate(151606, 152243) == "99,58%"

    def test_rates_are_cut_not_rounded(self):
        # 293/637 = 0.459968…: rounding would print 46,00%; the directive prints 45,99%.
        assert format_rate(293, 637) == "45,99%"
        assert format_rate(2, 3) == "66,66%"

    def test_whole_and_small_rates(self):
        assert format_rate(1, 1) == "100,00%"
        assert format_rate(0, 5) == "0,00%"
        assert format_rate(1, 20000) == "0,00%"

    def test_an_undefined_rate_is_a_dash_never_zero(self):
        assert format_rate(0, 0) == "—"
        assert format_percent(None) == "—"
        assert cut_percent(3, 0) is None

    def test_a_float_rate_is_cut_at_its_shortest_decimal(self):
        # 0.29 is stored as 0.28999999999999998…; the province means 29,00%.
        assert format_percent(0.29) == "29,00%"
        assert format_percent(0.675) == "67,50%"
        assert format_percent(0.4662480376766091) == "46,62%"

    def test_exact_types(self):
        assert format_percent(Fraction(297, 637)) == "46,62%"
        assert format_percent(Decimal("0.0847")) == "8,47%"
        assert cut_percent(297, 637) == Decimal("46.62")
