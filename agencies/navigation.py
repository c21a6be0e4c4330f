"""The main navigation: one small list, filtered per role, given to every template.

To add a page to the menu, add a `NavItem` to `NAV_ITEMS` (or call `nav_register`). An item whose
URL name does not resolve yet is left out, so the menu can name pages that arrive later.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from agencies.access import has_any_role, has_role
from agencies.models import Role


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    # Who sees the link; empty means every user with a role. A superuser sees every link.
    roles: frozenset[str] = frozenset()


NAV_ITEMS: list[NavItem] = [
    NavItem("home", _("Tổng quan")),
    NavItem("domains", _("Lĩnh vực"), frozenset({Role.PROVINCE_OFFICE, Role.HOME_AFFAIRS})),
    NavItem("imports:index", _("Nhập dữ liệu"), frozenset({Role.PROVINCE_OFFICE})),
    NavItem("targets", _("Chỉ tiêu"), frozenset({Role.PROVINCE_OFFICE})),
    # An agency head sees their own row of the ranking and their own subtree's Biểu 06.
    NavItem(
        "rankings",
        _("Xếp hạng"),
        frozenset({Role.HOME_AFFAIRS, Role.PROVINCE_OFFICE, Role.AGENCY_HEAD}),
    ),
    NavItem(
        "report06",
        _("Biểu 06"),
        frozenset({Role.HOME_AFFAIRS, Role.PROVINCE_OFFICE, Role.AGENCY_HEAD}),
    ),
    NavItem("ranking_weights", _("Trọng số"), frozenset({Role.HOME_AFFAIRS, Role.ADMINISTRATOR})),
    NavItem("directives:index", _("Nhiệm vụ")),
]


def nav_register(item: NavItem) -> None:
    """Add (or replace, by URL name) a menu entry."""
    NAV_ITEMS[:] = [existing for existing in NAV_ITEMS if existing.url_name != item.url_name]
    NAV_ITEMS.append(item)


def nav_items_for(request: HttpRequest) -> list[dict[str, object]]:
    """The links this user may follow, each with `url`, `label` and `current`."""
    if not request.user.is_authenticated or not has_any_role(request):
        return []
    items = []
    for item in NAV_ITEMS:
        if item.roles and not has_role(request, *item.roles):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        current = request.path == url or (url != "/" and request.path.startswith(url))
        items.append({"url": url, "label": item.label, "current": current})
    return items


def navigation(request: HttpRequest) -> dict[str, object]:
    """Context processor: `nav_items` for base.html."""
    return {"nav_items": nav_items_for(request)}
