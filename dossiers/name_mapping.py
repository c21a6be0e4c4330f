"""The mapping step of a dossier import (domain.md section 11, "Agency by name").

A dossier file may name its agencies (and, in list exports, its procedures) instead of coding
them. The names the importer could not resolve, or found ambiguous, are kept with the batch
(`ImportUnresolvedName`, written by `importing.dossier_import`). On the web the batch stops
there before anything is written: the province office maps each name once to an agency
(procedure); the choice becomes an alias (audited, in `agencies`), the batch is checked again,
and every later file with that name resolves without asking.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from agencies.models import Agency, Procedure
from agencies.selectors import agency_name_index, procedure_name_index
from agencies.services import agency_alias_save, procedure_alias_save
from dossiers import tasks
from dossiers.models import ImportBatch, ImportStatus, ImportUnresolvedName, UnresolvedNameKind
from kpi_portal.celery import send_or_defer


@dataclass(frozen=True)
class NameChoice:
    """One unresolved name of a batch, as the mapping form shows it."""

    unresolved: ImportUnresolvedName
    suggestions: list[tuple[str, str]]  # (value, label), closest first
    field_name: str


def batch_unresolved_names(batch: ImportBatch) -> list[NameChoice]:
    """The batch's unknown and ambiguous names, each with the closest agencies (procedures)
    suggested; none once the batch is applied or when it is a dry run."""
    if batch.status != ImportStatus.VALIDATED or batch.dry_run:
        return []
    names = list(batch.unresolved_names.order_by("kind", "-rows", "name"))
    if not names:
        return []
    indexes = {
        UnresolvedNameKind.AGENCY: agency_name_index(),
        UnresolvedNameKind.PROCEDURE: procedure_name_index(),
    }
    agency_ids = {code: pk for pk, code in Agency.objects.values_list("pk", "code")}
    choices = []
    for unresolved in names:
        index = indexes[unresolved.kind]
        keys = index.suggestions(unresolved.name)
        if unresolved.kind == UnresolvedNameKind.AGENCY:
            # An ambiguous name: the agencies that share it first.
            shared = [agency_ids[c] for c in unresolved.candidates.split(", ") if c in agency_ids]
            keys = shared + [key for key in keys if key not in shared]
        choices.append(
            NameChoice(
                unresolved=unresolved,
                suggestions=[(str(key), index.labels[key]) for key in keys if key in index.labels],
                field_name=f"name-{unresolved.pk}",
            )
        )
    return choices


class NameMappingError(Exception):
    """The mapping cannot be saved (the message says why, in Vietnamese)."""


def import_names_map(*, batch: ImportBatch, chosen: dict[str, str], user) -> int:
    """Save the office's choice for each unresolved name of the batch as an alias (audited), then
    check the batch again so its counts include the rows those names now resolve. Returns the
    number of names mapped. `chosen` maps a NameChoice.field_name to an agency id or a procedure
    code; names left empty stay unresolved."""
    names = {f"name-{u.pk}": u for u in batch.unresolved_names.all()}
    picks = {field: value.strip() for field, value in chosen.items() if field in names}
    picks = {field: value for field, value in picks.items() if value}
    if not picks:
        raise NameMappingError(gettext("Hãy chọn đơn vị (thủ tục) cho ít nhất một tên."))
    with transaction.atomic():
        claimed = ImportBatch.objects.filter(
            pk=batch.pk, status=ImportStatus.VALIDATED, dry_run=False
        ).update(status=ImportStatus.PENDING, started_at=None, finished_at=timezone.now())
        if not claimed:
            raise NameMappingError(
                gettext("Lần nhập này không còn chờ xác nhận nên không gán được.")
            )
        for field, value in picks.items():
            unresolved = names[field]
            if unresolved.kind == UnresolvedNameKind.AGENCY:
                agency = Agency.objects.filter(pk=value if value.isdigit() else None).first()
                if agency is None:
                    raise NameMappingError(
                        gettext("Không có đơn vị được chọn cho tên «%(name)s».")
                        % {"name": unresolved.name}
                    )
                agency_alias_save(name=unresolved.name, agency=agency, actor=user)
            else:
                procedure = Procedure.objects.filter(code=value).first()
                if procedure is None:
                    raise NameMappingError(
                        gettext("Không có thủ tục mã «%(code)s» cho tên «%(name)s».")
                        % {"code": value, "name": unresolved.name}
                    )
                procedure_alias_save(name=unresolved.name, procedure=procedure, actor=user)
        batch.status = ImportStatus.PENDING
        # If the queue does not answer, the batch stays pending with no start time and the
        # resume sweep sends its validation later, as for a new upload.
        transaction.on_commit(lambda: send_or_defer(tasks.import_batch_validate_task, batch.pk))
    return len(picks)
