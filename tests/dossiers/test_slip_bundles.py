"""Many apology slips in one ZIP, built in the background (issue 15 item 5).

`/apologies/slips.zip` rendered every selected slip inside the request (300 took 46 s, past the
worker timeout). Now up to SYNC_LIMIT (10) slips still come at once; more become a job: the page
that asks for them changes nothing, its button creates the bundle, a Celery task builds it (inline
when there is no Redis) saving its progress after each slip, the bundle's page polls it (HTMX)
and offers the ZIP; only the person who asked sees it.

Today is Thursday 15/06/2023; the district chairman (HL) has 12 open dossiers due 10/06, H-01 …
H-12, and records one apology for all of them.
"""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from agencies.models import Domain, Procedure
from dossiers import apology_slip, slip_bundles
from dossiers.apologies import apology_record
from dossiers.models import Apology, ApologyChannel, SlipBundle, SlipBundleStatus
from kpi_portal.celery import app as celery_app
from tests.personas import agencies_create, personas_create
from tests.reports.kpi_data import end_of_day, make_dossier, vn

NOW = vn(2023, 6, 15, 10)
CODES = [f"H-{n:02d}" for n in range(1, 13)]


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _celery_inline():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    agencies = agencies_create()
    people = personas_create(agencies)
    procedure = Procedure.objects.create(
        code="1.004222",
        name="Đăng ký biến động đất đai",
        domain=Domain.objects.create(name="Đất đai"),
    )
    dossiers = [
        make_dossier(
            agencies["HL"],
            procedure,
            received_at=vn(2023, 6, 1, 8),
            due_at=end_of_day(2023, 6, 10),
            code=code,
        )
        for code in CODES
    ]
    outcomes = apology_record(
        user=people["district_chairman"],
        dossier_ids=[d.id for d in dossiers],
        reason="Chờ kết quả đo đạc địa chính",
        new_due_at=end_of_day(2023, 6, 23),
        channel=ApologyChannel.ZALO,
        signer_name="Hoàng Minh Tuấn",
        signer_title="Chủ tịch UBND huyện",
        now=NOW,
    )
    assert all(outcome.recorded for outcome in outcomes)
    return people


def _client(people, persona: str) -> Client:
    client = Client()
    client.force_login(people[persona])
    return client


