"""The shared body of `import_agencies`, `import_procedures` and `import_dossiers`.

Prints `created N, updated N, unchanged N, rejected N` on stdout and each rejected row on stderr
(the first `MAX_PRINTED`; `--errors-out` gets them all). A file refused as a whole raises
CommandError (exit status 1) with one Vietnamese sentence; so does any bad row under --atomic.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dossiers.models import ImportBatch, ImportStatus
from dossiers.services import import_batch_errors_write, import_file

MAX_PRINTED = 50


class ImportCommand(BaseCommand):
    kind: str

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="tệp CSV (UTF-8) hoặc XLSX")
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
        batch = import_file(
            kind=self.kind,
            path=options["file"],
            sheet=options["sheet"],
            dry_run=options["dry_run"],
            atomic=options["atomic"],
            source="command",
            original_name=str(options["file"]),
        )
        self._print_messages(batch)
        if options["errors_out"]:
            import_batch_errors_write(batch=batch, path=options["errors_out"])
        if batch.status in (ImportStatus.REFUSED, ImportStatus.FAILED):
            raise CommandError(batch.refusal)
        self.stdout.write(batch.summary)

    def _print_messages(self, batch: ImportBatch) -> None:
        messages = batch.row_errors.order_by("row_number", "id")
        for message in messages[:MAX_PRINTED]:
            kind = "cảnh báo" if message.is_warning else "bị loại"
            value = f" (giá trị «{message.value}»)" if message.value else ""
            self.stderr.write(
                f"Dòng {message.row_number}, cột «{message.column}»{value} [{kind}]: "
                f"{message.message}"
            )
        hidden = messages.count() - MAX_PRINTED
        if hidden > 0:
            self.stderr.write(f"… và {hidden} thông báo khác (dùng --errors-out để xem đủ).")
