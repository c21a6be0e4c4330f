"""Every page, partial, export and API URL × the five roles and an anonymous visitor.

Status codes per role (design.md, Roles), and for an agency head: no other agency's name or
figure in what comes back. Gio Linh (GL) has a figure no one else has: 4 of 7 on time, 57,14%.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from agencies.models import Domain, Procedure
from dossiers.models import Apology, Dossier
from reports.services import kpi_full_recompute
from tests.personas import agencies_create, personas_create
from tests.reports.kpi_data import end_of_day, make_dossier, vn

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
HX_OVERDUE = {"HX-Request": "true", "HX-Target": "overdue"}
H1 = "?period=2023-H1"
TARGET_POST = {"indicator": "on_time", "year": "2030", "level": "", "value_percent": "99"}

# (name, method, url, headers)
URLS = [
    ("overview", "get", "/" + H1, {}),
    ("overview partial", "get", "/" + H1, HX),
    ("department page", "get", "/agencies/STNMT/" + H1, {}),
    ("department partial", "get", "/agencies/STNMT/" + H1, HX),
    ("district page", "get", "/agencies/HL/" + H1, {}),
    ("district overdue partial", "get", "/agencies/HL/" + H1, HX_OVERDUE),
    ("commune page", "get", "/agencies/HL-TT/" + H1, {}),
    ("other district page", "get", "/agencies/GL/" + H1, {}),
    ("other district partial", "get", "/agencies/GL/" + H1, HX),
    ("missing agency", "get", "/agencies/NOPE/", {}),
    ("domains", "get", "/domains/" + H1, {}),
    ("domains partial", "get", "/domains/" + H1, HX),
    ("targets", "get", "/targets/", {}),
    ("targets change", "post", "/targets/", {}),
    ("imports", "get", "/imports/", {}),
    ("api", "get", "/api/kpis/?period=2023-H1", {}),
    ("api other agency", "get", "/api/kpis/?period=2023-H1&agency=GL", {}),
    ("rankings", "get", "/rankings/" + H1, {}),
    ("report 06", "get", "/reports/06/" + H1, {}),
    ("directives", "get", "/directives/", {}),
    ("pilot list", "get", "/directives/pilot/", {}),
    ("pilot results", "get", "/directives/pilot/results/", {}),
    ("apologies", "get", "/apologies/", {}),
    ("apology slip", "get", "/apologies/HL-2/slip.pdf", {}),
    ("apology slip docx", "get", "/apologies/HL-2/slip.docx", {}),
    ("apology slips zip", "get", "/apologies/slips.zip?dossier=HL-2", {}),
    ("audit log", "get", "/audit/", {}),
    ("audit log filtered", "get", "/audit/?action=target.change&agency=GL", HX),
    ("postings", "get", "/postings/", {}),
    ("postings other agency", "get", "/postings/?agency=GL", {}),
    ("postings upload", "post", "/postings/import/", {}),  # no file: the form answers 400
]

ALL_SEEING = {
    "overview": 200,
    "overview partial": 200,
    "department page": 200,
    "department partial": 200,
    "district page": 200,
    "district overdue partial": 200,
    "commune page": 200,
    "other district page": 200,
    "other district partial": 200,
    "missing agency": 404,
    "domains": 200,
    "domains partial": 200,
    "targets": 200,
    "targets change": 302,
    "imports": 200,
    "api": 200,
    "api other agency": 200,
    "rankings": 200,
    "report 06": 200,
    "directives": 200,
    "pilot list": 200,
    "pilot results": 200,
    "apologies": 200,
    "apology slip": 200,
    "apology slip docx": 200,
    "apology slips zip": 200,
    "audit log": 200,
    "audit log filtered": 200,
    "postings": 200,
    "postings other agency": 200,
    "postings upload": 400,
}
OFFICE_ONLY = ("targets", "targets change", "imports", "audit log", "audit log filtered")
HEAD_REFUSED = {
    name: 403 for name in ("domains", "domains partial", *OFFICE_ONLY, "postings upload")
}
# An agency head's pilot list is their own: /directives/pilot/ sends them to it.

EXPECTED: dict[str | None, dict[str, int]] = {
    "province_officer": ALL_SEEING,
    "home_affairs": ALL_SEEING
    | dict.fromkeys(
        (
            *OFFICE_ONLY,
            "pilot list",
            "apologies",
            "apology slip",
            "apology slip docx",
            "apology slips zip",
            "postings upload",
        ),
        403,
    ),
    "department_head": ALL_SEEING
    | HEAD_REFUSED
    | {
        "overview": 302,
        "overview partial": 302,
        "pilot list": 302,
        "pilot results": 302,  # to their own list, which shows their own result
        "district page": 404,
        "district overdue partial": 404,
        "commune page": 404,
        "other district page": 404,
        "other district partial": 404,
        "api other agency": 404,
        "postings other agency": 404,
        # Hải Lăng's dossier: not theirs.
        "apology slip": 404,
        "apology slip docx": 404,
        "apology slips zip": 404,
    },
    "district_chairman": ALL_SEEING
    | HEAD_REFUSED
    | {
        "overview": 302,
        "overview partial": 302,
        "pilot list": 302,
        "pilot results": 302,
        "department page": 404,
        "department partial": 404,
        "other district page": 404,
        "other district partial": 404,
        "api other agency": 404,
        "postings other agency": 404,
    },
    "outsider": {name: 403 for name, *_ in URLS},
    None: {name: 302 for name, *_ in URLS},  # anonymous: to the sign-in page
}
OWN_PAGES = {"department_head": "/agencies/STNMT/", "district_chairman": "/agencies/HL/"}
STRANGERS = {
    "department_head": ["Gio Linh", "Hải Lăng", "Sở Nội vụ", "Diên Sanh", "57,14%"],
    "district_chairman": ["Gio Linh", "Tài nguyên", "Sở Nội vụ", "57,14%"],
}


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def people() -> dict[str, User]:
    agencies = agencies_create()
    domain = Domain.objects.create(name="Đất đai")
    land = Procedure.objects.create(code="1.000001", name="Đăng ký đất đai", domain=domain)

    def dossiers(code: str, on_time: int, overdue: int) -> None:
        for n in range(on_time + overdue):
            make_dossier(
                agencies[code],
                land,
                received_at=vn(2023, 2, 1),
                due_at=end_of_day(2023, 2, 10),
                finished_at=vn(2023, 2, 5) if n < on_time else None,
                code=f"{code}-{n}",
            )

    dossiers("STNMT", 2, 0)
    dossiers("HL", 2, 1)
    dossiers("HL-TT", 1, 0)
    dossiers("GL", 4, 3)
    # HL-2 is overdue; its apology's slip is Hải Lăng's to download, and the office's.
    Apology.objects.create(
        dossier=Dossier.objects.get(code="HL-2"),
        issued_at=vn(2023, 2, 11),
        new_due_at=end_of_day(2023, 2, 20),
        reason="Hồ sơ cần xác minh thêm",
    )
    kpi_full_recompute()
    return personas_create(agencies)


@pytest.mark.parametrize("persona", list(EXPECTED), ids=lambda p: p or "anonymous")
def test_every_url_answers_each_role_as_it_should(client, people, persona):
    if persona:
        client.force_login(people[persona])
    seen = {}
    for name, method, url, headers in URLS:
        if method == "post":
            response = client.post(url, TARGET_POST, headers=headers)
        else:
            response = client.get(url, headers=headers)
        seen[name] = response.status_code
        body = response.content.decode(errors="replace")  # slips are binary
        if persona in STRANGERS and response.status_code == 200:
            for stranger in STRANGERS[persona]:
                assert stranger not in body, (name, stranger)
        if persona is None:
            assert response["Location"].startswith("/login/"), name
        if persona in OWN_PAGES and name == "overview":
            assert response["Location"].startswith(OWN_PAGES[persona])
    assert seen == EXPECTED[persona]


def test_a_superuser_without_a_role_sees_every_page(client, people):
    client.force_login(User.objects.create_superuser("root", password="x"))
    for name, method, url, headers in URLS:
        if method == "get":
            expected = 404 if name == "missing agency" else 200
            assert client.get(url, headers=headers).status_code == expected, name