@pytest.fixture
def ask(django_capture_on_commit_callbacks):
    """POST the request for a bundle, running what the view hands to the queue once its
    transaction commits (as in production); the bundle's id, or the response when refused."""

    def post(client: Client, codes: list[str], fmt: str = "pdf"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/apologies/slips/", {"dossier": codes, "format": fmt})
        return _bundle_id(response) if response.status_code == 302 else response

    return post


@pytest.fixture
def held(monkeypatch):
    """The queue, held: what is sent is kept here instead of being run."""
    sent: list = []
    monkeypatch.setattr(slip_bundles, "_send", lambda bundle_id: sent.append(bundle_id) or True)
    return sent


def _bundle_id(response) -> uuid.UUID:
    assert response.status_code == 302
    return uuid.UUID(re.fullmatch(r"/apologies/slips/([0-9a-f-]+)/", response["Location"])[1])


class TestAskingForManySlips:
    def test_more_than_ten_are_not_built_in_the_request(self, world, monkeypatch):
        def not_here(**kwargs):
            raise AssertionError("a slip was rendered inside the request")

        monkeypatch.setattr(apology_slip, "apology_slip", not_here)
        response = _client(world, "district_chairman").get(
            "/apologies/slips.zip", {"dossier": CODES}
        )
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        html = response.content.decode()
        assert "Bạn chọn 12 hồ sơ." in html
        assert 'data-testid="slips-start"' in html
        assert not SlipBundle.objects.exists()  # a GET asks for nothing

    def test_ten_still_come_at_once(self, world):
        response = _client(world, "district_chairman").get(
            "/apologies/slips.zip", {"dossier": CODES[:10], "format": "docx"}
        )
        assert response["Content-Type"] == "application/zip"
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            assert len(archive.namelist()) == 10

    def test_the_result_page_of_many_apologies_offers_the_background_zip(self, world):
        Apology.objects.all().delete()  # the chairman records the twelve from the form
        data = {
            "dossier": CODES,
            "reason": "Chờ kết quả đo đạc địa chính",
            "new_due_date": "23/06/2023",
            "channel": ApologyChannel.SMS,
            "signer_name": "Hoàng Minh Tuấn",
            "signer_title": "Chủ tịch UBND huyện",
        }
        html = _client(world, "district_chairman").post("/apologies/new/", data).content.decode()
        assert "Đã ghi nhận 12 phiếu; 0 hồ sơ bị từ chối." in html
        assert 'data-testid="slips-start"' in html
        assert html.count('name="dossier"') == 12
        assert "/apologies/slips.zip?" not in html


class TestTheBundle:
    def test_it_is_built_in_the_background_with_its_progress_and_offered_for_download(
        self, ask, world, held, monkeypatch
    ):
        client = _client(world, "district_chairman")
        bundle_id = ask(client, CODES, "pdf")
        assert held == [bundle_id]
        page = client.get(f"/apologies/slips/{bundle_id}/").content.decode()
        assert "Đã tạo 0 / 12 phiếu" in page
        assert 'hx-trigger="every 1s"' in page
        # The worker builds it, saving the progress after each slip.
        seen = []
        render = apology_slip.apology_slip

        def counting(**kwargs):
            seen.append(SlipBundle.objects.get(pk=bundle_id).done)
            return render(**kwargs)

        monkeypatch.setattr(apology_slip, "apology_slip", counting)
        slip_bundles.slip_bundle_build(bundle_id=bundle_id)
        assert seen == list(range(12))
        swap = client.get(f"/apologies/slips/{bundle_id}/", HTTP_HX_REQUEST="true")
        html = swap.content.decode()
        assert "Đã tạo 12 phiếu." in html
        assert "hx-trigger" not in html  # polling stops
        download = client.get(f"/apologies/slips/{bundle_id}/phieu-xin-loi.zip")
        assert download["Content-Disposition"] == 'attachment; filename="phieu-xin-loi.zip"'
        body = b"".join(download.streaming_content)
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            assert sorted(archive.namelist()) == [f"phieu-xin-loi-{c}.pdf" for c in CODES]
            text = PdfReader(io.BytesIO(archive.read("phieu-xin-loi-H-07.pdf"))).pages[0]
            assert "H-07" in text.extract_text()

    def test_without_redis_the_job_runs_inline_and_the_page_is_done_at_once(self, ask, world):
        client = _client(world, "district_chairman")
        bundle_id = ask(client, CODES, "docx")
        html = client.get(f"/apologies/slips/{bundle_id}/").content.decode()
        assert "Đã tạo 12 phiếu." in html
        body = b"".join(
            client.get(f"/apologies/slips/{bundle_id}/phieu-xin-loi.zip").streaming_content
        )
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            assert len([n for n in archive.namelist() if n.endswith(".docx")]) == 12

    @pytest.mark.parametrize("persona", ["province_officer", "department_head", "home_affairs"])
    def test_only_the_person_who_asked_sees_it(self, ask, world, held, persona):
        bundle_id = ask(_client(world, "district_chairman"), CODES)
        other = _client(world, persona)
        expected = 403 if persona == "home_affairs" else 404
        assert other.get(f"/apologies/slips/{bundle_id}/").status_code == expected
        assert other.get(f"/apologies/slips/{bundle_id}/phieu-xin-loi.zip").status_code == expected

    def test_another_agencys_dossier_cannot_be_asked_for(self, ask, world):
        client = _client(world, "department_head")
        assert ask(client, CODES).status_code == 404
        assert not SlipBundle.objects.exists()

    def test_building_twice_builds_it_once_more_from_scratch(self, ask, world, held):
        client = _client(world, "district_chairman")
        bundle_id = ask(client, CODES, "docx")
        SlipBundle.objects.filter(pk=bundle_id).update(status=SlipBundleStatus.RUNNING, done=5)
        bundle = slip_bundles.slip_bundle_build(bundle_id=bundle_id)  # a redelivered message
        assert (bundle.status, bundle.done, bundle.total) == ("done", 12, 12)
        again = slip_bundles.slip_bundle_build(bundle_id=bundle_id)  # a duplicate: nothing
        assert again.finished_at == bundle.finished_at


class TestTheSweep:
    def test_it_resends_the_pending_fails_the_stuck_and_deletes_the_old(self, ask, world, held):
        client = _client(world, "district_chairman")
        pending = ask(client, CODES)
        stuck = ask(client, CODES)
        old = ask(client, CODES, "docx")
        slip_bundles.slip_bundle_build(bundle_id=old)
        old_file = SlipBundle.objects.get(pk=old).file.path
        now = timezone.now()
        SlipBundle.objects.filter(pk=pending).update(created_at=now - timedelta(minutes=3))
        SlipBundle.objects.filter(pk=stuck).update(
            status=SlipBundleStatus.RUNNING, started_at=now - timedelta(minutes=31)
        )
        SlipBundle.objects.filter(pk=old).update(created_at=now - timedelta(days=1, minutes=1))
        held.clear()
        assert slip_bundles.slip_bundles_sweep() == {"resent": 1, "failed": 1, "deleted": 1}
        assert held == [pending]
        assert SlipBundle.objects.get(pk=stuck).status == "failed"
        html = client.get(f"/apologies/slips/{stuck}/").content.decode()
        assert "Việc tạo tệp bị gián đoạn. Hãy tạo lại." in html
        assert not SlipBundle.objects.filter(pk=old).exists()
        assert not __import__("os").path.exists(old_file)

    def test_a_bundle_waiting_long_says_it_is_delayed(self, ask, world, held):
        client = _client(world, "district_chairman")
        bundle_id = ask(client, CODES)
        SlipBundle.objects.filter(pk=bundle_id).update(
            created_at=timezone.now() - timedelta(seconds=40)
        )
        html = client.get(f"/apologies/slips/{bundle_id}/").content.decode()
        assert "Việc tạo tệp đang chậm hơn thường lệ" in html
