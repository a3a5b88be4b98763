from django.contrib import admin

from .models import Case, CaseEvent


class ReadOnly(admin.ModelAdmin):
    """Cases change only through their events (the office pages and the API)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnly):
    list_display = ("number", "item", "unit", "status", "light", "accepted_at", "due_at")
    list_filter = ("status", "light")
    search_fields = ("number",)


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnly):
    list_display = ("case", "kind", "at", "source", "external_id")
    list_filter = ("kind",)
