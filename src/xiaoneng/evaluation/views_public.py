"""Public pages of evaluation campaigns (/evaluations/): what is being evaluated and how, the
files to redo the draw and the published results (answering with a code: ``views_answer``)."""

from __future__ import annotations

import io

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from xiaoneng import scoring
from xiaoneng.draw import SCRIPT_PATH

from . import presentation, results, services
from .models import Campaign, Evaluator


def _public(pk: int) -> Campaign:
    return get_object_or_404(Campaign.objects.public(), pk=pk)


def public_list(request):
    campaigns = Campaign.objects.public().order_by("-year", "-pk")
    return render(request, "evaluation/public_list.html", {"campaigns": campaigns})


def public_detail(request, pk: int):
    """活动公开页: the plan, the units and their duties (职责汇编), the draw and its files, and
    the results once published."""
    campaign = _public(pk)
    units = campaign.units.select_related("unit")
    by_category: dict[str, list] = {}
    for cu in units:
        by_category.setdefault(cu.category, []).append(cu)
    replacements = (
        campaign.evaluators.filter(status=Evaluator.Status.REPLACED)
        .select_related("replaced_by", "stratum")
        .order_by("stratum__sort_order", "draw_position")
    )
    selected: list[tuple[str, list[str]]] = []
    if campaign.seed_canonical:
        drawn = services.draw_result(campaign)
        selected = [(s, list(ids)) for s, ids in drawn.selected.items()]
    context = {
        "campaign": campaign,
        "by_category": by_category,
        "strata": campaign.strata.all(),
        "milestones": campaign.milestones.all(),
        "selected": selected,
        "replacements": replacements,
        "seed": presentation.seed_shown(campaign),
    }
    if campaign.is_published:
        from .excel import filename

        history = results.overall_history(campaign, public=True)
        context.update(
            categories=presentation.categories(campaign, public=True),
            years=presentation.history_years(campaign, public=True),
            trend=presentation.trend_chart(history),
            overall=history,
            rates_by_part=presentation.rates_by_part(campaign),
            workbook_name=filename(campaign),
        )
    return render(request, "evaluation/public_detail.html", context)


def _text_file(text: str, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(text.encode("utf-8"), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def roster_file(request, pk: int):
    """The frozen roster exactly as hashed (numbers and strata only)."""
    campaign = _public(pk)
    return _text_file(campaign.roster_csv, f"roster-{campaign.pk}.csv", "text/csv; charset=utf-8")


def quotas_file(request, pk: int):
    campaign = _public(pk)
    return _text_file(
        campaign.quotas_json, f"quotas-{campaign.pk}.json", "application/json; charset=utf-8"
    )


def redo_script(request):
    """tools/redo_draw.py: the standalone re-check of the draw (Python standard library only)."""
    return _text_file(
        SCRIPT_PATH.read_text("utf-8"), "redo_draw.py", "text/x-python; charset=utf-8"
    )


def redo_tally_script(request):
    """tools/redo_tally.py: the standalone re-check of the tally from the results workbook
    (Python standard library and numpy)."""
    return _text_file(
        scoring.SCRIPT_PATH.read_text("utf-8"), "redo_tally.py", "text/x-python; charset=utf-8"
    )


def public_export(request, pk: int):
    from . import excel

    campaign = _public(pk)
    if not campaign.is_published:
        raise Http404("结果尚未公布")
    return FileResponse(
        io.BytesIO(excel.build_workbook(campaign, public=True)),
        as_attachment=True,
        filename=excel.filename(campaign),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
