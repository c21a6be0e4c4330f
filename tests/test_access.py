"""Role helpers (agencies/access.py), the menu per role and the demo-password refusal."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.http import Http404, HttpRequest, HttpResponse
from django.template import Context, Template
from django.test import RequestFactory

from agencies.access import (
    agency_for_user_or_404,
    membership_for,
    require_role,
    visible_agencies,
)
from agencies.models import Role
from agencies.navigation import nav_items_for
from tests.personas import PASSWORD, agencies_create, personas_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def agencies():
    return agencies_create()


@pytest.fixture
def people(agencies):
    return personas_create(agencies)


def _request(user) -> HttpRequest:
    request = RequestFactory().get("/somewhere/")
    request.user = user
    return request


@require_role(Role.PROVINCE_OFFICE)
def _office_only(request: HttpRequest) -> HttpResponse:
    return HttpResponse("office page")


@require_role()
def _any_role(request: HttpRequest) -> HttpResponse:
    return HttpResponse("page for every role")


class TestRequireRole:
    def test_it_sends_an_anonymous_visitor_to_sign_in(self):
        response = _office_only(_request(AnonymousUser()))
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=/somewhere/")

    def test_it_shows_the_no_role_page_to_a_user_without_a_role(self, people):
        response = _any_role(_request(people["outsider"]))
        assert response.status_code == 403
        assert "chưa được phân quyền" in response.content.decode()

    def test_the_no_role_page_wins_over_the_no_permission_page(self, people):
        response = _office_only(_request(people["outsider"]))
        assert response.status_code == 403
        assert "chưa được phân quyền" in response.content.decode()

    def test_it_shows_the_no_permission_page_to_another_role(self, people):
        for name in ("department_head", "district_chairman", "home_affairs"):
            response = _office_only(_request(people[name]))
            assert response.status_code == 403, name
            assert "Không có quyền truy cập" in response.content.decode()

    def test_it_lets_the_role_and_a_superuser_through(self, people):
        admin = User.objects.create_superuser("root", password=PASSWORD)
        assert _office_only(_request(people["province_officer"])).content == b"office page"
        assert _office_only(_request(admin)).content == b"office page"

    def test_any_role_opens_a_page_for_every_role(self, people):
        for name in ("province_officer", "department_head", "home_affairs"):
            assert _any_role(_request(people[name])).status_code == 200, name


class TestVisibleAgencies:
    def test_province_office_and_home_affairs_see_every_agency(self, people, agencies):
        for name in ("province_officer", "home_affairs"):
            assert set(visible_agencies(people[name])) == set(agencies.values()), name

    def test_a_superuser_without_membership_sees_every_agency(self, agencies):
        admin = User.objects.create_superuser("root", password=PASSWORD)
        assert visible_agencies(admin).count() == 6

    def test_a_district_chairman_sees_the_district_and_its_communes_only(self, people):
        codes = set(visible_agencies(people["district_chairman"]).values_list("code", flat=True))
        assert codes == {"HL", "HL-TT"}

    def test_a_department_head_sees_only_the_department(self, people):
        codes = set(visible_agencies(people["department_head"]).values_list("code", flat=True))
        assert codes == {"STNMT"}

    def test_an_outsider_and_an_anonymous_visitor_see_nothing(self, people):
        assert not visible_agencies(people["outsider"]).exists()
        assert not visible_agencies(AnonymousUser()).exists()


class TestAgencyForUserOr404:
    def test_it_returns_an_agency_within_the_subtree(self, people):
        request = _request(people["district_chairman"])
        assert agency_for_user_or_404(request, "HL-TT").name == "UBND thị trấn Diên Sanh"

    def test_another_agency_answers_404_like_a_missing_one(self, people):
        request = _request(people["district_chairman"])
        for code in ("GL", "QT", "STNMT", "NO-SUCH"):
            with pytest.raises(Http404):
                agency_for_user_or_404(request, code)

    def test_the_province_office_opens_any_agency(self, people):
        request = _request(people["province_officer"])
        assert agency_for_user_or_404(request, "GL").code == "GL"


def test_membership_for_looks_the_role_up_once_per_request(people, django_assert_num_queries):
    request = _request(User.objects.get(username="home_affairs"))
    with django_assert_num_queries(1):
        assert membership_for(request).role == Role.HOME_AFFAIRS
        assert membership_for(request).role == Role.HOME_AFFAIRS


class TestNavigation:
    def _labels(self, user) -> list[str]:
        return [str(item["label"]) for item in nav_items_for(_request(user))]

    def test_the_province_office_sees_the_imports_link(self, people):
        labels = self._labels(people["province_officer"])
        assert labels[0] == "Tổng quan"
        assert "Nhập dữ liệu" in labels

    def test_agency_heads_and_home_affairs_do_not_see_the_imports_link(self, people):
        for name in ("department_head", "district_chairman", "home_affairs"):
            labels = self._labels(people[name])
            assert "Tổng quan" in labels, name
            assert "Nhập dữ liệu" not in labels, name

    def test_department_heads_and_district_chairmen_reach_their_ranking_row_and_report06(
        self, people
    ):
        for name in ("department_head", "district_chairman"):
            items = nav_items_for(_request(people[name]))
            urls = {str(item["label"]): item["url"] for item in items}
            assert urls.get("Xếp hạng") == "/rankings/", name
            assert urls.get("Biểu 06") == "/reports/06/", name

    def test_a_user_without_a_role_gets_no_menu(self, people):
        assert self._labels(people["outsider"]) == []
        assert self._labels(AnonymousUser()) == []


class TestDemoPasswordRefusal:
    @pytest.fixture
    def demo_user(self, agencies):
        from agencies.models import Membership

        user = User.objects.create_user("vanphong", password="demo")
        Membership.objects.create(user=user, role=Role.PROVINCE_OFFICE, agency=agencies["QT"])
        return user

    def test_the_demo_password_is_refused_when_debug_is_off(self, client, settings, demo_user):
        settings.DEBUG = False
        response = client.post("/login/", {"username": "vanphong", "password": "demo"})
        assert response.status_code == 200  # the form again, with its error
        assert "_auth_user_id" not in client.session
        assert not client.login(username="vanphong", password="demo")

    def test_the_demo_password_opens_the_portal_when_debug_is_on(self, client, settings, demo_user):
        settings.DEBUG = True
        response = client.post("/login/", {"username": "vanphong", "password": "demo"})
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(demo_user.pk)

    def test_a_real_password_works_when_debug_is_off(self, client, settings, people):
        settings.DEBUG = False
        response = client.post("/login/", {"username": "home_affairs", "password": PASSWORD})
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(people["home_affairs"].pk)


class TestVietnameseNumberFilters:
    def _render(self, source: str, **context) -> str:
        return Template("{% load kpi_format %}" + source).render(Context(context))

    def test_numbers_get_dots_between_thousands(self):
        assert self._render("{{ n|vn_number }}", n=151606) == "151.606"

    def test_rates_are_cut_to_two_decimals_with_a_comma(self):
        assert self._render("{% vn_rate 151606 152243 %}") == "99,58%"
        assert self._render("{% vn_rate 293 637 %}") == "45,99%"
        assert self._render("{{ r|vn_percent }}", r=0.29) == "29,00%"

    def test_an_undefined_rate_is_a_dash(self):
        assert self._render("{% vn_rate 0 0 %}|{{ r|vn_percent }}", r=None) == "—|—"
