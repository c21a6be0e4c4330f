from django.contrib import admin

from agencies.models import Agency, Domain, Membership, Procedure


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "valid_from", "valid_to"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent", "merged_from"]
    readonly_fields = ["path"]


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
