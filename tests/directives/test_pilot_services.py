"""Pilot nominations: the rules of the directive, and bad input that changes nothing."""

from __future__ import annotations

import pytest

from directives.models import PilotNomination, PilotSubmission, TaskCompletion
from directives.selectors import pilot_compiled
from directives.services import (
    DirectiveError,
    pilot_compilation_submit,
    pilot_nominate,
    pilot_reopen,
    pilot_submit,
    pilot_withdraw,
)
from tests.directives.directive_data import pilot_data_create, vn
from tests.personas import agencies_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def agencies():
    return agencies_create()


@pytest.fixture
def data(agencies):
    return pilot_data_create(agencies)


def _snapshot():
    return (
        sorted(PilotNomination.objects.values_list("agency__code", "procedure__code")),
        sorted(PilotSubmission.objects.values_list("agency__code", "submitted_at", "late")),
        sorted(TaskCompletion.objects.values_list("agency__code", "done_at")),
    )


def test_a_procedure_not_eligible_for_full_process_service_is_refused_and_nothing_changes(
    agencies, data
):
    pilot_nominate(task=data.nomination, agency=agencies["HL"], procedure=data.eligible, user=None)
    before = _snapshot()
    with pytest.raises(DirectiveError, match="chưa đủ điều kiện cung cấp dịch vụ công trực tuyến"):
        pilot_nominate(
            task=data.nomination, agency=agencies["HL"], procedure=data.not_eligible, user=None
        )
    assert _snapshot() == before


def test_the_same_procedure_twice_is_refused(agencies, data):
    pilot_nominate(task=data.nomination, agency=agencies["HL"], procedure=data.eligible, user=None)
    with pytest.raises(DirectiveError, match="đã có trong danh sách"):
        pilot_nominate(
            task=data.nomination, agency=agencies["HL"], procedure=data.eligible, user=None
        )
    assert PilotNomination.objects.count() == 1


def test_a_commune_is_not_assigned_the_nomination(agencies, data):
    with pytest.raises(DirectiveError, match="không được giao"):
        pilot_nominate(
            task=data.nomination, agency=agencies["HL-TT"], procedure=data.eligible, user=None
        )
    assert PilotNomination.objects.count() == 0


def test_an_empty_list_cannot_be_submitted(agencies, data):
    with pytest.raises(DirectiveError, match="Chưa có thủ tục nào"):
        pilot_submit(task=data.nomination, agency=agencies["HL"], user=None)
    assert _snapshot() == ([], [], [])


def test_submitting_on_time_records_the_time_and_marks_the_task_done(agencies, data):
    pilot_nominate(task=data.nomination, agency=agencies["HL"], procedure=data.eligible, user=None)
    submission = pilot_submit(
        task=data.nomination, agency=agencies["HL"], user=None, now=vn(2023, 7, 20, 23, 59, 59)
    )
    assert submission.late is False
    assert TaskCompletion.objects.get().done_at == vn(2023, 7, 20, 23, 59, 59)


def test_submitting_after_the_due_date_is_accepted_and_marked_late(agencies, data):
    pilot_nominate(task=data.nomination, agency=agencies["HL"], procedure=data.eligible, user=None)
    submission = pilot_submit(
        task=data.nomination, agency=agencies["HL"], user=None, now=vn(2023, 7, 21, 0, 0, 1)
    )
    assert submission.late is True
    assert TaskCompletion.objects.get().done_at == vn(2023, 7, 21, 0, 0, 1)


def test_submitting_twice_is_refused_with_the_first_time_and_nothing_changes(agencies, data):
    pilot_nominate(task=data.nomination, agency=agencies["HL"], procedure=data.eligible, user=None)
    pilot_submit(task=data.nomination, agency=agencies["HL"], user=None, now=vn(2023, 7, 19, 9))
    before = _snapshot()
    with pytest.raises(DirectiveError, match="đã được gửi lúc 09:00 19/07/2023"):
        pilot_submit(task=data.nomination, agency=agencies["HL"], user=None, now=vn(2023, 7, 22))
    assert _snapshot() == before


def test_a_submitted_list_cannot_be_edited(agencies, data):
    pilot_nominate(task=data.nomination, agency=agencies["HL"], procedure=data.eligible, user=None)
    pilot_submit(task=data.nomination, agency=agencies["HL"], user=None, now=vn(2023, 7, 19, 9))
    before = _snapshot()
    with pytest.raises(DirectiveError, match="mở lại"):
        pilot_nominate(
            task=data.nomination, agency=agencies["HL"], procedure=data.eligible_too, user=None
        )
    with pytest.raises(DirectiveError, match="mở lại"):
        pilot_withdraw(task=data.nomination, agency=agencies["HL"], procedure=data.eligible)
    assert _snapshot() == before


