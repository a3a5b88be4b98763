from django.contrib import admin

from xiaoneng.audit.admin import AuditedAdmin

from .models import Policy, Rule


@admin.register(Rule)
class RuleAdmin(AuditedAdmin):
    list_display = (
        "__str__",
        "cause",
        "category",
        "count",
        "months",
        "sanction",
        "auto_open",
        "active",
    )
    list_filter = ("cause", "active")


@admin.register(Policy)
class PolicyAdmin(AuditedAdmin):
    list_display = ("__str__", "statement_days", "appeal_days", "leadership_levels")
