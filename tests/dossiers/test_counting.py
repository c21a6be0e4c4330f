"""The on-time judgement (dossiers.counting): the rule by hand, then its ORM and SQL forms
checked against the Python form on generated dossiers (on whichever database the suite runs)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dossiers import counting
from dossiers.counting import State, Window, judge
from dossiers.models import Dossier
from kpi_portal.local_days import day_of_epoch_sql, local_day_number
from tests.reports.kpi_data import end_of_day, make_tree, vn


@dataclass
class Facts:
    received_at: datetime | None
    due_at: datetime | None
    finished_at: datetime | None = None
    supplement_requests: int = 0
    supplement_requested_at: datetime | None = None
    supplement_completed_at: datetime | None = None
    status: int | None = None


JUNE = Window.of_days(date(2023, 6, 1), date(2023, 6, 30))


class TestWithoutSupplementation:
    """Section 5 as it always was."""

    def test_a_dossier_finished_by_its_due_time_is_on_time(self):
        d = Facts(vn(2023, 6, 1), end_of_day(2023, 6, 10), finished_at=end_of_day(2023, 6, 10))
        assert judge(d, JUNE).on_time

    def test_one_second_late_is_overdue(self):
        d = Facts(vn(2023, 6, 1), vn(2023, 6, 10, 17), finished_at=vn(2023, 6, 10, 17, 0, 1))
        j = judge(d, JUNE)
        assert (j.state, j.overdue, j.early) == (State.FINISHED, True, False)

    def test_an_open_dossier_is_judged_at_23_59_59_of_the_last_day(self):
        due_at_end = Facts(vn(2023, 6, 1), end_of_day(2023, 6, 30))
        due_before = Facts(vn(2023, 6, 1), vn(2023, 6, 30, 17))
        assert judge(due_at_end, JUNE).on_time
        assert judge(due_before, JUNE).overdue
        assert judge(due_before, JUNE).judged_at == end_of_day(2023, 6, 30)

    def test_finished_before_the_start_or_received_after_the_end_is_not_handled(self):
        assert (
            judge(Facts(vn(2023, 5, 1), vn(2023, 5, 9), finished_at=vn(2023, 5, 31)), JUNE) is None
        )
        assert judge(Facts(vn(2023, 7, 1), vn(2023, 7, 9)), JUNE) is None

    def test_finished_early_means_an_earlier_day_than_the_due_day(self):
        d = Facts(vn(2023, 6, 1), vn(2023, 6, 10, 17), finished_at=vn(2023, 6, 9, 23))
        same_day = Facts(vn(2023, 6, 1), vn(2023, 6, 10, 17), finished_at=vn(2023, 6, 10, 8))
        assert judge(d, JUNE).early
        assert not judge(same_day, JUNE).early

    def test_never_received_dossiers_count_nowhere(self):
        for status in (1, 3):
            d = Facts(vn(2023, 6, 1), vn(2023, 6, 2), status=status)
            assert judge(d, JUNE) is None
        assert judge(Facts(None, None, status=1), JUNE) is None
        assert judge(Facts(vn(2023, 6, 1), vn(2023, 6, 2), status=2), JUNE).overdue


class TestTheSupplementationClock:
    """Domain.md section 11. Received 01/06, due 10/06 23:59:59."""

    def make(self, **kwargs) -> Facts:
        return Facts(vn(2023, 6, 1, 8), end_of_day(2023, 6, 10), **kwargs)

    def test_waiting_at_the_end_with_the_request_in_the_period_is_judged_at_the_request(self):
        d = self.make(supplement_requests=1, supplement_requested_at=vn(2023, 6, 5, 9))
        j = judge(d, JUNE)
        assert (j.state, j.judged_at, j.overdue) == (State.WAITING, vn(2023, 6, 5, 9), False)

    def test_waiting_after_more_than_one_request_is_overdue(self):
        d = self.make(supplement_requests=2, supplement_requested_at=vn(2023, 6, 5, 9))
        assert judge(d, JUNE).overdue

    def test_waiting_with_a_request_after_the_due_date_is_overdue(self):
        d = self.make(supplement_requests=1, supplement_requested_at=vn(2023, 6, 12, 9))
        assert judge(d, JUNE).overdue

    def test_waiting_since_before_the_period_is_not_handled_in_it(self):
        d = self.make(supplement_requests=1, supplement_requested_at=vn(2023, 6, 5, 9))
        july = Window.of_days(date(2023, 7, 1), date(2023, 7, 31))
        assert judge(d, july) is None

    def test_a_completion_after_the_end_leaves_it_waiting_at_the_end(self):
        d = self.make(
            supplement_requests=1,
            supplement_requested_at=vn(2023, 6, 5, 9),
            supplement_completed_at=vn(2023, 7, 3, 9),
        )
        assert judge(d, JUNE).state == State.WAITING
        july = Window.of_days(date(2023, 7, 1), date(2023, 7, 31))
        # In July it is open and no longer waiting: judged at 31/07 23:59:59 minus 28 days.
        j = judge(d, july)
        assert (j.state, j.judged_at) == (State.OPEN, end_of_day(2023, 7, 3))
        assert j.overdue

    def test_finished_after_the_due_date_is_on_time_when_the_pause_covers_the_delay(self):
        d = self.make(
            finished_at=vn(2023, 6, 14, 10),
            supplement_requests=1,
            supplement_requested_at=vn(2023, 6, 5, 9),
            supplement_completed_at=vn(2023, 6, 9, 9),  # a pause of 4 days
        )
        j = judge(d, JUNE)
        assert (j.state, j.judged_at, j.on_time) == (State.FINISHED, vn(2023, 6, 10, 10), True)
        assert j.early is False  # judged on the due day itself

    def test_finished_without_completing_the_request_has_no_pause(self):
        d = self.make(
            finished_at=vn(2023, 6, 14, 10),
            supplement_requests=1,
            supplement_requested_at=vn(2023, 6, 5, 9),
        )
        assert judge(d, JUNE).overdue

    def test_open_after_a_completed_request_is_judged_at_the_end_minus_the_pause(self):
        d = self.make(
            supplement_requests=1,
            supplement_requested_at=vn(2023, 6, 5, 0),
            supplement_completed_at=vn(2023, 6, 26, 0),  # 21 days
        )
        j = judge(d, JUNE)
        assert (j.state, j.judged_at, j.on_time) == (State.OPEN, end_of_day(2023, 6, 9), True)

    def test_a_request_after_the_end_does_not_stop_the_clock_in_the_period(self):
        d = self.make(supplement_requests=1, supplement_requested_at=vn(2023, 7, 2, 0))
        assert judge(d, JUNE).overdue  # open at 30/06 23:59:59, past 10/06

    def test_a_completion_before_the_request_belongs_to_an_earlier_request(self):
        d = self.make(
            supplement_requests=2,
            supplement_requested_at=vn(2023, 6, 5, 0),
            supplement_completed_at=vn(2023, 6, 4, 0),
        )
        assert judge(d, JUNE).state == State.WAITING

    def test_a_request_dated_before_the_receipt_counts_from_the_receipt(self):
        d = self.make(supplement_requests=1, supplement_requested_at=vn(2023, 5, 20, 0))
        j = judge(d, JUNE)
        assert (j.state, j.judged_at) == (State.WAITING, vn(2023, 6, 1, 8))

    def test_now_windows_have_no_start_so_waiting_dossiers_are_judged(self):
        d = self.make(supplement_requests=2, supplement_requested_at=vn(2023, 6, 5, 9))
        assert judge(d, Window.now(vn(2023, 9, 1))).overdue

    def test_due_soon_moves_with_the_pause(self):
        d = self.make(
            supplement_requests=1,
            supplement_requested_at=vn(2023, 6, 5, 0),
            supplement_completed_at=vn(2023, 6, 7, 0),  # due becomes 12/06 23:59:59
        )
        now = vn(2023, 6, 12, 9)
        assert counting.due_soon(d, now=now, limit=vn(2023, 6, 13))
        assert not counting.due_soon(d, now=now, limit=vn(2023, 6, 12, 23))


# --- The ORM and SQL forms against the Python form --------------------------------------------

BASE = vn(2023, 1, 1)


@st.composite
def clock_facts(draw) -> dict:
    received = BASE + timedelta(
        days=draw(st.integers(0, 60)), hours=draw(st.sampled_from([0, 8, 23]))
    )
    due = received + timedelta(days=draw(st.integers(0, 25)))
    due = due.replace(
        **dict(
            zip(
                ("hour", "minute", "second"),
                draw(st.sampled_from([(0, 0, 0), (17, 0, 0), (23, 59, 59)])),
                strict=True,
            )
        )
    )
    due = max(due, received)
    finished = None
    if draw(st.booleans()):
        finished = received + timedelta(hours=draw(st.integers(0, 24 * 70)))
    requests = draw(st.sampled_from([0, 0, 1, 1, 2, 3]))
    requested = completed = None
    if requests:
        requested = received + timedelta(hours=draw(st.integers(-48, 24 * 50)))
        if draw(st.booleans()):
            completed = requested + timedelta(hours=draw(st.integers(-30, 24 * 30)))
    elif draw(st.booleans()) and draw(st.booleans()):
        completed = received + timedelta(days=3)  # a completion without a request: no pause
    return {
        "received_at": received,
        "due_at": due,
        "finished_at": finished,
        "supplement_requests": requests,
        "supplement_requested_at": requested,
        "supplement_completed_at": completed,
        "status": draw(st.sampled_from([None, None, 1, 2, 3, 4, 5, 7, 9, 10])),
    }


windows = st.one_of(
    st.tuples(st.integers(0, 120), st.integers(0, 60)).map(
        lambda t: Window.of_days(
            date(2023, 1, 1) + timedelta(days=t[0]),
            date(2023, 1, 1) + timedelta(days=t[0] + t[1]),
        )
    ),
    st.integers(0, 24 * 150).map(lambda h: Window.now(BASE + timedelta(hours=h))),
)

_DB_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _store(facts_list: list[dict]) -> list[Dossier]:
    Dossier.objects.all().delete()
    from agencies.models import Agency, Procedure

    agency = Agency.objects.first()
    procedure = Procedure.objects.first()
    return [
        Dossier.objects.create(code=f"C{n}", agency=agency, procedure=procedure, **facts)
        for n, facts in enumerate(facts_list)
    ]


@pytest.fixture
def tree_once(db):
    make_tree()


def _python(dossiers, window, test) -> set[int]:
    return {d.pk for d in dossiers if test(judge(d, window))}


def _orm(q) -> set[int]:
    return set(Dossier.objects.filter(q).values_list("pk", flat=True))


@_DB_SETTINGS
@given(facts=st.lists(clock_facts(), min_size=1, max_size=8), window=windows)
def test_the_orm_forms_select_what_the_python_rule_judges(tree_once, facts, window):
    dossiers = _store(facts)
    finished = lambda j: j is not None and j.state == State.FINISHED  # noqa: E731
    assert _orm(counting.handled_q(window)) == _python(dossiers, window, lambda j: j is not None)
    assert _orm(counting.overdue_q(window)) == _python(
        dossiers, window, lambda j: j is not None and j.overdue
    )
    assert _orm(counting.finished_late_q(window)) == _python(
        dossiers, window, lambda j: finished(j) and j.overdue
    )
    assert _orm(counting.finished_early_q(window)) == _python(
        dossiers, window, lambda j: finished(j) and j.early
    )
    assert _orm(counting.open_overdue_q(window)) == _python(
        dossiers, window, lambda j: j is not None and not finished(j) and j.overdue
    )


@_DB_SETTINGS
@given(
    facts=st.lists(clock_facts(), min_size=1, max_size=8),
    hours=st.integers(0, 24 * 120),
    span=st.integers(1, 96),
)
def test_due_soon_in_the_orm_is_due_soon_in_python(tree_once, facts, hours, span):
    dossiers = _store(facts)
    now = BASE + timedelta(hours=hours)
    limit = now + timedelta(hours=span)
    expected = {d.pk for d in dossiers if counting.due_soon(d, now=now, limit=limit)}
    assert _orm(counting.due_soon_q(now=now, limit=limit)) == expected


@_DB_SETTINGS
@given(facts=st.lists(clock_facts(), min_size=1, max_size=8))
def test_the_sql_form_judges_finished_dossiers_as_python_does(tree_once, facts):
    dossiers = _store(facts)
    clock = counting.clock_sql("d")
    table = connection.ops.quote_name(Dossier._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT d.id, {clock.counted}, CASE WHEN {clock.finish_late} THEN 1 ELSE 0 END,"
            f" {day_of_epoch_sql(clock.finish_judged)},"
            f" CASE WHEN {clock.waiting_late} THEN 1 ELSE 0 END"
            f" FROM {table} d WHERE d.finished_at IS NOT NULL OR d.supplement_requested_at"
            " IS NOT NULL",
            [],
        )
        rows = {row[0]: row[1:] for row in cursor.fetchall()}
    for d in dossiers:
        if d.pk not in rows:
            continue
        counted, late, judged_day, waiting_late = rows[d.pk]
        assert bool(counted) == counting.counts(d)
        if d.finished_at is not None and counting.counts(d):
            j = judge(d, Window.now(d.finished_at + timedelta(seconds=1)))
            assert (bool(late), judged_day) == (j.overdue, local_day_number(j.judged_at))
        requested = counting.requested_at(d)
        if requested is not None and counting.counts(d):
            expected = requested > d.due_at or d.supplement_requests > 1
            assert bool(waiting_late) == expected


def test_timezone_is_the_provinces():
    assert timezone.get_current_timezone_name() == "Asia/Ho_Chi_Minh"
