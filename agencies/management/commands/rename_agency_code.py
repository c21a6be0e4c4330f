"""`rename_agency_code OLD NEW`: give an agency a new code.

For an agency whose code is outside the safe alphabet (the upgrade that adds the database check
stops and lists them; docs/operations.md, "Upgrade"), or any other renaming. Dossiers, people,
postings and the audit log point to the agency itself, not to its code, so they follow; the
subtree's paths are rebuilt. The KPI facts name agencies by code: recompute them afterwards
(`compute_kpis --full`), as the command says.
"""

from __future__ import annotations

import re

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from agencies.models import AGENCY_CODE_MESSAGE, AGENCY_CODE_PATTERN, Agency
from agencies.services import agency_paths_rebuild


class Command(BaseCommand):
    help = "Change an agency's code (the agency keeps its dossiers, people and history)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("old", help="the agency's current code")
        parser.add_argument("new", help="the new code: letters, digits, '.', '-', '_'")

    def handle(self, *args, old: str, new: str, **options) -> None:
        if not re.fullmatch(AGENCY_CODE_PATTERN.strip("^$"), new) or len(new) > 32:
            raise CommandError(f"{new!r}: {AGENCY_CODE_MESSAGE} (tối đa 32 ký tự)")
        with transaction.atomic():
            agency = Agency.objects.select_for_update().filter(code=old).first()
            if agency is None:
                raise CommandError(f"Không có đơn vị mã {old!r}.")
            if Agency.objects.filter(code=new).exists():
                raise CommandError(f"Mã {new!r} đã là mã của một đơn vị khác.")
            Agency.objects.filter(pk=agency.pk).update(code=new)
            moved = agency_paths_rebuild()
        self.stdout.write(
            f"renamed {old!r} to {new!r} ({agency.name}); {moved} paths rebuilt. "
            "Now run `python manage.py compute_kpis --full` (the KPI facts name agencies by code)."
        )
