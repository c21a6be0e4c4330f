"""The demo's staff postings on a small tree: one case of each flag, and a merged agency."""

from __future__ import annotations

import datetime as dt

import pytest

from agencies.models import Agency, AgencyLevel, StaffPosting
from agencies.posting_selectors import postings_overview
from agencies.postings import Flag
from directives.posting_demo import MERGED_CODE, posting_demo_load
from tests.personas import agencies_create

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 26)


@pytest.fixture
def tree():
    agencies = agencies_create()  # QT; STNMT, SNV, HL (HL-TT), GL
    for code in ("SYT", "SXD", "SGTVT", "STC", "SKHDT", "SNGV", "STP"):
        agencies[code] = Agency.objects.create(
            code=code, name=f"Sở {code}", level=AgencyLevel.DEPARTMENT, parent=agencies["QT"]
        )
    agencies["CC"] = Agency.objects.create(
        code="CC", name="UBND huyện Cồn Cỏ", level=AgencyLevel.DISTRICT, parent=agencies["QT"]
    )
    return agencies


def flagged(overview) -> dict[str, set[str]]:
    result: dict[str, set[str]] = {}
    for row in overview.rows:
        for finding in row.findings:
            result.setdefault(finding.flag, set()).add(row.posting.agency.code)
    return result


def test_the_demo_shows_one_case_of_each_flag(tree):
    posting_demo_load(today=TODAY)
    overview = postings_overview(scope=None, on=TODAY)
    assert flagged(overview) == {
        Flag.TOO_SHORT: {"SXD", "HL"},  # SXD planned 3 months; HL called back after 3
        Flag.TOO_LONG: {"SGTVT"},  # planned 30 months
        Flag.ENDING_SOON: {"SYT"},  # ends 06/12/2026, 10 days on
        Flag.ROTATION: {MERGED_CODE},  # the same former unit twice in a row
        Flag.MERGED_TOO_LONG: {MERGED_CODE},  # that turn is planned for 6 months
    }
    # Left unstaffed: Sở Ngoại vụ and Cồn Cỏ as planned, and Hải Lăng, whose person was called
    # back. STC and SKHDT are covered by the merged agency (formed 01/03/2025).
    assert [a.code for a in overview.unstaffed] == ["CC", "HL", "SNGV"]
    merged = Agency.objects.get(code=MERGED_CODE)
    assert merged.valid_from == dt.date(2025, 3, 1)
    assert sorted(merged.merged_from.values_list("code", flat=True)) == ["SKHDT", "STC"]


def test_loading_again_replaces_the_demo_postings_and_keeps_one_merged_agency(tree):
    first = posting_demo_load(today=TODAY)
    again = posting_demo_load(today=TODAY)
    assert first == again == StaffPosting.objects.count()
    assert Agency.objects.filter(merged_from__isnull=False).distinct().count() == 1


def test_it_keeps_postings_that_are_not_the_demo_s(tree):
    StaffPosting.objects.create(
        person_name="Người thật",
        staff_code="CB-1",
        agency=tree["SNV"],
        start_on=dt.date(2026, 1, 1),
        planned_end_on=dt.date(2026, 12, 31),
    )
    posting_demo_load(today=TODAY)
    posting_demo_load(today=TODAY)
    assert StaffPosting.objects.filter(staff_code="CB-1").count() == 1
