"""The portal's "today" (kpi_portal/clock.py): the real date unless PORTAL_TODAY moves it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured

from kpi_portal import clock
from kpi_portal.settings import env_date

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


REAL = dt.datetime(2026, 12, 5, 23, 30, tzinfo=LOCAL)


class TestTheClock:
    @time_machine.travel(REAL, tick=False)
    def test_without_the_setting_today_is_the_real_local_date(self, settings):
        settings.PORTAL_TODAY = None
        # 23:30 in Hà Nội is 16:30 UTC: the local date, not the UTC one, counts.
        assert clock.today() == dt.date(2026, 12, 5)
        assert clock.now() == dt.datetime(2026, 12, 5, 23, 30, tzinfo=LOCAL)

    @time_machine.travel(REAL, tick=False)
    def test_the_setting_moves_the_date_and_keeps_the_time_of_day(self, settings):
        settings.PORTAL_TODAY = dt.date(2023, 7, 25)
        assert clock.today() == dt.date(2023, 7, 25)
        moment = clock.now()
        assert moment == dt.datetime(2023, 7, 25, 23, 30, tzinfo=LOCAL)
        assert moment.utcoffset() == dt.timedelta(hours=7)


class TestTheSettingFromTheEnvironment:
    def test_an_iso_date_is_read(self, monkeypatch):
        monkeypatch.setenv("PORTAL_TODAY", "2023-07-25")
        assert env_date("PORTAL_TODAY") == dt.date(2023, 7, 25)

    def test_empty_or_missing_means_the_real_date(self, monkeypatch):
        monkeypatch.setenv("PORTAL_TODAY", " ")
        assert env_date("PORTAL_TODAY") is None
        monkeypatch.delenv("PORTAL_TODAY")
        assert env_date("PORTAL_TODAY") is None

    def test_a_date_written_another_way_stops_start_up(self, monkeypatch):
        monkeypatch.setenv("PORTAL_TODAY", "25/07/2023")
        with pytest.raises(ImproperlyConfigured, match="PORTAL_TODAY must be a date as YYYY-MM-DD"):
            env_date("PORTAL_TODAY")
