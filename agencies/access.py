"""Who may see what: the role helpers every view starts with (design.md, Roles).

Deny by default. An anonymous visitor is sent to sign in; a signed-in user with no role (and not
a superuser) gets the no-role page, status 403, on every page; a user whose role does not open a
page gets the no-permission page, status 403; another agency's page answers 404, so that a page
never confirms that an agency it may not show exists.

The sign-in backend here also refuses the demo logins (password `demo`) when DEBUG is off, so a
production server that was once loaded with the demo cannot be entered with a published password.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.lookups import StartsWith
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from agencies.models import Agency, Membership, Role
from agencies.selectors import membership_for_user

# Roles whose holders see every agency (an agency head sees their own subtree only).
ALL_AGENCY_ROLES = frozenset({Role.PROVINCE_OFFICE, Role.HOME_AFFAIRS, Role.ADMINISTRATOR})
DEMO_PASSWORD = "demo"

_CACHE_ATTRIBUTE = "_kpi_membership"
_MISSING = object()


def membership_for(request: HttpRequest) -> Membership | None:
    """The signed-in user's membership, looked up once per request; None for no role."""
    cached = getattr(request, _CACHE_ATTRIBUTE, _MISSING)
    if cached is _MISSING:
        cached = membership_for_user(user=request.user)
        setattr(request, _CACHE_ATTRIBUTE, cached)
    return cached  # type: ignore[return-value]


def has_any_role(request: HttpRequest) -> bool:
    return request.user.is_superuser or membership_for(request) is not None


def has_role(request: HttpRequest, *roles: str) -> bool:
    """True when the user holds one of `roles`; a superuser holds every role."""
    if request.user.is_superuser:
        return True
    membership = membership_for(request)
    return membership is not None and membership.role in roles


def no_role_response(request: HttpRequest) -> HttpResponse:
    return render(request, "no_role.html", status=403)


def no_permission_response(request: HttpRequest) -> HttpResponse:
    return render(request, "no_permission.html", status=403)


def require_role(
    *roles: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a view: sign-in required, then one of `roles` (any role when none is given).

    Anonymous: redirect to the sign-in page. No role: the no-role page (403). Another role: the
    no-permission page (403). A superuser passes every check.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not has_any_role(request):
                return no_role_response(request)
            if roles and not has_role(request, *roles):
                return no_permission_response(request)
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


def sees_every_agency(user: AbstractBaseUser | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    membership = membership_for_user(user=user)
    return membership is not None and membership.role in ALL_AGENCY_ROLES


def visible_agencies(user: AbstractBaseUser | AnonymousUser) -> Any:
    """The agencies the user may see: all of them, or none, or for an agency head their own
    subtree and, for a unit formed by a merger, the subtrees of the units it was merged from
    (their history is now the successor's: domain.md section 12). Still one query."""
    if sees_every_agency(user):
        return Agency.objects.all()
    membership = membership_for_user(user=user)
    if membership is None or membership.agency_id is None:
        return Agency.objects.none()
    own = membership.agency
    under_a_predecessor = Exists(
        Agency.merged_from.through.objects.filter(
            StartsWith(OuterRef("path"), F("to_agency__path")), from_agency_id=own.pk
        )
    )
    return Agency.objects.filter(Q(path__startswith=own.path) | Q(under_a_predecessor))


def agency_for_user_or_404(request: HttpRequest, code: str) -> Agency:
    """The agency with `code` when the user may see it; otherwise 404, whether it exists or not."""
    agency = visible_agencies(request.user).filter(code=code).first()
    if agency is None:
        raise Http404("No such agency")
    return agency


class DemoRefusingBackend(ModelBackend):
    """The usual username/password sign-in, except that the demo password is refused when DEBUG
    is off: `load_demo` gives its users the published password `demo`, which must never open a
    production portal."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> AbstractBaseUser | None:
        if password == DEMO_PASSWORD and not settings.DEBUG:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
