"""The data migration that folds the staff postings' own import records into `ImportBatch`."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("agencies", "0005_staffposting_import_batch_plain_id"),
    ("dossiers", "0006_import_unresolved_names"),
]
AFTER = [("agencies", "0006_delete_postingimport"), ("dossiers", "0007_postings_import_batches")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_each_posting_import_becomes_a_batch_with_its_errors_and_postings():
    old = _migrate(BEFORE)
    try:
        Agency = old.get_model("agencies", "Agency")
        PostingImport = old.get_model("agencies", "PostingImport")
        StaffPosting = old.get_model("agencies", "StaffPosting")
        ImportBatch = old.get_model("dossiers", "ImportBatch")
        root = Agency.objects.create(code="QT", name="Tỉnh", level="tinh", path="/QT/")
        agency = Agency.objects.create(
            code="SNV", name="Sở Nội vụ", level="so", parent=root, path="/QT/SNV/"
        )
        # A dossier batch first, so the new batches' ids differ from the old imports' ids.
        ImportBatch.objects.create(kind="dossiers", original_name="ho_so.csv", sha256="d" * 64)
        applied = PostingImport.objects.create(
            file="imports/postings/ab/" + "ab" * 32,
            original_name="bp.csv",
            sha256="ab" * 32,
            size=120,
            status="applied",
            total_rows=2,
            created=1,
            rejected=1,
            errors=[{"row": 3, "column": "Mã đơn vị", "value": "NOPE", "message": "Không có."}],
        )
        PostingImport.objects.create(
            original_name="thu.csv", sha256="cd" * 32, status="checked", dry_run=True
        )
        PostingImport.objects.create(
            original_name="hong.csv", sha256="", status="refused", refusal="Tệp hong.csv trống."
        )
        posting = StaffPosting.objects.create(
            person_name="Võ Thị Mới",
            agency=agency,
            start_on=dt.date(2025, 4, 1),
            planned_end_on=dt.date(2025, 9, 30),
            import_batch_id=applied.pk,
        )
    finally:
        new = _migrate(AFTER)
    ImportBatch = new.get_model("dossiers", "ImportBatch")
    StaffPosting = new.get_model("agencies", "StaffPosting")
    batches = {b.original_name: b for b in ImportBatch.objects.filter(kind="postings")}
    assert set(batches) == {"bp.csv", "thu.csv", "hong.csv"}
    moved = batches["bp.csv"]
    assert (moved.status, moved.created, moved.rejected, moved.total_rows) == ("applied", 1, 1, 2)
    assert moved.file.name == "imports/postings/ab/" + "ab" * 32  # the stored file stays put
    assert list(moved.row_errors.values_list("row_number", "column", "value", "message")) == [
        (3, "Mã đơn vị", "NOPE", "Không có.")
    ]
    assert (batches["thu.csv"].status, batches["thu.csv"].dry_run) == ("validated", True)
    assert (batches["hong.csv"].status, batches["hong.csv"].refusal) == (
        "refused",
        "Tệp hong.csv trống.",
    )
    assert moved.pk != applied.pk  # so the posting below was re-pointed, not left as it was
    assert StaffPosting.objects.get(pk=posting.pk).import_batch_id == moved.pk
    assert "agencies_postingimport" not in connection.introspection.table_names()
