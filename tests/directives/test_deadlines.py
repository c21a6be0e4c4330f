"""A task's status around its due date, worked out by hand (20/7/2023 and 30/7/2023)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from directives.deadlines import DeadlineState, DeadlineStatus, deadline_end, deadline_status
from directives.selectors import deadlines_panel
from directives.services import pilot_nominate, pilot_submit, task_complete
from tests.directives.directive_data import pilot_data_create, vn
from tests.personas import agencies_create

JULY_20 = dt.date(2023, 7, 20)


def test_a_task_due_on_20_7_may_be_done_until_23_59_59_local_time():
    assert deadline_end(JULY_20) == vn(2023, 7, 20, 23, 59, 59)


class TestTheStatusOfOneAgency:
    def test_done_on_the_due_day_is_on_time(self):
        status = deadline_status(
            due_on=JULY_20, done_at=vn(2023, 7, 20, 23, 59), now=vn(2023, 8, 1)
        )
        assert status == DeadlineStatus(DeadlineState.DONE_ON_TIME, 0)

    def test_done_three_days_after_is_three_days_late(self):
        status = deadline_status(due_on=JULY_20, done_at=vn(2023, 7, 23, 8), now=vn(2023, 8, 1))
        assert status == DeadlineStatus(DeadlineState.DONE_LATE, 3)

    def test_one_second_after_midnight_is_one_day_late(self):
        status = deadline_status(
            due_on=JULY_20, done_at=vn(2023, 7, 21, 0, 0, 0), now=vn(2023, 8, 1)
        )
        assert status == DeadlineStatus(DeadlineState.DONE_LATE, 1)

    def test_a_utc_moment_is_judged_in_local_time(self):
        # 17:30 UTC on 20/7 is 00:30 on 21/7 in Hà Nội: late.
        done = dt.datetime(2023, 7, 20, 17, 30, tzinfo=dt.UTC)
        status = deadline_status(due_on=JULY_20, done_at=done, now=vn(2023, 8, 1))
        assert status == DeadlineStatus(DeadlineState.DONE_LATE, 1)

    def test_not_done_on_19_7_has_one_day_left(self):
        status = deadline_status(due_on=JULY_20, done_at=None, now=vn(2023, 7, 19, 10))
        assert status == DeadlineStatus(DeadlineState.PENDING, 1)

    def test_not_done_on_20_7_at_23_59_is_due_today(self):
        status = deadline_status(due_on=JULY_20, done_at=None, now=vn(2023, 7, 20, 23, 59))
        assert status == DeadlineStatus(DeadlineState.PENDING, 0)

    def test_not_done_on_21_7_is_one_day_overdue(self):
        status = deadline_status(due_on=JULY_20, done_at=None, now=vn(2023, 7, 21, 0, 1))
        assert status == DeadlineStatus(DeadlineState.OVERDUE, 1)


@pytest.mark.django_db
class TestEachAgencyWithTimeFrozen:
    """STNMT submits on 18/7, HL on 21/7 (late), SNV and GL never; the commune is not assigned."""

    @pytest.fixture
    def data(self):
        agencies = agencies_create()
        data = pilot_data_create(agencies)
        for code, moment in (("STNMT", vn(2023, 7, 18, 9)), ("HL", vn(2023, 7, 21, 8))):
            pilot_nominate(
                task=data.nomination, agency=agencies[code], procedure=data.eligible, user=None
            )
            pilot_submit(task=data.nomination, agency=agencies[code], user=None, now=moment)
        return data

    def _states(self) -> dict[str, tuple[str, int]]:
        panel = deadlines_panel(now=timezone.now())
        rows = next(p for p in panel if p.task.due_on == JULY_20).assignees
        return {row.agency.code: (row.status.state, row.status.days) for row in rows}

    @time_machine.travel(vn(2023, 7, 19, 9), tick=False)
    def test_on_19_7(self, data):
        assert self._states() == {
            "STNMT": (DeadlineState.DONE_ON_TIME, 0),
            "SNV": (DeadlineState.PENDING, 1),
            # HL's submission of 21/7 exists in the data already: the panel shows it as done late.
            "HL": (DeadlineState.DONE_LATE, 1),
            "GL": (DeadlineState.PENDING, 1),
        }

    @time_machine.travel(vn(2023, 7, 20, 23, 59), tick=False)
    def test_on_20_7_at_23_59(self, data):
        states = self._states()
        assert states["SNV"] == (DeadlineState.PENDING, 0)
        assert states["GL"] == (DeadlineState.PENDING, 0)
        assert states["STNMT"] == (DeadlineState.DONE_ON_TIME, 0)

    @time_machine.travel(vn(2023, 7, 21, 9), tick=False)
    def test_on_21_7(self, data):
        assert self._states() == {
            "STNMT": (DeadlineState.DONE_ON_TIME, 0),
            "SNV": (DeadlineState.OVERDUE, 1),
            "HL": (DeadlineState.DONE_LATE, 1),
            "GL": (DeadlineState.OVERDUE, 1),
        }

    def _office(self) -> tuple[str, int]:
        panel = deadlines_panel(now=timezone.now())
        (row,) = next(p for p in panel if p.task.due_on == dt.date(2023, 7, 30)).assignees
        assert row.agency.code == "QT"
        return row.status.state, row.status.days

    @time_machine.travel(vn(2023, 7, 30, 16), tick=False)
    def test_the_province_office_on_30_7_has_the_day_left(self, data):
        assert self._office() == (DeadlineState.PENDING, 0)

    @time_machine.travel(vn(2023, 7, 31, 8), tick=False)
    def test_the_province_office_on_31_7_is_one_day_overdue(self, data):
        assert self._office() == (DeadlineState.OVERDUE, 1)

    @time_machine.travel(vn(2023, 7, 31, 8), tick=False)
    def test_the_province_office_done_on_30_7_stays_on_time_on_31_7(self, data):
        from agencies.models import Agency

        task_complete(
            task=data.compilation,
            agency=Agency.objects.get(code="QT"),
            user=None,
            done_at=vn(2023, 7, 30, 17),
        )
        assert self._office() == (DeadlineState.DONE_ON_TIME, 0)

    def test_an_agency_page_panel_shows_only_that_subtree(self, data):
        from agencies.models import Agency

        panel = deadlines_panel(scope=Agency.objects.get(code="HL"), now=vn(2023, 7, 21))
        assert [p.task.due_on for p in panel] == [JULY_20]
        assert [row.agency.code for row in panel[0].assignees] == ["HL"]

    def test_a_unit_that_did_not_exist_on_the_due_date_owes_nothing(self, data):
        from agencies.models import Agency, AgencyLevel
        from directives.selectors import task_is_assigned_to

        province = Agency.objects.get(code="QT")
        # Formed by a merger in 2025, and a department dissolved before 20/7/2023.
        merged = Agency.objects.create(
            code="SMOI",
            name="Sở mới sau hợp nhất",
            level=AgencyLevel.DEPARTMENT,
            parent=province,
            valid_from=dt.date(2025, 3, 1),
        )
        gone = Agency.objects.create(
            code="SCU",
            name="Sở đã giải thể",
            level=AgencyLevel.DEPARTMENT,
            parent=province,
            valid_to=dt.date(2023, 7, 19),
        )
        panel = deadlines_panel(now=vn(2023, 7, 21, 9))
        codes = {
            row.agency.code for row in next(p for p in panel if p.task.due_on == JULY_20).assignees
        }
        assert codes == {"STNMT", "SNV", "HL", "GL"}
        assert not task_is_assigned_to(task=data.nomination, agency=merged)
        assert not task_is_assigned_to(task=data.nomination, agency=gone)
        assert task_is_assigned_to(task=data.nomination, agency=Agency.objects.get(code="SNV"))
