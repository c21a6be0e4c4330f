"""Project-level views that belong to no app."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Readiness (database, Redis) is a separate probe."""
    return JsonResponse({"status": "ok"})
