from django.contrib import admin

from xiaoneng.audit.admin import ReadOnlyAdmin

from .models import Case, CaseEvent


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ("number", "item", "unit", "status", "light", "accepted_at", "due_at")
    list_filter = ("status", "light")
    search_fields = ("number",)


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ("case", "kind", "at", "source", "external_id")
    list_filter = ("kind",)
