"""Writes to the organisation that span several agencies."""

from __future__ import annotations

from django.db import transaction

from agencies.audit import audit_record
from agencies.models import (
    Agency,
    AgencyAlias,
    AuditAction,
    Procedure,
    ProcedureAlias,
)
from agencies.names import normalise_name


def agency_paths_rebuild() -> int:
    """Recompute every agency's materialised `path` from its parent chain; return how many changed.

    `Agency.save()` keeps one agency's path, but moving an agency under a new parent also moves
    its whole subtree; this walks the (small) tree once, parents before children.
    """
    agencies = list(Agency.objects.only("id", "code", "parent_id", "path"))
    children: dict[int | None, list[Agency]] = {}
    for agency in agencies:
        children.setdefault(agency.parent_id, []).append(agency)
    changed: list[Agency] = []
    pending = [(agency, "/") for agency in children.get(None, [])]
    while pending:
        agency, prefix = pending.pop()
        path = f"{prefix}{agency.code}/"
        if agency.path != path:
            agency.path = path
            changed.append(agency)
        pending.extend((child, path) for child in children.get(agency.id, []))
    Agency.objects.bulk_update(changed, ["path"], batch_size=500)
    return len(changed)


def agency_alias_save(*, name: str, agency: Agency, actor) -> AgencyAlias:
    """Remember that files calling an agency `name` mean `agency` (audited). Mapping a name
    again moves it to the new agency; the entry keeps both."""
    return _alias_save(
        model=AgencyAlias,
        target_field="agency",
        target=agency,
        name=name,
        actor=actor,
        action=AuditAction.AGENCY_ALIAS,
        audit_agency=agency,
        label=f"{agency.code} {agency.name}",
    )


def procedure_alias_save(*, name: str, procedure: Procedure, actor) -> ProcedureAlias:
    """Remember that files calling a procedure `name` mean `procedure` (audited)."""
    return _alias_save(
        model=ProcedureAlias,
        target_field="procedure",
        target=procedure,
        name=name,
        actor=actor,
        action=AuditAction.PROCEDURE_ALIAS,
        audit_agency=None,
        label=f"{procedure.code} {procedure.name}",
    )


def _alias_save(*, model, target_field, target, name, actor, action, audit_agency, label):
    name = " ".join(str(name).split())[:500]
    normalised = normalise_name(name)
    if not normalised:
        raise ValueError("an alias needs a name")
    with transaction.atomic():
        alias = model.objects.select_for_update().filter(normalised=normalised).first()
        before = None
        if alias is None:
            alias = model()
        elif getattr(alias, f"{target_field}_id") == target.pk:
            return alias
        else:
            before = {"name": alias.name, target_field: getattr(alias, f"{target_field}_id")}
        alias.name = name
        setattr(alias, target_field, target)
        if getattr(actor, "is_authenticated", False):
            alias.created_by = actor
        alias.save()
        audit_record(
            actor=actor,
            action=action,
            subject=alias,
            agency=audit_agency,
            summary=f"«{name}» → {label}",
            before=before,
            after={"name": name, target_field: target.pk},
        )
    return alias
