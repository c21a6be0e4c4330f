"""The directive pages: who sees which list, the picker's volumes, the compiled list and its
XLSX, the deadlines panel on the report pages."""

from __future__ import annotations

import datetime as dt
import re
from io import BytesIO

import pytest
import time_machine
from django.contrib.messages import get_messages
from openpyxl import load_workbook

from directives.models import PilotNomination, PilotSubmission, TaskCompletion
from directives.services import pilot_nominate, pilot_submit
from dossiers.models import Channel
from tests.directives.directive_data import pilot_data_create, vn
from tests.personas import agencies_create, personas_create
from tests.reports.kpi_data import end_of_day, make_dossier

pytestmark = pytest.mark.django_db


@pytest.fixture
def agencies():
    return agencies_create()


@pytest.fixture
def people(agencies):
    return personas_create(agencies)


@pytest.fixture
def data(agencies):
    return pilot_data_create(agencies)


def _client(client, user):
    client.force_login(user)
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _state():
    return (
        sorted(PilotNomination.objects.values_list("agency__code", "procedure__code")),
        sorted(PilotSubmission.objects.values_list("agency__code", "submitted_at")),
        TaskCompletion.objects.count(),
    )


class TestWhoSeesWhichList:
    def test_an_agency_head_is_sent_to_their_own_list(self, client, people, data):
        response = _client(client, people["district_chairman"]).get("/directives/pilot/")
        assert response.status_code == 302 and response.url == "/directives/pilot/HL/"

    def test_another_agencys_list_answers_404_and_posting_to_it_changes_nothing(
        self, client, people, data
    ):
        c = _client(client, people["district_chairman"])
        assert c.get("/directives/pilot/STNMT/").status_code == 404
        before = _state()
        response = c.post(
            "/directives/pilot/STNMT/", {"action": "nominate", "procedure": data.eligible.code}
        )
        assert response.status_code == 404
        assert "không thuộc đơn vị của bạn" in response.content.decode()
        assert _state() == before

    def test_nothing_of_another_agencys_list_can_be_changed(self, client, people, agencies, data):
        # STNMT has a submitted list; HL's head tries to withdraw from it, submit it, reopen it.
        pilot_nominate(
            task=data.nomination, agency=agencies["STNMT"], procedure=data.eligible, user=None
        )
        pilot_submit(task=data.nomination, agency=agencies["STNMT"], user=None, now=vn(2023, 7, 18))
        c = _client(client, people["district_chairman"])
        before = _state()
        # Another agency's list: 404 (design.md), the same answer as for an agency that does
        # not exist, so the page never confirms which agencies are there.
        for code in ("STNMT", "NOPE"):
            for post in (
                {"action": "withdraw", "procedure": data.eligible.code},
                {"action": "submit"},
            ):
                response = c.post(f"/directives/pilot/{code}/", post)
                assert response.status_code == 404, (code, post)
                assert "không thuộc đơn vị của bạn" in response.content.decode()
        # Reopening is the province office's function, not a page of one agency: an agency head
        # gets the no-permission page for every code alike (docs/decisions.md, Access).
        for code in ("STNMT", "HL", "NOPE"):
            response = c.post(f"/directives/pilot/{code}/reopen/", {})
            assert response.status_code == 403, code
            assert response.templates[0].name == "no_permission.html"
        assert _state() == before

    def test_an_unknown_agency_answers_404_too(self, client, people, data):
        assert (
            _client(client, people["district_chairman"]).get("/directives/pilot/NOPE/").status_code
            == 404
        )

    def test_home_affairs_may_not_open_the_pilot_pages(self, client, people, data):
        assert _client(client, people["home_affairs"]).get("/directives/pilot/").status_code == 403

    def test_someone_without_a_role_sees_the_no_role_page(self, client, people, data):
        assert _client(client, people["outsider"]).get("/directives/").status_code == 403

    def test_an_anonymous_visitor_is_sent_to_sign_in(self, client, data):
        assert client.get("/directives/").status_code == 302

    def test_the_province_office_may_look_at_a_list_but_not_change_it(self, client, people, data):
        c = _client(client, people["province_officer"])
        assert c.get("/directives/pilot/HL/").status_code == 200
        response = c.post(
            "/directives/pilot/HL/", {"action": "nominate", "procedure": data.eligible.code}
        )
        assert response.status_code == 404
        assert PilotNomination.objects.count() == 0

    def test_the_nav_shows_nhiem_vu(self, client, people, data):
        html = _client(client, people["district_chairman"]).get("/directives/").content.decode()
        assert 'href="/directives/"' in html and "Nhiệm vụ" in html


