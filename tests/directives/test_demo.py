"""The demo directive on a small tree: deterministic on-time, late and missing agencies."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from agencies.models import Agency, AgencyLevel, Domain, Procedure
from directives.deadlines import DeadlineState
from directives.demo import directive_demo_load
from directives.models import Directive, PilotNomination, TaskCompletion
from directives.selectors import deadlines_panel
from tests.directives.directive_data import vn
from tests.personas import agencies_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    agencies = agencies_create()
    for n in range(1, 6):
        Agency.objects.create(
            code=f"X{n}", name=f"Sở X{n}", level=AgencyLevel.DEPARTMENT, parent=agencies["QT"]
        )
    domain = Domain.objects.create(name="Hộ tịch")
    for code in ("1.000001", "1.000002", "1.000003"):
        Procedure.objects.create(
            code=code, name=f"Thủ tục {code}", domain=domain, full_process_eligible=True
        )
    Procedure.objects.create(code="1.000009", name="Không đủ điều kiện", domain=domain)
    return agencies


def test_the_demo_gives_each_agency_its_fixed_outcome_on_21_7_2023(tree):
    # Demo order (all sort_order 0, so by code): GL 0, HL 1, SNV 2, STNMT 3, X1 4, … X5 8.
    directive_demo_load()
    (nomination, compilation) = deadlines_panel(now=vn(2023, 7, 21, 9))
    states = {row.agency.code: (row.status.state, row.status.days) for row in nomination.assignees}
    assert states == {
        "GL": (DeadlineState.DONE_ON_TIME, 0),  # 18/7
        "HL": (DeadlineState.OVERDUE, 1),  # left to the demo user
        "SNV": (DeadlineState.DONE_ON_TIME, 0),  # 19/7
        "STNMT": (DeadlineState.OVERDUE, 1),  # a draft, left to the demo user
        "X1": (DeadlineState.OVERDUE, 1),  # never
        "X2": (DeadlineState.DONE_ON_TIME, 0),  # 18/7
        "X3": (DeadlineState.DONE_ON_TIME, 0),  # 20/7 16:00
        "X4": (DeadlineState.DONE_ON_TIME, 0),  # 19/7
        "X5": (DeadlineState.DONE_LATE, 3),  # 23/7
    }
    (office,) = compilation.assignees
    assert office.agency.code == "QT" and office.status.state == DeadlineState.PENDING
    # Two eligible procedures each, never the ineligible one; STNMT's draft counts too.
    assert PilotNomination.objects.filter(agency__code="STNMT").count() == 2
    assert PilotNomination.objects.count() == 2 * 7  # six submitted lists and the draft
    assert not PilotNomination.objects.filter(procedure__code="1.000009").exists()
    assert TaskCompletion.objects.get(agency__code="X5").done_at == vn(2023, 7, 23, 8)
    # The pilot starts after the compiled list's due date (30/7), with the default threshold.
    assert (nomination.task.pilot_starts_on, nomination.task.pilot_priority_threshold) == (
        dt.date(2023, 8, 1),
        Decimal("0.5"),
    )


def test_loading_the_demo_twice_leaves_one_directive(tree):
    directive_demo_load()
    directive_demo_load()
    assert Directive.objects.count() == 1
    assert TaskCompletion.objects.count() == 6
    assert Directive.objects.get().issued_on == dt.date(2023, 7, 7)
