"""`manage.py import_postings FILE [--sheet S] [--dry-run] [--atomic] [--errors-out PATH]`.

Service Center staff postings (docs/postings.md). Prints `created N, updated N, unchanged N,
rejected N`; each rejected row on stderr (the first `MAX_PRINTED`; `--errors-out` gets them all).
Exit status 0 when the file was read, even with rejected rows; 1 when it is refused as a whole
(unreadable, a required column missing, or any bad row under --atomic), as `import_dossiers`.
"""

from __future__ import annotations

import csv
from pathlib import Path

from agencies.models import PostingImport, PostingImportStatus
from dossiers.importing.postings import postings_import
from dossiers.management.commands._import_command import MAX_PRINTED, ImportCommand, Message
from kpi_portal.spreadsheets import neutralise_csv_cell


class Command(ImportCommand):
    help = "Nhập danh sách cán bộ biệt phái đến Trung tâm Phục vụ hành chính công (CSV hoặc XLSX)."

    def import_file(self, path: Path, **options) -> PostingImport:
        return postings_import(path=path, **options)

    def messages(self, batch: PostingImport) -> tuple[list[Message], int]:
        first = [
            Message(e["row"], e["column"], e["value"], False, e["message"])
            for e in batch.errors[:MAX_PRINTED]
        ]
        return first, len(batch.errors)

    def errors_write(self, batch: PostingImport, path: Path) -> None:
        """One line per problem (a refused file: one line with the refusal), UTF-8 with BOM."""
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["Dòng", "Cột", "Giá trị", "Lý do"])
            if batch.status == PostingImportStatus.REFUSED and not batch.errors:
                writer.writerow(["", "", "", batch.refusal])
            for error in batch.errors:
                writer.writerow(
                    [
                        error["row"],
                        error["column"],
                        neutralise_csv_cell(error["value"]),  # a cell typed "=…" stays text
                        error["message"],
                    ]
                )

    def refused(self, batch: PostingImport) -> bool:
        return batch.status == PostingImportStatus.REFUSED
