"""办件统计 pages: the dashboard, its Excel export and the joint-case analysis. Thin: read the
filters, ask ``services``, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header

from xiaoneng.catalog.models import HandlingType
from xiaoneng.scoring.rates import SMALL_N
from xiaoneng.web.decorators import office_required

from . import excel, services

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _form_context(request: HttpRequest, filters: services.Filters, scope: services.Scope) -> dict:
    return {
        "filters": filters,
        "period_choices": services.period_choices(),
        "unit_choices": services.visible_units(request.user, scope, filters.unit),
        "base_focus": scope.base,
        "types": HandlingType.choices,
    }


def _query(params: dict[str, str]) -> str:
    query = urlencode(params)
    return f"{query}&" if query else ""


def _template(request: HttpRequest, name: str) -> str:
    """htmx (a filter changed, a unit clicked) swaps the page's content, filters included, and
    needs no layout; a history restore after a reload needs the whole page."""
    partial = request.headers.get("HX-Request") and not request.headers.get(
        "HX-History-Restore-Request"
    )
    return f"casestats/_{name}_page.html" if partial else f"casestats/{name}.html"


@office_required(*services.STATS_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    """/office/stats/: KPI tiles, trend, ranking, cards, and the per-unit table with drill-down.
    An htmx request (changing a filter) gets the body only."""
    scope = services.scope_of(request.user)
    filters = services.parse_filters(request.user, request.GET, scope=scope)
    board = services.dashboard(request.user, filters, scope=scope)
    ranked = sum(r.figures.finished > 0 for r in board.units)
    context = {
        "board": board,
        "filters": filters,
        "trend_chart": services.trend_chart(board.trend),
        "ranking_chart": services.ranking_chart(board.units),
        "ranking_height": 40 + 26 * min(20, ranked),
        "ranked_count": ranked,
        "cards_chart": services.cards_chart(board.cards),
        "cards_height": max(320, 70 + 30 * len(board.cards)),
        "has_trend": any(r.figures.finished for r in board.trend),
        # The filters without the unit, ready for "…&unit=<id>" on every row's links.
        "q": _query(filters.params(unit=None)),
        "rate_rule": services.RATE_RULE,
        "small_n": SMALL_N,
    }
    context.update(_form_context(request, filters, scope))
    return render(request, _template(request, "dashboard"), context)


@office_required(*services.STATS_ROLES)
def windows(request: HttpRequest) -> HttpResponse:
    """The dashboard's windows panel, loaded by htmx after the page (a scan of its own, so the
    page does not wait for it)."""
    scope = services.scope_of(request.user)
    filters = services.parse_filters(request.user, request.GET, scope=scope)
    frame = services.frame_for(scope, filters.unit or scope.base)
    rows = services.window_breakdown(filters, frame, lump_units=True)
    return render(
        request, "casestats/_windows.html", {"windows": rows, "rate_rule": services.RATE_RULE}
    )


@office_required(*services.STATS_ROLES)
def export(request: HttpRequest) -> HttpResponse:
    """The dashboard's figures as a workbook, with the same filters."""
    filters = services.parse_filters(request.user, request.GET)
    data = excel.build_workbook(request.user, filters)
    name = f"办件统计-{filters.period.label}-{timezone.localdate():%Y%m%d}.xlsx"
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@office_required(*services.STATS_ROLES)
def joint(request: HttpRequest) -> HttpResponse:
    """/office/stats/joint/: 联办件 — where the working days go, serial against parallel."""
    scope = services.scope_of(request.user)
    filters = services.parse_filters(request.user, request.GET, scope=scope)
    report = services.joint_analysis(request.user, filters, scope=scope)
    context = {
        "report": report,
        "filters": filters,
        "chart": services.joint_chart(report),
        "chart_height": 90 + 42 * min(15, len(report.items)),
        "end_label": services.month_label(services.add_months(report.end, -1)),
        "start_label": services.month_label(report.start),
    }
    context.update(_form_context(request, filters, scope))
    return render(request, _template(request, "joint"), context)
