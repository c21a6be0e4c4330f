"""RateBand: the met / close / far colouring of a rate against its target, seeded.

Numbered after 0004 (the scoring weights, made at the same time) to keep one line of migrations.
"""

from decimal import Decimal

from django.db import migrations, models

BANDS = [
    ("met", "Đạt mục tiêu", Decimal("0")),
    ("close", "Gần đạt (cách dưới 5 điểm %)", Decimal("5")),
    ("far", "Còn xa mục tiêu", None),
]


def seed_bands(apps, schema_editor):
    RateBand = apps.get_model("reports", "RateBand")
    for code, label, gap in BANDS:
        RateBand.objects.get_or_create(code=code, defaults={"label": label, "max_gap_points": gap})


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_scoring_weights"),
    ]

    operations = [
        migrations.CreateModel(
            name="RateBand",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.SlugField(max_length=16, unique=True, verbose_name="mã")),
                ("label", models.CharField(max_length=64, verbose_name="tên")),
                (
                    "max_gap_points",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        help_text="Để trống: mọi khoảng cách còn lại",
                        max_digits=6,
                        null=True,
                        verbose_name="cách mục tiêu tối đa (điểm phần trăm)",
                    ),
                ),
            ],
            options={
                "verbose_name": "mức tô màu tỷ lệ",
                "verbose_name_plural": "mức tô màu tỷ lệ",
                "ordering": [models.OrderBy(models.F("max_gap_points"), nulls_last=True)],
            },
        ),
        migrations.RunPython(seed_bands, migrations.RunPython.noop),
    ]
