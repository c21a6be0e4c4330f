"""In a real browser: the content security policy is enforced (an inline script does not run) and
the pages need none; the audit log page works and filters without a page load.

The `page` fixture (tests/e2e/conftest.py) fails any test whose page reported a policy violation,
so every e2e test checks that the pages work under the policy; here an inline script is injected
on purpose to show that the browser really blocks it.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from agencies.audit import audit_record
from agencies.models import AuditAction, AuditEntry
from tests.e2e.conftest import PHONE, screenshot, sign_in
from tests.personas import PASSWORD, personas_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people():
    return personas_create()


def test_an_inline_script_is_blocked_on_the_overview_page(page, people):
    sign_in(page, "province_officer", PASSWORD)
    assert page.locator("h1").count() == 1
    # The page itself needs nothing the policy forbids.
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.inlineRan = true'; document.body.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.inlineRan === true") is False
    violations = [e for e in page.console_errors if "Content Security Policy" in e]
    assert violations, page.console_errors
    page.console_errors.clear()  # the violation was provoked on purpose


def test_the_province_officer_reads_and_filters_the_audit_log(page, people):
    officer, head = people["province_officer"], people["department_head"]
    for n, (actor, action, summary, before, after) in enumerate(
        [
            (
                officer,
                AuditAction.TARGET_CHANGE,
                "Chỉ tiêu on_time 2026",
                {"value": "0.95"},
                {"value": "0.99"},
            ),
            (
                head,
                AuditAction.APOLOGY_RECORD,
                "Xin lỗi hồ sơ H01-0001",
                None,
                {"dossier": "H01-0001", "apology_date": "2026-03-02"},
            ),
            (
                officer,
                AuditAction.IMPORT_APPLY,
                "Hồ sơ ho_so_thang_3.xlsx: thêm 120",
                None,
                {"created": 120, "updated": 4},
            ),
        ]
    ):
        entry = audit_record(
            actor=actor,
            action=action,
            subject_type="tests.thing",
            subject_id=str(n),
            summary=summary,
            before=before,
            after=after,
        )
        AuditEntry.objects.filter(pk=entry.pk).update(
            at=timezone.make_aware(dt.datetime(2026, 3, 2 + n, 9, 30))
        )
    sign_in(page, "province_officer", PASSWORD)
    page.get_by_role("link", name="Nhật ký").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Nhật ký thao tác"
    rows = page.get_by_test_id("audit-entry")
    assert rows.count() == 3
    assert "0.95" in rows.nth(2).inner_text() and "0.99" in rows.nth(2).inner_text()
    screenshot(page, "audit-log")
    screenshot(page, "audit-log-phone", viewport=PHONE)

    page.get_by_label("Thao tác", exact=True).select_option("apology.record")
    page.wait_for_url("**/audit/?*action=apology.record*")
    assert rows.count() == 1
    assert "Xin lỗi hồ sơ H01-0001" in rows.first.inner_text()
    assert page.get_by_test_id("audit-count").inner_text() == "1"

    # The apology was recorded on 03/03/2026: from 04/03/2026 on, nothing matches.
    page.get_by_label("Từ ngày").fill("04/03/2026")
    page.get_by_label("Từ ngày").press("Tab")
    page.wait_for_url("**/audit/?*date_from=04%2F03%2F2026*")
    assert rows.count() == 0
    assert page.get_by_text("Không có thao tác nào khớp bộ lọc.").is_visible()


def test_others_are_refused_the_audit_log(page, people):
    sign_in(page, "home_affairs", PASSWORD)
    response = page.goto("/audit/")
    assert response.status == 403
    assert page.locator("h1").inner_text() == "Không có quyền truy cập"


def test_a_chart_label_holding_markup_is_shown_as_text_without_a_policy_violation(page):
    """Issue 15 item 7: plotly.js reads labels as HTML; an agency named with a tag was drawn in
    bold, plotly set a style attribute for it, and the browser refused it (a console error on
    the rankings page for everyone). Names are now given to plotly escaped."""
    from agencies.models import Agency
    from tests.reports.ranking_data import ranking_personas_create

    ranking_personas_create()
    Agency.objects.filter(code="STNMT").update(name="Sở <b>Tài nguyên</b> & <i>Môi trường</i>")
    sign_in(page, "home_affairs", PASSWORD)
    page.goto("/rankings/?period=2023-H1")
    chart = page.locator('[data-chart="ranking-chart"]')
    chart.locator(".main-svg").first.wait_for()
    labels = chart.locator(".ytick text").all_text_contents()
    assert "Sở <b>Tài nguyên</b> & <i>Môi trường</i>" in labels
    # Hover every bar: the hover label shows the name too.
    for bar in chart.locator(".point").all():
        bar.hover(force=True)
        page.wait_for_timeout(100)
    assert not [e for e in page.console_errors if re.search("Content.Security.Policy", e, re.I)]
    # The same name is a heading in the table, escaped by the template as always.
    assert page.get_by_text("Sở <b>Tài nguyên</b> & <i>Môi trường</i>").first.is_visible()