class TestThePicker:
    @pytest.mark.parametrize(
        ("real", "portal_today"),
        [
            (vn(2023, 7, 15, 9), None),
            # The demo's portal: years later in reality, 15/7/2023 for the portal. The window is
            # the 12 months before the portal's today, so the volumes are the same.
            (vn(2026, 12, 5, 9), dt.date(2023, 7, 15)),
        ],
        ids=["real-date", "portal-today"],
    )
    def test_it_lists_eligible_procedures_with_the_agencys_volume_over_12_months(
        self, client, people, agencies, data, settings, request, real, portal_today
    ):
        settings.PORTAL_TODAY = portal_today
        traveller = time_machine.travel(real, tick=False)
        traveller.start()
        request.addfinalizer(traveller.stop)
        hl, gl = agencies["HL"], agencies["GL"]
        # HL: 2 birth registrations in the window (one online), 1 before it (14/7/2022);
        # GL's dossier is not HL's.
        for day, channel in (
            (dt.date(2023, 1, 5), Channel.ONLINE),
            (dt.date(2022, 7, 16), Channel.IN_PERSON),
            (dt.date(2022, 7, 14), Channel.IN_PERSON),
        ):
            make_dossier(
                hl,
                data.eligible,
                received_at=vn(day.year, day.month, day.day),
                due_at=end_of_day(day.year, day.month, day.day + 3),
                channel=channel,
            )
        make_dossier(gl, data.eligible, received_at=vn(2023, 3, 1), due_at=end_of_day(2023, 3, 4))
        html = (
            _client(client, people["district_chairman"])
            .get("/directives/pilot/HL/")
            .content.decode()
        )
        assert 'data-code="1.001193"' in html and 'data-code="1.004227"' in html
        assert 'data-code="1.000001"' not in html  # not eligible for full-process service
        row = html.split('<tr data-code="1.001193">')[1].split("</tr>")[0]
        assert '<td class="num" data-testid="volume">2</td>' in row
        assert '<td class="num">1</td>' in row
        assert "(từ 15/07/2022 đến 15/07/2023)" in html

    @time_machine.travel(vn(2023, 7, 15, 9), tick=False)
    def test_it_shows_the_online_share_and_the_on_time_rate_over_the_same_12_months(
        self, client, people, agencies, data
    ):
        # Window W = [15/7/2022 09:00, 15/7/2023 09:00]; HL's birth registrations:
        hl = agencies["HL"]
        for received, due, finished, channel in (
            # 1. received in W, finished before its due date: on time; online
            (vn(2023, 1, 5), end_of_day(2023, 1, 8), vn(2023, 1, 7), Channel.ONLINE),
            # 2. received in W, finished a day after its due date: late
            (vn(2022, 7, 16, 10), end_of_day(2022, 7, 19), vn(2022, 7, 20), Channel.IN_PERSON),
            # 3. received before W, finished in it, on time: handled, not in the volume
            (vn(2022, 7, 1), end_of_day(2022, 7, 25), vn(2022, 7, 20), Channel.IN_PERSON),
            # 4. finished before W starts: not handled in W
            (vn(2022, 6, 1), end_of_day(2022, 6, 12), vn(2022, 6, 10), Channel.IN_PERSON),
            # 5. still open, due after the end of W: on time; online
            (vn(2023, 7, 10), end_of_day(2023, 7, 20), None, Channel.ONLINE),
            # 6. still open, due before the end of W: overdue
            (vn(2023, 7, 1), end_of_day(2023, 7, 10), None, Channel.IN_PERSON),
        ):
            make_dossier(
                hl,
                data.eligible,
                received_at=received,
                due_at=due,
                finished_at=finished,
                channel=channel,
            )
        # Volume (received in W): 1, 2, 5, 6 = 4, of which online 1 and 5: 2/4 = 50,00%.
        # Handled in W: 1, 2, 3, 5, 6 = 5, on time 1, 3, 5: 3/5 = 60,00%.
        html = (
            _client(client, people["district_chairman"])
            .get("/directives/pilot/HL/")
            .content.decode()
        )
        row = html.split('<tr data-code="1.001193">')[1].split("</tr>")[0]
        assert '<td class="num" data-testid="volume">4</td>' in row
        assert '<td class="num" data-testid="online-rate">50,00%</td>' in row
        assert '<td class="num" data-testid="on-time-rate">60,00%</td>' in row
        # No dossier of the other eligible procedure: both rates are undefined, not 0%.
        other = html.split('<tr data-code="1.004227">')[1].split("</tr>")[0]
        assert '<td class="num" data-testid="on-time-rate">—</td>' in other
        assert '<td class="num" data-testid="online-rate">—</td>' in other

    def test_the_picker_reads_its_figures_in_one_query_whatever_the_catalogue(
        self, agencies, data, django_assert_num_queries
    ):
        from agencies.models import Procedure
        from directives.selectors import pilot_candidates

        with django_assert_num_queries(1):
            few = list(pilot_candidates(agency=agencies["HL"], now=vn(2023, 7, 15)))
        for n in range(20):
            Procedure.objects.create(
                code=f"2.{n:06d}",
                name=f"TT {n}",
                domain=data.eligible.domain,
                full_process_eligible=True,
            )
            make_dossier(
                agencies["HL"],
                Procedure.objects.get(code=f"2.{n:06d}"),
                received_at=vn(2023, 3, 1),
                due_at=end_of_day(2023, 3, 2),
            )
        with django_assert_num_queries(1):
            many = list(pilot_candidates(agency=agencies["HL"], now=vn(2023, 7, 15)))
        assert (len(few), len(many)) == (2, 22)
        assert many[0].handled == 1 and many[0].on_time == 0  # open, due 2/3: overdue

    def test_nominating_a_procedure_not_eligible_gives_a_clear_message_and_changes_nothing(
        self, client, people, data
    ):
        c = _client(client, people["district_chairman"])
        response = c.post(
            "/directives/pilot/HL/",
            {"action": "nominate", "procedure": data.not_eligible.code},
            follow=True,
        )
        assert any(
            "chưa đủ điều kiện cung cấp dịch vụ công trực tuyến toàn trình" in m
            for m in _messages(response)
        )
        assert PilotNomination.objects.count() == 0

    def test_a_not_eligible_procedure_leaves_the_list_as_it_was(self, client, people, data):
        c = _client(client, people["district_chairman"])
        c.post("/directives/pilot/HL/", {"action": "nominate", "procedure": data.eligible.code})
        before = _state()
        response = c.post(
            "/directives/pilot/HL/",
            {"action": "nominate", "procedure": data.not_eligible.code},
            follow=True,
        )
        assert any("1.000001 chưa đủ điều kiện" in m for m in _messages(response))
        assert _state() == before == ([("HL", "1.001193")], [], 0)

    def test_an_unknown_procedure_or_one_not_on_the_list_gives_a_message(
        self, client, people, data
    ):
        c = _client(client, people["district_chairman"])
        unknown = c.post(
            "/directives/pilot/HL/", {"action": "nominate", "procedure": "9.999999"}, follow=True
        )
        assert any("Không tìm thấy thủ tục" in m for m in _messages(unknown))
        absent = c.post(
            "/directives/pilot/HL/",
            {"action": "withdraw", "procedure": data.eligible.code},
            follow=True,
        )
        assert any("không có trong danh sách đề xuất" in m for m in _messages(absent))
        assert _state() == ([], [], 0)

    @time_machine.travel(vn(2023, 7, 18, 9), tick=False)
    def test_nominating_two_then_submitting_twice_refuses_the_second_time(
        self, client, people, data
    ):
        c = _client(client, people["district_chairman"])
        for procedure in (data.eligible, data.eligible_too):
            c.post("/directives/pilot/HL/", {"action": "nominate", "procedure": procedure.code})
        c.post("/directives/pilot/HL/", {"action": "submit"})
        before = _state()
        assert before[2] == 1
        response = c.post("/directives/pilot/HL/", {"action": "submit"}, follow=True)
        assert any("đã được gửi lúc 09:00 18/07/2023" in m for m in _messages(response))
        assert _state() == before
        assert "Đã gửi lúc 09:00 18/07/2023" in response.content.decode()


