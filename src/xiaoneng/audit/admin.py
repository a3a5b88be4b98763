from django.contrib import admin

from . import services
from .models import AuditEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """For tables that change only through the domain services (which validate and audit): the
    superuser may look, never add, change or delete here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedAdmin(admin.ModelAdmin):
    """For the few tables a superuser configures in the Django admin: changes are audited too."""

    def save_model(self, request, obj, form, change):
        before = services.snapshot(type(obj).objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        services.record(
            request.user,
            services.Action.UPDATE if change else services.Action.CREATE,
            obj,
            before=before,
            after=services.snapshot(obj),
            summary="系统配置（管理后台）",
        )

    def delete_model(self, request, obj):
        services.record(
            request.user,
            services.Action.DELETE,
            obj,
            before=services.snapshot(obj),
            summary="系统配置（管理后台）",
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        # The changelist's "delete selected" action bypasses delete_model; audit each row too.
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("seq", "at", "actor_name", "action", "object_type", "object_repr")
    list_filter = ("action", "object_type")
    search_fields = ("object_repr", "actor_name", "summary")
