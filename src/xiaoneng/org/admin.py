from django.contrib import admin

from xiaoneng.audit.admin import AuditedAdmin

from .models import Absence, FirstInquiry, Post, Staff, Unit, UnitCategory


@admin.register(UnitCategory)
class UnitCategoryAdmin(AuditedAdmin):
    list_display = ("name", "code", "sort_order")


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    """Read-mostly: the tree is edited on the office pages, which keep paths and audit right."""

    list_display = ("name", "code", "kind", "category", "parent", "is_active")
    list_filter = ("kind", "category", "is_active")
    search_fields = ("name", "short_name", "code")
    readonly_fields = [f.name for f in Unit._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


for model in (Staff, Post, Absence, FirstInquiry):
    admin.site.register(
        model,
        type(
            f"{model.__name__}Admin",
            (admin.ModelAdmin,),
            {
                "readonly_fields": [f.name for f in model._meta.fields],
                "has_add_permission": lambda self, request: False,
                "has_delete_permission": lambda self, request, obj=None: False,
            },
        ),
    )
