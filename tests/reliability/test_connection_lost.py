"""PostgreSQL lost in the middle of an import's write: the batch ends as failed with a reason,
no dossier is half-written, and importing the file again completes it.

A server restart looks to the client like its connection being terminated: here the importing
connection is ended with `pg_terminate_backend` from another connection, at two moments of the
apply: while the checked rows are being staged (autocommit: Django keeps the dead connection,
so recording the failure needs a fresh one), and in the write transaction right after the
dossiers were upserted, before the touched cells are recorded.
"""

from __future__ import annotations

import pytest
from django.db import connection

from dossiers.importing import apply
from dossiers.models import Dossier, ImportBatch, ImportKind, ImportStatus
from dossiers.services import import_file
from tests.dossiers.conftest import dossier_csv
from tests.workers import side_connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

FIRST = dossier_csv(
    [
        {"code": "H-1", "finished_at": ""},
        {"code": "H-2", "finished_at": ""},
        {"code": "H-3"},
    ]
)
# H-1 and H-2 finish, H-3 unchanged, H-4 and H-5 are new: 2 created, 2 updated, 1 unchanged.
SECOND = dossier_csv(
    [
        {"code": "H-1", "finished_at": "14/06/2023 10:00"},
        {"code": "H-2", "finished_at": "16/06/2023 10:00"},
        {"code": "H-3"},
        {"code": "H-4"},
        {"code": "H-5", "fee": "50000"},
    ]
)


def _state() -> list[tuple]:
    return list(
        Dossier.objects.order_by("code").values_list(
            "code", "finished_at", "fee", "import_batch_id", "updated_at"
        )
    )


@pytest.mark.parametrize("moment", ["finish_staging", "record_touched_cells"])
def test_a_lost_connection_fails_the_batch_with_a_reason_and_writes_nothing(
    catalogue, tmp_path, monkeypatch, moment
):
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text(FIRST, encoding="utf-8")
    second.write_text(SECOND, encoding="utf-8")
    assert import_file(kind=ImportKind.DOSSIERS, path=first).status == ImportStatus.APPLIED
    before = _state()
    assert len(before) == 3

    original = getattr(apply, moment)
    killed = []

    def restart_then_continue(*args, **kwargs):
        # The rows are staged, or the dossiers upserted (uncommitted); the server "restarts".
        pid = connection.connection.info.backend_pid
        with side_connection() as other:
            other.execute("SELECT pg_terminate_backend(%s)", [pid])
        killed.append(pid)
        return original(*args, **kwargs)

    monkeypatch.setattr(apply, moment, restart_then_continue)
    batch = import_file(kind=ImportKind.DOSSIERS, path=second)
    assert killed, "the connection was not terminated mid-apply"

    # Recorded through a fresh connection, so it is what any reader sees.
    stored = ImportBatch.objects.get(pk=batch.pk)
    assert stored.status == ImportStatus.FAILED
    assert "Mất kết nối tới cơ sở dữ liệu" in stored.refusal
    assert "hãy nhập lại tệp" in stored.refusal
    assert stored.finished_at is not None
    # Nothing of the second file: every row, with its timestamps, as before.
    assert _state() == before

    monkeypatch.setattr(apply, moment, original)
    again = import_file(kind=ImportKind.DOSSIERS, path=second)
    assert again.status == ImportStatus.APPLIED
    assert (again.created, again.updated, again.unchanged, again.rejected) == (2, 2, 1, 0)
    after = {code: (finished, fee) for code, finished, fee, _, _ in _state()}
    assert sorted(after) == ["H-1", "H-2", "H-3", "H-4", "H-5"]
    assert after["H-1"][0] is not None and after["H-2"][0] is not None
    assert after["H-5"][1] == 50000
