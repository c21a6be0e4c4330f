"""Pages of the portal."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from agencies.selectors import membership_for_user
from reports.selectors import portal_summary


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    membership = membership_for_user(user=request.user)
    if membership is None and not request.user.is_superuser:
        return render(request, "no_role.html", status=403)
    return render(request, "home.html", {"membership": membership, **portal_summary()})
