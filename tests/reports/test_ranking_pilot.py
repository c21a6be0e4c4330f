"""Pilot priority in the Home Affairs ranking: the pilot result as of the period's end
(directives/pilot_results.py, docs/pilot.md), worked out by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from directives.services import pilot_nominate, pilot_submit
from dossiers.models import Channel
from kpi_portal.periods import parse_period
from reports.ranking import ranking_as_dict, ranking_build
from tests.directives.directive_data import pilot_data_create, vn
from tests.personas import agencies_create
from tests.reports.kpi_data import make_dossier

pytestmark = pytest.mark.django_db


@pytest.fixture
def pilot():
    """Pilot from 1/8/2023, threshold 50% (default).

    HL (submitted 1.001193): 2/8 online + e-result, 3/8 online without one → 1/2 = 50% → priority
        (the threshold is met exactly); 2/10 online + e-result → 2/3 by the end of Q4 → priority.
    SNV (submitted 1.001193): 5/8 in person with an e-result → 0/1 = 0% → not.
    STNMT (submitted 1.004227): no dossier → no data.
    GL: nothing nominated → no data.
    SNV also handled one dossier in March 2023, before the pilot: the first half of 2023 has
    dossiers, so it ranks (a period without any dossier ranks nobody).
    """
    agencies = agencies_create()
    data = pilot_data_create(agencies)
    data.nomination.pilot_starts_on = dt.date(2023, 8, 1)
    data.nomination.save()
    for code, procedure in (
        ("HL", data.eligible),
        ("SNV", data.eligible),
        ("STNMT", data.eligible_too),
    ):
        pilot_nominate(task=data.nomination, agency=agencies[code], procedure=procedure, user=None)
        pilot_submit(task=data.nomination, agency=agencies[code], user=None, now=vn(2023, 7, 19))
    for code, received, channel, e_result in (
        ("SNV", vn(2023, 3, 6, 8), Channel.IN_PERSON, False),
        ("HL", vn(2023, 8, 2, 8), Channel.ONLINE, True),
        ("HL", vn(2023, 8, 3, 8), Channel.ONLINE, False),
        ("HL", vn(2023, 10, 2, 8), Channel.ONLINE, True),
        ("SNV", vn(2023, 8, 5, 8), Channel.IN_PERSON, True),
    ):
        make_dossier(
            agencies[code],
            data.eligible,
            received_at=received,
            due_at=received + dt.timedelta(days=5),
            finished_at=received + dt.timedelta(hours=4),
            channel=channel,
            e_result=e_result,
        )
    call_command("compute_kpis", "--full", verbosity=0)
    return data


def _priorities(period: str) -> dict[str, bool | None]:
    ranking = ranking_build(period=parse_period(period))
    return {row.agency: row.pilot_priority for row in ranking.tables["all"]}


def test_priority_is_true_false_or_no_data_at_the_end_of_the_period(pilot):
    assert _priorities("2023-08") == {"STNMT": None, "SNV": False, "HL": True, "GL": None}


def test_a_period_ending_before_the_pilot_starts_has_no_data(pilot):
    assert set(_priorities("2023-H1").values()) == {None}


def test_the_json_export_carries_it(pilot):
    data = ranking_as_dict(ranking_build(period=parse_period("2023-Q4")))
    # HL at 31/12/2023: 2/3 ≥ 50%.
    assert {row["agency"]: row["pilot_priority"] for row in data["tables"]["huyen"]} == {
        "HL": True,
        "GL": None,
    }
