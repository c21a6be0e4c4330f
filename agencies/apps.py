from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = _("Tổ chức")

    def ready(self) -> None:
        from agencies.models import Role
        from agencies.navigation import NavItem, nav_register

        nav_register(NavItem("audit:log", _("Nhật ký"), frozenset({Role.PROVINCE_OFFICE})))
