"""Agency and procedure codes restricted to a safe alphabet (issue 15 item 2), by a database
constraint as well as the model's validators.

Before adding the constraints, `report_bad_codes` looks for stored codes outside it and, if there
is any, stops the migration listing every one, with the command that renames an agency's code
(`rename_agency_code OLD NEW`). Nothing is changed silently: an agency "HL/ZZ" sat inside Hải
Lăng's subtree, and only a person can say what its code should be.
"""

import re

import django.core.validators
from django.core.management.base import CommandError
from django.db import migrations, models

AGENCY_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
PROCEDURE_CODE = re.compile(r"\d\.\d{6}")


def bad_codes(apps) -> list[str]:
    lines = []
    Agency = apps.get_model("agencies", "Agency")
    Procedure = apps.get_model("agencies", "Procedure")
    for pk, code, name in Agency.objects.order_by("code").values_list("pk", "code", "name"):
        if not AGENCY_CODE.fullmatch(code):
            lines.append(f"  đơn vị {code!r} ({name}, id {pk})")
    for pk, code, name in Procedure.objects.order_by("code").values_list("pk", "code", "name"):
        if not PROCEDURE_CODE.fullmatch(code):
            lines.append(f"  thủ tục {code!r} ({name}, id {pk})")
    return lines


def report_bad_codes(apps, schema_editor):
    lines = bad_codes(apps)
    if not lines:
        return
    raise CommandError(
        f"Có {len(lines)} mã không hợp lệ; chưa nâng cấp được, không mã nào bị đổi:\n"
        + "\n".join(lines)
        + "\nMã đơn vị chỉ gồm chữ cái không dấu, chữ số và các dấu . - _ (ví dụ H48.30,"
        " 000.00.30.H48, HL-TT); mã thủ tục có dạng D.DDDDDD. Đổi mã đơn vị bằng"
        " `python manage.py rename_agency_code MÃ_CŨ MÃ_MỚI` (mã thủ tục: trong trang quản trị),"
        " rồi chạy lại `python manage.py migrate` (docs/operations.md, Upgrade)."
    )


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0006_delete_postingimport"),
    ]

    operations = [
        migrations.RunPython(report_bad_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="agency",
            name="code",
            field=models.CharField(
                max_length=32,
                unique=True,
                validators=[
                    django.core.validators.RegexValidator(
                        "^[A-Za-z0-9][A-Za-z0-9._-]*\\Z",
                        "Mã đơn vị chỉ gồm chữ cái không dấu, chữ số và các dấu . - _, bắt đầu"
                        " bằng chữ hoặc số (ví dụ H48.30, 000.00.30.H48, HL-TT).",
                    )
                ],
                verbose_name="mã đơn vị",
            ),
        ),
        migrations.AlterField(
            model_name="procedure",
            name="code",
            field=models.CharField(
                max_length=8,
                unique=True,
                validators=[
                    django.core.validators.RegexValidator(
                        "^\\d\\.\\d{6}\\Z", "Mã thủ tục phải có dạng D.DDDDDD"
                    )
                ],
                verbose_name="mã thủ tục",
            ),
        ),
        migrations.AddConstraint(
            model_name="agency",
            constraint=models.CheckConstraint(
                condition=models.Q(("code__regex", "^[A-Za-z0-9][A-Za-z0-9._-]*$"))
                & ~models.Q(("code__contains", "\n")),
                name="agency_code_safe_alphabet",
            ),
        ),
        migrations.AddConstraint(
            model_name="procedure",
            constraint=models.CheckConstraint(
                condition=models.Q(("code__regex", "^\\d\\.\\d{6}$"))
                & ~models.Q(("code__contains", "\n")),
                name="procedure_code_format",
            ),
        ),
    ]
