"""Read-only queries about the organisation."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from agencies.models import Membership


def membership_for_user(*, user: AbstractBaseUser | AnonymousUser) -> Membership | None:
    """The user's role in the portal, or None for a user with no role."""
    if not user.is_authenticated:
        return None
    try:
        return user.membership
    except Membership.DoesNotExist:
        return None
