"""The pilot's results, worked out by hand: per nominated procedure and per agency (Σnum/Σden),
the priority threshold, "no data", and who sees them where."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from directives.pilot_results import pilot_priorities, pilot_results
from directives.services import pilot_nominate, pilot_reopen, pilot_submit
from dossiers.models import Channel
from tests.directives.directive_data import pilot_data_create, vn
from tests.personas import agencies_create, personas_create
from tests.reports.kpi_data import make_dossier

pytestmark = pytest.mark.django_db

ONLINE, IN_PERSON = Channel.ONLINE, Channel.IN_PERSON
END_2023 = vn(2023, 12, 31, 23, 59, 59)


@pytest.fixture
def agencies():
    return agencies_create()


@pytest.fixture
def data(agencies):
    data = pilot_data_create(agencies)
    data.nomination.pilot_starts_on = dt.date(2023, 8, 1)
    data.nomination.save()
    return data


def _dossier(agency, procedure, received, finished, channel, e_result):
    make_dossier(
        agency,
        procedure,
        received_at=received,
        due_at=received + dt.timedelta(days=10),
        finished_at=finished,
        channel=channel,
        e_result=e_result,
    )


def _submit(data, agency, procedures):
    for procedure in procedures:
        pilot_nominate(task=data.nomination, agency=agency, procedure=procedure, user=None)
    pilot_submit(task=data.nomination, agency=agency, user=None, now=vn(2023, 7, 19, 9))


@pytest.fixture
def pilot(agencies, data):
    """The pilot of the module docstring, started 1/8/2023, threshold 50% (the default).

    HL submitted 1.001193 (khai sinh) and 1.004227 (biến động đất đai):
      1.001193: a 2/8 online + e-result (num); b 3/8 online, no e-result; c 4/8 in person with
                an e-result; d 31/7 online + e-result, before the start: not counted → 1/3
      1.004227: e 10/9 online + e-result (num); f received 30/12 online + e-result but returned
                on 2/1/2024 → 1/2 at 31/12/2023, 2/2 from 2/1/2024
      HL at 31/12/2023: (1+1)/(3+2) = 2/5 = 40% < 50% → no priority (an average of the two
      rates would be (33,3% + 50%)/2 = 41,6%: not what is shown). At 31/1/2024: 3/5 = 60% → yes.
    SNV submitted 1.001193: one online dossier with an e-result on 1/9 → 1/1 = 100% → priority.
    STNMT submitted 1.004227 but received none of its dossiers → 0/0: no data.
    GL nominated 1.001193 (a draft, never submitted) and has one perfect dossier: not counted.
    A commune of HL (HL-TT) has a perfect dossier of 1.001193: HL's own dossiers only.
    """
    hl, snv, stnmt, gl = (agencies[c] for c in ("HL", "SNV", "STNMT", "GL"))
    birth, land = data.eligible, data.eligible_too
    _submit(data, hl, [birth, land])
    _submit(data, snv, [birth])
    _submit(data, stnmt, [land])
    pilot_nominate(task=data.nomination, agency=gl, procedure=birth, user=None)
    for agency, procedure, received, finished, channel, e_result in (
        (hl, birth, vn(2023, 8, 2, 8), vn(2023, 8, 3, 9), ONLINE, True),  # a
        (hl, birth, vn(2023, 8, 3, 8), vn(2023, 8, 4, 9), ONLINE, False),  # b
        (hl, birth, vn(2023, 8, 4, 8), vn(2023, 8, 5, 9), IN_PERSON, True),  # c
        (hl, birth, vn(2023, 7, 31, 8), vn(2023, 8, 1, 9), ONLINE, True),  # d
        (hl, land, vn(2023, 9, 10, 8), vn(2023, 9, 12, 9), ONLINE, True),  # e
        (hl, land, vn(2023, 12, 30, 8), vn(2024, 1, 2, 9), ONLINE, True),  # f
        (snv, birth, vn(2023, 9, 1, 8), vn(2023, 9, 1, 15), ONLINE, True),
        (gl, birth, vn(2023, 9, 1, 8), vn(2023, 9, 1, 15), ONLINE, True),
        (agencies["HL-TT"], birth, vn(2023, 9, 1, 8), vn(2023, 9, 1, 15), ONLINE, True),
    ):
        _dossier(agency, procedure, received, finished, channel, e_result)
    return data


def _by_code(results):
    return {r.agency.code: r for r in results.agencies}


class TestTheFigures:
    def test_each_procedure_and_each_agency_at_the_end_of_2023(self, pilot):
        results = _by_code(pilot_results(task=pilot.nomination, as_of=END_2023))
        hl = results["HL"]
        assert [(p.procedure.code, p.online_e_result, p.received) for p in hl.procedures] == [
            ("1.001193", 1, 3),
            ("1.004227", 1, 2),
        ]
        assert (hl.online_e_result, hl.received, hl.rate) == (2, 5, pytest.approx(0.4))
        assert hl.priority is False
        assert (results["SNV"].rate, results["SNV"].priority) == (1.0, True)
        stnmt = results["STNMT"]
        assert (stnmt.submitted, stnmt.received, stnmt.rate, stnmt.priority) == (
            True,
            0,
            None,
            None,
        )
        gl = results["GL"]
        assert (gl.submitted, gl.procedures, gl.rate, gl.priority) == (False, [], None, None)

    def test_a_dossier_returned_later_counts_from_the_day_it_is_returned(self, pilot):
        hl = _by_code(pilot_results(task=pilot.nomination, as_of=vn(2024, 1, 31, 23, 59, 59)))["HL"]
        # f returned on 2/1/2024: 3/5 = 60% ≥ 50%.
        assert (hl.online_e_result, hl.received, hl.priority) == (3, 5, True)

    def test_exactly_the_threshold_gives_priority(self, pilot):
        # At 3/8/2023 23:59:59: a and b received, a counted → 1/2 = 50% = the threshold.
        hl = _by_code(pilot_results(task=pilot.nomination, as_of=vn(2023, 8, 3, 23, 59, 59)))["HL"]
        assert (hl.online_e_result, hl.received, hl.priority) == (1, 2, True)

    def test_a_procedure_without_a_paper_result_counts_when_returned_online(self, agencies, data):
        # The national rule for online dossiers (issue 12, item 7): the electronic result is
        # asked only where the result is a paper document.
        from agencies.models import Procedure

        notice = Procedure.objects.create(
            code="1.005006",
            name="Thông báo thay đổi nội dung đăng ký doanh nghiệp",
            domain=data.eligible.domain,
            full_process_eligible=True,
            paper_result=False,
        )
        gl = agencies["GL"]
        _submit(data, gl, [notice])
        for received, finished, channel, e_result in (
            (vn(2023, 9, 1, 8), vn(2023, 9, 1, 15), ONLINE, True),  # online, returned: counted
            (vn(2023, 9, 3, 8), vn(2023, 9, 3, 15), ONLINE, False),  # no e-result flag: counted
            (vn(2023, 12, 29, 8), None, ONLINE, False),  # still in progress: not yet
            (vn(2023, 9, 2, 8), vn(2023, 9, 2, 15), IN_PERSON, True),  # in person: not
        ):
            _dossier(gl, notice, received, finished, channel, e_result=e_result)
        result = _by_code(pilot_results(task=data.nomination, as_of=END_2023))["GL"]
        # 2/4 = 50,00% ≥ 50%.
        assert (result.online_e_result, result.received, result.priority) == (2, 4, True)

    def test_statuses_and_unknown_facts(self, agencies, data):
        # Of a paper-result procedure, online and returned by the end of 2023:
        #   g with an e-result: counted (num and den);
        #   h never received (status 3): in neither;
        #   i withdrawn (status 7): ended without any result, in neither;
        #   j from a list export, channel unknown: in neither;
        #   k e-result unknown (no such column in its file): in neither;
        #   l in person, returned on paper: den only.
        # → 1/2 = 50%.
        from dossiers.models import Dossier, DossierStatus

        gl, birth = agencies["GL"], data.eligible
        _submit(data, gl, [birth])
        made = {}
        for key, channel, e_result in (
            ("g", ONLINE, True),
            ("h", ONLINE, True),
            ("i", ONLINE, True),
            ("j", ONLINE, True),
            ("k", ONLINE, True),
            ("l", IN_PERSON, False),
        ):
            made[key] = make_dossier(
                gl,
                birth,
                received_at=vn(2023, 9, 1, 8),
                due_at=vn(2023, 9, 11, 8),
                finished_at=vn(2023, 9, 5, 8),
                channel=channel,
                e_result=e_result,
            )
        Dossier.objects.filter(pk=made["h"].pk).update(status=DossierStatus.NOT_ACCEPTED)
        Dossier.objects.filter(pk=made["i"].pk).update(status=DossierStatus.WITHDRAWN)
        Dossier.objects.filter(pk=made["j"].pk).update(channel=None)
        Dossier.objects.filter(pk=made["k"].pk).update(e_result=None)
        result = _by_code(pilot_results(task=data.nomination, as_of=END_2023))["GL"]
        assert (result.online_e_result, result.received) == (1, 2)

    def test_the_threshold_is_data(self, pilot):
        pilot.nomination.pilot_priority_threshold = Decimal("0.4")
        pilot.nomination.save()
        assert pilot_priorities(as_of=END_2023)["HL"] is True  # 2/5 = 40% ≥ 40%
        pilot.nomination.pilot_priority_threshold = Decimal("0.41")
        pilot.nomination.save()
        assert pilot_priorities(as_of=END_2023)["HL"] is False

    def test_before_the_start_or_without_a_start_date_there_is_no_data(self, pilot):
        before = pilot_results(task=pilot.nomination, as_of=vn(2023, 7, 31, 23, 59, 59))
        assert not before.started
        assert {r.agency.code: r.priority for r in before.agencies} == dict.fromkeys(
            ("STNMT", "SNV", "HL", "GL"), None
        )
        pilot.nomination.pilot_starts_on = None
        pilot.nomination.save()
        assert set(pilot_priorities(as_of=END_2023).values()) == {None}

    def test_a_reopened_list_is_not_counted_until_it_is_sent_again(self, pilot, agencies):
        pilot_reopen(task=pilot.nomination, agency=agencies["SNV"], user=None)
        assert pilot_priorities(as_of=END_2023)["SNV"] is None

    def test_the_province_total_is_the_sum_of_the_submitted_lists(self, pilot):
        results = pilot_results(task=pilot.nomination, as_of=END_2023)
        # HL 2/5, SNV 1/1, STNMT 0/0 (GL's draft not counted): 3/6.
        assert (results.online_e_result, results.received) == (3, 6)

    def test_the_results_take_a_fixed_number_of_queries(self, pilot, django_assert_num_queries):
        # assignees, submissions, nominations with their procedures, the dossier counts
        with django_assert_num_queries(4):
            results = pilot_results(task=pilot.nomination, as_of=END_2023)
            [r.priority for r in results.agencies]


class TestThePages:
    @pytest.fixture
    def people(self, agencies):
        return personas_create(agencies)

    @time_machine.travel(vn(2024, 1, 1, 9), tick=False)
    def test_the_province_office_sees_every_agency(self, client, people, pilot):
        client.force_login(people["province_officer"])
        html = client.get("/directives/pilot/results/").content.decode()
        assert "Thí điểm bắt đầu ngày 01/08/2023; số liệu đến ngày 01/01/2024." in html
        hl = html.split('<tr class="pilot-agency" data-agency="HL">')[1].split("</tr>")[0]
        assert '<td class="num" data-testid="pilot-rate">40,00%</td>' in hl
        assert "Không" in hl
        snv = html.split('<tr class="pilot-agency" data-agency="SNV">')[1].split("</tr>")[0]
        assert "100,00%" in snv and "<strong>Có</strong>" in snv
        gl = html.split('<tr class="pilot-agency" data-agency="GL">')[1].split("</tr>")[0]
        assert "chưa gửi danh sách đề xuất" in gl and "không có dữ liệu" in gl
        row = html.split('data-agency="HL" data-code="1.001193">')[1].split("</tr>")[0]
        assert "33,33%" in row  # 1/3, cut
        assert "Toàn tỉnh: 3/6 hồ sơ" in html

    @time_machine.travel(vn(2024, 1, 1, 9), tick=False)
    def test_home_affairs_reads_the_results_without_any_form(self, client, people, pilot):
        client.force_login(people["home_affairs"])
        response = client.get("/directives/pilot/results/")
        assert response.status_code == 200
        html = response.content.decode()
        assert (
            'data-agency="HL"' in html
            and '<form method="post"' not in html.split("<main")[1].split("</main>")[0]
        )
        assert client.post("/directives/pilot/results/").status_code == 405

    @time_machine.travel(vn(2024, 1, 1, 9), tick=False)
    def test_an_agency_head_sees_only_their_own_result_on_their_list(self, client, people, pilot):
        client.force_login(people["district_chairman"])
        response = client.get("/directives/pilot/results/")
        assert response.status_code == 302 and response.url == "/directives/pilot/HL/"
        html = client.get("/directives/pilot/HL/").content.decode()
        section = html.split('data-testid="own-pilot-result"')[1].split("</section>")[0]
        assert "40,00%" in section and "Sở Nội vụ" not in section and "Gio Linh" not in section
