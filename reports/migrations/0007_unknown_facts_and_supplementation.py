"""Unknown facts and supplementation in the KPI engine's cells and facts (issue 12).

The cells gain the supplementation keys and the counters of dossiers lacking a fact; the facts
gain those counters. Cells stored before cannot say either, so they are dropped together with the
record of the last full rebuild: the next refresh (the beat's, every minute) then runs a full
recompute (reports.services.kpi_refresh_touched), and the facts stored until then stay readable.
"""

from django.db import migrations, models


def drop_stale_cells(apps, schema_editor):
    apps.get_model("reports", "KpiCell").objects.all().delete()
    apps.get_model("reports", "KpiRun").objects.filter(kind="full_cells").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0006_changes_applied_from"),
    ]

    operations = [
        migrations.AddField(
            model_name="kpicell",
            name="completed_bucket",
            field=models.IntegerField(null=True),
        ),
        migrations.AddField(
            model_name="kpicell",
            name="paused_overdue_from_bucket",
            field=models.IntegerField(null=True),
        ),
        migrations.AddField(
            model_name="kpicell",
            name="requested_bucket",
            field=models.IntegerField(null=True),
        ),
        migrations.AddField(
            model_name="kpicell",
            name="unknown_channel",
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name="kpicell",
            name="unknown_components",
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name="kpicell",
            name="unknown_e_result",
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name="kpicell",
            name="unknown_payment",
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name="kpicell",
            name="waiting_late",
            field=models.SmallIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="kpifact",
            name="unknown_channel",
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name="kpifact",
            name="unknown_components",
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name="kpifact",
            name="unknown_e_result",
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name="kpifact",
            name="unknown_payment",
            field=models.IntegerField(default=0),
        ),
        migrations.RunPython(drop_stale_cells, migrations.RunPython.noop),
    ]
