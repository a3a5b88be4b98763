from django.contrib import admin

from xiaoneng.audit.admin import AuditedAdmin, ReadOnlyAdmin

from .models import Card, SupervisionRule


@admin.register(SupervisionRule)
class SupervisionRuleAdmin(AuditedAdmin):
    """Per handling type (办件类型): warning lead, 补正 restart/resume, extension cap, cards."""

    list_display = (
        "handling_type",
        "warn_days",
        "correction_mode",
        "max_extension_days",
        "veto_filing_days",
        "yellow_cards_for_red",
        "yellow_window_months",
    )


@admin.register(Card)
class CardAdmin(ReadOnlyAdmin):
    """Cards are contested and withdrawn on the office pages (with reasons, audited)."""

    list_display = ("raised_at", "color", "cause", "unit", "staff", "status")
    list_filter = ("color", "cause", "status")
