"""Home Affairs sets the scoring weights on /rankings/weights/; the scores follow, history kept."""

from __future__ import annotations

from decimal import Decimal

import pytest

from reports.models import ScoringWeightChange
from reports.ranking import scoring_weights
from tests.reports.ranking_data import ranking_personas_create

# The year 2023 (all of ranking_data's dossiers are in it): it ends after today (01/07/2023 in
# tests/reports), so a weight changed today applies to it; 2023-H1 has ended and keeps its
# weights (tests/reports/test_ranking_versions.py).
QUERY = {"period": "2023", "basis": "calendar"}
URL = "/rankings/weights/"


@pytest.fixture
def people(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return ranking_personas_create()


def _scores(client) -> dict[str, float | None]:
    table = client.get("/rankings/export.json", QUERY).json()["tables"]["all"]
    return {row["agency"]: row["score"] for row in table}


def test_home_affairs_sees_the_four_directive_indicators_weighted_equally(client, people):
    client.force_login(people["home_affairs"])
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Trọng số hiện hành" in html
    for code in ("digitization", "on_time", "apology", "online_payment"):
        row = html.split(f'data-indicator="{code}"')[1].split("</tr>")[0]
        assert ">1<" in row, code
    assert "không chấm" in html.split('data-indicator="e_result"')[1].split("</tr>")[0]


def test_taking_digitization_out_of_the_score_changes_the_scores_and_keeps_the_others(
    client, people
):
    client.force_login(people["home_affairs"])
    # Before (ranking_data): Sở Nội vụ (0,5 + 1) / 2 = 75; Hải Lăng (1 + 0 + 0) / 3 = 33,33.
    assert _scores(client)["SNV"] == pytest.approx(75.0)
    response = client.post(URL, {"indicator": "digitization", "weight": "0", "note": "thử"})
    assert response.status_code == 302
    assert scoring_weights() == {
        "on_time": Decimal(1),
        "apology": Decimal(1),
        "online_payment": Decimal(1),
    }
    # After: Sở Nội vụ on time 2/2 only = 100; Hải Lăng on time 0/1 and apology 0/1 = 0.
    scores = _scores(client)
    assert scores["SNV"] == pytest.approx(100.0)
    assert scores["HL"] == pytest.approx(0.0)
    # One history row: who, old weight 1, new none (not scored), the note.
    change = ScoringWeightChange.objects.get()
    assert (change.indicator.code, change.old_weight, change.new_weight) == (
        "digitization",
        Decimal(1),
        None,
    )
    assert (change.changed_by, change.note) == (people["home_affairs"], "thử")


def test_a_weight_with_a_decimal_comma_is_read_the_vietnamese_way(client, people):
    client.force_login(people["home_affairs"])
    client.post(URL, {"indicator": "on_time", "weight": "1,5"})
    assert scoring_weights()["on_time"] == Decimal("1.5")


@pytest.mark.parametrize("weight", ["abc", "-1", "101"])
def test_a_bad_weight_is_refused_and_changes_nothing(client, people, weight):
    client.force_login(people["home_affairs"])
    response = client.post(URL, {"indicator": "on_time", "weight": weight})
    assert response.status_code == 400
    assert not ScoringWeightChange.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("province_officer", 403),
        ("department_head", 403),
        ("district_chairman", 403),
        ("outsider", 403),
        (None, 302),
    ],
)
def test_only_home_affairs_may_open_or_change_the_weights(client, people, persona, status):
    if persona:
        client.force_login(people[persona])
    assert client.get(URL).status_code == status
    assert client.post(URL, {"indicator": "on_time", "weight": "2"}).status_code == status
    assert not ScoringWeightChange.objects.exists()


def test_with_no_stored_weight_the_first_change_keeps_the_other_defaults(client, people):
    from reports.models import ScoringWeight

    ScoringWeight.objects.all().delete()  # the score then uses the built-in defaults
    client.force_login(people["home_affairs"])
    client.post(URL, {"indicator": "online_payment", "weight": "2"})
    assert scoring_weights() == {
        "digitization": Decimal(1),
        "on_time": Decimal(1),
        "apology": Decimal(1),
        "online_payment": Decimal(2),
    }
