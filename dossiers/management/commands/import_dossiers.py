"""`manage.py import_dossiers FILE [--sheet S] [--dry-run] [--atomic] [--errors-out PATH]`."""

from __future__ import annotations

from dossiers.management.commands._import_command import ImportCommand
from dossiers.models import ImportKind


class Command(ImportCommand):
    help = "Nhập hồ sơ từ tệp CSV hoặc XLSX (domain.md mục 9)."
    kind = ImportKind.DOSSIERS
