"""Two imports of overlapping files at the same time end as if run one after the other.

"Later" is the batch claimed for writing later (for a command, the one started later; on the
web, the one confirmed later). A's check is held back until B is ready to write, so without
the ordering B would write first and A, the earlier import, would overwrite B's rows.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from dossiers import services
from dossiers.importing.dossier_import import DossierImport
from dossiers.models import Dossier, ImportBatch, ImportKind, ImportStatus
from dossiers.services import import_file
from tests.dossiers.conftest import dossier_csv
from tests.workers import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# A: H-1..H-3 with a fee of 1.000 đ; B: H-2..H-4 with 2.000 đ.
FILE_A = dossier_csv([{"code": f"H-{n}", "fee": "1000", "paid_online": "Có"} for n in (1, 2, 3)])
FILE_B = dossier_csv([{"code": f"H-{n}", "fee": "2000", "paid_online": "Có"} for n in (2, 3, 4)])


def _counts(batch: ImportBatch) -> tuple[int, int, int, int]:
    return (batch.created, batch.updated, batch.unchanged, batch.rejected)


def _fees() -> dict[str, int]:
    return dict(Dossier.objects.values_list("code", "fee"))


def test_one_after_the_other(catalogue, tmp_path):
    """The reference: A then B, sequentially."""
    (tmp_path / "a.csv").write_text(FILE_A, encoding="utf-8")
    (tmp_path / "b.csv").write_text(FILE_B, encoding="utf-8")
    first = import_file(kind=ImportKind.DOSSIERS, path=tmp_path / "a.csv")
    second = import_file(kind=ImportKind.DOSSIERS, path=tmp_path / "b.csv")
    # A creates its 3 rows; B creates H-4 and changes the fee of H-2 and H-3.
    assert _counts(first) == (3, 0, 0, 0)
    assert _counts(second) == (1, 2, 0, 0)
    assert _fees() == {"H-1": 1000, "H-2": 2000, "H-3": 2000, "H-4": 2000}


def test_at_the_same_time(catalogue, tmp_path, monkeypatch):
    (tmp_path / "a.csv").write_text(FILE_A, encoding="utf-8")
    (tmp_path / "b.csv").write_text(FILE_B, encoding="utf-8")
    b_ready = threading.Event()  # B has checked its rows and wants to write
    original_check = DossierImport.check_stream
    original_write = DossierImport.write
    original_wait = services._wait_for_earlier_applies

    def check(self, stream, **kwargs):
        if self.batch.original_name == "a.csv":
            b_ready.wait(timeout=30)  # A is slow to check: B is ready to write first
        return original_check(self, stream, **kwargs)

    def write(self):
        counts = original_write(self)
        if self.batch.original_name == "b.csv":
            b_ready.set()  # without the ordering, B has written (not yet committed)
        return counts

    def wait_for_turn(batch):
        if batch.original_name == "b.csv":
            b_ready.set()  # with the ordering, B waits here for A
        return original_wait(batch)

    monkeypatch.setattr(DossierImport, "check_stream", check)
    monkeypatch.setattr(DossierImport, "write", write)
    monkeypatch.setattr(services, "_wait_for_earlier_applies", wait_for_turn)

    results: dict[str, ImportBatch | BaseException] = {}

    def run(name: str) -> None:
        try:
            results[name] = import_file(kind=ImportKind.DOSSIERS, path=tmp_path / name)
        except BaseException as exc:  # reported by the assertions below
            results[name] = exc
        finally:
            connection.close()

    thread_a = threading.Thread(target=run, args=("a.csv",))
    thread_a.start()
    # B starts once A is claimed for writing: A is the earlier import.
    wait_until(
        lambda: ImportBatch.objects.filter(
            original_name="a.csv", status=ImportStatus.APPLYING
        ).exists(),
        what="A claimed",
    )
    thread_b = threading.Thread(target=run, args=("b.csv",))
    thread_b.start()
    thread_a.join(timeout=60)
    thread_b.join(timeout=60)
    assert not thread_a.is_alive() and not thread_b.is_alive()

    first, second = results["a.csv"], results["b.csv"]
    assert isinstance(first, ImportBatch), first
    assert isinstance(second, ImportBatch), second
    assert first.status == second.status == ImportStatus.APPLIED
    # Exactly the sequential run's counts and final state (test_one_after_the_other).
    assert _counts(first) == (3, 0, 0, 0)
    assert _counts(second) == (1, 2, 0, 0)
    assert _fees() == {"H-1": 1000, "H-2": 2000, "H-3": 2000, "H-4": 2000}
    assert dict(Dossier.objects.values_list("code", "import_batch_id")) == {
        "H-1": first.pk,
        "H-2": second.pk,
        "H-3": second.pk,
        "H-4": second.pk,
    }
