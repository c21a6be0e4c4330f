"""Targets are data: seeded defaults, overrides by year and level, and a history of changes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from reports.models import Indicator, Target, TargetChange
from reports.selectors import TargetBook, meets_target
from reports.services import target_set

pytestmark = pytest.mark.django_db


def test_the_six_indicators_and_their_default_targets_are_seeded():
    assert list(Indicator.objects.values_list("code", flat=True)) == [
        "digitization",
        "e_result",
        "on_time",
        "apology",
        "online_submission",
        "online_payment",
    ]
    assert Indicator.objects.get(code="on_time").name == "Tỷ lệ giải quyết trước hạn, đúng hạn"
    book = TargetBook.load()
    assert book.value(indicator="online_payment", year=2023, level="so") == Decimal("0.3")
    assert book.value(indicator="online_submission", year=2023, level="xa") == Decimal("0.5")
    assert book.value(indicator="apology", year=2030, level="huyen") == Decimal("1")


def test_the_most_specific_target_wins():
    payment = Indicator.objects.get(code="online_payment")
    target_set(indicator=payment, year=2023, level="", value=Decimal("0.25"), user=None)
    target_set(indicator=payment, year=2023, level="huyen", value=Decimal("0.2"), user=None)
    target_set(indicator=payment, year=None, level="so", value=Decimal("0.4"), user=None)
    book = TargetBook.load()
    assert book.value(indicator="online_payment", year=2023, level="huyen") == Decimal("0.2")
    assert book.value(indicator="online_payment", year=2023, level="so") == Decimal("0.25")
    assert book.value(indicator="online_payment", year=2024, level="so") == Decimal("0.4")
    assert book.value(indicator="online_payment", year=2024, level="xa") == Decimal("0.3")


def test_every_change_is_recorded_with_who_and_the_old_and_new_value():
    officer = User.objects.create_user("officer")
    payment = Indicator.objects.get(code="online_payment")
    target_set(indicator=payment, year=2024, level="", value=Decimal("0.35"), user=officer)
    target_set(indicator=payment, year=2024, level="", value=Decimal("0.4"), user=officer)
    target_set(indicator=payment, year=2024, level="", value=Decimal("0.4"), user=officer)
    target_set(indicator=payment, year=2024, level="", value=None, user=officer)
    history = list(
        TargetChange.objects.filter(indicator=payment, year=2024)
        .order_by("id")
        .values_list("old_value", "new_value", "changed_by__username")
    )
    assert history == [
        (None, Decimal("0.35"), "officer"),
        (Decimal("0.35"), Decimal("0.4"), "officer"),
        (Decimal("0.4"), None, "officer"),
    ]
    assert not Target.objects.filter(indicator=payment, year=2024).exists()


def test_meets_target_compares_exactly():
    assert meets_target(3, 10, Decimal("0.3")) is True
    assert meets_target(299, 1000, Decimal("0.3")) is False
    assert meets_target(0, 0, Decimal("0.3")) is None
    assert meets_target(1, 2, Decimal("0.3"), higher_is_better=False) is False


def test_the_admin_records_changes_too(admin_client):
    payment = Indicator.objects.get(code="online_payment")
    target = Target.objects.get(indicator=payment, year=None, level="")
    response = admin_client.post(
        f"/admin/reports/target/{target.pk}/change/",
        {"indicator": payment.pk, "year": "", "level": "", "value": "0.35"},
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.value == Decimal("0.35")
    change = TargetChange.objects.filter(indicator=payment).latest("id")
    assert (change.old_value, change.new_value, change.changed_by.username) == (
        Decimal("0.3"),
        Decimal("0.35"),
        "admin",
    )
    assert admin_client.get("/admin/reports/indicator/").status_code == 200
    assert admin_client.get("/admin/reports/targetchange/").status_code == 200
