"""绩效考评 pages: periods, a period (ranking by category with charts, the procedure's buttons,
entries, objections), the scheme editor, a unit's scorecard (a forecast while the period is
being set up) with the drill-down to the records behind each number, and the documents."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from xiaoneng.accounts.models import User
from xiaoneng.accounts.roles import Role
from xiaoneng.org.models import Unit
from xiaoneng.web.decorators import office_required
from xiaoneng.web.forms import apply_errors

from . import components, documents, presentation, services, views_public
from .forms import (
    AdjustmentFormSet,
    ComponentFormSet,
    DecisionForm,
    EntryForm,
    ObjectionForm,
    PeriodForm,
    PresetForm,
    PublishForm,
    SettingsForm,
    VetoFormSet,
)
from .models import Entry, Objection, Period, PublishedDocument, Result, Scheme

VIEW_ROLES = (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.LIAISON)
OFFICE = (Role.ADMIN, Role.OFFICE)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # office_required lets only signed-in users through
    return user


def _is_office(request: HttpRequest) -> bool:
    return _user(request).effective_role in OFFICE


def _download(data: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


@office_required(*VIEW_ROLES)
def periods(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.POST or None)
    if request.method == "POST":
        if not _is_office(request):
            raise PermissionDenied(_("只有效能办可以新建考评期"))
        if form.is_valid():
            d = form.cleaned_data
            try:
                period = services.create_period(
                    _user(request),
                    d["kind"],
                    d["year"],
                    d["index"],
                    objection_days=d["objection_days"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("已新建考评期，方案已沿用上一期"))
                return redirect("assessment:period", period.pk)
    return render(
        request,
        "assessment/periods.html",
        {"periods": Period.objects.all(), "form": form, "is_office": _is_office(request)},
    )


def _own_units(request: HttpRequest, period: Period) -> list[Unit]:
    """The assessed units in the user's subtree (a liaison's own scorecards)."""
    user = _user(request)
    if user.unit is None:
        return []
    return list(
        Unit.objects.filter(
            category__isnull=False,
            is_active=True,
            path__startswith=user.unit.path,
        ).order_by("sort_order")
    )


@office_required(*VIEW_ROLES)
def period(request: HttpRequest, pk: int) -> HttpResponse:
    p = get_object_or_404(Period, pk=pk)
    office = _is_office(request)
    entry_form = EntryForm(prefix="e")
    publish_form = PublishForm(
        prefix="p", initial={"document_number": f"效考〔{p.end.year + 1}〕1号"}
    )
    if request.method == "POST":
        if not office:
            raise PermissionDenied(_("只有效能办可以办理考评"))
        action = request.POST.get("action", "")
        try:
            if action == "compute":
                n = services.compute(_user(request), p)
                messages.success(request, _("已计算%(n)d个单位的考评结果") % {"n": n})
            elif action == "preview":
                services.open_preview(_user(request), p)
                messages.success(request, _("已发布结果预览，异议期开始"))
            elif action == "close":
                services.close_objections(_user(request), p)
                messages.success(request, _("异议期已结束"))
            elif action == "publish":
                publish_form = PublishForm(request.POST, prefix="p")
                if publish_form.is_valid():
                    services.publish(
                        _user(request),
                        p,
                        document_number=publish_form.cleaned_data["document_number"],
                    )
                    messages.success(request, _("考评结果已公布"))
                    return redirect("assessment:period", p.pk)
            elif action == "entry":
                entry_form = EntryForm(request.POST, prefix="e")
                if entry_form.is_valid():
                    d = entry_form.cleaned_data
                    services.enter(
                        _user(request), p, d["unit"], d["kind"], d["key"], d["value"], d["basis"]
                    )
                    messages.success(request, _("已录入，重新计算后生效"))
                    return redirect("assessment:period", p.pk)
            elif action in ("accept", "reject"):
                objection = get_object_or_404(Objection, pk=request.POST.get("objection"), period=p)
                form = DecisionForm(request.POST)
                if form.is_valid():
                    services.decide_objection(
                        _user(request),
                        objection,
                        accept=action == "accept",
                        decision=form.cleaned_data["decision"],
                    )
                    messages.success(request, _("已答复异议"))
                else:
                    messages.error(request, _("请填写答复意见"))
            else:
                raise Http404
        except ValidationError as error:
            target = entry_form if action == "entry" else publish_form
            if action in ("entry", "publish"):
                apply_errors(target, error)
            else:
                for message in error.messages:
                    messages.error(request, message)
        if not (entry_form.errors or publish_form.errors):
            return redirect("assessment:period", p.pk)
    p.refresh_from_db()
    results = (
        Result.objects.visible_to(_user(request))
        .filter(period=p)
        .select_related("unit", "category")
    )
    ranking = presentation.categories(results) if (office or p.is_published) else []
    own = [] if office else _own_units(request, p)
    context = {
        "period": p,
        "is_office": office,
        "ranking": ranking,
        "own_units": own,
        "schemes": p.schemes.select_related("category"),
        "objections": Objection.objects.visible_to(_user(request))
        .filter(period=p)
        .select_related("unit"),
        "entries": Entry.objects.filter(period=p).select_related("unit") if office else [],
        "entry_form": entry_form,
        "publish_form": publish_form,
        "decision_form": DecisionForm(),
        "objection_open": services.objection_open(p),
        "has_results": results.exists(),
    }
    return render(request, "assessment/period.html", context)


def _scheme_forms(scheme: Scheme, data: Any = None) -> tuple[Any, Any, Any, Any]:
    initial = services.scheme_input(scheme)
    return (
        SettingsForm(data, instance=scheme, prefix="s"),
        ComponentFormSet(data, prefix="c", initial=[c.__dict__ for c in initial.components]),
        AdjustmentFormSet(data, prefix="a", initial=[a.__dict__ for a in initial.adjustments]),
        VetoFormSet(data, prefix="v", initial=[v.__dict__ for v in initial.vetoes]),
    )


def _rows(formset: Any) -> list[dict[str, Any]]:
    return [f for f in formset.cleaned_data if f and not f.get("DELETE")]


@office_required(*OFFICE)
def scheme(request: HttpRequest, pk: int) -> HttpResponse:
    """考评方案 editor: settings, components (data source, weight, normalisation), bonus and
    deduction items, veto items; or a preset applied."""
    s = get_object_or_404(Scheme.objects.select_related("period", "category"), pk=pk)
    settings_form, comps, adjusts, vetoes = _scheme_forms(s)
    preset_form = PresetForm(initial={"preset": s.preset})
    errors: list[str] = []
    if request.method == "POST":
        try:
            if request.POST.get("action") == "preset":
                preset_form = PresetForm(request.POST)
                if preset_form.is_valid():
                    name = preset_form.cleaned_data["preset"]
                    services.save_scheme(_user(request), s, services.preset(name), preset_name=name)
                    messages.success(request, _("已套用预设方案"))
                    return redirect("assessment:scheme", s.pk)
            else:
                settings_form, comps, adjusts, vetoes = _scheme_forms(s, request.POST)
                if all(f.is_valid() for f in (settings_form, comps, adjusts, vetoes)):
                    d = settings_form.cleaned_data
                    data = services.SchemeIn(
                        components=tuple(
                            services.ComponentIn(
                                r["source"], r["label"], r["weight"], r["zero_at"], r["full_at"]
                            )
                            for r in _rows(comps)
                        ),
                        adjustments=tuple(
                            services.AdjustmentIn(r["key"], r["label"], r["points"], r["cap"])
                            for r in _rows(adjusts)
                        ),
                        vetoes=tuple(
                            services.VetoIn(r["key"], r["label"], r["rule"], r["cap_grade"])
                            for r in _rows(vetoes)
                        ),
                        **{name: d[name] for name in services.SETTINGS},
                    )
                    services.save_scheme(_user(request), s, data)
                    messages.success(request, _("方案已保存"))
                    return redirect("assessment:scheme", s.pk)
        except ValidationError as error:
            errors = error.messages
    return render(
        request,
        "assessment/scheme.html",
        {
            "scheme": s,
            "settings_form": settings_form,
            "components": comps,
            "adjustments": adjusts,
            "vetoes": vetoes,
            "preset_form": preset_form,
            "errors": errors,
            "sources": list(components.REGISTRY.values()),
            "frozen": s.frozen_at is not None,
        },
    )


def _visible_unit(request: HttpRequest, p: Period, unit_pk: int) -> Unit:
    unit = get_object_or_404(Unit, pk=unit_pk, category__isnull=False)
    if _is_office(request) or p.is_published:
        return unit
    if Result.objects.visible_to(_user(request)).filter(period=p, unit=unit).exists():
        return unit
    if unit in _own_units(request, p):
        return unit
    raise Http404


def _forecast(p: Period, unit: Unit) -> Result | None:
    """A scorecard computed now from the live data (not stored): the unit's forecast."""
    s = p.schemes.filter(category_id=unit.category_id).first()
    if s is None:
        return None
    units = services.assessed_units(s.category)
    scores, figures, months = services.compute_scores(p, s, units)
    for u, score in zip(units, scores, strict=True):
        if u.pk == unit.pk:
            return Result(
                period=p,
                unit=unit,
                category=s.category,
                scheme_version=s.version,
                base=score.base,
                score=score.score,
                low=score.low,
                high=score.high,
                rank=score.rank,
                category_size=sum(1 for x in scores if x.rank is not None),
                grade=score.grade or "",
                last=score.last.value,
                coefficient=score.coefficient,
                detail=services._detail(score, s, figures.get(u.pk, {}), months.get(u.pk, ())),
            )
    return None


