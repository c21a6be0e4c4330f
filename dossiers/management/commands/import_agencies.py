"""`manage.py import_agencies FILE [--sheet S] [--dry-run] [--atomic] [--errors-out PATH]`.

FILE is CSV, XLSX or JSON (dossiers/importing/reading.py)."""

from __future__ import annotations

from dossiers.management.commands._import_command import ImportCommand
from dossiers.models import ImportKind


class Command(ImportCommand):
    help = "Nhập danh mục đơn vị từ tệp CSV, XLSX hoặc JSON (domain.md mục 9 và 11)."
    kind = ImportKind.AGENCIES
