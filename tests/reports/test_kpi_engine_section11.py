"""The KPI engine follows domain.md section 11: unknown facts, statuses and supplementation.

The property test builds random dossiers, runs the real engine (`kpi_full_recompute`) and
compares every counter of every stored fact, for every standard period of both bases, and of a
custom range, with counts made here directly from `dossiers.counting.judge()` (the reference
judgement) and domain.md's definitions, without any of the engine's helpers. Then dossiers
worked by hand, with the numerator and denominator of each indicator written out.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agencies.models import Agency, Procedure
from dossiers.counting import State, Window, judge
from dossiers.models import Apology, Dossier
from kpi_portal.periods import parse_period
from reports.models import FACT_COUNTERS, KpiCell, KpiFact, KpiPeriod
from reports.selectors import kpi_counters_for_period, kpi_table
from reports.services import kpi_full_recompute
from tests.reports.kpi_data import Tree, end_of_day, make_tree, vn

pytestmark = pytest.mark.django_db

ONLINE = "truc_tuyen"
LEVEL_GROUP = {"so": "level:so", "huyen": "level:huyen", "xa": "level:xa"}


# --- The independent count ---------------------------------------------------------------------


def dossier_counters(d: Dossier, window: Window, *, paper: bool, apology: datetime | None):
    """One dossier's contribution to each counter in the window, from judge() and domain.md."""
    j = judge(d, window)
    if j is None:
        return None
    received = d.received_at >= window.start
    finished = j.state == State.FINISHED
    with_result = d.status not in (7, 8)
    fee_known = d.fee is not None and (d.fee == 0 or d.paid_online is not None)
    counts = {
        "received": received,
        "received_online": received and d.channel == ONLINE,
        "digitized": received
        and d.components_total is not None
        and d.components_digitized == d.components_total,
        "with_fee": received and fee_known and d.fee > 0,
        "paid_online": received and fee_known and d.fee > 0 and d.paid_online is True,
        "handled": True,
        "carried_over": not received,
        "finished": finished,
        "finished_early": finished and j.early,
        "finished_late": finished and j.overdue,
        "finished_paper": finished and paper and with_result and d.e_result is not None,
        "finished_paper_e": finished and paper and with_result and d.e_result is True,
        "open_overdue": not finished and j.overdue,
        "apologized": j.overdue and apology is not None and apology < window.until,
        "unknown_channel": received and d.channel is None,
        "unknown_components": received and d.components_total is None,
        "unknown_payment": received and not fee_known,
        "unknown_e_result": finished and paper and with_result and d.e_result is None,
    }
    assert set(counts) == set(FACT_COUNTERS)
    return counts


def load_dossiers() -> list[tuple[Dossier, datetime | None, list[str]]]:
    """Every dossier with its apology's issue time and the scopes it counts in (its agency's
    ancestors by path, itself, and its level group)."""
    agencies = list(Agency.objects.all())
    apologies = dict(Apology.objects.values_list("dossier_id", "issued_at"))
    loaded = []
    for d in Dossier.objects.select_related("procedure", "agency"):
        scopes = [a.code for a in agencies if d.agency.path.startswith(a.path)]
        if d.agency.level in LEVEL_GROUP:
            scopes.append(LEVEL_GROUP[d.agency.level])
        loaded.append((d, apologies.get(d.id), scopes))
    return loaded


def expected_counters(
    start: date, end: date, dossiers: list | None = None
) -> dict[tuple[str, int | None], dict[str, int]]:
    """{(scope, domain id or None): counters} for the days [start, end], scopes with dossiers."""
    window = Window.of_days(start, end)
    totals: dict = defaultdict(lambda: dict.fromkeys(FACT_COUNTERS, 0))
    for d, apology, scopes in dossiers if dossiers is not None else load_dossiers():
        counts = dossier_counters(d, window, paper=d.procedure.paper_result, apology=apology)
        if counts is None:
            continue
        for scope in scopes:
            for domain in (d.procedure.domain_id, None):
                row = totals[scope, domain]
                for name, value in counts.items():
                    row[name] += int(value)
    return dict(totals)


def stored_counters(basis: str, code: str) -> dict[tuple[str, int | None], dict[str, int]]:
    return {
        (f["scope"], f["domain_id"]): {name: f[name] for name in FACT_COUNTERS}
        for f in KpiFact.objects.filter(basis=basis, period=code).values()
    }


