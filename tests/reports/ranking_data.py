"""A small province for the ranking tests, with every score worked out by hand.

2023-H1 (calendar), default weights and targets (100%, 100%, 100%, 30%):

| agency | digitization | on time | apology | online payment | score |
| --- | --- | --- | --- | --- | --- |
| S1 Sở Tư pháp | 2/2 | 2/2 | — | — | (1+1)/2 = 100 |
| S2 Sở Nội vụ | 2/2 | 2/2 | — | — | 100 |
| S3 Sở Tài chính | 1/2 | 2/2 | — | 1/2 (≥30%) | (0.5+1+1)/3 = 83.33… |
| H1 Hải Lăng (node, with xã Hải An) | 4/4 | 2/4 | 1/2 | — | (1+0.5+0.5)/3 = 66.66… |
| H2 Gio Linh | 0/1 | 1/1 | — | 0/1 | (0+1+0)/3 = 33.33… |

Province (QT node): digitization 9/11, on time 9/11, apology 1/2 (all three miss), online
payment 1/3 (meets 30%). Not eligible: S3 (digitization 1/2 < 9/11), H1 (on time 2/4 < 9/11),
H2 (digitization 0/1); H2's online payment 0% is below the province but the province meets it.

2022-H2 (the previous period): S3 one perfect dossier (100), S1 one late dossier without an
apology (digitization 1, on time 0, apology 0: 33.33…).
"""

from __future__ import annotations

from agencies.models import Agency, AgencyLevel, Domain, Procedure
from tests.reports.kpi_data import end_of_day, make_dossier, vn


def ranking_province_create() -> dict[str, Agency]:
    root = Agency.objects.create(code="QT", name="UBND tỉnh Quảng Trị", level=AgencyLevel.PROVINCE)
    made = {"QT": root}
    for code, name, level, parent in [
        ("S1", "Sở Tư pháp", AgencyLevel.DEPARTMENT, "QT"),
        ("S2", "Sở Nội vụ", AgencyLevel.DEPARTMENT, "QT"),
        ("S3", "Sở Tài chính", AgencyLevel.DEPARTMENT, "QT"),
        ("H1", "UBND huyện Hải Lăng", AgencyLevel.DISTRICT, "QT"),
        ("H1-X1", "UBND xã Hải An", AgencyLevel.COMMUNE, "H1"),
        ("H2", "UBND huyện Gio Linh", AgencyLevel.DISTRICT, "QT"),
    ]:
        made[code] = Agency.objects.create(code=code, name=name, level=level, parent=made[parent])
    land = Procedure.objects.create(
        code="1.000001", name="Đăng ký đất đai", domain=Domain.objects.create(name="Đất đai")
    )
    civil = Procedure.objects.create(
        code="1.001193",
        name="Đăng ký khai sinh",
        domain=Domain.objects.create(name="Hộ tịch"),
        paper_result=False,
    )

    def on_time(agency: str, procedure=civil, **extra) -> None:
        make_dossier(
            made[agency],
            procedure,
            received_at=vn(2023, 3, 1, 8),
            due_at=end_of_day(2023, 3, 10),
            finished_at=end_of_day(2023, 3, 5),
            **extra,
        )

    def late(agency: str, apology_at=None, procedure=land, year=2023) -> None:
        month = 3 if year == 2023 else 10
        make_dossier(
            made[agency],
            procedure,
            received_at=vn(year, month, 1, 8),
            due_at=end_of_day(year, month, 5),
            finished_at=end_of_day(year, month, 10),
            apology_at=apology_at,
        )

    on_time("S1")
    on_time("S1")
    on_time("S2")
    on_time("S2", procedure=land)
    on_time("S3", components_digitized=1, fee=50000, paid_online=True)
    on_time("S3", fee=50000)
    late("H1", apology_at=end_of_day(2023, 3, 6))
    late("H1-X1")
    on_time("H1-X1")
    on_time("H1-X1", procedure=land)
    on_time("H2", components_total=1, components_digitized=0, fee=20000)
    # 2022-H2
    make_dossier(
        made["S3"],
        civil,
        received_at=vn(2022, 10, 3, 8),
        due_at=end_of_day(2022, 10, 10),
        finished_at=end_of_day(2022, 10, 4),
    )
    late("S1", year=2022)
    return made


def ranking_personas_create() -> dict:
    """The personas' province (tests/personas.py) with a few 2023-H1 dossiers, facts computed.

    Sở Tài nguyên và Môi trường two perfect dossiers (score 100); Sở Nội vụ one perfect and one
    not digitized (digitization 1/2, on time 2/2: 75); huyện Hải Lăng one late dossier without an
    apology, digitized ((1 + 0 + 0) / 3 = 33,33); huyện Gio Linh nothing (no score, no rank).
    """
    from django.core.management import call_command

    from tests.personas import personas_create

    people = personas_create()
    agencies = {a.code: a for a in Agency.objects.all()}
    land = Procedure.objects.create(
        code="1.000001", name="Đăng ký đất đai", domain=Domain.objects.create(name="Đất đai")
    )

    def dossier(code: str, *, late: bool = False, digitized: int = 2) -> None:
        make_dossier(
            agencies[code],
            land,
            received_at=vn(2023, 3, 1, 8),
            due_at=end_of_day(2023, 3, 5),
            finished_at=end_of_day(2023, 3, 10 if late else 4),
            components_digitized=digitized,
        )

    dossier("STNMT")
    dossier("STNMT")
    dossier("SNV")
    dossier("SNV", digitized=0)
    dossier("HL", late=True)
    call_command("compute_kpis", "--full", verbosity=0)
    return people
