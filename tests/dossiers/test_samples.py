"""The sample files the imports page links (static/samples/) import cleanly into the demo's
catalogue, and store what docs/importing-from-one-stop.md says they do."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

import pytest

from agencies.models import Agency, Domain, Procedure
from dossiers.demo.reference import demo_agencies, demo_procedures
from dossiers.models import Apology, Channel, Dossier, DossierStatus
from tests.dossiers.conftest import run_import

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[2] / "static" / "samples"
LOCAL = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LOCAL)


@pytest.fixture
def demo_catalogue(db):
    """The Quảng Trị demo's agencies and procedures, without its dossiers."""
    made: dict[str, Agency] = {}
    for agency in demo_agencies():
        made[agency.code] = Agency.objects.create(
            code=agency.code,
            name=agency.name,
            level=agency.level,
            parent=made.get(agency.parent) if agency.parent else None,
        )
    domains: dict[str, Domain] = {}
    for procedure in demo_procedures():
        domain = domains.get(procedure.domain) or Domain.objects.create(name=procedure.domain)
        domains[procedure.domain] = domain
        Procedure.objects.create(
            code=procedure.code,
            name=procedure.name,
            domain=domain,
            paper_result=procedure.paper_result,
        )
    return made


def test_the_section_9_sample(demo_catalogue):
    outcome = run_import("import_dossiers", SAMPLES / "ho-so-muc-9.csv")

    assert outcome.stdout.strip() == "created 2, updated 0, unchanged 0, rejected 0"
    assert Apology.objects.get().dossier.code == "000.00.37.H45-240118-0022"


def test_the_sync_sample_with_agency_names_as_people_type_them(demo_catalogue):
    outcome = run_import("import_dossiers", SAMPLES / "ho-so-dong-bo-ten-don-vi.csv")

    assert outcome.stdout.strip() == "created 4, updated 0, unchanged 0, rejected 0"
    assert outcome.stderr == ""
    facts = {
        d.code[-4:]: (d.agency.code, d.procedure.code, d.status, d.finished_at)
        for d in Dossier.objects.select_related("agency", "procedure")
    }
    assert facts == {
        "0011": ("STP", "2.000488", DossierStatus.RETURNED, local(2024, 1, 22, 14, 30)),
        "0012": ("HL", "1.004222", DossierStatus.RETURNED, local(2024, 2, 2, 9, 0)),
        "0013": ("VL-HX", "1.001193", None, local(2024, 1, 16, 15, 30)),  # NgayTra
        "0014": ("VL-VT", "1.001193", DossierStatus.SUPPLEMENT_REQUESTED, None),
    }
    late = Dossier.objects.get(code__endswith="0012")
    assert late.late_reason == "Chờ ý kiến của cơ quan thuế"
    waiting = Dossier.objects.get(code__endswith="0014")
    assert (waiting.supplement_requests, waiting.supplement_requested_at) == (
        1,
        local(2024, 1, 18, 10, 0),
    )
    paid = Dossier.objects.get(code__endswith="0011")
    assert (paid.fee, paid.paid_online, paid.e_result) == (200_000, True, True)


def test_the_list_export_sample(demo_catalogue):
    outcome = run_import("import_dossiers", SAMPLES / "danh-sach-ho-so.xlsx")

    assert outcome.stdout.strip() == "created 3, updated 0, unchanged 0, rejected 0"
    facts = {
        d.code[-4:]: (d.agency.code, d.procedure.code, d.status, d.received_at, d.submitted_at)
        for d in Dossier.objects.select_related("agency", "procedure")
    }
    assert facts == {
        "0031": (
            "HL",
            "1.004222",
            DossierStatus.RETURNED,
            local(2024, 1, 22, 8, 0),
            local(2024, 1, 21, 20, 10),
        ),
        "0032": (
            "STP",
            "2.000488",
            DossierStatus.PROCESSING,
            local(2024, 1, 22, 9, 5),
            local(2024, 1, 22, 9, 0),
        ),
        "0033": ("VL-HX", "1.001193", DossierStatus.REGISTERED, None, local(2024, 1, 23, 21, 40)),
    }
    # A list export has no channel, components, e-result, fee or payment: unknown.
    assert set(Dossier.objects.values_list("channel", "fee", "e_result").distinct()) == {
        (None, None, None)
    }


def test_the_json_sample(demo_catalogue):
    outcome = run_import("import_dossiers", SAMPLES / "ho-so-dong-bo.json")

    assert outcome.stdout.strip() == "created 4, updated 0, unchanged 0, rejected 0"
    first = Dossier.objects.get(code__endswith="0001")
    assert (first.channel, first.fee, first.paid_online, first.e_result) == (
        Channel.ONLINE,
        200_000,
        True,
        True,
    )
    assert first.finished_at == local(2024, 1, 15, 10, 5)  # NgayKetThucXuLy wins over NgayTra
    supplemented = Dossier.objects.get(code__endswith="0002")
    assert (supplemented.supplement_requests, supplemented.supplement_completed_at) == (
        1,
        local(2024, 1, 16, 8, 0),
    )
    assert supplemented.apology.reason == "Chờ kết quả đo đạc địa chính"
    refused = Dossier.objects.get(code__endswith="0003")
    assert (refused.status, refused.received_at) == (DossierStatus.NOT_ACCEPTED, None)
    withdrawn = Dossier.objects.get(code__endswith="0004")
    assert (withdrawn.status, withdrawn.channel) == (DossierStatus.WITHDRAWN, Channel.POSTAL)