# --- Random dossiers ---------------------------------------------------------------------------

# Days around the boundaries of half-month buckets (1st, 14th, 15th, a month's last day), and
# times around local midnight (Asia/Ho_Chi_Minh is UTC+7: local 00:00 is 17:00 UTC the day before).
BOUNDARY_DAYS = [
    date(2022, 12, 14),
    date(2022, 12, 15),
    date(2022, 12, 31),
    date(2023, 1, 1),
    date(2023, 1, 14),
    date(2023, 1, 15),
    date(2023, 1, 31),
    date(2023, 2, 1),
    date(2023, 2, 14),
    date(2023, 2, 15),
    date(2023, 2, 28),
    date(2023, 3, 1),
    date(2023, 3, 14),
    date(2023, 3, 15),
    date(2023, 3, 31),
    date(2023, 4, 14),
    date(2023, 6, 14),
]
TIMES = [(0, 0, 0), (0, 0, 1), (6, 59, 59), (7, 0, 0), (16, 59, 59), (17, 0, 0), (23, 59, 59)]


@st.composite
def moments(draw, *, after: datetime | None = None, max_days: int = 40) -> datetime:
    if after is None:
        day = draw(st.sampled_from(BOUNDARY_DAYS)) + timedelta(days=draw(st.integers(-1, 1)))
    else:
        day = after.date() + timedelta(days=draw(st.integers(0, max_days)))
    hour, minute, second = draw(st.sampled_from(TIMES))
    moment = vn(day.year, day.month, day.day, hour, minute, second)
    return max(moment, after) if after is not None else moment


