from django.contrib import admin

from xiaoneng.audit.admin import AuditedAdmin

from .models import Rules


@admin.register(Rules)
class RulesAdmin(AuditedAdmin):
    list_display = ("__str__", "contest_days", "keep_gps", "max_photo_mb")
