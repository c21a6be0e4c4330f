"""Read-only queries for the portal's pages."""

from __future__ import annotations

from django.db.models import Count, Max, Min

from agencies.models import Agency, Domain, Procedure
from dossiers.models import Dossier, ImportBatch


def portal_summary() -> dict:
    """What the portal holds: counts of the master data and dossiers, and the latest imports."""
    dossier_span = Dossier.objects.aggregate(
        count=Count("id"), first=Min("received_at"), last=Max("received_at")
    )
    return {
        "agency_count": Agency.objects.count(),
        "domain_count": Domain.objects.count(),
        "procedure_count": Procedure.objects.count(),
        "dossier_count": dossier_span["count"],
        "first_received": dossier_span["first"],
        "last_received": dossier_span["last"],
        "recent_batches": list(ImportBatch.objects.select_related("uploaded_by")[:5]),
    }