class TestTheCompiledList:
    @pytest.fixture
    def submitted(self, agencies, data):
        make_dossier(
            agencies["HL"], data.eligible, received_at=vn(2023, 5, 2), due_at=end_of_day(2023, 5, 5)
        )
        for code, procedures, moment in (
            ("STNMT", [data.eligible_too], vn(2023, 7, 18, 9, 30)),
            ("HL", [data.eligible, data.eligible_too], vn(2023, 7, 21, 8)),
        ):
            for procedure in procedures:
                pilot_nominate(
                    task=data.nomination, agency=agencies[code], procedure=procedure, user=None
                )
            pilot_submit(task=data.nomination, agency=agencies[code], user=None, now=moment)
        # GL nominated but never submitted: not in the compiled list.
        pilot_nominate(
            task=data.nomination, agency=agencies["GL"], procedure=data.eligible, user=None
        )

    @time_machine.travel(vn(2023, 7, 25, 9), tick=False)
    def test_the_xlsx_has_its_whole_title_and_one_row_per_submitted_nomination(
        self, client, people, submitted, data
    ):
        response = _client(client, people["province_officer"]).get("/directives/pilot/export.xlsx")
        assert response.status_code == 200
        sheet = load_workbook(BytesIO(response.content)).active
        assert sheet.title == "Danh sách thí điểm"
        assert sheet["A1"].value == (
            "DANH SÁCH DỊCH VỤ CÔNG TRỰC TUYẾN TOÀN TRÌNH ĐỀ XUẤT THỰC HIỆN THÍ ĐIỂM"
        )
        assert {"A1:H1", "A2:H2", "A3:H3"} <= {str(r) for r in sheet.merged_cells.ranges}
        directive = data.nomination.directive
        assert f"số {directive.number} ngày {directive.issued_on:%d/%m/%Y}" in sheet["A2"].value
        assert "hạn 20/07/2023" in sheet["A2"].value
        assert "từ ngày 25/07/2022 đến ngày 25/07/2023" in sheet["A3"].value
        assert "lập ngày 25/07/2023" in sheet["A3"].value
        assert sheet["A6"].value == "STT" and sheet["F6"].value == "Số hồ sơ 12 tháng"
        rows = list(sheet.iter_rows(min_row=7, values_only=True))
        assert rows == [
            (
                1,
                "Sở Tài nguyên và Môi trường",
                "1.004227",
                "Đăng ký biến động đất đai",
                "Đất đai",
                0,
                dt.datetime(2023, 7, 18, 9, 30),
                None,
            ),
            (
                2,
                "UBND huyện Hải Lăng",
                "1.001193",
                "Đăng ký khai sinh",
                "Hộ tịch",
                1,
                dt.datetime(2023, 7, 21, 8, 0),
                "Có",
            ),
            (
                3,
                "UBND huyện Hải Lăng",
                "1.004227",
                "Đăng ký biến động đất đai",
                "Đất đai",
                0,
                dt.datetime(2023, 7, 21, 8, 0),
                "Có",
            ),
        ]

    def test_an_agency_head_cannot_export(self, client, people, submitted):
        assert (
            _client(client, people["district_chairman"])
            .get("/directives/pilot/export.xlsx")
            .status_code
            == 403
        )

    @time_machine.travel(vn(2023, 7, 29, 9), tick=False)
    def test_the_province_office_sees_the_list_marks_it_submitted_and_the_panel_changes(
        self, client, people, submitted
    ):
        c = _client(client, people["province_officer"])
        html = c.get("/directives/pilot/").content.decode()
        assert html.count('<tr data-agency="HL" data-code=') == 2
        assert '<tr data-agency="GL" data-code=' not in html
        home = c.get("/directives/").content.decode()
        assert "Còn 1 ngày" in home
        c.post("/directives/pilot/compiled/submit/")
        assert TaskCompletion.objects.filter(agency__code="QT").count() == 1
        home = c.get("/directives/").content.decode()
        assert "Hoàn thành đúng hạn" in home
        again = c.post("/directives/pilot/compiled/submit/", follow=True)
        assert any("đã được đánh dấu" in m for m in _messages(again))

    def test_the_province_office_reopens_a_list_and_the_head_may_submit_again(
        self, client, people, submitted
    ):
        office = _client(client, people["province_officer"])
        office.post("/directives/pilot/HL/reopen/")
        assert PilotSubmission.objects.get(agency__code="HL").is_open
        assert not TaskCompletion.objects.filter(agency__code="HL").exists()
        head = _client(client, people["district_chairman"])
        head.post("/directives/pilot/HL/", {"action": "submit"})
        assert TaskCompletion.objects.filter(agency__code="HL").exists()


