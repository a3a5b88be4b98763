from django.contrib import admin

from xiaoneng.audit.admin import AuditedAdmin, ReadOnlyAdmin

from .models import Absence, FirstInquiry, Post, Staff, Unit, UnitCategory


@admin.register(UnitCategory)
class UnitCategoryAdmin(AuditedAdmin):
    list_display = ("name", "code", "sort_order")


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    """The tree is edited on the office pages, which keep paths and audit right."""

    list_display = ("name", "code", "kind", "category", "parent", "is_active")
    list_filter = ("kind", "category", "is_active")
    search_fields = ("name", "short_name", "code")


for model in (Staff, Post, Absence, FirstInquiry):
    admin.site.register(model, ReadOnlyAdmin)
