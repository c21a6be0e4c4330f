"""The oracle itself, on dossiers whose figures are worked out by hand from domain.md.

No database: the oracle is plain Python. These pin the readings the end-to-end test relies on
(section 4's periods, section 5's judgement, section 11's statuses, unknown facts and
supplementation clock, section 7's columns, section 6's score, ranks and eligibility).
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.oracle import oracle

T = dt.datetime
PROCEDURES = {
    "P": {"code": "P", "name": "paper", "domain": "Hộ tịch", "paper_result": True},
    "E": {"code": "E", "name": "electronic", "domain": "Chứng thực", "paper_result": False},
}
H1 = oracle.period("2023-H1")  # 01/01/2023 00:00 … 30/06/2023 23:59:59
Q3 = oracle.period("2023-Q3")


def dossier(**facts) -> dict:
    base = {
        "code": "X",
        "agency": "A",
        "procedure": "P",
        "status": None,
        "channel": "truc_tiep",
        "received_at": T(2023, 6, 1, 8),
        "due_at": T(2023, 6, 10, 23, 59, 59),
        "finished_at": None,
        "components_total": 1,
        "components_digitized": 1,
        "e_result": False,
        "fee": 0,
        "paid_online": False,
        "apology_at": None,
        "supplement_requests": 0,
        "supplement_requested_at": None,
        "supplement_completed_at": None,
    }
    return base | facts


class TestPeriods:
    @pytest.mark.parametrize(
        ("code", "basis", "start", "end"),
        [
            ("2023-H1", "calendar", dt.date(2023, 1, 1), dt.date(2023, 6, 30)),
            ("2023-H1", "reporting", dt.date(2022, 12, 15), dt.date(2023, 6, 14)),
            ("2023", "reporting", dt.date(2022, 12, 15), dt.date(2023, 12, 14)),
            ("2023-06", "reporting", dt.date(2023, 5, 15), dt.date(2023, 6, 14)),
            ("2023-Q3", "reporting", dt.date(2023, 6, 15), dt.date(2023, 9, 14)),
            ("2024-02", "calendar", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
            ("2023-9M", "calendar", dt.date(2023, 1, 1), dt.date(2023, 9, 30)),
        ],
    )
    def test_section_4(self, code, basis, start, end):
        p = oracle.period(code, basis)
        assert (p.start, p.end, p.e) == (start, end, T(end.year, end.month, end.day, 23, 59, 59))


class TestOnTime:
    def test_finished_at_e_is_in_p_and_one_second_later_is_judged_at_e(self):
        due = T(2023, 6, 30, 23, 59, 59)
        at_e = dossier(due_at=due, finished_at=T(2023, 6, 30, 23, 59, 59))
        after = dossier(due_at=due, finished_at=T(2023, 7, 1, 0, 0, 0))
        assert oracle.judgement(at_e, H1) == (T(2023, 6, 30, 23, 59, 59), False)
        assert oracle.judgement(after, H1) == (H1.e, False)  # still open at E: on time
        assert oracle.on_time(after, Q3) is False  # finished after its due date
        assert oracle.on_time(at_e, Q3) is None  # finished before S of Q3

    def test_open_after_its_due_date_is_overdue_in_every_period_it_is_open_in(self):
        d = dossier(received_at=T(2021, 5, 4, 9), due_at=T(2021, 5, 20, 23, 59, 59))
        assert [oracle.on_time(d, p) for p in (H1, Q3, oracle.period("2024-03"))] == [False] * 3

    def test_received_after_e_is_not_handled(self):
        assert oracle.on_time(dossier(received_at=T(2023, 7, 1, 0, 0, 0)), H1) is None


class TestSupplementation:
    """Section 11, each case with its judgement time worked out by hand."""

    def test_waiting_since_before_s_is_not_handled(self):
        d = dossier(
            received_at=T(2023, 6, 1, 8),
            supplement_requests=1,
            supplement_requested_at=T(2023, 6, 20, 9),
        )
        assert oracle.judgement(d, Q3) is None
        assert oracle.judgement(d, H1) == (T(2023, 6, 20, 9), False)  # waiting since inside H1

    def test_waiting_after_two_requests_is_overdue_even_before_the_due_date(self):
        d = dossier(
            due_at=T(2023, 6, 30, 23, 59, 59),
            supplement_requests=2,
            supplement_requested_at=T(2023, 6, 5, 9),
        )
        assert oracle.on_time(d, H1) is False
        assert oracle.on_time(d | {"supplement_requests": 1}, H1) is True

    def test_finished_minus_the_pause(self):
        # Received 02/06, due 12/06; asked 05/06 09:00, completed 14/06 09:00 (pause 9 days),
        # finished 20/06 09:00 → judged 11/06 09:00 ≤ 12/06 23:59:59: on time.
        d = dossier(
            received_at=T(2023, 6, 2, 8),
            due_at=T(2023, 6, 12, 23, 59, 59),
            finished_at=T(2023, 6, 20, 9),
            supplement_requests=1,
            supplement_requested_at=T(2023, 6, 5, 9),
            supplement_completed_at=T(2023, 6, 14, 9),
        )
        assert oracle.judgement(d, H1) == (T(2023, 6, 11, 9), False)
        assert oracle.on_time(d, H1) is True
        # In May's reporting month (15/5…14/6) it is open at E, completed by E: E − 9 days.
        may = oracle.period("2023-06", "reporting")
        assert oracle.judgement(d, may) == (T(2023, 6, 5, 23, 59, 59), False)

    def test_open_completed_exactly_at_e(self):
        d = dossier(
            due_at=T(2023, 6, 12, 23, 59, 59),
            supplement_requests=1,
            supplement_requested_at=T(2023, 6, 5, 9),
            supplement_completed_at=T(2023, 6, 30, 23, 59, 59),
        )
        # Completed ≤ E: judged at E minus the pause = the request time, on time.
        assert oracle.judgement(d, H1) == (T(2023, 6, 5, 9), False)


class TestIndicators:
    def test_never_received_counts_nowhere(self):
        for status in (1, 3):
            d = dossier(status=status, finished_at=T(2023, 6, 2), e_result=True, fee=10)
            assert oracle.indicator_terms(d, H1, PROCEDURES) == {}
            assert oracle.report06_columns(d, H1) is None

    def test_withdrawn_and_stopped_leave_e_result_only(self):
        late = T(2023, 6, 20, 9)
        for status, e_result in ((7, None), (8, None), (9, (0, 1)), (10, (0, 1))):
            terms = oracle.indicator_terms(dossier(status=status, finished_at=late), H1, PROCEDURES)
            assert terms.get("e_result") == e_result
            assert terms["on_time"] == (0, 1) and terms["apology"] == (0, 1)

    def test_unknown_facts_leave_only_the_indicators_that_need_them(self):
        d = dossier(
            channel=None,
            components_total=None,
            components_digitized=None,
            e_result=None,
            fee=None,
            paid_online=None,
            finished_at=T(2023, 6, 20, 9),
            apology_at=T(2023, 6, 11, 8),
        )
        assert oracle.indicator_terms(d, H1, PROCEDURES) == {"on_time": (0, 1), "apology": (1, 1)}

    def test_each_indicator_of_one_dossier(self):
        d = dossier(
            channel="truc_tuyen",
            components_total=3,
            components_digitized=2,
            e_result=True,
            fee=50000,
            paid_online=True,
            finished_at=T(2023, 6, 9, 10),
        )
        assert oracle.indicator_terms(d, H1, PROCEDURES) == {
            "digitization": (0, 1),
            "online_submission": (1, 1),
            "online_payment": (1, 1),
            "e_result": (1, 1),
            "on_time": (1, 1),
        }
        # Not a paper result: not in e_result; no fee: not in online_payment.
        other = d | {"procedure": "E", "fee": 0, "paid_online": False}
        assert set(oracle.indicator_terms(other, H1, PROCEDURES)) == {
            "digitization",
            "online_submission",
            "on_time",
        }

    def test_apology_counts_when_issued_by_e(self):
        d = dossier(due_at=T(2023, 6, 10, 23, 59, 59))  # open, overdue at E
        assert oracle.indicator_terms(d | {"apology_at": H1.e}, H1, PROCEDURES)["apology"] == (1, 1)
        after = d | {"apology_at": T(2023, 7, 1)}
        assert oracle.indicator_terms(after, H1, PROCEDURES)["apology"] == (0, 1)

    def test_nodes_cover_subtrees_and_level_groups_own_dossiers(self):
        org = oracle.Organisation(
            [
                {"code": "T", "name": "t", "level": "tinh", "parent": None},
                {"code": "H", "name": "h", "level": "huyen", "parent": "T"},
                {"code": "X", "name": "x", "level": "xa", "parent": "H"},
            ]
        )
        dossiers = [dossier(agency="H"), dossier(agency="X"), dossier(agency="X", channel=None)]
        figures = oracle.kpis(org, PROCEDURES, dossiers, H1)
        assert figures[("T", "digitization")] == (3, 3)
        assert figures[("H", "online_submission")] == (0, 2)
        assert figures[("level:huyen", "digitization")] == (1, 1)
        assert figures[("level:xa", "online_submission")] == (0, 1)


class TestReport06:
    def test_columns_of_four_dossiers(self):
        q = Q3  # 01/07 … 30/09/2023
        dossiers = [
            # carried over, finished early (a day before its due date)
            dossier(received_at=T(2023, 6, 28), due_at=T(2023, 7, 5, 23, 59, 59),
                    finished_at=T(2023, 7, 4, 9)),
            # online, finished on its due date
            dossier(channel="truc_tuyen", received_at=T(2023, 7, 2),
                    due_at=T(2023, 7, 5, 17), finished_at=T(2023, 7, 5, 16)),
            # by post, finished late
            dossier(channel="buu_chinh", received_at=T(2023, 7, 2),
                    due_at=T(2023, 7, 5, 17), finished_at=T(2023, 7, 6, 8)),
            # unknown channel, open, due after E / open, due before E
            dossier(channel=None, received_at=T(2023, 9, 20), due_at=T(2023, 10, 2, 23, 59, 59)),
            dossier(received_at=T(2023, 9, 1), due_at=T(2023, 9, 30, 17)),
        ]  # fmt: skip
        org = oracle.Organisation([{"code": "A", "name": "a", "level": "so", "parent": None}])
        total = oracle.report06(org, PROCEDURES, dossiers, q)["total"]
        #        (3)(4)(5)(6)(7)(8)(9)(10)(11)(12)(13)
        assert total == [5, 1, 3, 1, 3, 1, 1, 1, 2, 1, 1]


class TestRanking:
    def test_score_ranks_and_eligibility(self):
        org = oracle.Organisation(
            [
                {"code": "T", "name": "t", "level": "tinh", "parent": None},
                {"code": "S1", "name": "s1", "level": "so", "parent": "T"},
                {"code": "S2", "name": "s2", "level": "so", "parent": "T"},
                {"code": "S3", "name": "s3", "level": "so", "parent": "T"},
                {"code": "S4", "name": "s4", "level": "so", "parent": "T"},
            ]
        )
        on_time = dict(finished_at=T(2023, 6, 5))
        late = dict(finished_at=T(2023, 6, 20))
        dossiers = [
            # S1: digitization 1/1, on_time 1/1, no overdue, no fee → (1 + 1) / 2 = 100
            dossier(agency="S1", **on_time),
            # S2 and S3: digitization 0/1, on time 1/1 → (0 + 1) / 2 = 50, a shared rank 2
            dossier(agency="S2", components_digitized=0, **on_time),
            dossier(agency="S3", components_digitized=0, **on_time),
            # S4: digitization 1/1, on_time 0/1, apology 0/1, payment 1/1 counted as
            # min(1, 100% / 30%) = 1 → (1 + 0 + 0 + 1) / 4 = 50, rank 2 as well (1, 2, 2, 2)
            dossier(agency="S4", fee=1000, paid_online=True, **late),
        ]
        result = oracle.ranking(org, PROCEDURES, dossiers, H1)
        rows = {r["agency"]: r for r in result["tables"]["so"]}
        assert {c: (r["score"], r["rank"]) for c, r in rows.items()} == {
            "S1": (100.0, 1),
            "S2": (50.0, 2),
            "S3": (50.0, 2),
            "S4": (50.0, 2),
        }
        # Province-wide: digitization 2/4 = 50% < 100%: S2 and S3 (0%) pull it down; on time
        # 3/4 < 100%: S4 (0%) pulls it down; apology 0/1: S4's 0% is not below 0%.
        assert result["province"]["digitization"] == 0.5
        assert {c: r["disqualified_by"] for c, r in rows.items()} == {
            "S1": [],
            "S2": ["digitization"],
            "S3": ["digitization"],
            "S4": ["on_time"],
        }
        assert [(r["agency"], r["rank"]) for r in result["tables"]["all"]][:1] == [("S1", 1)]
