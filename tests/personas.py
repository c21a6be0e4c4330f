"""Named people for permission tests (style.md): one per role, plus an outsider with no role.

people = personas_create()
client.force_login(people["province_officer"])
"""

from __future__ import annotations

from django.contrib.auth.models import User

from agencies.models import Agency, AgencyLevel, Membership, Role

PASSWORD = "a-long-test-password-42"
PERSONAS = ("province_officer", "department_head", "district_chairman", "home_affairs", "outsider")


def agencies_create() -> dict[str, Agency]:
    """The province, two departments, a district with one commune, and another district."""
    province = Agency.objects.create(
        code="QT", name="UBND tỉnh Quảng Trị", level=AgencyLevel.PROVINCE
    )
    made = {"QT": province}
    for code, name, level, parent in [
        ("STNMT", "Sở Tài nguyên và Môi trường", AgencyLevel.DEPARTMENT, "QT"),
        ("SNV", "Sở Nội vụ", AgencyLevel.DEPARTMENT, "QT"),
        ("HL", "UBND huyện Hải Lăng", AgencyLevel.DISTRICT, "QT"),
        ("HL-TT", "UBND thị trấn Diên Sanh", AgencyLevel.COMMUNE, "HL"),
        ("GL", "UBND huyện Gio Linh", AgencyLevel.DISTRICT, "QT"),
    ]:
        made[code] = Agency.objects.create(code=code, name=name, level=level, parent=made[parent])
    return made


def personas_create(agencies: dict[str, Agency] | None = None) -> dict[str, User]:
    agencies = agencies or agencies_create()
    roles = {
        "province_officer": (Role.PROVINCE_OFFICE, "QT", "Nguyễn Thị Thu Hà"),
        "department_head": (Role.AGENCY_HEAD, "STNMT", "Trần Quốc Bảo"),
        "district_chairman": (Role.AGENCY_HEAD, "HL", "Hoàng Minh Tuấn"),
        "home_affairs": (Role.HOME_AFFAIRS, "SNV", "Lê Văn Hùng"),
        "outsider": (None, None, "Phạm Thị Lan"),
    }
    people = {}
    for name, (role, agency, full_name) in roles.items():
        first, last = full_name.rsplit(" ", 1)
        user = User.objects.create_user(name, password=PASSWORD, first_name=first, last_name=last)
        if role is not None:
            Membership.objects.create(user=user, role=role, agency=agencies[agency])
        people[name] = user
    return people
