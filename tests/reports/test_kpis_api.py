"""GET /api/kpis/: the export JSON, limited to what each persona may see."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from agencies.models import Membership, Role
from reports.services import kpi_full_recompute
from tests.reports.kpi_data import end_of_day, make_dossier, vn

pytestmark = pytest.mark.django_db
URL = reverse("kpis_api")


@pytest.fixture
def data(tree):
    make_dossier(
        tree.department,
        tree.land,
        received_at=vn(2023, 3, 1),
        due_at=end_of_day(2023, 3, 10),
        finished_at=vn(2023, 3, 5),
    )
    make_dossier(
        tree.commune, tree.land, received_at=vn(2023, 3, 1), due_at=end_of_day(2023, 3, 10)
    )
    kpi_full_recompute()
    return tree


def persona(client, role: str | None, agency=None, superuser=False):
    user = User.objects.create_user(
        f"user-{role}-{superuser}", password="x", is_superuser=superuser
    )
    if role:
        Membership.objects.create(user=user, role=role, agency=agency)
    client.force_login(user)
    return client


def scopes(response) -> set[str]:
    return {row["agency"] for row in response.json()["rows"]}


class TestWhoSeesWhat:
    def test_a_province_officer_sees_every_agency_and_the_level_groups(self, client, data):
        response = persona(client, Role.PROVINCE_OFFICE).get(URL, {"period": "2023-03"})
        assert response.status_code == 200
        body = response.json()
        assert scopes(response) == {
            "QT",
            "STP",
            "HL",
            "HL-X1",
            "level:so",
            "level:huyen",
            "level:xa",
        }
        on_time = next(
            r for r in body["rows"] if r["agency"] == "QT" and r["indicator"] == "on_time"
        )
        # 31/03 23:59:59 is after the commune dossier's due date: 1 of 2 on time.
        assert (on_time["numerator"], on_time["denominator"], on_time["rate"]) == (1, 2, 0.5)
        assert on_time["target"] == 1.0 and on_time["meets_target"] is False
        assert body["start"] == "2023-03-01" and body["end"] == "2023-03-31"
        assert body["computed_at"].endswith("+07:00")

    def test_only_agencies_that_existed_in_the_period_have_rows(self, client, data):
        import datetime as dt

        from agencies.models import Agency, AgencyLevel

        # A department formed by a merger on 1/3/2025 and one dissolved on 28/2/2023.
        for code, valid_from, valid_to in (
            ("SMOI", dt.date(2025, 3, 1), None),
            ("SCU", None, dt.date(2023, 2, 28)),
        ):
            Agency.objects.create(
                code=code,
                name=code,
                level=AgencyLevel.DEPARTMENT,
                parent=data.province,
                valid_from=valid_from,
                valid_to=valid_to,
            )
        client = persona(client, Role.PROVINCE_OFFICE)
        march_2023 = scopes(client.get(URL, {"period": "2023-03"}))
        assert "SMOI" not in march_2023 and "SCU" not in march_2023
        assert "SCU" in scopes(client.get(URL, {"period": "2023-Q1"}))  # it existed in Jan–Feb
        assert "SMOI" in scopes(client.get(URL, {"period": "2025"}))

    def test_home_affairs_and_a_superuser_see_everything_too(self, client, data):
        assert "level:so" in scopes(persona(client, Role.HOME_AFFAIRS).get(URL, {"period": "2023"}))
        client.logout()
        assert "STP" in scopes(persona(client, None, superuser=True).get(URL, {"period": "2023"}))

    def test_a_district_chairman_sees_the_district_and_its_communes_only(self, client, data):
        response = persona(client, Role.AGENCY_HEAD, data.district).get(URL, {"period": "2023-03"})
        assert response.status_code == 200
        assert scopes(response) == {"HL", "HL-X1"}

    def test_a_department_head_asking_for_another_agency_gets_404(self, client, data):
        client = persona(client, Role.AGENCY_HEAD, data.department)
        assert client.get(URL, {"period": "2023-03", "agency": "HL"}).status_code == 404
        assert client.get(URL, {"period": "2023-03", "agency": "NOPE"}).status_code == 404
        own = client.get(URL, {"period": "2023-03", "agency": "STP"})
        assert scopes(own) == {"STP"}

    def test_a_province_officer_can_narrow_to_one_agency(self, client, data):
        response = persona(client, Role.PROVINCE_OFFICE).get(
            URL, {"period": "2023-03", "agency": "HL"}
        )
        assert scopes(response) == {"HL", "HL-X1"}

    def test_a_user_without_a_role_gets_403(self, client, data):
        assert persona(client, None).get(URL, {"period": "2023-03"}).status_code == 403

    def test_an_anonymous_visitor_is_sent_to_the_login_page(self, client, data):
        response = client.get(URL, {"period": "2023-03"})
        assert response.status_code == 302
        assert reverse("login") in response["Location"]


class TestParameters:
    def test_a_bad_period_is_a_400_with_a_vietnamese_message(self, client, data):
        response = persona(client, Role.PROVINCE_OFFICE).get(URL, {"period": "2023-Q9"})
        assert response.status_code == 400
        assert "Kỳ không hợp lệ" in response.json()["error"]

    def test_the_domain_filter_and_the_reporting_basis(self, client, data):
        client = persona(client, Role.PROVINCE_OFFICE)
        body = client.get(
            URL, {"period": "2023-03", "basis": "reporting", "domain": "Hộ tịch"}
        ).json()
        assert body["basis"] == "reporting" and body["domain"] == "Hộ tịch"
        assert body["start"] == "2023-02-15"
        assert all(row["denominator"] == 0 for row in body["rows"])
        assert client.get(URL, {"period": "2023-03", "domain": "Không có"}).status_code == 400

    def test_a_custom_range_is_computed_from_the_dossiers(self, client, data):
        body = (
            persona(client, Role.PROVINCE_OFFICE)
            .get(URL, {"period": "2023-03-01..2023-03-04"})
            .json()
        )
        on_time = next(
            r for r in body["rows"] if r["agency"] == "QT" and r["indicator"] == "on_time"
        )
        # Both still open on 04/03 and due 10/03.
        assert (on_time["numerator"], on_time["denominator"]) == (2, 2)