def test_a_reopened_list_can_be_changed_and_submitted_again(agencies, data):
    hl = agencies["HL"]
    pilot_nominate(task=data.nomination, agency=hl, procedure=data.eligible, user=None)
    pilot_submit(task=data.nomination, agency=hl, user=None, now=vn(2023, 7, 19, 9))
    pilot_reopen(task=data.nomination, agency=hl, user=None, now=vn(2023, 7, 22, 8))
    assert TaskCompletion.objects.count() == 0
    pilot_nominate(task=data.nomination, agency=hl, procedure=data.eligible_too, user=None)
    submission = pilot_submit(task=data.nomination, agency=hl, user=None, now=vn(2023, 7, 22, 9))
    assert submission.late is True
    assert TaskCompletion.objects.get().done_at == vn(2023, 7, 22, 9)
    with pytest.raises(DirectiveError):
        pilot_submit(task=data.nomination, agency=hl, user=None, now=vn(2023, 7, 22, 10))


def test_a_list_never_submitted_cannot_be_reopened(agencies, data):
    with pytest.raises(DirectiveError, match="chưa được gửi"):
        pilot_reopen(task=data.nomination, agency=agencies["HL"], user=None)


def test_the_compiled_list_holds_submitted_lists_with_their_time(agencies, data):
    for code, moment in (("STNMT", vn(2023, 7, 18, 9)), ("HL", vn(2023, 7, 21, 8))):
        pilot_nominate(
            task=data.nomination, agency=agencies[code], procedure=data.eligible, user=None
        )
        pilot_submit(task=data.nomination, agency=agencies[code], user=None, now=moment)
    pilot_nominate(task=data.nomination, agency=agencies["GL"], procedure=data.eligible, user=None)
    rows = pilot_compiled(task=data.nomination, submitted_only=True, now=vn(2023, 7, 25))
    assert {(r.agency.code, r.procedure.code, r.submitted_at, r.late) for r in rows} == {
        ("STNMT", "1.001193", vn(2023, 7, 18, 9), False),
        ("HL", "1.001193", vn(2023, 7, 21, 8), True),
    }


def test_the_province_office_marks_the_compilation_submitted_once(agencies, data):
    pilot_compilation_submit(
        task=data.compilation, agency=agencies["QT"], user=None, now=vn(2023, 7, 30, 10)
    )
    with pytest.raises(DirectiveError, match="đã được đánh dấu"):
        pilot_compilation_submit(
            task=data.compilation, agency=agencies["QT"], user=None, now=vn(2023, 7, 31)
        )
    assert TaskCompletion.objects.get().done_at == vn(2023, 7, 30, 10)


class TestTheAuditLog:
    def test_every_pilot_change_writes_one_entry_with_who_and_what(self, agencies, data):
        from django.contrib.auth.models import User

        from agencies.models import AuditEntry

        head = User.objects.create_user("hl_head")
        office = User.objects.create_user("office")
        hl = agencies["HL"]
        pilot_nominate(task=data.nomination, agency=hl, procedure=data.eligible, user=head)
        pilot_nominate(task=data.nomination, agency=hl, procedure=data.eligible_too, user=head)
        pilot_withdraw(task=data.nomination, agency=hl, procedure=data.eligible_too, user=head)
        pilot_submit(task=data.nomination, agency=hl, user=head, now=vn(2023, 7, 21, 8))
        pilot_reopen(task=data.nomination, agency=hl, user=office, now=vn(2023, 7, 22, 8))
        pilot_compilation_submit(
            task=data.compilation, agency=agencies["QT"], user=office, now=vn(2023, 7, 30, 9)
        )
        entries = list(
            AuditEntry.objects.order_by("pk").values_list(
                "action", "actor_username", "agency__code"
            )
        )
        assert entries == [
            ("pilot.nominate", "hl_head", "HL"),
            ("pilot.nominate", "hl_head", "HL"),
            ("pilot.withdraw", "hl_head", "HL"),
            ("pilot.submit", "hl_head", "HL"),
            ("pilot.reopen", "office", "HL"),
            ("pilot.compiled_submit", "office", "QT"),
        ]
        submit = AuditEntry.objects.get(action="pilot.submit")
        assert submit.after["procedures"] == ["1.001193"] and submit.after["late"] is True
        assert "muộn" in submit.summary
        withdraw = AuditEntry.objects.get(action="pilot.withdraw")
        assert withdraw.before["procedure"] == data.eligible_too.pk and withdraw.after is None

    def test_a_refused_action_writes_nothing(self, agencies, data):
        from agencies.models import AuditEntry

        with pytest.raises(DirectiveError):
            pilot_nominate(
                task=data.nomination, agency=agencies["HL"], procedure=data.not_eligible, user=None
            )
        with pytest.raises(DirectiveError):
            pilot_submit(task=data.nomination, agency=agencies["HL"], user=None)
        assert AuditEntry.objects.count() == 0

    def test_the_entry_is_in_the_same_transaction_as_the_change(self, agencies, data, monkeypatch):
        # When the audit entry cannot be written, the nomination is not kept either.
        def broken(**kwargs):
            raise RuntimeError("audit log unavailable")

        monkeypatch.setattr("directives.services.audit_record", broken)
        with pytest.raises(RuntimeError):
            pilot_nominate(
                task=data.nomination, agency=agencies["HL"], procedure=data.eligible, user=None
            )
        assert PilotNomination.objects.count() == 0
