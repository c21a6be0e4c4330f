"""The monthly e-mail of the rankings XLSX to Home Affairs (a service; the beat task calls it).

On the 1st of each month the previous calendar month's ranking is mailed, as the XLSX of
`export_ranking`, to every active Home Affairs user with an e-mail address. The month is claimed
first (a unique row in RankingMailing), so a second run for the same month sends nothing.
"""

from __future__ import annotations

import io
import logging
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction

from agencies.models import Role
from kpi_portal import clock
from kpi_portal.periods import Basis, parse_period
from reports.export_files import XLSX_CONTENT_TYPE, data_as_of_line, ranking_xlsx
from reports.models import RankingMailing
from reports.ranking import ranking_build

logger = logging.getLogger(__name__)


def home_affairs_addresses() -> list[str]:
    users = (
        get_user_model()
        .objects.filter(is_active=True, membership__role=Role.HOME_AFFAIRS)
        .exclude(email="")
    )
    return sorted(set(users.values_list("email", flat=True)))


def ranking_monthly_mail_send(*, today: date | None = None) -> int:
    """Mail last month's ranking; returns the number of recipients (0: nothing sent)."""
    today = today or clock.today()
    last_month = today.replace(day=1) - timedelta(days=1)
    period = parse_period(f"{last_month:%Y-%m}", Basis.CALENDAR)
    recipients = home_affairs_addresses()
    if not recipients:
        logger.info("ranking mail %s: no Home Affairs address", period.code)
        return 0
    try:
        with transaction.atomic():
            claim = RankingMailing.objects.create(period=period.code)
    except IntegrityError:
        logger.info("ranking mail %s: already sent", period.code)
        return 0
    ranking = ranking_build(period=period)
    buffer = io.BytesIO()
    ranking_xlsx(ranking, buffer)
    message = EmailMessage(
        subject=f"Xếp hạng cải cách thủ tục hành chính: {period.label}",
        body=(
            f"Kính gửi Sở Nội vụ,\n\nĐính kèm bảng xếp hạng kết quả cải cách thủ tục hành chính "
            f"{period.label.lower()} ({period.start:%d/%m/%Y} – {period.end:%d/%m/%Y}).\n"
            f"{data_as_of_line(ranking.computed_at)}.\n\n"
            "Thư gửi tự động từ Cổng theo dõi cải cách TTHC."
        ),
        to=recipients,
    )
    message.attach(f"xep-hang-{period.code}.xlsx", buffer.getvalue(), XLSX_CONTENT_TYPE)
    try:
        message.send()
    except Exception:
        claim.delete()  # let a retry send it
        raise
    claim.recipients = len(recipients)
    claim.save(update_fields=["recipients"])
    return len(recipients)
