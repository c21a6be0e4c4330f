"""The audit log: one call records who changed what, with the values before and after.

Every state-changing action of the portal (imports, targets, weights, apologies, pilot nominations,
staff postings) calls `audit_record` inside the same transaction as the change, so an entry exists
exactly when the change does. `snapshot` turns a model instance into the plain dict stored as
`before`/`after`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.forms.models import model_to_dict

from agencies.models import Agency, AuditAction, AuditEntry


def snapshot(instance: models.Model, *, fields: list[str] | None = None) -> dict[str, Any]:
    """The instance's field values as JSON-ready data (foreign keys as their ids)."""
    return model_to_dict(instance, fields=fields)


def audit_entry(
    *,
    actor,
    action: AuditAction | str,
    subject: models.Model | None = None,
    subject_type: str = "",
    subject_id: str = "",
    agency: Agency | None = None,
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """One entry, not yet saved (for `audit_record_many`). `subject` (a model instance) fills
    `subject_type`/`subject_id` when given; `actor` may be None for the system (a command run
    from the shell, a scheduled job)."""
    if subject is not None:
        subject_type = subject_type or subject._meta.label_lower
        subject_id = subject_id or str(subject.pk)
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry(
        actor=user,
        actor_username=user.get_username() if user else "",
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        agency=agency,
        summary=summary[:500],
        before=before,
        after=after,
    )


def audit_record(**fields: Any) -> AuditEntry:
    """Add one entry (the arguments of `audit_entry`)."""
    entry = audit_entry(**fields)
    entry.save()
    return entry


def audit_record_many(entries: Iterable[AuditEntry]) -> list[AuditEntry]:
    """Add many entries in one statement (a bulk action: one entry per record it changed)."""
    return AuditEntry.objects.bulk_create(list(entries))
