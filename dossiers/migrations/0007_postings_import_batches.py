"""One batch model for every kind of import: staff postings' imports become `ImportBatch` rows of
kind "postings", and a pending batch stores its next step (`confirmed_at`) and whether its
hand-off to the queue failed (`enqueue_failed_at`).

The copy: every `agencies.PostingImport` becomes a batch (applied → applied, checked (a dry run)
→ validated, refused → refused) with its file (same storage path), counts, and its rejected rows
as `ImportRowError`s; each staff posting's `import_batch_id` is pointed at the new batch. Audit
entries are left as they were written (the log is only ever added to). A batch confirmed before
this migration (pending with a start time) gets `confirmed_at` = that start time.
"""

from django.db import migrations, models

POSTING_STATUS = {"applied": "applied", "checked": "validated", "refused": "refused"}


def copy_posting_imports(apps, schema_editor):
    PostingImport = apps.get_model("agencies", "PostingImport")
    StaffPosting = apps.get_model("agencies", "StaffPosting")
    ImportBatch = apps.get_model("dossiers", "ImportBatch")
    ImportRowError = apps.get_model("dossiers", "ImportRowError")
    new_ids = {}
    for old in PostingImport.objects.order_by("pk"):
        batch = ImportBatch.objects.create(
            kind="postings",
            file=old.file.name,
            original_name=old.original_name,
            sha256=old.sha256,
            size=old.size,
            sheet=old.sheet,
            uploaded_by_id=old.uploaded_by_id,
            source=old.source,
            dry_run=old.dry_run,
            atomic=old.atomic,
            status=POSTING_STATUS.get(old.status, "refused"),
            refusal=old.refusal,
            total_rows=old.total_rows,
            processed_rows=old.total_rows,
            created=old.created,
            updated=old.updated,
            unchanged=old.unchanged,
            rejected=old.rejected,
        )
        ImportBatch.objects.filter(pk=batch.pk).update(
            created_at=old.created_at, started_at=old.created_at, finished_at=old.created_at
        )
        ImportRowError.objects.bulk_create(
            ImportRowError(
                batch_id=batch.pk,
                row_number=error.get("row") or 0,
                column=str(error.get("column") or "")[:255],
                value=str(error.get("value") or ""),
                message=str(error.get("message") or ""),
            )
            for error in old.errors or []
        )
        new_ids[old.pk] = batch.pk
    postings = list(StaffPosting.objects.filter(import_batch_id__isnull=False))
    for posting in postings:
        posting.import_batch_id = new_ids.get(posting.import_batch_id)
    StaffPosting.objects.bulk_update(postings, ["import_batch_id"], batch_size=1000)


def mark_confirmed(apps, schema_editor):
    ImportBatch = apps.get_model("dossiers", "ImportBatch")
    ImportBatch.objects.filter(status="pending", started_at__isnull=False).update(
        confirmed_at=models.F("started_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0006_import_unresolved_names"),
        ("agencies", "0005_staffposting_import_batch_plain_id"),
    ]
    # The copy reads the old table: it must run before agencies drops it.
    run_before = [("agencies", "0006_delete_postingimport")]

    operations = [
        migrations.AlterField(
            model_name="importbatch",
            name="kind",
            field=models.CharField(
                choices=[
                    ("agencies", "Đơn vị"),
                    ("procedures", "Thủ tục hành chính"),
                    ("dossiers", "Hồ sơ"),
                    ("postings", "Cán bộ biệt phái"),
                ],
                max_length=12,
                verbose_name="loại dữ liệu",
            ),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="confirmed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="xác nhận ghi lúc"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="enqueue_failed_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="chưa gửi được vào hàng đợi từ"
            ),
        ),
        migrations.RunPython(mark_confirmed, migrations.RunPython.noop),
        migrations.RunPython(copy_posting_imports, migrations.RunPython.noop),
    ]
