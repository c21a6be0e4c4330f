"""The daily deadline reminders, and the panel's fixed number of queries."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from agencies.models import Agency, AgencyLevel
from directives.reminders import deadline_reminders_send
from directives.selectors import deadlines_panel
from directives.services import pilot_nominate, pilot_submit
from tests.directives.directive_data import pilot_data_create, vn
from tests.personas import agencies_create, personas_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    agencies = agencies_create()
    personas_create(agencies)
    for name in ("province_officer", "department_head", "district_chairman", "home_affairs"):
        User.objects.filter(username=name).update(email=f"{name}@example.vn")
    data = pilot_data_create(agencies)
    return agencies, data


def test_nothing_is_sent_eight_days_before(world, mailoutbox):
    assert deadline_reminders_send(now=vn(2023, 7, 12, 7)) == 0
    assert mailoutbox == []


def test_seven_days_before_each_head_and_the_office_get_their_e_mail(world, mailoutbox):
    agencies, data = world
    # STNMT has submitted: its head gets nothing.
    pilot_nominate(
        task=data.nomination, agency=agencies["STNMT"], procedure=data.eligible, user=None
    )
    pilot_submit(task=data.nomination, agency=agencies["STNMT"], user=None, now=vn(2023, 7, 12))
    assert deadline_reminders_send(now=vn(2023, 7, 13, 7)) == 2
    head, office = mailoutbox
    assert head.to == ["district_chairman@example.vn"]
    assert "còn 7 ngày" in head.body and "20/07/2023" in head.body
    assert office.to == ["province_officer@example.vn"]
    assert "3/4 đơn vị chưa hoàn thành" in office.body
    assert "Sở Nội vụ" in office.body and "Sở Tài nguyên" not in office.body


def test_a_second_run_the_same_day_mails_nobody_again(world, mailoutbox):
    # 13/7, seven days before 20/7, nothing submitted: the department head, the district
    # chairman and the office's summary = 3 e-mails.
    first = deadline_reminders_send(now=vn(2023, 7, 13, 7))
    assert first == len(mailoutbox) == 3
    assert deadline_reminders_send(now=vn(2023, 7, 13, 15)) == 0
    assert len(mailoutbox) == first
    # The next day is a new day: everyone still behind is reminded again.
    assert deadline_reminders_send(now=vn(2023, 7, 14, 7)) == first


def test_after_the_due_date_the_overdue_days_are_counted(world, mailoutbox):
    deadline_reminders_send(now=vn(2023, 7, 23, 7))
    bodies = {m.to[0]: m.body for m in mailoutbox}
    assert "quá hạn 3 ngày" in bodies["district_chairman@example.vn"]
    # The province office's own task (due 30/7) is 7 days away: in its summary too.
    assert (
        "Tổng hợp, trình danh sách thí điểm (hạn 30/07/2023): 1/1"
        in bodies["province_officer@example.vn"]
    )


def test_the_panel_takes_four_queries_whatever_the_size(world, django_assert_num_queries):
    agencies, data = world
    for n in range(4):
        Agency.objects.create(
            code=f"Z{n}", name=f"Huyện {n}", level=AgencyLevel.DISTRICT, parent=agencies["QT"]
        )
    data.compilation.assigned_agencies.add(agencies["SNV"])
    with django_assert_num_queries(4):
        panels = deadlines_panel(now=vn(2023, 7, 19))
    assert [len(p.assignees) for p in panels] == [8, 2]


def test_the_reminders_run_every_morning_through_the_celery_beat(world, mailoutbox, settings):
    from directives.tasks import deadline_reminders_task

    entry = settings.CELERY_BEAT_SCHEDULE["directive-deadline-reminders-daily"]
    assert entry["task"] == deadline_reminders_task.name == "directives.deadline_reminders"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({7}, {5})
