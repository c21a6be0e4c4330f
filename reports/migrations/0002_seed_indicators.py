"""Seed the six indicators of domain.md section 5 and their default targets (every year, level)."""

from decimal import Decimal

from django.db import migrations

INDICATORS = [
    (
        "digitization",
        "Tỷ lệ số hóa thành phần hồ sơ",
        "Hồ sơ có mọi thành phần được số hóa",
        "Hồ sơ tiếp nhận trong kỳ",
        "Hồ sơ tiếp nhận trong kỳ có toàn bộ thành phần hồ sơ được số hóa, trên tổng số hồ sơ "
        "tiếp nhận trong kỳ.",
        Decimal("1"),
    ),
    (
        "e_result",
        "Tỷ lệ cấp kết quả điện tử",
        "Hồ sơ có kết quả điện tử",
        "Hồ sơ giải quyết xong trong kỳ của thủ tục có kết quả bản giấy",
        "Hồ sơ giải quyết xong trong kỳ, thuộc thủ tục có kết quả là giấy tờ, được cấp kết quả "
        "điện tử.",
        Decimal("1"),
    ),
    (
        "on_time",
        "Tỷ lệ giải quyết trước hạn, đúng hạn",
        "Hồ sơ giải quyết trước hạn, đúng hạn",
        "Hồ sơ thuộc trách nhiệm giải quyết trong kỳ",
        "Hồ sơ tiếp nhận đến hết kỳ và chưa kết thúc trước kỳ; được xét tại thời điểm kết thúc "
        "xử lý nếu trong kỳ, nếu không thì tại cuối kỳ; đúng hạn khi không muộn hơn ngày hẹn trả.",
        Decimal("1"),
    ),
    (
        "apology",
        "Tỷ lệ xin lỗi hồ sơ quá hạn",
        "Hồ sơ quá hạn đã có phiếu xin lỗi đến cuối kỳ",
        "Hồ sơ quá hạn trong kỳ",
        "Hồ sơ quá hạn trong kỳ có phiếu xin lỗi phát hành không muộn hơn ngày cuối kỳ.",
        Decimal("1"),
    ),
    (
        "online_submission",
        "Tỷ lệ hồ sơ trực tuyến",
        "Hồ sơ nộp trực tuyến",
        "Hồ sơ tiếp nhận trong kỳ",
        "Hồ sơ tiếp nhận trong kỳ được nộp trực tuyến.",
        Decimal("0.5"),
    ),
    (
        "online_payment",
        "Tỷ lệ thanh toán trực tuyến",
        "Hồ sơ thanh toán trực tuyến",
        "Hồ sơ tiếp nhận trong kỳ có phí, lệ phí",
        "Hồ sơ tiếp nhận trong kỳ có phí, lệ phí lớn hơn 0 được thanh toán trực tuyến.",
        Decimal("0.3"),
    ),
]


def seed(apps, schema_editor):
    Indicator = apps.get_model("reports", "Indicator")
    Target = apps.get_model("reports", "Target")
    TargetChange = apps.get_model("reports", "TargetChange")
    for order, (code, name, numerator, denominator, definition, target) in enumerate(INDICATORS):
        indicator, _ = Indicator.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "numerator_label": numerator,
                "denominator_label": denominator,
                "definition": definition,
                "higher_is_better": True,
                "sort_order": order,
            },
        )
        _, created = Target.objects.get_or_create(
            indicator=indicator, year=None, level="", defaults={"value": target}
        )
        if created:
            TargetChange.objects.create(
                indicator=indicator, year=None, level="", new_value=target, note="seed"
            )


def unseed(apps, schema_editor):
    apps.get_model("reports", "Indicator").objects.filter(
        code__in=[row[0] for row in INDICATORS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