@st.composite
def dossier_specs(draw) -> dict:
    status = draw(st.sampled_from([None, None, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))
    if status in (1, 3) and draw(st.booleans()):
        received = due = None
    else:
        received = draw(moments())
        due = draw(moments(after=received, max_days=30))
    finished = None
    if received is not None and draw(st.booleans()):
        finished = draw(moments(after=received, max_days=60))
    requests = draw(st.sampled_from([0, 0, 1, 1, 2]))
    requested = completed = None
    if requests and received is not None and draw(st.integers(0, 9)):
        # Sometimes before the receipt (counted from the receipt).
        requested = draw(moments(after=received - timedelta(days=3), max_days=40))
        completion = draw(st.sampled_from(["none", "after", "after", "before"]))
        if completion == "after":
            completed = draw(moments(after=requested, max_days=30))
        elif completion == "before":
            completed = requested - timedelta(days=draw(st.integers(1, 5)))
    fee = draw(st.sampled_from([None, 0, 0, 20_000]))
    paid = draw(st.sampled_from([None, False, True]))
    if fee == 0 and paid:
        paid = False
    components = draw(st.sampled_from([None, (1, 1), (2, 1), (3, 3)]))
    apology = None
    if received is not None and draw(st.booleans()):
        apology = draw(moments(after=received, max_days=70))
    return {
        "where": draw(st.sampled_from(["department", "district", "commune"])),
        "procedure": draw(st.sampled_from(["land", "civil"])),
        "status": status,
        "received_at": received,
        "due_at": due,
        "finished_at": finished,
        "supplement_requests": requests,
        "supplement_requested_at": requested,
        "supplement_completed_at": completed,
        "channel": draw(st.sampled_from([None, ONLINE, "truc_tiep", "buu_chinh"])),
        "components_total": components[0] if components else None,
        "components_digitized": components[1] if components else None,
        "e_result": draw(st.sampled_from([None, False, True])),
        "fee": fee,
        "paid_online": paid,
        "apology": apology,
    }


_codes = iter(range(10**9))


def build(tree: Tree, spec: dict) -> Dossier:
    fields = {k: v for k, v in spec.items() if k not in ("where", "procedure", "apology")}
    dossier = Dossier.objects.create(
        code=f"S11-{next(_codes):07d}",
        agency=getattr(tree, spec["where"]),
        procedure=getattr(tree, spec["procedure"]),
        **fields,
    )
    if spec["apology"] is not None:
        Apology.objects.create(dossier=dossier, issued_at=spec["apology"])
    return dossier


def existing_tree() -> Tree:
    get = Agency.objects.get
    return Tree(
        get(code="QT"),
        get(code="STP"),
        get(code="HL"),
        get(code="HL-X1"),
        Procedure.objects.get(code="1.000001"),
        Procedure.objects.get(code="1.001193"),
    )


# Whole half-months are read from the cells, other ranges from the dossiers (reports.selectors).
CUSTOM_RANGES = (
    "2023-01-10..2023-03-20",
    "2022-12-31..2023-01-01",
    "2023-01-15..2023-03-31",
    "2022-12-01..2023-02-14",
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(specs=st.lists(dossier_specs(), min_size=1, max_size=25))
def test_property_every_counter_of_every_period_follows_judge_and_the_definitions(db, specs):
    for model in (KpiFact, KpiCell, KpiPeriod, Apology, Dossier):
        model.objects.all().delete()
    tree = existing_tree() if Agency.objects.exists() else make_tree()
    for spec in specs:
        build(tree, spec)
    kpi_full_recompute()
    periods = KpiPeriod.objects.all()
    if Dossier.objects.filter(received_at__isnull=False).exists():
        assert {p.basis for p in periods} == {"calendar", "reporting"}
    dossiers = load_dossiers()
    for period in periods:
        expected = expected_counters(period.start_date, period.end_date, dossiers)
        assert stored_counters(period.basis, period.period) == expected, period
    # Custom ranges, on demand (reports.selectors): the same definitions either way.
    for code in CUSTOM_RANGES:
        custom = parse_period(code)
        expected = expected_counters(custom.start, custom.end, dossiers)
        got, _ = kpi_counters_for_period(period=custom)
        assert got == {scope: c for (scope, domain), c in expected.items() if domain is None}


# --- By hand -----------------------------------------------------------------------------------

INDICATORS = (
    "digitization",
    "e_result",
    "on_time",
    "apology",
    "online_submission",
    "online_payment",
)


def fractions(period: str, scope: str = "QT", basis: str = "calendar") -> dict[str, tuple]:
    table = kpi_table(period=parse_period(period, basis))
    return {r.indicator: (r.numerator, r.denominator) for r in table.rows if r.scope == scope}


def make(tree: Tree, **fields) -> Dossier:
    defaults = {
        "code": f"H-{next(_codes):07d}",
        "agency": tree.district,
        "procedure": tree.land,
        "channel": "truc_tiep",
        "components_total": 1,
        "components_digitized": 1,
        "e_result": False,
        "fee": 0,
        "paid_online": False,
    }
    return Dossier.objects.create(**(defaults | fields))


class TestUnknownFactsAndStatusesByHand:
    """June 2023 (calendar). Every dossier is received in June; all on land (paper result).

    A: online, 2/2 digitized, fee 50.000 paid online, finished 10/06 with an e-result, due 12/06.
    B: channel, components, fee, payment and e-result unknown; finished 20/06 after due 15/06.
    C: fee 30.000, payment unknown; e-result unknown; open, due 05/07.
    D: status 7 (withdrawn), finished 08/06 on time, no e-result.
    E: status 8 (stopped), e-result unknown, finished 09/06 on time.
    F: status 1 (never received) and G: status 3, both dated in June: counted nowhere.

    digitization: received with known components A C D E (4), fully digitized A C D E -> 4/4.
    online_submission: known channel A C D E (4), online A -> 1/4.
    online_payment: fee > 0 with known payment A -> 1/1 (C's payment unknown, B's fee unknown).
    e_result: finished paper with a result and known e-result A -> 1/1 (B unknown, D, E 7/8).
    on_time: handled A B C D E -> on time A C D E = 4/5; apology: overdue B, none -> 0/1.
    """

    @pytest.fixture(autouse=True)
    def _data(self, tree):
        june = {"received_at": vn(2023, 6, 1, 8)}
        make(
            tree,
            **june,
            channel=ONLINE,
            components_total=2,
            components_digitized=2,
            fee=50_000,
            paid_online=True,
            due_at=end_of_day(2023, 6, 12),
            finished_at=vn(2023, 6, 10, 9),
            e_result=True,
        )
        make(
            tree,
            **june,
            channel=None,
            components_total=None,
            components_digitized=None,
            fee=None,
            paid_online=None,
            e_result=None,
            due_at=end_of_day(2023, 6, 15),
            finished_at=vn(2023, 6, 20, 9),
        )
        make(
            tree,
            **june,
            fee=30_000,
            paid_online=None,
            e_result=None,
            due_at=end_of_day(2023, 7, 5),
        )
        make(tree, **june, status=7, due_at=end_of_day(2023, 6, 9), finished_at=vn(2023, 6, 8, 9))
        make(
            tree,
            **june,
            status=8,
            e_result=None,
            due_at=end_of_day(2023, 6, 9),
            finished_at=vn(2023, 6, 9, 9),
        )
        make(tree, **june, status=1, due_at=vn(2023, 6, 2), finished_at=vn(2023, 6, 30))
        make(tree, status=3, received_at=None, due_at=None)
        kpi_full_recompute()

    def test_each_indicator_leaves_out_the_dossiers_lacking_its_fact(self):
        assert fractions("2023-06") == {
            "digitization": (4, 4),
            "online_submission": (1, 4),
            "online_payment": (1, 1),
            "e_result": (1, 1),
            "on_time": (4, 5),
            "apology": (0, 1),
        }

    def test_the_facts_say_how_many_dossiers_lack_each_fact(self):
        fact = KpiFact.objects.get(basis="calendar", period="2023-06", scope="QT", domain=None)
        assert (fact.received, fact.handled) == (5, 5)
        assert (
            fact.unknown_channel,
            fact.unknown_components,
            fact.unknown_payment,
            fact.unknown_e_result,
        ) == (1, 1, 2, 1)

    def test_a_custom_range_counts_the_same(self):
        counters, _ = kpi_counters_for_period(period=parse_period("2023-06-01..2023-06-30"))
        fact = KpiFact.objects.get(basis="calendar", period="2023-06", scope="QT", domain=None)
        assert counters["QT"] == {name: getattr(fact, name) for name in FACT_COUNTERS}

    def test_never_received_dossiers_count_nowhere_even_with_dates(self):
        fact = KpiFact.objects.get(basis="calendar", period="2023-06", scope="QT", domain=None)
        # 7 dossiers stored, 5 received: F (status 1, dated in June) and G are nowhere.
        assert Dossier.objects.count() == 7
        assert (fact.received, fact.handled, fact.finished) == (5, 5, 4)


class TestSupplementationByHand:
    """Periods of 2023 on both bases. All dossiers on land, received 05/01 08:00 unless said.

    W1: due 20/01 23:59:59; one request 10/01 09:00, never completed; open.
        Calendar January: waiting at 31/01, requested in January -> handled, judged at 10/01,
        on time. February: waiting since before 01/02 -> not handled. Reporting 2023-02
        (15/01-14/02): waiting since before 15/01 -> not handled either.
    W2: as W1 with two requests -> handled and overdue in January (waiting, > 1 request).
    P1: due 20/01 23:59:59; request 10/01 09:00 completed 25/01 09:00 (a pause of 15 days);
        open. January: judged at 31/01 23:59:59 - 15 d = 16/01 23:59:59, on time. February:
        judged at 28/02 23:59:59 - 15 d = 13/02, overdue. Reporting 2023-02 (to 14/02):
        30/01 23:59:59, overdue. Without the pause it would be overdue in January.
    P2: received 20/01, due 25/02 23:59:59; request 22/01 completed 12/02 (21 days); open.
        February: 28/02 23:59:59 - 21 d = 07/02 on time; March: 31/03 - 21 d = 10/03, overdue.
    F1: due 20/01 23:59:59, request 10/01 09:00 completed 20/01 09:00, finished 28/01 09:00:
        judged 18/01 09:00, on time in January (finished early: 18/01 before the due day).
    R1: the request dated 01/01, before the receipt (counted from the receipt, 05/01 08:00),
        completed 15/01 08:00; due 10/01 23:59:59, open. January: 31/01 23:59:59 - 10 days =
        21/01 23:59:59, overdue.
    """

    @pytest.fixture(autouse=True)
    def _data(self, tree):
        received = {"received_at": vn(2023, 1, 5, 8)}
        due = end_of_day(2023, 1, 20)
        request = vn(2023, 1, 10, 9)
        make(
            tree,
            **received,
            due_at=due,
            supplement_requests=1,
            supplement_requested_at=request,
            code="W1",
        )
        make(
            tree,
            **received,
            due_at=due,
            supplement_requests=2,
            supplement_requested_at=request,
            code="W2",
        )
        make(
            tree,
            **received,
            due_at=due,
            supplement_requests=1,
            supplement_requested_at=request,
            supplement_completed_at=vn(2023, 1, 25, 9),
            code="P1",
        )
        make(
            tree,
            received_at=vn(2023, 1, 20, 8),
            due_at=end_of_day(2023, 2, 25),
            supplement_requests=1,
            supplement_requested_at=vn(2023, 1, 22, 8),
            supplement_completed_at=vn(2023, 2, 12, 8),
            code="P2",
        )
        make(
            tree,
            **received,
            due_at=due,
            finished_at=vn(2023, 1, 28, 9),
            supplement_requests=1,
            supplement_requested_at=request,
            supplement_completed_at=vn(2023, 1, 20, 9),
            code="F1",
        )
        make(
            tree,
            **received,
            due_at=end_of_day(2023, 1, 10),
            supplement_requests=1,
            supplement_requested_at=vn(2023, 1, 1, 9),
            supplement_completed_at=vn(2023, 1, 15, 8),
            code="R1",
        )
        kpi_full_recompute()

    def fact(self, period: str, basis: str = "calendar") -> KpiFact:
        return KpiFact.objects.get(basis=basis, period=period, scope="QT", domain=None)

    def test_january(self):
        # Handled: all six. Overdue: W2 (waiting, two requests), R1. On time: W1, P1, P2, F1.
        f = self.fact("2023-01")
        assert (f.handled, f.finished, f.finished_early, f.finished_late) == (6, 1, 1, 0)
        assert f.open_overdue == 2
        assert fractions("2023-01")["on_time"] == (4, 6)

    def test_february_leaves_out_the_dossiers_waiting_since_january(self):
        # W1, W2 wait since January: not handled; F1 finished before 01/02. Handled: P1
        # (overdue), P2 (on time) and R1, judged 28/02 23:59:59 - 10 d = 18/02, overdue.
        f = self.fact("2023-02")
        assert (f.handled, f.carried_over, f.open_overdue) == (3, 3, 2)
        assert fractions("2023-02")["on_time"] == (1, 3)

    def test_march(self):
        # P1, P2, R1 open and overdue; W1, W2 waiting since January: not handled.
        assert fractions("2023-03")["on_time"] == (0, 3)

    def test_the_reporting_month_of_february(self):
        # 15/01-14/02: W1, W2 wait since 10/01 (before 15/01): not handled. F1 finished 28/01:
        # on time. P1: 14/02 23:59:59 - 15 d = 30/01, overdue. P2 completed 12/02, by the end:
        # 14/02 23:59:59 - 21 d = 24/01, on time. R1: 14/02 - 10 d = 04/02, overdue.
        f = self.fact("2023-02", "reporting")
        assert (f.handled, f.finished, f.open_overdue) == (4, 1, 2)
        assert fractions("2023-02", basis="reporting")["on_time"] == (2, 4)

    def test_the_quarter_and_the_half_year(self):
        # Q1 (01/01-31/03): W1 waiting since 10/01, in the quarter: handled, on time; W2 handled,
        # overdue; P1, P2, R1 open at 31/03, overdue; F1 finished, on time.
        assert fractions("2023-Q1")["on_time"] == (2, 6)
        assert fractions("2023-H1")["on_time"] == (2, 6)

    def test_biểu_06_identity_holds(self):
        for period in ("2023-01", "2023-02", "2023-03", "2023-Q1"):
            f = self.fact(period)
            assert f.handled == f.received + f.carried_over


class TestCells:
    def test_supplementation_inside_the_finish_bucket_shares_the_plain_dossiers_cell(self, tree):
        plain = {
            "received_at": vn(2023, 1, 5, 8),
            "due_at": end_of_day(2023, 1, 31),
            "finished_at": vn(2023, 1, 12, 9),
        }
        make(tree, **plain)
        make(
            tree,
            **plain,
            supplement_requests=1,
            supplement_requested_at=vn(2023, 1, 6, 9),
            supplement_completed_at=vn(2023, 1, 7, 9),
        )
        kpi_full_recompute()
        cell = KpiCell.objects.get()
        assert cell.dossiers == 2
        assert (cell.requested_bucket, cell.completed_bucket, cell.waiting_late) == (None,) * 3
