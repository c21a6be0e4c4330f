from __future__ import annotations

from django.contrib import admin

from directives.models import (
    Directive,
    DirectiveTask,
    PilotNomination,
    PilotSubmission,
    TaskCompletion,
)


class DirectiveTaskInline(admin.TabularInline):
    model = DirectiveTask
    extra = 0
    filter_horizontal = ["assigned_agencies"]


@admin.register(Directive)
class DirectiveAdmin(admin.ModelAdmin):
    list_display = ["number", "issued_on", "title", "issuer"]
    inlines = [DirectiveTaskInline]


@admin.register(TaskCompletion)
class TaskCompletionAdmin(admin.ModelAdmin):
    list_display = ["task", "agency", "done_at", "done_by"]
    list_filter = ["task"]


@admin.register(PilotNomination)
class PilotNominationAdmin(admin.ModelAdmin):
    list_display = ["task", "agency", "procedure", "created_at"]
    list_filter = ["task"]


@admin.register(PilotSubmission)
class PilotSubmissionAdmin(admin.ModelAdmin):
    list_display = ["task", "agency", "submitted_at", "late", "reopened_at"]
    list_filter = ["task", "late"]
