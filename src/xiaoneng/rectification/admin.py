from django.contrib import admin

from xiaoneng.audit.admin import AuditedAdmin

from .models import Rules


@admin.register(Rules)
class RulesAdmin(AuditedAdmin):
    list_display = ("__str__", "plan_days", "review_days", "accept_days", "warn_days")
