"""Vietnamese names that are stored as data (the seeded indicators and rate bands) or built in
code, marked so that `makemessages` puts them in the English catalogue.

gettext translates a string known only at run time (`gettext(indicator.name)`, or
`{% translate indicator.name %}` in a template) only when that exact msgid is in the catalogue;
listing the seeded values here is what puts them there. A name edited in the admin simply stays
Vietnamese in English.
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

STORED_LABELS = (
    # reports/migrations/0002_seed_indicators.py
    gettext_noop("Tỷ lệ số hóa thành phần hồ sơ"),
    gettext_noop("Tỷ lệ cấp kết quả điện tử"),
    gettext_noop("Tỷ lệ giải quyết trước hạn, đúng hạn"),
    gettext_noop("Tỷ lệ xin lỗi hồ sơ quá hạn"),
    gettext_noop("Tỷ lệ hồ sơ trực tuyến"),
    gettext_noop("Tỷ lệ thanh toán trực tuyến"),
    # reports/migrations/0005_rate_bands.py and the fallback in reports.pages.cells.Bands
    gettext_noop("Đạt mục tiêu"),
    gettext_noop("Gần đạt (cách dưới 5 điểm %)"),
    gettext_noop("Còn xa mục tiêu"),
    gettext_noop("Đạt"),
    gettext_noop("Chưa đạt"),
)


def translated(text: str) -> str:
    """The active language's name for a stored Vietnamese label (itself when unknown)."""
    return gettext(text) if text else text