@office_required(*VIEW_ROLES)
def scorecard(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    p = get_object_or_404(Period, pk=pk)
    unit = _visible_unit(request, p, unit_pk)
    result = Result.objects.filter(period=p, unit=unit).select_related("category").first()
    forecast = result is None
    if forecast:
        result = _forecast(p, unit)
    if result is None:
        raise Http404
    labels = [c["label"] for c in result.detail.get("components", [])]
    may_object = (
        services.objection_open(p)
        and not forecast
        and _user(request).effective_role in (Role.LIAISON, *OFFICE)
    )
    form = ObjectionForm(labels=labels)
    if request.method == "POST":
        form = ObjectionForm(request.POST, labels=labels)
        if form.is_valid():
            try:
                services.file_objection(
                    _user(request),
                    p,
                    unit,
                    component=form.cleaned_data["component"],
                    reason=form.cleaned_data["reason"],
                    evidence=form.cleaned_data["evidence"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("异议已提交，效能办将在规定时限内答复"))
                return redirect("assessment:scorecard", p.pk, unit.pk)
    return render(
        request,
        "assessment/scorecard.html",
        {
            "period": p,
            "unit": unit,
            "result": result,
            "forecast": forecast,
            "lines": presentation.lines(result.detail),
            "years": presentation.years(unit.pk),
            "objections": Objection.objects.visible_to(_user(request)).filter(period=p, unit=unit),
            "form": form,
            "may_object": may_object or bool(form.errors),
            "is_office": _is_office(request),
        },
    )


@office_required(*VIEW_ROLES)
def drill(request: HttpRequest, pk: int, unit_pk: int, source: str) -> HttpResponse:
    """The records behind one number of a scorecard."""
    p = get_object_or_404(Period, pk=pk)
    unit = _visible_unit(request, p, unit_pk)
    if source not in components.REGISTRY:
        raise Http404
    src = components.REGISTRY[source]
    found = src.records(_user(request), unit, components.Span(p.start, p.end, p.pk))
    return render(
        request,
        "assessment/drill.html",
        {"period": p, "unit": unit, "source": src, "drill": found},
    )


@office_required(*OFFICE)
def workbook(request: HttpRequest, pk: int) -> HttpResponse:
    p = get_object_or_404(Period, pk=pk, computed_at__isnull=False)
    return _download(documents.workbook(p), f"{p.name}绩效考评计分工作簿.xlsx", XLSX)


@office_required(*OFFICE)
def pay(request: HttpRequest, pk: int) -> HttpResponse:
    p = get_object_or_404(Period, pk=pk, computed_at__isnull=False)
    return _download(documents.pay_workbook(p), f"{p.name}绩效工资系数表.xlsx", XLSX)


@office_required(*VIEW_ROLES)
def report(request: HttpRequest, pk: int) -> HttpResponse:
    p = get_object_or_404(Period, pk=pk, status=Period.Status.PUBLISHED)
    data = views_public.published_file(p, PublishedDocument.Kind.REPORT)
    return _download(data, f"{p.name}绩效考评结果通报.docx", DOCX)


@office_required(*VIEW_ROLES)
def public_workbook(request: HttpRequest, pk: int) -> HttpResponse:
    """The published workbook (the bytes frozen at publication), for every unit to recompute
    its own score."""
    p = get_object_or_404(Period, pk=pk, status=Period.Status.PUBLISHED)
    data = views_public.published_file(p, PublishedDocument.Kind.WORKBOOK)
    return _download(data, f"{p.name}绩效考评计分工作簿.xlsx", XLSX)
