"""The first day a weight or target change applies (issue 15 item 6; docs/rankings.md, "Versions").

Changes recorded before this migration keep an empty day: they apply from the beginning, as they
did, so no ranking changes at the upgrade.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0005_rate_bands"),
    ]

    operations = [
        migrations.AddField(
            model_name="scoringweightchange",
            name="valid_from",
            field=models.DateField(
                blank=True, help_text="Để trống: từ đầu", null=True, verbose_name="áp dụng từ ngày"
            ),
        ),
        migrations.AddField(
            model_name="targetchange",
            name="valid_from",
            field=models.DateField(
                blank=True, help_text="Để trống: từ đầu", null=True, verbose_name="áp dụng từ ngày"
            ),
        ),
    ]
