"""The pilot nominations in a real browser: a district chairman nominates two procedures and
submits; the province office then sees both in the compiled list, and the deadlines panel
counts the district as done.

The live server runs in another thread, so the clock is not frozen: the directive's dates are
set relative to today instead (nominations due in 5 days, the compiled list in 10), which keeps
the deadline ahead whenever the test runs.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from agencies.models import AgencyLevel, Domain, Procedure
from directives.models import Directive, DirectiveTask, TaskKind
from dossiers.models import Channel
from tests.e2e.conftest import DESKTOP, screenshot, sign_in
from tests.personas import PASSWORD, agencies_create, personas_create
from tests.reports.kpi_data import make_dossier

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    agencies = agencies_create()
    personas_create(agencies)
    today = timezone.localdate()
    directive = Directive.objects.create(
        number="08/CT-UBND",
        issued_on=today - dt.timedelta(days=10),
        title="Đẩy mạnh cải cách thủ tục hành chính",
        issuer="UBND tỉnh Quảng Trị",
    )
    DirectiveTask.objects.create(
        directive=directive,
        title="Đề xuất dịch vụ công trực tuyến toàn trình thí điểm",
        due_on=today + dt.timedelta(days=5),
        kind=TaskKind.PILOT_NOMINATION,
        assigned_levels=[AgencyLevel.DEPARTMENT, AgencyLevel.DISTRICT],
        pilot_starts_on=today + dt.timedelta(days=15),
    )
    compilation = DirectiveTask.objects.create(
        directive=directive,
        title="Tổng hợp, trình danh sách thí điểm",
        due_on=today + dt.timedelta(days=10),
        kind=TaskKind.PILOT_COMPILATION,
    )
    compilation.assigned_agencies.add(agencies["QT"])
    civil = Domain.objects.create(name="Hộ tịch")
    procedures = [
        Procedure.objects.create(code=code, name=name, domain=civil, full_process_eligible=eligible)
        for code, name, eligible in (
            ("1.001193", "Đăng ký khai sinh", True),
            ("1.000894", "Đăng ký kết hôn", True),
            ("1.004873", "Cấp bản sao trích lục hộ tịch", True),
            ("1.000656", "Đăng ký khai tử", False),
        )
    ]
    # Hải Lăng's recent birth registrations (3, two online) and marriages (1), so the picker
    # orders them first and shows figures.
    received = timezone.now() - dt.timedelta(days=30)
    for procedure, channel in (
        (procedures[0], Channel.ONLINE),
        (procedures[0], Channel.ONLINE),
        (procedures[0], Channel.IN_PERSON),
        (procedures[1], Channel.IN_PERSON),
    ):
        make_dossier(
            agencies["HL"],
            procedure,
            received_at=received,
            due_at=received + dt.timedelta(days=5),
            finished_at=received + dt.timedelta(days=2),
            channel=channel,
        )
    return agencies


def _panel_counts(page) -> str:
    return page.get_by_test_id("deadlines-panel").locator(".deadline").first.inner_text()


def test_a_head_nominates_two_and_submits_then_the_office_sees_them(
    page, browser, live_server, world
):
    # The province office first: Hải Lăng is among those that have not nominated.
    sign_in(page, "province_officer", PASSWORD)
    page.goto("/directives/")
    nomination_row = page.locator("section.card").first.locator('tr[data-agency="HL"]')
    assert "Còn 5 ngày" in nomination_row.inner_text()
    page.goto("/")
    assert "0/4 đơn vị đã hoàn thành" in _panel_counts(page)
    missing = page.get_by_test_id("deadlines-panel").locator(".missing").first
    assert missing.locator('[data-agency="HL"]').count() == 1

    # The district chairman, in a browser of their own.
    head_context = browser.new_context(viewport=DESKTOP, locale="vi-VN", base_url=live_server.url)
    head_context.set_default_timeout(10_000)
    head = head_context.new_page()
    try:
        sign_in(head, "district_chairman", PASSWORD)
        head.goto("/directives/pilot/")
        head.wait_for_url("**/directives/pilot/HL/")
        candidates = head.get_by_test_id("candidates")
        birth = candidates.locator('tr[data-code="1.001193"]')
        # 3 dossiers in 12 months, 2 online: 66,66%; all finished before their due date: 100%.
        assert birth.get_by_test_id("volume").inner_text() == "3"
        assert birth.get_by_test_id("online-rate").inner_text() == "66,66%"
        assert birth.get_by_test_id("on-time-rate").inner_text() == "100,00%"
        assert candidates.locator('tr[data-code="1.000656"]').count() == 0  # not eligible
        for code in ("1.001193", "1.000894"):
            candidates.locator(f'tr[data-code="{code}"]').get_by_role(
                "button", name="Đề xuất"
            ).click()
            head.wait_for_load_state()
            head.locator(f'[data-testid="nominated"] li[data-code="{code}"]').wait_for()
        assert head.get_by_text("Đã thêm thủ tục 1.000894.").count() == 1
        screenshot(head, "pilot-picker-two-nominated")
        head.get_by_role("button", name="Gửi danh sách đề xuất").click()
        head.get_by_test_id("submitted").wait_for()
        assert head.get_by_text("Đã gửi danh sách đề xuất.").count() == 1
        # A submitted list offers no more buttons to change it.
        assert head.get_by_role("button", name="Đề xuất", exact=True).count() == 0
        assert head.get_by_role("button", name="Gửi danh sách đề xuất").count() == 0
        # The pilot starts in 15 days: the list's result has no figures yet.
        result = head.get_by_test_id("own-pilot-result")
        assert "Thí điểm bắt đầu ngày " in result.inner_text()
        assert "chưa có số liệu" in result.inner_text()
        row = result.locator('tr.pilot-agency[data-agency="HL"]').inner_text()
        assert "thí điểm chưa bắt đầu" in row and "không có dữ liệu" in row
        screenshot(head, "pilot-submitted")
    finally:
        head_context.close()

    # The province office again: the compiled list holds both, and the panel has changed.
    page.goto("/directives/pilot/")
    compiled = page.get_by_test_id("compiled")
    assert compiled.locator('tr[data-agency="HL"]').evaluate_all(
        "rows => rows.map(r => r.dataset.code)"
    ) == ["1.000894", "1.001193"]
    status = page.get_by_test_id("agency-statuses").locator('tr[data-agency="HL"]')
    assert "Đã gửi lúc" in status.inner_text()
    screenshot(page, "pilot-compiled")
    page.goto("/")
    assert "1/4 đơn vị đã hoàn thành" in _panel_counts(page)
    missing = page.get_by_test_id("deadlines-panel").locator(".missing").first
    assert missing.locator('[data-agency="HL"]').count() == 0
    assert missing.locator('[data-agency="GL"]').count() == 1
    page.get_by_test_id("deadlines-panel").locator("summary").first.click()
    screenshot(page, "pilot-overview-panel-after")
    page.goto("/directives/")
    nomination_row = page.locator("section.card").first.locator('tr[data-agency="HL"]')
    assert "Hoàn thành đúng hạn" in nomination_row.inner_text()
    screenshot(page, "pilot-deadlines-after")
    assert [e for e in page.console_errors if not e.startswith("Failed to load resource")] == []
