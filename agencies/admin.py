from django.contrib import admin

from agencies.models import (
    Agency,
    AgencyAlias,
    AuditEntry,
    Domain,
    Membership,
    Procedure,
    ProcedureAlias,
    StaffPosting,
)


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "valid_from", "valid_to"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent", "merged_from"]
    readonly_fields = ["path"]


@admin.register(AgencyAlias)
class AgencyAliasAdmin(admin.ModelAdmin):
    """Names mapped on the imports page; an administrator may correct or remove one."""

    list_display = ["name", "agency", "created_by", "created_at"]
    search_fields = ["name", "normalised", "agency__name", "agency__code"]
    autocomplete_fields = ["agency"]
    readonly_fields = ["created_by", "created_at"]


@admin.register(ProcedureAlias)
class ProcedureAliasAdmin(admin.ModelAdmin):
    list_display = ["name", "procedure", "created_by", "created_at"]
    search_fields = ["name", "normalised", "procedure__name", "procedure__code"]
    autocomplete_fields = ["procedure"]
    readonly_fields = ["created_by", "created_at"]


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "domain",
        "online_level",
        "full_process_eligible",
        "paper_result",
    ]
    list_filter = ["online_level", "full_process_eligible", "paper_result", "domain"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["domain"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "agency", "title"]
    list_filter = ["role"]
    search_fields = ["user__username", "agency__name"]
    autocomplete_fields = ["agency"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is only ever added to by the portal itself."""

    list_display = ["at", "actor_username", "action", "subject_type", "subject_id", "agency"]
    list_filter = ["action"]
    search_fields = ["actor_username", "subject_id", "summary"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StaffPosting)
class StaffPostingAdmin(admin.ModelAdmin):
    list_display = [
        "person_name",
        "staff_code",
        "agency",
        "start_on",
        "planned_end_on",
        "actual_end_on",
    ]
    list_filter = ["agency__level"]
    search_fields = ["person_name", "staff_code", "agency__name"]
    autocomplete_fields = ["agency", "former_unit"]
    date_hierarchy = "start_on"
