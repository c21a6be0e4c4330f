"""The shared body of `import_agencies`, `import_procedures`, `import_dossiers` and
`import_postings`: each names its kind of import; the one import service does the rest.

Prints `created N, updated N, unchanged N, rejected N` on stdout and each rejected row on stderr
(the first `MAX_PRINTED`; `--errors-out` gets them all). A file refused as a whole raises
CommandError (exit status 1) with one Vietnamese sentence; so does any bad row under --atomic.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dossiers.models import ImportStatus
from dossiers.services import import_batch_errors_write, import_file

MAX_PRINTED = 50


class Message(NamedTuple):
    row: int
    column: str
    value: str
    is_warning: bool
    text: str


class ImportCommand(BaseCommand):
    kind: str

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="tệp CSV (UTF-8), XLSX hoặc JSON")
        parser.add_argument("--sheet", help="tên trang tính trong tệp XLSX (mặc định: trang đầu)")
        parser.add_argument(
            "--dry-run", action="store_true", help="chỉ kiểm tra và đếm, không ghi dữ liệu"
        )
        parser.add_argument(
            "--atomic", action="store_true", help="có một dòng lỗi thì không nhập dòng nào"
        )
        parser.add_argument(
            "--errors-out", type=Path, help="ghi các dòng bị loại ra tệp CSV này (UTF-8 có BOM)"
        )

    def handle(self, *args, **options) -> None:
        path = options["file"]
        batch = import_file(
            kind=self.kind,
            path=path,
            sheet=options["sheet"],
            dry_run=options["dry_run"],
            atomic=options["atomic"],
            source="command",
            original_name=str(path),
        )
        self._print_messages(*self.messages(batch))
        if options["errors_out"]:
            import_batch_errors_write(batch=batch, path=options["errors_out"])
        if batch.status in (ImportStatus.REFUSED, ImportStatus.FAILED):
            raise CommandError(batch.refusal)
        self.stdout.write(batch.summary)

    def messages(self, batch) -> tuple[list[Message], int]:
        """The first MAX_PRINTED messages about rows, and how many there are in all."""
        rows = batch.row_errors.order_by("row_number", "id")
        first = [
            Message(m.row_number, m.column, m.value, m.is_warning, m.message)
            for m in rows[:MAX_PRINTED]
        ]
        return first, rows.count()

    def _print_messages(self, messages: list[Message], total: int) -> None:
        for message in messages:
            kind = "cảnh báo" if message.is_warning else "bị loại"
            value = f" (giá trị «{message.value}»)" if message.value else ""
            self.stderr.write(
                f"Dòng {message.row}, cột «{message.column}»{value} [{kind}]: {message.text}"
            )
        hidden = total - len(messages)
        if hidden > 0:
            self.stderr.write(f"… và {hidden} thông báo khác (dùng --errors-out để xem đủ).")
