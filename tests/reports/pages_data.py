"""A small hand-worked data set for the page tests (figures worked out in the docstring).

2023-H1, calendar basis. Default targets: 100% except online submission 50%, online payment 30%.

Sở Tư pháp (STP, department):
  d1 land, recv 01/03 due 10/03 done 05/03, online, fee paid online, e-result  -> on time
  d2 land, recv 01/03 due 10/03 done 12/03, 1 of 2 components digitized,
     apology 11/03                                                              -> late
  d3 civil, recv 02/03 due 20/03 done 15/03, fee not paid online                -> on time
  d4 civil, recv 03/03 due 10/03, still open                                    -> overdue
  digitization 3/4 = 75,00%; on time 2/4 = 50,00%; apology 1/2 = 50,00%;
  online submission 1/4 = 25,00%; online payment 1/2 = 50,00%; e-result (land is paper,
  civil is not) 1/2 = 50,00%.
UBND huyện Hải Lăng (HL, district), own:
  h1 land, recv 05/04 due 15/04 done 10/04, online, fee paid online            -> on time
  h2 land, recv 05/04 due 15/04, open, apology 20/04                           -> overdue
UBND xã Hải An (HL-X1, commune of HL):
  x1 civil, recv 01/05 due 05/05 done 04/05                                    -> on time
HL node: on time 2/3 = 66,66% (cut, not 66,67%); level:huyen (HL's own): 1/2 = 50,00%.
Province: on time 4/7 = 57,14%; overdue 3 (land 2 = 66,66%, civil 1 = 33,33%);
  apology 2/3 = 66,66%; digitization 6/7 = 85,71%.
"""

from __future__ import annotations

from reports.services import kpi_full_recompute
from tests.reports.kpi_data import Tree, end_of_day, make_dossier, vn


def pages_data_create(tree: Tree) -> Tree:
    t = tree
    make_dossier(
        t.department,
        t.land,
        received_at=vn(2023, 3, 1),
        due_at=end_of_day(2023, 3, 10),
        finished_at=vn(2023, 3, 5, 9),
        channel="truc_tuyen",
        fee=10000,
        paid_online=True,
        e_result=True,
        code="STP-1",
    )
    make_dossier(
        t.department,
        t.land,
        received_at=vn(2023, 3, 1),
        due_at=end_of_day(2023, 3, 10),
        finished_at=vn(2023, 3, 12, 9),
        components_digitized=1,
        apology_at=end_of_day(2023, 3, 11),
        code="STP-2",
    )
    make_dossier(
        t.department,
        t.civil,
        received_at=vn(2023, 3, 2),
        due_at=end_of_day(2023, 3, 20),
        finished_at=vn(2023, 3, 15, 9),
        fee=5000,
        code="STP-3",
    )
    make_dossier(
        t.department,
        t.civil,
        received_at=vn(2023, 3, 3),
        due_at=end_of_day(2023, 3, 10),
        code="STP-4",
    )
    make_dossier(
        t.district,
        t.land,
        received_at=vn(2023, 4, 5),
        due_at=end_of_day(2023, 4, 15),
        finished_at=vn(2023, 4, 10, 9),
        channel="truc_tuyen",
        fee=20000,
        paid_online=True,
        code="HL-1",
    )
    make_dossier(
        t.district,
        t.land,
        received_at=vn(2023, 4, 5),
        due_at=end_of_day(2023, 4, 15),
        apology_at=end_of_day(2023, 4, 20),
        code="HL-2",
    )
    make_dossier(
        t.commune,
        t.civil,
        received_at=vn(2023, 5, 1),
        due_at=end_of_day(2023, 5, 5),
        finished_at=vn(2023, 5, 4, 9),
        code="X1-1",
    )
    kpi_full_recompute()
    return t
