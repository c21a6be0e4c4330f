import pytest
from django.contrib.auth.models import User

from agencies.models import Agency, AgencyLevel, Membership, Role

pytestmark = pytest.mark.django_db


def test_the_home_page_asks_an_anonymous_visitor_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_user_without_a_role_sees_only_a_page_saying_so(client):
    user = User.objects.create_user("khach", password="x")
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 403
    assert "chưa được phân quyền" in response.content.decode()


def test_a_province_officer_sees_the_home_page_in_vietnamese(client):
    province = Agency.objects.create(
        code="QT", name="UBND tỉnh Quảng Trị", level=AgencyLevel.PROVINCE
    )
    user = User.objects.create_user("vanphong", password="x")
    Membership.objects.create(user=user, role=Role.PROVINCE_OFFICE, agency=province)
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    assert "Tổng quan toàn tỉnh" in response.content.decode()


def test_the_liveness_probe_answers(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_a_missing_page_answers_404_in_vietnamese_inside_the_portal_layout(client):
    user = User.objects.create_user("vanphong", password="x")
    Membership.objects.create(user=user, role=Role.PROVINCE_OFFICE)
    client.force_login(user)
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Không tìm thấy trang" in body and "Not Found" not in body
