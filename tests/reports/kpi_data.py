"""Small hand-made data for KPI tests: a tiny agency tree, two domains, dossier builders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from agencies.models import Agency, AgencyLevel, Domain, Procedure
from dossiers.models import Apology, Channel, Dossier, TouchedCell
from kpi_portal.periods import parse_period
from reports.selectors import kpi_table

_counter = iter(range(1, 10**9))


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0):
    """A local (Asia/Ho_Chi_Minh) aware datetime."""
    return timezone.make_aware(datetime(year, month, day, hour, minute, second))


def end_of_day(year: int, month: int, day: int):
    """A date without a time, for due/finished/apology dates: 23:59:59 of that day."""
    return vn(year, month, day, 23, 59, 59)


@dataclass
class Tree:
    province: Agency
    department: Agency
    district: Agency
    commune: Agency
    land: Procedure  # Đất đai, paper result
    civil: Procedure  # Hộ tịch, no paper result


def make_tree() -> Tree:
    province = Agency.objects.create(code="QT", name="UBND tỉnh", level=AgencyLevel.PROVINCE)
    department = Agency.objects.create(
        code="STP", name="Sở Tư pháp", level=AgencyLevel.DEPARTMENT, parent=province
    )
    district = Agency.objects.create(
        code="HL", name="UBND huyện Hải Lăng", level=AgencyLevel.DISTRICT, parent=province
    )
    commune = Agency.objects.create(
        code="HL-X1", name="UBND xã Hải An", level=AgencyLevel.COMMUNE, parent=district
    )
    land_domain = Domain.objects.create(name="Đất đai")
    civil_domain = Domain.objects.create(name="Hộ tịch")
    land = Procedure.objects.create(
        code="1.000001", name="Đăng ký đất đai", domain=land_domain, paper_result=True
    )
    civil = Procedure.objects.create(
        code="1.001193", name="Đăng ký khai sinh", domain=civil_domain, paper_result=False
    )
    return Tree(province, department, district, commune, land, civil)


def make_dossier(
    agency: Agency,
    procedure: Procedure,
    *,
    received_at: datetime,
    due_at: datetime,
    finished_at: datetime | None = None,
    channel: str = Channel.IN_PERSON,
    components_total: int = 2,
    components_digitized: int = 2,
    e_result: bool = False,
    fee: int = 0,
    paid_online: bool = False,
    apology_at: datetime | None = None,
    code: str | None = None,
) -> Dossier:
    dossier = Dossier.objects.create(
        code=code or f"T-{next(_counter):06d}",
        agency=agency,
        procedure=procedure,
        channel=channel,
        received_at=received_at,
        due_at=due_at,
        finished_at=finished_at,
        components_total=components_total,
        components_digitized=components_digitized,
        e_result=e_result,
        fee=fee,
        paid_online=paid_online,
    )
    if apology_at is not None:
        Apology.objects.create(dossier=dossier, issued_at=apology_at)
    touch(dossier)
    return dossier


def touched_months(dossier: Dossier) -> list[date]:
    """The convention of common.md: every month from receipt to finish (or today), inclusive."""
    first = timezone.localdate(dossier.received_at).replace(day=1)
    last_day = (
        timezone.localdate(dossier.finished_at) if dossier.finished_at else timezone.localdate()
    )
    months = []
    month = first
    while month <= last_day:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def touch(dossier: Dossier) -> None:
    """What the importer does for each version of a changed dossier."""
    TouchedCell.objects.bulk_create(
        [TouchedCell(agency_id=dossier.agency_id, month=m) for m in touched_months(dossier)],
        ignore_conflicts=True,
    )


def figures(period: str, basis: str = "calendar", domain: Domain | None = None) -> dict:
    """{(scope, indicator): (numerator, denominator)} of the KPI table."""
    table = kpi_table(period=parse_period(period, basis), domain=domain)
    return {(row.scope, row.indicator): (row.numerator, row.denominator) for row in table.rows}
