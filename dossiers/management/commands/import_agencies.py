"""`manage.py import_agencies FILE [--sheet S] [--dry-run] [--atomic] [--errors-out PATH]`."""

from __future__ import annotations

from dossiers.management.commands._import_command import ImportCommand
from dossiers.models import ImportKind


class Command(ImportCommand):
    help = "Nhập danh mục đơn vị từ tệp CSV hoặc XLSX (domain.md mục 9)."
    kind = ImportKind.AGENCIES
