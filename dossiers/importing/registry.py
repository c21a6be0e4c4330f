"""Every kind of import and its importer, in one list. A new kind is one line here, a choice in
`dossiers.models.ImportKind` and its `*_rows` module (`dossiers/importing/__init__.py` says how a
file travels)."""

from __future__ import annotations

from dossiers.importing.agency_rows import AgencyImport
from dossiers.importing.base import Importer
from dossiers.importing.dossier_import import DossierImport
from dossiers.importing.posting_rows import PostingsImport
from dossiers.importing.procedure_rows import ProcedureImport
from dossiers.models import ImportKind

IMPORTERS: dict[str, type[Importer]] = {
    ImportKind.AGENCIES: AgencyImport,
    ImportKind.PROCEDURES: ProcedureImport,
    ImportKind.DOSSIERS: DossierImport,
    ImportKind.POSTINGS: PostingsImport,
}


def importer_for(kind: str) -> type[Importer]:
    return IMPORTERS[kind]
