from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectivesConfig(AppConfig):
    name = "directives"
    verbose_name = _("Chỉ thị và nhiệm vụ")

    def ready(self) -> None:
        from agencies.models import Role
        from agencies.navigation import NavItem, nav_register

        nav_register(
            NavItem(
                "postings:index",
                _("Biệt phái"),
                frozenset({Role.PROVINCE_OFFICE, Role.AGENCY_HEAD, Role.HOME_AFFAIRS}),
            )
        )
