"""A request id on every request, response and log line, and the task id on a Celery task's logs.

The id comes from the proxy's X-Request-ID header when it is a short, plain token (so one id
follows a request from the proxy's log to ours), else a new random one. It is on
`request.request_id`, in the response's X-Request-ID header, and on every log record emitted
while the request runs (`RequestIdLogFilter`, installed on the log handlers in settings). A log
record emitted inside a Celery task carries that task's id as `task_id`.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
# Letters, digits and . _ - only, at most 64 characters: anything else (spaces, quotes, newlines
# that would forge log lines) is replaced by a fresh id rather than cleaned up.
_ACCEPTED = re.compile(r"[A-Za-z0-9._-]{1,64}")

current_request_id: ContextVar[str] = ContextVar("current_request_id", default="")


def request_id_from_header(value: str | None) -> str:
    """The caller's id when it is acceptable, else a new one (32 hex digits)."""
    if value and _ACCEPTED.fullmatch(value):
        return value
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """First in MIDDLEWARE, so even a redirect or an error page carries the id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from_header(request.headers.get(HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        token = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response[HEADER] = request_id
        return response


def _current_task_id() -> str:
    try:
        from celery import current_task
    except ImportError:  # pragma: no cover - celery is a dependency
        return ""
    request = getattr(current_task, "request", None) if current_task else None
    return getattr(request, "id", None) or ""


class RequestIdLogFilter(logging.Filter):
    """Put `request_id` and `task_id` on every record (empty strings outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = current_request_id.get()
        if not getattr(record, "task_id", ""):
            record.task_id = _current_task_id()
        return True
