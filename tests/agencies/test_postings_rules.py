"""The posting rules (Decree 61/2018 Art. 11 as the directive states it) on hand-made cases.

No database: `agencies.postings` is pure. Dates are inclusive: 01/01/2023–30/06/2023 is exactly
6 months.
"""

from __future__ import annotations

import datetime as dt

from agencies.postings import (
    AgencyFacts,
    Flag,
    PostingFacts,
    add_months,
    expected_agencies,
    is_serving,
    length_findings,
    length_in_months_and_days,
    months_last_day,
    posting_findings,
    rotation_findings,
    unstaffed_agencies,
)

D = dt.date


JAN_1, DEC_31 = D(2023, 1, 1), D(2023, 12, 31)


def posting(pk=1, start=JAN_1, planned=DEC_31, actual=None, agency=1, unit=None):
    return PostingFacts(
        id=pk,
        agency_id=agency,
        start=start,
        planned_end=planned,
        actual_end=actual,
        former_unit_id=unit,
    )


def flags(p, *, merged=False):
    return {finding.flag for finding in length_findings(p, merged=merged)}


class TestMonthArithmetic:
    def test_it_keeps_the_day_of_the_month(self):
        assert add_months(D(2023, 1, 15), 6) == D(2023, 7, 15)
        assert add_months(D(2023, 11, 15), 3) == D(2024, 2, 15)  # across the year

    def test_it_clamps_to_the_end_of_a_shorter_month(self):
        assert add_months(D(2023, 8, 31), 6) == D(2024, 2, 29)  # 2024 is a leap year
        assert add_months(D(2023, 1, 31), 1) == D(2023, 2, 28)

    def test_the_last_day_of_a_posting_is_the_day_before_the_same_date_months_later(self):
        assert months_last_day(D(2023, 1, 1), 6) == D(2023, 6, 30)
        assert months_last_day(D(2023, 3, 15), 24) == D(2025, 3, 14)
        # 31/08/2023 + 6 months clamps to 29/02/2024, so the 6th month ends on 28/02/2024.
        assert months_last_day(D(2023, 8, 31), 6) == D(2024, 2, 28)

    def test_it_reports_lengths_in_whole_months_and_days(self):
        assert length_in_months_and_days(D(2023, 1, 1), D(2023, 6, 30)) == (6, 0)
        assert length_in_months_and_days(D(2023, 1, 1), D(2023, 6, 29)) == (5, 29)
        assert length_in_months_and_days(D(2023, 1, 1), D(2023, 1, 1)) == (0, 1)
        assert length_in_months_and_days(D(2023, 3, 15), D(2025, 3, 15)) == (24, 1)


class TestLengthRules:
    def test_exactly_six_months_passes_and_one_day_less_is_too_short(self):
        assert flags(posting(planned=D(2023, 6, 30))) == set()
        assert flags(posting(planned=D(2023, 6, 29))) == {Flag.TOO_SHORT}

    def test_exactly_24_months_passes_and_one_day_more_is_too_long(self):
        # 15/03/2023 + 24 months = 15/03/2025, so the last day of 24 months is 14/03/2025.
        assert flags(posting(start=D(2023, 3, 15), planned=D(2025, 3, 14))) == set()
        assert flags(posting(start=D(2023, 3, 15), planned=D(2025, 3, 15))) == {Flag.TOO_LONG}

    def test_the_boundary_follows_month_end_clamping(self):
        # Start 31/08/2023: 6 months end on 28/02/2024 (see above).
        assert flags(posting(start=D(2023, 8, 31), planned=D(2024, 2, 28))) == set()
        assert flags(posting(start=D(2023, 8, 31), planned=D(2024, 2, 27))) == {Flag.TOO_SHORT}

    def test_an_actual_end_that_cuts_a_good_plan_short_is_too_short(self):
        # Planned 12 months, left after 3 months (01/01–31/03).
        p = posting(planned=D(2023, 12, 31), actual=D(2023, 3, 31))
        assert flags(p) == {Flag.TOO_SHORT}

    def test_an_actual_end_past_24_months_is_too_long_even_with_a_good_plan(self):
        p = posting(planned=D(2024, 12, 31), actual=D(2025, 1, 1))  # 24 months end 31/12/2024
        assert flags(p) == {Flag.TOO_LONG}

    def test_a_merged_agency_posting_of_exactly_4_months_passes_and_one_day_more_is_flagged(self):
        # 4 months from 01/01/2023 end on 30/04/2023; the 6-month minimum does not apply.
        assert flags(posting(planned=D(2023, 4, 30), unit=7), merged=True) == set()
        assert flags(posting(planned=D(2023, 5, 1), unit=7), merged=True) == {Flag.MERGED_TOO_LONG}

    def test_a_merged_agency_posting_without_its_former_unit_is_flagged(self):
        assert flags(posting(planned=D(2023, 4, 30)), merged=True) == {Flag.FORMER_UNIT_MISSING}


