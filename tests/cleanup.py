"""Clean-up for fixtures that write outside the tests' transactions (a demo loaded once per
module): what they leave would change the counts other modules see."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db.models import Max


@contextmanager
def audit_entries_removed_afterwards() -> Iterator[None]:
    """Delete, on the way out, the audit entries written inside the block (the demo's imports,
    pilot lists and postings each write some; the audit tests count entries)."""
    from agencies.models import AuditEntry

    last = AuditEntry.objects.aggregate(last=Max("pk"))["last"] or 0
    try:
        yield
    finally:
        AuditEntry.objects.filter(pk__gt=last).delete()
