"""Each role signs in with a real browser and sees what it may, and nothing else."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import PHONE, screenshot, sign_in
from tests.personas import PASSWORD, personas_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people():
    return personas_create()


def _nav_labels(page) -> list[str]:
    return page.locator("nav.mainnav a").all_inner_texts()


def test_the_province_officer_lands_on_the_portal_with_the_imports_link(page, people, live_server):
    sign_in(page, "province_officer", PASSWORD)
    assert page.url == f"{live_server.url}/"
    assert page.locator("header .who").inner_text() == "Nguyễn Thị Thu Hà"
    assert "Nhập dữ liệu" in _nav_labels(page)
    assert page.locator("h1").count() == 1
    screenshot(page, "landing-province-officer")
    screenshot(page, "landing-province-officer-phone", viewport=PHONE)


@pytest.mark.parametrize("persona", ["department_head", "district_chairman", "home_affairs"])
def test_other_roles_land_without_the_imports_link_and_are_refused_there(page, people, persona):
    sign_in(page, persona, PASSWORD)
    assert page.locator("header .who").is_visible()
    assert "Tổng quan" in _nav_labels(page)
    assert "Nhập dữ liệu" not in _nav_labels(page)
    screenshot(page, f"landing-{persona}")
    response = page.goto("/imports/")
    assert response.status == 403
    assert page.locator("h1").inner_text() == "Không có quyền truy cập"


def test_a_user_without_a_role_sees_only_the_page_saying_so(page, people):
    sign_in(page, "outsider", PASSWORD)
    assert page.locator("h1").inner_text() == "Tài khoản chưa được phân quyền"
    assert _nav_labels(page) == []
    for url in ("/", "/imports/"):
        response = page.goto(url)
        assert response.status == 403
        assert page.locator("h1").inner_text() == "Tài khoản chưa được phân quyền"
    screenshot(page, "landing-no-role")


def test_a_wrong_password_keeps_the_visitor_on_the_sign_in_page(page, people):
    sign_in(page, "province_officer", "not-the-password")
    assert "/login/" in page.url
    assert page.get_by_role("alert").is_visible()


def test_the_skip_link_is_the_first_stop_of_the_keyboard(page, people):
    sign_in(page, "province_officer", PASSWORD)
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Bỏ qua, đến nội dung chính"
    assert page.locator(".skip-link").is_visible()