class TestTheDeadlinesPanel:
    @time_machine.travel(vn(2023, 7, 21, 9), tick=False)
    def test_the_overview_names_who_has_not_nominated(self, client, people, agencies, data):
        pilot_nominate(
            task=data.nomination, agency=agencies["HL"], procedure=data.eligible, user=None
        )
        pilot_submit(task=data.nomination, agency=agencies["HL"], user=None, now=vn(2023, 7, 20, 9))
        html = _client(client, people["province_officer"]).get("/").content.decode()
        panel = html.split('data-testid="deadlines-panel"')[1].split("</section>")[0]
        assert "hạn 20/07/2023" in panel and "Quá hạn 1 ngày" in panel
        assert "1/4 đơn vị đã hoàn thành" in panel
        missing = panel.split('class="missing"')[1]
        assert all(f'data-agency="{code}"' in missing for code in ("STNMT", "SNV", "GL"))
        assert 'data-agency="HL"' not in missing

    @time_machine.travel(vn(2026, 12, 5, 9), tick=False)
    def test_the_portal_s_today_sets_the_countdown_and_a_long_delay_shows_its_date(
        self, client, people, data, settings
    ):
        # The demo's moment: 25/7/2023, five days after the nomination deadline.
        settings.PORTAL_TODAY = dt.date(2023, 7, 25)
        html = _client(client, people["province_officer"]).get("/").content.decode()
        panel = html.split('data-testid="deadlines-panel"')[1].split("</section>")[0]
        assert "Quá hạn 5 ngày" in panel and "Còn 5 ngày" in panel  # 20/7 and 30/7
        # On the real date, three years later, the panel names the date, not "1234 days".
        settings.PORTAL_TODAY = None
        html = _client(client, people["province_officer"]).get("/").content.decode()
        panel = html.split('data-testid="deadlines-panel"')[1].split("</section>")[0]
        assert "Quá hạn từ ngày 20/07/2023" in panel and "Quá hạn từ ngày 30/07/2023" in panel
        assert not re.search(r"Quá hạn \d{3,} ngày", panel)

    @time_machine.travel(vn(2023, 7, 19, 9), tick=False)
    def test_an_agency_head_sees_own_countdown_without_the_list_of_others(
        self, client, people, data
    ):
        html = _client(client, people["district_chairman"]).get("/agencies/HL/").content.decode()
        panel = html.split('data-testid="deadlines-panel"')[1].split("</section>")[0]
        assert "Còn 1 ngày" in panel and "0/1 đơn vị đã hoàn thành" in panel
        assert 'class="missing"' not in panel and "Gio Linh" not in panel
