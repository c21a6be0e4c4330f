"""`manage.py resume_imports [--now]`: send again the steps of import batches left pending.

What the beat task `dossiers.import_batches_resume` does every two minutes; for an operator
who has just brought Redis back and does not want to wait. Prints how many batches were sent.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dossiers.services import RESUME_AFTER, import_batches_due, import_batches_resume


class Command(BaseCommand):
    help = "Gửi lại vào hàng đợi các lần nhập còn chờ xử lý (khi Redis hoạt động trở lại)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now",
            action="store_true",
            help="gửi cả các lần nhập vừa tải lên (mặc định: chờ quá 2 phút)",
        )

    def handle(self, *args, **options) -> None:
        older_than = timedelta(0) if options["now"] else RESUME_AFTER
        due = len(import_batches_due(older_than=older_than))
        sent = import_batches_resume(older_than=older_than)
        self.stdout.write(f"sent {sent} of {due}")
        if sent < due:
            raise CommandError(
                f"Còn {due - sent} lần nhập chờ xử lý nhưng chưa gửi được vào hàng đợi "
                "(Redis chưa hoạt động?)."
            )
