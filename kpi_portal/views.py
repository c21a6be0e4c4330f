"""Project-level views that belong to no app: the two probes an orchestrator calls."""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

# A probe must answer quickly even when a service hangs.
PROBE_TIMEOUT_SECONDS = 2.0


@require_GET
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Readiness (database, Redis) is /readyz."""
    return JsonResponse({"status": "ok"})


def _database_answers() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _redis_answers(url: str) -> None:
    client = redis.Redis.from_url(
        url, socket_connect_timeout=PROBE_TIMEOUT_SECONDS, socket_timeout=PROBE_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    finally:
        client.close()


@require_GET
@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: 200 when the database and Redis (when REDIS_URL is set) answer, else 503.

    The body names each check: `ok`, `skipped` (no REDIS_URL: the embedded run) or `failed`
    with the kind of error (never its message, which may hold a host name or a password).
    """
    checks: dict[str, str] = {}
    try:
        _database_answers()
        checks["database"] = "ok"
    except Exception as exc:
        logger.warning("readyz: the database does not answer: %s", exc)
        checks["database"] = f"failed: {type(exc).__name__}"
    if settings.REDIS_URL:
        try:
            _redis_answers(settings.REDIS_URL)
            checks["redis"] = "ok"
        except Exception as exc:
            logger.warning("readyz: Redis does not answer: %s", exc)
            checks["redis"] = f"failed: {type(exc).__name__}"
    else:
        checks["redis"] = "skipped"
    ready = all(value in {"ok", "skipped"} for value in checks.values())
    body = {"status": "ok" if ready else "unavailable", "checks": checks}
    return JsonResponse(body, status=200 if ready else 503)
