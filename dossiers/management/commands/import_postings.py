"""`manage.py import_postings FILE [--sheet S] [--dry-run] [--atomic] [--errors-out PATH]`.

Service Center staff postings (docs/postings.md). Prints `created N, updated N, unchanged N,
rejected N`; each rejected row on stderr (the first `MAX_PRINTED`; `--errors-out` gets them all).
Exit status 0 when the file was read, even with rejected rows; 1 when it is refused as a whole
(unreadable, a required column missing, or any bad row under --atomic), as `import_dossiers`.
"""

from __future__ import annotations

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agencies.models import PostingImport, PostingImportStatus
from dossiers.importing.postings import postings_import
from dossiers.management.commands._import_command import MAX_PRINTED


class Command(BaseCommand):
    help = "Nhập danh sách cán bộ biệt phái đến Trung tâm Phục vụ hành chính công (CSV hoặc XLSX)."

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
        batch = postings_import(
            path=options["file"],
            sheet=options["sheet"],
            dry_run=options["dry_run"],
            atomic=options["atomic"],
            source="command",
            original_name=str(options["file"]),
        )
        for error in batch.errors[:MAX_PRINTED]:
            value = f" (giá trị «{error['value']}»)" if error["value"] else ""
            self.stderr.write(
                f"Dòng {error['row']}, cột «{error['column']}»{value} [bị loại]: {error['message']}"
            )
        if len(batch.errors) > MAX_PRINTED:
            hidden = len(batch.errors) - MAX_PRINTED
            self.stderr.write(f"… và {hidden} thông báo khác (dùng --errors-out để xem đủ).")
        if options["errors_out"]:
            _errors_write(batch, options["errors_out"])
        if batch.status == PostingImportStatus.REFUSED:
            raise CommandError(batch.refusal)
        self.stdout.write(batch.summary)


def _errors_write(batch: PostingImport, path: Path) -> None:
    """One line per problem (a refused file: one line with the refusal), UTF-8 with BOM."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Dòng", "Cột", "Giá trị", "Lý do"])
        if batch.status == PostingImportStatus.REFUSED and not batch.errors:
            writer.writerow(["", "", "", batch.refusal])
        for error in batch.errors:
            writer.writerow([error["row"], error["column"], error["value"], error["message"]])
