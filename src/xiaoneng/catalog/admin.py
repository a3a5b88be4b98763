"""Read-only admin: the catalog is maintained on the office pages, which version and audit it."""

from django.contrib import admin

from xiaoneng.audit.admin import ReadOnlyAdmin

from .models import Fee, Material, ServiceItem, ServiceItemVersion, Step


@admin.register(ServiceItem)
class ServiceItemAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "unit", "handling_type", "is_active")
    list_filter = ("handling_type", "is_active")
    search_fields = ("code", "name", "keywords")
    list_select_related = ("unit",)


@admin.register(ServiceItemVersion)
class ServiceItemVersionAdmin(ReadOnlyAdmin):
    list_display = ("item", "number", "effective_from", "committed_limit_days", "legal_limit_days")
    search_fields = ("item__code", "item__name")
    list_select_related = ("item",)


for model in (Material, Fee, Step):
    admin.site.register(model, ReadOnlyAdmin)
