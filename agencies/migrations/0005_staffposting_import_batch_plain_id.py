"""A staff posting's last import becomes a plain id: the postings' imports move into
`dossiers.ImportBatch` (kind "postings"), and this app knows no other app.

The database keeps its column `import_batch_id` and index; only the foreign-key constraint to
`agencies_postingimport` goes, so the dossiers migration can point the column at the new batches
before `0005` drops the old table.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0004_agency_and_procedure_aliases"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterField(
                    model_name="staffposting",
                    name="import_batch",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="agencies.postingimport",
                        verbose_name="lần nhập gần nhất",
                    ),
                ),
            ],
            state_operations=[
                migrations.RemoveField(model_name="staffposting", name="import_batch"),
                migrations.AddField(
                    model_name="staffposting",
                    name="import_batch_id",
                    field=models.BigIntegerField(
                        blank=True, db_index=True, null=True, verbose_name="lần nhập gần nhất"
                    ),
                ),
            ],
        ),
    ]
