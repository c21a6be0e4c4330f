"""The audit log page (province office only)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from agencies.access import require_role
from agencies.audit_log import (
    PAGE_SIZE,
    AuditFilterForm,
    audit_changes,
    audit_entries_filtered,
    audit_names,
    audit_subject,
    audit_usernames,
)
from agencies.models import AuditEntry, Role


@require_GET
@require_role(Role.PROVINCE_OFFICE)
@vary_on_headers("HX-Request")
def audit_log(request: HttpRequest) -> HttpResponse:
    """Who did what and when, newest first, filterable by action, account, agency and dates."""
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        entries = AuditEntry.objects.none()  # the form says what is wrong
    else:
        data = form.cleaned_data if form.is_bound else {}
        entries = audit_entries_filtered(
            action=data.get("action", ""),
            username=data.get("user", ""),
            agency=data.get("agency"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = {key: value for key, value in request.GET.items() if key != "page" and value}
    entries_shown = list(page.object_list)
    names = audit_names(entries_shown)
    rows = []
    for entry in entries_shown:
        entry.subject_text = audit_subject(entry, names=names)
        rows.append((entry, audit_changes(entry, names=names)))
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "filter_query": urlencode(filters),
        "usernames": audit_usernames(),
    }
    template = "agencies/audit_log.html#entries" if request.htmx else "agencies/audit_log.html"
    return render(request, template, context)
