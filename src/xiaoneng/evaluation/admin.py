from django.contrib import admin

from xiaoneng.audit.admin import ReadOnlyAdmin

from .models import Campaign, CampaignUnit, Evaluator


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ("year", "name", "status", "roster_hash", "published_at")
    list_filter = ("status", "year")


@admin.register(CampaignUnit)
class CampaignUnitAdmin(ReadOnlyAdmin):
    list_display = ("campaign", "unit", "category", "score", "rank", "last_place")
    list_filter = ("campaign", "category")


@admin.register(Evaluator)
class EvaluatorAdmin(ReadOnlyAdmin):
    list_display = ("campaign", "number", "stratum", "status", "draw_position")
    list_filter = ("campaign", "status")
    search_fields = ("number",)
