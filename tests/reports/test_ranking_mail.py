"""The monthly e-mail of the rankings XLSX to Home Affairs."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.conf import settings as django_settings
from openpyxl import load_workbook

from reports.models import RankingMailing
from reports.ranking_mail import ranking_monthly_mail_send
from reports.tasks import ranking_monthly_mail_task
from tests.reports.ranking_data import ranking_personas_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    people = ranking_personas_create()
    for name in ("home_affairs", "province_officer"):
        people[name].email = f"{name}@quangtri.gov.vn"
        people[name].save()
    return people


def test_last_months_ranking_goes_to_home_affairs_only_once(people, mailoutbox):
    assert ranking_monthly_mail_send(today=date(2023, 4, 1)) == 1
    assert ranking_monthly_mail_send(today=date(2023, 4, 1)) == 0  # a duplicate tick
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["home_affairs@quangtri.gov.vn"]
    assert message.subject == "Xếp hạng cải cách thủ tục hành chính: Tháng 3/2023"
    name, content, mimetype = message.attachments[0]
    assert mimetype.endswith("spreadsheetml.sheet")
    assert name == "xep-hang-2023-03.xlsx"
    sheet = load_workbook(io.BytesIO(content))["Toàn tỉnh"]
    assert [r[1] for r in sheet.iter_rows(min_row=8, values_only=True)] == [
        "STNMT",
        "SNV",
        "HL",
        "GL",
    ]
    assert RankingMailing.objects.get().recipients == 1


def test_the_beat_task_mails_the_previous_month(people, mailoutbox):
    # today is 01/07/2023 in these tests (tests/reports/conftest.py): June has no dossiers,
    # the table is still mailed (every agency listed, none ranked)
    assert ranking_monthly_mail_task.delay().get() == 1
    assert mailoutbox[0].attachments[0][0] == "xep-hang-2023-06.xlsx"


def test_it_is_scheduled_monthly():
    entry = django_settings.CELERY_BEAT_SCHEDULE["ranking-monthly-mail"]
    assert entry["task"] == "reports.ranking_monthly_mail"
    assert entry["schedule"].day_of_month == {1}
