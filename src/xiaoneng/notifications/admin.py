"""Read-only views for a superuser; endpoints are managed on the office page (audited there)."""

from django.contrib import admin

from xiaoneng.audit.admin import ReadOnlyAdmin

from .models import Delivery, Notification, WebhookEndpoint


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "recipient", "kind", "title", "read_at")
    list_filter = ("kind",)
    search_fields = ("title", "recipient__username", "dedupe_key")
    list_select_related = ("recipient",)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ("name", "url", "kinds", "is_active", "created_at")
    # The signing secret is never shown again after creation, not even here.
    exclude = ("secret",)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "channel",
        "kind",
        "to",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
    )
    list_filter = ("status", "channel", "kind")
    search_fields = ("to", "subject", "last_error")
