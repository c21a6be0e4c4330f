"""The staff postings' own import model is gone: its rows were copied into
`dossiers.ImportBatch` (kind "postings") by `dossiers.0006`, which runs before this one."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0005_staffposting_import_batch_plain_id"),
    ]

    operations = [
        migrations.DeleteModel(name="PostingImport"),
    ]
