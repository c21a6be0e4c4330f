from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = _("Hồ sơ")

    def ready(self) -> None:
        from agencies.models import Role
        from agencies.navigation import NavItem, nav_register

        nav_register(
            NavItem(
                "apologies:list",
                _("Xin lỗi"),
                frozenset({Role.AGENCY_HEAD, Role.PROVINCE_OFFICE}),
            )
        )
