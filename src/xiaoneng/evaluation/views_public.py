"""Public pages of evaluation campaigns (/evaluations/): what is being evaluated and how, the
files to redo the draw, the published results, and the answer page for evaluators with a code."""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache

from xiaoneng.draw import SCRIPT_PATH
from xiaoneng.web.forms import apply_errors
from xiaoneng.web.throttle import over_limit

from . import presentation, results, services, sheets
from .forms import CodeForm
from .models import Campaign, Evaluator

CODE_LIMIT = 30  # code attempts per address per 10 minutes


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
    }
    if campaign.is_published:
        history = results.overall_history(campaign, public=True)
        context.update(
            categories=presentation.categories(campaign, public=True),
            years=presentation.history_years(campaign, public=True),
            trend=presentation.trend_chart(history),
            overall=history,
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


# ---- answering with a code -------------------------------------------------------------------


def _questions(layout: sheets.Layout, chosen: dict[str, str], opinions: dict[int, str]):
    """The form's groups: per category, per unit its dimensions with the options."""
    unknown = next((i for i, o in enumerate(layout.options) if o.value is None), None)
    groups: dict[str, list] = {}
    for cu in layout.units:
        groups.setdefault(cu.category, []).append(
            {
                "cu": cu,
                "opinion": opinions.get(cu.pk, ""),
                "questions": [
                    {
                        "name": f"a-{cu.pk}-{dim.pk}",
                        "label": dim.name,
                        "options": [
                            (str(i), o.label, chosen.get(f"a-{cu.pk}-{dim.pk}") == str(i))
                            for i, o in enumerate(layout.options)
                        ],
                    }
                    for dim in layout.dimensions
                ],
            }
        )
    return {"groups": groups, "unknown_option": unknown}


@never_cache
def answer(request):
    """评议表 (网上): the code first, then the questionnaire; a refusal keeps every answer."""
    code_form = CodeForm(request.POST if request.POST.get("step") == "code" else None)
    context: dict = {"code_form": code_form}
    if request.method != "POST":
        return render(request, "evaluation/answer_code.html", context)
    if over_limit(request, "evaluation-code", CODE_LIMIT, 600):
        context["throttled"] = True
        return render(request, "evaluation/answer_code.html", context, status=429)
    step = request.POST.get("step")
    if step == "code":
        if not code_form.is_valid():
            return render(request, "evaluation/answer_code.html", context)
        access = sheets.find_code(code_form.cleaned_data["code"])
        if access is None:
            code_form.add_error("code", sheets.CODE_REFUSED)
            return render(request, "evaluation/answer_code.html", context)
        if not access.campaign.is_collecting:
            code_form.add_error("code", sheets.NOT_COLLECTING)
            return render(request, "evaluation/answer_code.html", context)
        return _questionnaire(request, access.campaign, code_form.cleaned_data["code"], {}, {})
    # step == "submit": the questionnaire itself.
    code = request.POST.get("code", "")
    access = sheets.find_code(code)
    if access is None:
        return _code_refused(request, code, ValidationError({"code": sheets.CODE_REFUSED}))
    campaign = access.campaign
    layout = sheets.layout_of(campaign)
    chosen = {k: v for k, v in request.POST.items() if k.startswith("a-")}
    answers = {}
    for key, value in chosen.items():
        parts = key.split("-")
        if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            answers[(int(parts[1]), int(parts[2]))] = value
    opinions = {
        cu.pk: request.POST.get(f"o-{cu.pk}", "")
        for cu in layout.units
        if request.POST.get(f"o-{cu.pk}", "").strip()
    }
    try:
        sheets.submit_online(code, answers, list(opinions.items()))
    except ValidationError as error:
        if hasattr(error, "error_dict") and "code" in error.error_dict:
            return _code_refused(request, code, error)
        return _questionnaire(request, campaign, code, chosen, opinions, errors=error.messages)
    return render(request, "evaluation/answer_done.html", {"campaign": campaign})


def _code_refused(request, code: str, error: ValidationError):
    """Back to the code page, the code kept and the refusal beside it."""
    form = CodeForm({"code": code})
    form.is_valid()
    apply_errors(form, error)
    return render(request, "evaluation/answer_code.html", {"code_form": form})


def _questionnaire(request, campaign, code, chosen, opinions, errors=()):
    layout = sheets.layout_of(campaign)
    return render(
        request,
        "evaluation/answer_form.html",
        {
            "campaign": campaign,
            "code": code,
            "errors": list(errors),
            "dimensions": layout.dimensions,
            "options": layout.options,
            "total": len(layout.units) * len(layout.dimensions),
            **_questions(layout, chosen, opinions),
        },
    )
