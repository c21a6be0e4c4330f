"""`manage.py import_postings FILE [--sheet S] [--dry-run] [--atomic] [--errors-out PATH]`.

Service Center staff postings (docs/postings.md), through the one import pipeline: prints
`created N, updated N, unchanged N, rejected N`; each rejected row on stderr (the first
`MAX_PRINTED`; `--errors-out` gets them all, with each bad cell's value). Exit status 0 when the
file was read, even with rejected rows; 1 when it is refused as a whole (unreadable, a required
column missing, or any bad row under --atomic), as `import_dossiers`.
"""

from __future__ import annotations

from dossiers.management.commands._import_command import ImportCommand
from dossiers.models import ImportKind


class Command(ImportCommand):
    help = "Nhập danh sách cán bộ biệt phái đến Trung tâm Phục vụ hành chính công (CSV hoặc XLSX)."
    kind = ImportKind.POSTINGS