class TestServingAndEndingSoon:
    def test_a_person_serves_from_the_start_to_the_effective_end_inclusive(self):
        p = posting(start=D(2023, 1, 1), planned=D(2023, 6, 30))
        assert not is_serving(p, D(2022, 12, 31))
        assert is_serving(p, D(2023, 1, 1)) and is_serving(p, D(2023, 6, 30))
        assert not is_serving(p, D(2023, 7, 1))
        closed = posting(start=D(2023, 1, 1), planned=D(2023, 12, 31), actual=D(2023, 3, 31))
        assert not is_serving(closed, D(2023, 4, 1))

    def test_it_flags_a_posting_ending_within_30_days(self):
        p = posting(start=D(2023, 1, 1), planned=D(2023, 6, 30))
        agencies = {1: AgencyFacts(id=1, level="so")}

        def soon(day):
            return Flag.ENDING_SOON in {f.flag for f in posting_findings([p], agencies, on=day)[1]}

        assert not soon(D(2023, 5, 30))  # 31 days before the end
        assert soon(D(2023, 5, 31))  # 30 days before
        assert soon(D(2023, 6, 30))  # the last day
        assert not soon(D(2023, 7, 1))  # already gone


class TestRotation:
    A, B, C = 11, 12, 13

    def seq(self, *units, months=4):
        """Consecutive 4-month postings from 01/01/2023, one unit each."""
        start = D(2023, 1, 1)
        result = []
        for index, unit in enumerate(units, start=1):
            result.append(
                posting(pk=index, start=start, planned=months_last_day(start, months), unit=unit)
            )
            start = add_months(start, months)
        return result

    def test_two_units_must_alternate(self):
        found = rotation_findings(
            self.seq(self.A, self.B, self.A, self.B), former_unit_ids=[self.A, self.B]
        )
        assert found == {}
        found = rotation_findings(
            self.seq(self.A, self.B, self.B), former_unit_ids=[self.A, self.B]
        )
        assert list(found) == [3] and found[3].skipped_unit_ids == (self.A,)

    def test_three_units_each_get_a_turn_before_one_comes_back(self):
        units = [self.A, self.B, self.C]
        assert (
            rotation_findings(self.seq(self.A, self.B, self.C, self.A), former_unit_ids=units) == {}
        )
        # A, B, A: A came back before C had a turn.
        found = rotation_findings(self.seq(self.A, self.B, self.A), former_unit_ids=units)
        assert list(found) == [3] and found[3].skipped_unit_ids == (self.C,)
        # A, A: both B and C were skipped.
        found = rotation_findings(self.seq(self.A, self.A), former_unit_ids=units)
        assert found[2].skipped_unit_ids == (self.B, self.C)

    def test_order_is_by_start_date_whatever_the_order_given(self):
        postings = list(reversed(self.seq(self.A, self.B, self.B)))
        assert list(rotation_findings(postings, former_unit_ids=[self.A, self.B])) == [3]

    def test_a_merged_agency_four_month_rotation_in_full(self):
        # Sở X formed from A and B. 01/01–30/04 A (4 months), 01/05–31/08 B, 01/09–31/12 B
        # (B twice in a row), 01/01/2024–31/05/2024 A (5 months: too long for a merged agency).
        agencies = {1: AgencyFacts(id=1, level="so", former_unit_ids=(self.A, self.B))}
        postings = [
            posting(pk=1, start=D(2023, 1, 1), planned=D(2023, 4, 30), unit=self.A),
            posting(pk=2, start=D(2023, 5, 1), planned=D(2023, 8, 31), unit=self.B),
            posting(pk=3, start=D(2023, 9, 1), planned=D(2023, 12, 31), unit=self.B),
            posting(pk=4, start=D(2024, 1, 1), planned=D(2024, 5, 31), unit=self.A),
        ]
        found = posting_findings(postings, agencies, on=D(2023, 1, 1))
        assert {pk: {f.flag for f in fs} for pk, fs in found.items()} == {
            1: set(),
            2: set(),
            3: {Flag.ROTATION},
            4: {Flag.MERGED_TOO_LONG},
        }


class TestUnstaffedAgencies:
    def test_every_valid_department_and_district_must_have_someone_serving(self):
        agencies = [
            AgencyFacts(id=1, level="tinh"),
            AgencyFacts(id=2, level="so"),
            AgencyFacts(id=3, level="so"),
            AgencyFacts(id=4, level="huyen"),
            AgencyFacts(id=5, level="xa"),  # communes are not expected
            AgencyFacts(id=6, level="so", valid_to=D(2022, 12, 31)),  # gone before the day
        ]
        postings = [
            posting(pk=1, agency=2, start=D(2023, 1, 1), planned=D(2023, 6, 30)),
            posting(pk=2, agency=3, start=D(2022, 1, 1), planned=D(2022, 12, 31)),  # ended
        ]
        day = D(2023, 3, 1)
        assert [a.id for a in expected_agencies(agencies, on=day)] == [2, 3, 4]
        assert [a.id for a in unstaffed_agencies(agencies, postings, on=day)] == [3, 4]

    def test_former_units_of_a_merger_are_covered_by_the_merged_agency(self):
        agencies = [
            AgencyFacts(id=10, level="so", valid_from=D(2025, 3, 1), former_unit_ids=(11, 12)),
            AgencyFacts(id=11, level="so", merged_into_ids=(10,)),
            AgencyFacts(id=12, level="so", merged_into_ids=(10,)),
        ]
        day = D(2025, 4, 1)
        # After the merger only the merged agency is expected; before it, the two units were.
        assert [a.id for a in expected_agencies(agencies, on=day)] == [10]
        assert [a.id for a in expected_agencies(agencies, on=D(2025, 2, 28))] == [11, 12]
        p = posting(agency=10, unit=11, start=D(2025, 3, 1), planned=D(2025, 6, 30))
        assert unstaffed_agencies(agencies, [p], on=day) == []
        assert [a.id for a in unstaffed_agencies(agencies, [], on=day)] == [10]
