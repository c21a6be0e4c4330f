from django.contrib import admin

from dossiers.models import Apology, Dossier, ImportBatch, ImportRowError, PublicHoliday


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "agency",
        "procedure",
        "channel",
        "received_at",
        "due_at",
        "finished_at",
    ]
    list_filter = ["channel", "agency__level"]
    search_fields = ["code"]
    raw_id_fields = ["agency", "procedure", "import_batch"]
    date_hierarchy = "received_at"
    show_full_result_count = False


@admin.register(Apology)
class ApologyAdmin(admin.ModelAdmin):
    list_display = ["dossier", "issued_at", "new_due_at", "channel", "source"]
    list_filter = ["source", "channel"]
    raw_id_fields = ["dossier", "created_by"]


class ImportRowErrorInline(admin.TabularInline):
    model = ImportRowError
    extra = 0
    can_delete = False
    readonly_fields = ["row_number", "column", "value", "message"]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "kind",
        "original_name",
        "status",
        "created",
        "updated",
        "unchanged",
        "rejected",
    ]
    list_filter = ["kind", "status"]
    readonly_fields = [f.name for f in ImportBatch._meta.fields]
    inlines = [ImportRowErrorInline]


@admin.register(PublicHoliday)
class PublicHolidayAdmin(admin.ModelAdmin):
    """The province office enters each year's days off; "next working day" skips them."""

    list_display = ["day", "name"]
    date_hierarchy = "day"
