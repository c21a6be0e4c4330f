"""Read-only queries about the organisation."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from agencies.models import Agency, AgencyAlias, Membership, Procedure, ProcedureAlias
from agencies.names import NameIndex, normalise_name


def membership_for_user(*, user: AbstractBaseUser | AnonymousUser) -> Membership | None:
    """The user's role in the portal, or None for a user with no role."""
    if not user.is_authenticated:
        return None
    try:
        return user.membership
    except Membership.DoesNotExist:
        return None


def agency_name_index() -> NameIndex:
    """Every agency's name and every agency alias."""
    index = NameIndex()
    by_name: dict[str, list] = defaultdict(list)
    for pk, code, name in Agency.objects.values_list("pk", "code", "name"):
        by_name[normalise_name(name)].append((pk, code, ""))
        index.labels[pk] = f"{code} {name}"
    index.by_name = dict(by_name)
    for normalised, pk, code in AgencyAlias.objects.values_list(
        "normalised", "agency_id", "agency__code"
    ):
        index.aliases[normalised] = (pk, code)
    return index


def procedure_name_index() -> NameIndex:
    """Every procedure's name (with its domain, to tell apart namesakes) and every alias."""
    index = NameIndex()
    by_name: dict[str, list] = defaultdict(list)
    rows = Procedure.objects.values_list("code", "name", "domain__name")
    for code, name, domain in rows:
        by_name[normalise_name(name)].append((code, code, normalise_name(domain)))
        index.labels[code] = f"{code} {name}"
    index.by_name = dict(by_name)
    for normalised, code in ProcedureAlias.objects.values_list("normalised", "procedure__code"):
        index.aliases[normalised] = (code, code)
    return index
