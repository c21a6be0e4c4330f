"""Admin screens for indicators, targets (every change recorded) and the engine's runs."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from kpi_portal import clock
from reports.models import (
    Indicator,
    KpiPeriod,
    KpiRun,
    RateBand,
    ScoringWeight,
    ScoringWeightChange,
    Target,
    TargetChange,
)
from reports.services import target_set


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0
    fields = ["year", "level", "value"]
    # Inline edits would bypass the history: targets are edited on their own screen.
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "numerator_label", "denominator_label", "higher_is_better"]
    search_fields = ["code", "name"]
    readonly_fields = ["code"]
    inlines = [TargetInline]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["indicator", "year", "level", "value", "updated_at"]
    list_filter = ["indicator", "year", "level"]

    def save_model(self, request: HttpRequest, obj: Target, form: Any, change: bool) -> None:
        if change and form.initial:
            # The key of an existing target may have been edited: treat it as remove + set.
            old_key = (form.initial["indicator"], form.initial["year"], form.initial["level"])
            if old_key != (obj.indicator_id, obj.year, obj.level):
                original = Target.objects.get(pk=obj.pk)
                target_set(
                    indicator=original.indicator,
                    year=original.year,
                    level=original.level,
                    value=None,
                    user=request.user,
                    note="admin",
                    valid_from=clock.today(),
                )
        saved = target_set(
            indicator=obj.indicator,
            year=obj.year,
            level=obj.level,
            value=obj.value,
            user=request.user,
            note="admin",
            valid_from=clock.today(),
        )
        obj.pk = saved.pk if saved else None

    def delete_model(self, request: HttpRequest, obj: Target) -> None:
        target_set(
            indicator=obj.indicator,
            year=obj.year,
            level=obj.level,
            value=None,
            user=request.user,
            note="admin",
            valid_from=clock.today(),
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Target]) -> None:
        for target in queryset:
            self.delete_model(request, target)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TargetChange)
class TargetChangeAdmin(ReadOnlyAdmin):
    list_display = [
        "changed_at",
        "valid_from",
        "indicator",
        "year",
        "level",
        "old_value",
        "new_value",
        "changed_by",
        "note",
    ]
    list_filter = ["indicator"]


@admin.register(KpiRun)
class KpiRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "finished_at", "kind", "detail", "cells", "periods", "facts"]
    list_filter = ["kind"]


@admin.register(KpiPeriod)
class KpiPeriodAdmin(ReadOnlyAdmin):
    list_display = ["basis", "period", "kind", "start_date", "end_date", "computed_at"]
    list_filter = ["basis", "kind"]


@admin.register(RateBand)
class RateBandAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "max_gap_points"]


# --- Scoring weights (Home Affairs; reports/ranking.py): every change goes through the service,
# which keeps who, when, old and new in ScoringWeightChange.


@admin.register(ScoringWeight)
class ScoringWeightAdmin(admin.ModelAdmin):
    list_display = ["indicator", "weight", "updated_at"]
    fields = ["indicator", "weight"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["indicator"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        from reports.ranking import scoring_weight_set

        saved = scoring_weight_set(
            indicator=obj.indicator,
            weight=obj.weight,
            user=request.user,
            note="admin",
            valid_from=clock.today(),  # from today on, as on the weights page
        )
        if saved is not None:
            obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        from reports.ranking import scoring_weight_set

        scoring_weight_set(
            indicator=obj.indicator,
            weight=None,
            user=request.user,
            note="admin",
            valid_from=clock.today(),
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Bulk deletes would bypass the history; one at a time from the change page is fine.
        return obj is not None and super().has_delete_permission(request, obj)


@admin.register(ScoringWeightChange)
class ScoringWeightChangeAdmin(ReadOnlyAdmin):
    list_display = [
        "changed_at",
        "valid_from",
        "indicator",
        "old_weight",
        "new_weight",
        "changed_by",
        "note",
    ]
    list_filter = ["indicator"]
