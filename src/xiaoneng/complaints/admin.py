from django.contrib import admin

from xiaoneng.audit.admin import AuditedAdmin

from .models import Category, ComplaintRules, TownshipUnit


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    list_display = ("code", "name", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")


@admin.register(ComplaintRules)
class ComplaintRulesAdmin(AuditedAdmin):
    list_display = (
        "__str__",
        "accept_days",
        "handle_days",
        "review_days",
        "reply_days",
        "count_rule",
        "tier_preset",
    )


@admin.register(TownshipUnit)
class TownshipUnitAdmin(AuditedAdmin):
    list_display = ("unit",)
    autocomplete_fields = ()
