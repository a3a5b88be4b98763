"""Office pages of evaluation campaigns (/office/evaluations/). Thin: each page parses what was
typed, calls a service, and on a refusal shows the Chinese message beside what was typed."""

from __future__ import annotations

import io
from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from xiaoneng.accounts.roles import Role
from xiaoneng.org.models import Unit, UnitCategory
from xiaoneng.web.decorators import office_required
from xiaoneng.web.forms import apply_errors

from . import mixing, pool, presentation, rectify, results, services, sheets
from .forms import (
    CampaignForm,
    FinalizeForm,
    ModeForm,
    NewCampaignForm,
    PersonForm,
    PoolImportForm,
    PresetForm,
    ReasonForm,
    SeedForm,
    SeedSourceForm,
)
from .models import (
    AccessCode,
    AnswerSheet,
    Campaign,
    CampaignUnit,
    CategoryWeight,
    Evaluator,
    PaperForm,
)

OFFICE = (Role.ADMIN, Role.OFFICE)
READERS = (Role.ADMIN, Role.OFFICE, Role.LEADER)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: The kinds of organisation unit that can be evaluated (not sections inside a department).
EVALUATED_KINDS = (Unit.Kind.DEPARTMENT, Unit.Kind.CENTRE, Unit.Kind.WINDOW, Unit.Kind.DISTRICT)

TABS = [
    ("detail", "概况"),
    ("edit", "基本信息"),
    ("form", "评议表"),
    ("strata", "层面与名额"),
    ("units", "被评议单位"),
    ("weights", "分类权重与考核"),
    ("pool", "评议人库"),
    ("draw", "抽取"),
    ("codes", "评议码"),
    ("paper", "纸质录入"),
    ("review", "复核计分"),
    ("results", "结果"),
]


def _campaign(request, pk: int) -> Campaign:
    return get_object_or_404(Campaign.objects.visible_to(request.user), pk=pk)


def _page(request, template: str, campaign: Campaign, tab: str, **context):
    return render(
        request,
        template,
        {
            "campaign": campaign,
            "tab": tab,
            "tabs": TABS,
            "is_office": request.user.effective_role in OFFICE,
            **context,
        },
    )


def _refused(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _download(data: bytes, filename: str, content_type: str) -> FileResponse:
    return FileResponse(
        io.BytesIO(data), as_attachment=True, filename=filename, content_type=content_type
    )


# ---- list, create, overview --------------------------------------------------------------------


@office_required(*READERS)
def campaign_list(request):
    campaigns = Campaign.objects.visible_to(request.user).annotate(
        n_units=Count("units", distinct=True)
    )
    return render(
        request,
        "evaluation/office_list.html",
        {"campaigns": campaigns, "is_office": request.user.effective_role in OFFICE},
    )


@office_required(*OFFICE)
def campaign_new(request):
    today = timezone.localdate()
    form = NewCampaignForm(request.POST or None, initial=CampaignForm.initial_for(None, today))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            campaign = services.create_campaign(
                request.user,
                name=d["name"],
                year=d["year"],
                description=d["description"],
                dates=form.dates(),
                preset=d["preset"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, "评议活动已创建，请设置被评议单位、层面和名额，再导入评议人库"
            )
            return redirect("evaluation:detail", campaign.pk)
    return render(request, "evaluation/office_new.html", {"form": form})


def _counts(campaign: Campaign) -> dict:
    evaluators = campaign.evaluators.aggregate(
        pool=Count("pk"),
        selected=Count("pk", filter=Q(status=Evaluator.Status.SELECTED)),
        replaced=Count("pk", filter=Q(status=Evaluator.Status.REPLACED)),
    )
    codes = AccessCode.objects.filter(campaign=campaign).aggregate(
        issued=Count("pk", filter=Q(revoked=False)),
        used=Count("pk", filter=Q(used=True)),
    )
    sheets_by = dict(
        campaign.sheets.values_list("channel").annotate(n=Count("pk")).values_list("channel", "n")
    )
    paper = dict(
        campaign.paper_forms.values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    pending = campaign.pending.count()
    return {
        **evaluators,
        **codes,
        "online": sheets_by.get("online", 0) + pending,
        "pending": pending,
        "paper": sheets_by.get("paper", 0),
        "sheets": sum(sheets_by.values()) + pending,
        "excluded": campaign.sheets.filter(excluded=True).count(),
        "paper_awaiting": paper.get(PaperForm.Status.AWAITING_SECOND, 0),
        "paper_mismatch": paper.get(PaperForm.Status.MISMATCH, 0),
        "units": campaign.units.count(),
        "strata": campaign.strata.count(),
        "quota": sum(campaign.strata.values_list("quota", flat=True)),
    }


STEPS = [
    (Campaign.Status.DRAFT, "设置与评议人库"),
    (Campaign.Status.FROZEN, "冻结名册、公告种子来源"),
    (Campaign.Status.DRAWN, "抽取、发放评议码"),
    (Campaign.Status.COLLECTING, "评议与回收"),
    (Campaign.Status.CLOSED, "复核可疑问卷"),
    (Campaign.Status.TALLIED, "计分完成，待公布"),
    (Campaign.Status.PUBLISHED, "已公布"),
]


@office_required(*READERS)
def campaign_detail(request, pk: int):
    campaign = _campaign(request, pk)
    now = timezone.now()
    order = [s for s, _ in STEPS]
    current = order.index(campaign.status)
    steps = [
        {"label": label, "state": "done" if i < current else "current" if i == current else ""}
        for i, (_, label) in enumerate(STEPS)
    ]
    return _page(
        request,
        "evaluation/office_detail.html",
        campaign,
        "detail",
        counts=_counts(campaign),
        steps=steps,
        milestones=campaign.milestones.all(),
        now=now,
    )


@office_required(*OFFICE)
@require_POST
def campaign_stage(request, pk: int):
    """开始评议 / 结束回收: the two stage changes that have no page of their own."""
    campaign = _campaign(request, pk)
    action = request.POST.get("action")
    try:
        if action == "open":
            services.open_collection(request.user, campaign)
            messages.success(request, "评议已开始：评议码生效，可以录入纸质评议表")
        elif action == "close":
            services.close_collection(request.user, campaign)
            messages.success(request, "回收已结束，请复核可疑问卷后计分")
            return redirect("evaluation:review", campaign.pk)
        else:
            messages.error(request, "未知的操作")
    except ValidationError as error:
        _refused(request, error)
    return redirect("evaluation:detail", campaign.pk)


@office_required(*OFFICE)
def campaign_edit(request, pk: int):
    campaign = _campaign(request, pk)
    today = timezone.localdate()
    form = CampaignForm(request.POST or None, initial=CampaignForm.initial_for(campaign, today))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.update_campaign(
                request.user,
                campaign,
                name=d["name"],
                year=d["year"],
                description=d["description"],
                dates=form.dates(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "已保存")
            return redirect("evaluation:detail", campaign.pk)
    return _page(request, "evaluation/office_edit.html", campaign, "edit", form=form)


# ---- the form: dimensions, scale, strata, units, weights ----------------------------------------


def _rows(post, *names: str) -> list[tuple[str, ...]]:
    lists = [post.getlist(n) for n in names]
    return list(zip(*lists, strict=False))


@office_required(*OFFICE)
def campaign_form(request, pk: int):
    """评议表: 评议内容 and weights, the answer scale, or a preset."""
    campaign = _campaign(request, pk)
    dims = [(d.name, f"{d.weight:g}") for d in campaign.dimensions.all()]
    options = [
        (o.label, "" if o.value is None else f"{o.value:g}", o.top_two, o.top_three)
        for o in campaign.options.all()
    ]
    headline = campaign.headline
    preset_form = PresetForm(initial={"preset": campaign.preset})
    if request.method == "POST":
        section = request.POST.get("section")
        try:
            if section == "dimensions":
                dims = _rows(request.POST, "dim_name", "dim_weight")
                services.set_dimensions(request.user, campaign, dims)
            elif section == "options":
                labels = request.POST.getlist("opt_label")
                values = request.POST.getlist("opt_value")
                top2 = set(request.POST.getlist("opt_top2"))
                top3 = set(request.POST.getlist("opt_top3"))
                headline = request.POST.get("headline", "")
                options = [
                    (label, value, str(i) in top2, str(i) in top3)
                    for i, (label, value) in enumerate(zip(labels, values, strict=False))
                ]
                rows = []
                for label, value, t2, t3 in options:
                    if not label.strip():
                        continue
                    try:
                        number = float(value) if value.strip() else None
                    except ValueError:
                        raise ValidationError(f"选项“{label}”的分值“{value}”不是数字") from None
                    rows.append(services.OptionRow(label, number, t2, t3))
                services.set_options(request.user, campaign, rows, headline)
            elif section == "preset":
                preset_form = PresetForm(request.POST)
                if preset_form.is_valid():
                    services.apply_preset(
                        request.user, campaign, preset_form.cleaned_data["preset"]
                    )
            messages.success(request, "已保存")
            return redirect("evaluation:form", campaign.pk)
        except ValidationError as error:
            _refused(request, error)
    blank = 3 if campaign.form_editable else 0
    return _page(
        request,
        "evaluation/office_form.html",
        campaign,
        "form",
        dims=[*dims, *[("", "1")] * blank],
        options=[*options, *[("", "", False, False)] * (1 if blank else 0)],
        headline=headline,
        headlines=Campaign.Headline.choices,
        preset_form=preset_form,
        presets=services.PRESET_LABELS,
    )


@office_required(*OFFICE)
def campaign_strata(request, pk: int):
    campaign = _campaign(request, pk)
    sizes = services.stratum_sizes(campaign)
    rows = [(s.name, str(s.quota), f"{s.weight:g}") for s in campaign.strata.all()]
    if request.method == "POST":
        rows = _rows(request.POST, "name", "quota", "weight")
        try:
            services.set_strata(request.user, campaign, [services.StratumRow(*row) for row in rows])
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, "已保存")
            return redirect("evaluation:strata", campaign.pk)
    blank = 2 if campaign.pool_editable else 0
    return _page(
        request,
        "evaluation/office_strata.html",
        campaign,
        "strata",
        rows=[(n, q, w, sizes.get(n, 0)) for n, q, w in [*rows, *[("", "0", "1")] * blank]],
        total_pool=sum(sizes.values()),
    )


@office_required(*OFFICE)
def campaign_units(request, pk: int):
    """被评议单位: which units, their category and the published duty summary (职责汇编)."""
    campaign = _campaign(request, pk)
    chosen = {cu.unit_id: cu for cu in campaign.units.all()}
    candidates = list(
        Unit.objects.filter(Q(kind__in=EVALUATED_KINDS) | Q(pk__in=chosen), is_active=True)
        .select_related("category", "parent")
        .order_by("path")
    )
    categories = list(
        dict.fromkeys(
            [
                *services.DEFAULT_CATEGORIES,
                *UnitCategory.objects.values_list("name", flat=True),
                *(cu.category for cu in chosen.values()),
            ]
        )
    )
    posted = None
    if request.method == "POST":
        posted = {
            int(uid): (
                request.POST.get(f"category_{uid}", ""),
                request.POST.get(f"duty_{uid}", ""),
            )
            for uid in request.POST.getlist("unit")
            if uid.isdigit()
        }
        try:
            services.set_units(
                request.user,
                campaign,
                [services.UnitRow(uid, cat, duty) for uid, (cat, duty) in posted.items()],
            )
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, f"已设置被评议单位 {len(posted)} 个")
            return redirect("evaluation:units", campaign.pk)
    rows = []
    for unit in candidates:
        cu = chosen.get(unit.pk)
        if posted is not None:
            on = unit.pk in posted
            category, duty = posted.get(unit.pk, ("", ""))
        else:
            on = cu is not None
            category = cu.category if cu else (unit.category.name if unit.category else "")
            duty = cu.duty_summary if cu else unit.duty_summary
        rows.append({"unit": unit, "on": on, "category": category, "duty": duty})
    return _page(
        request,
        "evaluation/office_units.html",
        campaign,
        "units",
        rows=rows,
        categories=categories,
        chosen_count=len(chosen),
    )


@office_required(*OFFICE)
def campaign_weights(request, pk: int):
    """按类别的权重 and the combination with the work assessment (e.g. 70/30)."""
    campaign = _campaign(request, pk)
    cats = list(dict.fromkeys(campaign.units.values_list("category", flat=True)))
    strata = list(campaign.strata.values_list("name", flat=True))
    dims = list(campaign.dimensions.values_list("name", flat=True))
    if request.method == "POST":
        try:
            if request.POST.get("section") == "category":
                category = request.POST.get("category", "")
                kind = request.POST.get("kind", "")
                keys = strata if kind == CategoryWeight.Kind.STRATUM else dims
                services.set_category_weights(
                    request.user,
                    campaign,
                    category,
                    kind,
                    {k: request.POST.get(f"w_{i}", "") for i, k in enumerate(keys)},
                )
            else:
                services.set_assessment(
                    request.user,
                    campaign,
                    request.POST.get("questionnaire_weight", ""),
                    request.POST.get("assessment_weight", ""),
                    {cu.pk: request.POST.get(f"a_{cu.pk}", "") for cu in campaign.units.all()},
                )
            messages.success(request, "已保存")
            return redirect("evaluation:weights", campaign.pk)
        except ValidationError as error:
            _refused(request, error)
    existing: dict[tuple[str, str], dict[str, float]] = {}
    for cw in campaign.category_weights.all():
        existing.setdefault((cw.category, cw.kind), {})[cw.key] = cw.weight
    grids = []
    for kind, keys in (
        (CategoryWeight.Kind.STRATUM, strata),
        (CategoryWeight.Kind.DIMENSION, dims),
    ):
        for cat in cats:
            given = existing.get((cat, kind), {})
            grids.append(
                {
                    "category": cat,
                    "kind": kind,
                    "kind_label": CategoryWeight.Kind(kind).label,
                    "cells": [(i, k, given.get(k, "")) for i, k in enumerate(keys)],
                    "custom": bool(given),
                }
            )
    return _page(
        request,
        "evaluation/office_weights.html",
        campaign,
        "weights",
        grids=grids,
        units=campaign.units.select_related("unit"),
    )


# ---- the pool ----------------------------------------------------------------------------------


@office_required(*OFFICE)
def campaign_pool(request, pk: int):
    campaign = _campaign(request, pk)
    import_form = PoolImportForm()
    person_form = PersonForm(campaign=campaign)
    import_errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "import":
                import_form = PoolImportForm(request.POST, request.FILES)
                if import_form.is_valid():
                    added = pool.import_pool(
                        request.user, campaign, import_form.cleaned_data["file"].read()
                    )
                    messages.success(request, f"已导入评议人 {added} 人")
                    return redirect("evaluation:pool", campaign.pk)
            elif action == "add":
                person_form = PersonForm(request.POST, campaign=campaign)
                if person_form.is_valid():
                    d = person_form.cleaned_data
                    evaluator = pool.add_person(
                        request.user,
                        campaign,
                        pool.Person(
                            0,
                            d["name"].strip(),
                            d["stratum"],
                            pool.normalise_phone(d["phone"]),
                            d["id_number"].strip().upper(),
                            d["organisation"].strip(),
                        ),
                    )
                    messages.success(request, f"已加入评议人库：{evaluator.number}")
                    return redirect("evaluation:pool", campaign.pk)
            elif action == "remove":
                evaluator = get_object_or_404(
                    campaign.evaluators, pk=request.POST.get("evaluator", "0")
                )
                pool.remove_person(request.user, evaluator)
                messages.success(request, f"已从评议人库删除 {evaluator.number}")
                return redirect("evaluation:pool", campaign.pk)
        except pool.PoolError as error:
            import_errors = error.messages
        except ValidationError as error:
            if action == "add":
                apply_errors(person_form, error)
            else:
                _refused(request, error)
    people = campaign.evaluators.select_related("stratum")
    stratum = request.GET.get("stratum", "")
    if stratum:
        people = people.filter(stratum__name=stratum)
    status = request.GET.get("status", "")
    if status in Evaluator.Status.values:
        people = people.filter(status=status)
    q = request.GET.get("q", "").strip()
    people = pool.matching(people, q)
    page = Paginator(people.order_by("number"), 50).get_page(request.GET.get("page"))
    sizes = services.stratum_sizes(campaign)
    return _page(
        request,
        "evaluation/office_pool.html",
        campaign,
        "pool",
        page=page,
        q=q,
        stratum=stratum,
        status=status,
        statuses=Evaluator.Status.choices,
        strata=[(s, sizes.get(s.name, 0)) for s in campaign.strata.all()],
        import_form=import_form,
        import_errors=import_errors,
        person_form=person_form,
    )


@office_required(*OFFICE)
def pool_template(request, pk: int):
    _campaign(request, pk)
    return _download(pool.template_workbook(), "评议人库模板.xlsx", XLSX)


# ---- the draw ----------------------------------------------------------------------------------


@office_required(*READERS)
def campaign_draw(request, pk: int):
    """冻结名册 → 公告种子来源 → 录入号码并抽取 → 替补."""
    campaign = _campaign(request, pk)
    source_form = SeedSourceForm(initial={"seed_source": campaign.seed_source})
    seed_form = SeedForm()
    replace_form = ReasonForm()
    if request.method == "POST":
        if request.user.effective_role not in OFFICE:
            raise PermissionDenied("只有效能办可以操作抽取")
        action = request.POST.get("action")
        try:
            if action == "freeze":
                services.freeze_roster(request.user, campaign)
                messages.success(request, "名册已冻结，名册哈希已在活动公开页公布")
                return redirect("evaluation:draw", campaign.pk)
            if action == "announce":
                source_form = SeedSourceForm(request.POST)
                if source_form.is_valid():
                    services.announce_seed_source(
                        request.user, campaign, source_form.cleaned_data["seed_source"]
                    )
                    messages.success(request, "种子来源已公告；开奖后请按公告录入号码")
                    return redirect("evaluation:draw", campaign.pk)
            if action == "seed":
                seed_form = SeedForm(request.POST)
                if seed_form.is_valid():
                    result = services.enter_seed_and_draw(
                        request.user, campaign, seed_form.cleaned_data["seed"]
                    )
                    messages.success(
                        request, f"已抽取评议人 {len(result.selected_ids)} 名，结果已公开"
                    )
                    return redirect("evaluation:draw", campaign.pk)
            if action == "replace":
                replace_form = ReasonForm(request.POST)
                evaluator = get_object_or_404(
                    campaign.evaluators, pk=request.POST.get("evaluator", "0")
                )
                if replace_form.is_valid():
                    reserve = services.replace_evaluator(
                        request.user, evaluator, replace_form.cleaned_data["reason"]
                    )
                    messages.success(request, f"{evaluator.number} 已由候补 {reserve.number} 替补")
                    return redirect("evaluation:draw", campaign.pk)
        except ValidationError as error:
            form = {"announce": source_form, "seed": seed_form}.get(action)
            if form is not None and form.is_bound:
                apply_errors(form, error)
            else:
                _refused(request, error)
    strata = list(campaign.strata.all())
    sizes = services.stratum_sizes(campaign)
    drawn = []
    if campaign.seed_canonical:
        people = campaign.evaluators.exclude(status=Evaluator.Status.POOL).select_related(
            "stratum", "replaced_by"
        )
        for s in strata:
            members = sorted(
                (e for e in people if e.stratum_id == s.pk), key=lambda e: e.draw_position or 0
            )
            drawn.append(
                {
                    "stratum": s,
                    "chosen": [e for e in members if e.status != Evaluator.Status.RESERVE],
                    "reserves": sum(e.status == Evaluator.Status.RESERVE for e in members),
                }
            )
    return _page(
        request,
        "evaluation/office_draw.html",
        campaign,
        "draw",
        strata=[(s, sizes.get(s.name, 0)) for s in strata],
        source_form=source_form,
        seed_form=seed_form,
        replace_form=replace_form,
        drawn=drawn,
        seed=presentation.seed_shown(campaign),
    )


# ---- codes -------------------------------------------------------------------------------------


def _selected(campaign: Campaign):
    return (
        campaign.evaluators.filter(status=Evaluator.Status.SELECTED)
        .select_related("stratum", "access_code")
        .order_by("stratum__sort_order", "draw_position")
    )


@office_required(*OFFICE)
def campaign_codes(request, pk: int):
    campaign = _campaign(request, pk)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "issue":
                n = services.issue_codes(request.user, campaign)
                messages.success(
                    request, f"已生成评议码 {n} 个" if n else "没有需要生成评议码的评议人"
                )
            elif request.POST.get("action") == "mode":
                form = ModeForm(request.POST)
                evaluator = get_object_or_404(
                    campaign.evaluators, pk=request.POST.get("evaluator", "0")
                )
                if form.is_valid():
                    services.set_mode(request.user, evaluator, form.cleaned_data["mode"])
                    messages.success(request, f"{evaluator.number} 的参评方式已修改")
        except ValidationError as error:
            _refused(request, error)
        return redirect("evaluation:codes", campaign.pk)
    people = list(_selected(campaign))
    online: dict[str, int] = {}
    for e in people:
        if e.mode == Evaluator.Mode.ONLINE:
            online[e.stratum.name] = online.get(e.stratum.name, 0) + 1
    k = mixing.batch_size()
    return _page(
        request,
        "evaluation/office_codes.html",
        campaign,
        "codes",
        people=people,
        modes=Evaluator.Mode.choices,
        can_issue=campaign.status in (Campaign.Status.DRAWN, Campaign.Status.COLLECTING),
        # A stratum with fewer online evaluators than a batch hides each answer among fewer.
        small_strata=[(name, n) for name, n in online.items() if n < k],
        batch=k,
    )


def _letters(campaign: Campaign) -> list[tuple[Evaluator, str]]:
    return [
        (e, services.code_of(e.access_code))
        for e in _selected(campaign)
        if hasattr(e, "access_code") and not e.access_code.revoked and not e.access_code.used
    ]


@office_required(*OFFICE)
def code_letters(request, pk: int):
    """评议邀请函: one printable page per evaluator with their code (unused codes only)."""
    campaign = _campaign(request, pk)
    return render(
        request,
        "evaluation/letters.html",
        {
            "campaign": campaign,
            "letters": _letters(campaign),
            "answer_url": request.build_absolute_uri("/evaluations/answer/"),
            "deadline": campaign.milestones.filter(kind="collection").first(),
        },
    )


@office_required(*OFFICE)
def code_export(request, pk: int):
    """For an SMS platform: number, name, phone and code of every unused code."""
    campaign = _campaign(request, pk)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("评议码")
    ws.append(["评议人编号", "层面", "姓名", "手机号码", "评议码", "短信内容"])
    url = request.build_absolute_uri("/evaluations/answer/")
    for e, code in _letters(campaign):
        contact = e.contact
        text = (
            f"{contact.name}您好：您被随机抽选为{campaign.name}评议人，请登录{url}，"
            f"凭评议码{code}填写评议表（每码限用一次）。"
        )
        ws.append([e.number, e.stratum.name, contact.name, contact.phone, code, text])
    out = io.BytesIO()
    wb.save(out)
    return _download(out.getvalue(), f"{campaign.name}-评议码.xlsx", XLSX)


# ---- paper forms -------------------------------------------------------------------------------


def _paper_context(campaign: Campaign, layout: sheets.Layout, post=None, digits=None) -> dict:
    digits = digits or {}
    units = [
        {
            "cu": cu,
            "value": (post.get(f"d_{cu.pk}", "") if post is not None else digits.get(cu.pk, "")),
        }
        for cu in layout.units
    ]
    opinions = []
    for i in range(3):
        unit = post.get(f"op_unit_{i}", "") if post is not None else ""
        text = post.get(f"op_text_{i}", "") if post is not None else ""
        opinions.append({"i": i, "unit": unit, "text": text})
    return {
        "layout": layout,
        "entry_units": units,
        "opinion_rows": opinions,
        "option_keys": [(i + 1, o.label) for i, o in enumerate(layout.options)],
        "width": len(layout.dimensions),
    }


def _paper_input(post, layout: sheets.Layout) -> tuple[dict[int, str], list[tuple[int, str]]]:
    rows = {cu.pk: post.get(f"d_{cu.pk}", "") for cu in layout.units}
    opinions = []
    for i in range(3):
        unit, text = post.get(f"op_unit_{i}", ""), post.get(f"op_text_{i}", "")
        if unit.isdigit() and text.strip():
            opinions.append((int(unit), text))
        elif text.strip():
            raise ValidationError("请为每条意见建议选择所指的单位")
    return rows, opinions


@office_required(*OFFICE)
def campaign_paper(request, pk: int):
    """纸质评议表双人录入: fast with the keyboard alone (digits per unit, Tab between units)."""
    campaign = _campaign(request, pk)
    layout = sheets.layout_of(campaign)
    post = None
    serial, stratum_id = "", ""
    if request.method == "POST":
        post = request.POST
        serial, stratum_id = post.get("serial", ""), post.get("stratum", "")
        try:
            rows, opinions = _paper_input(post, layout)
            outcome = sheets.enter_paper(
                request.user,
                campaign,
                serial,
                int(stratum_id) if stratum_id.isdigit() else 0,
                rows,
                opinions,
            )
        except ValidationError as error:
            _refused(request, error)
        else:
            text = {
                PaperForm.Status.AWAITING_SECOND: "已保存第一次录入，等待另一位录入员第二次录入",
                PaperForm.Status.ACCEPTED: "两次录入一致，评议表已入库",
                PaperForm.Status.MISMATCH: f"与第一次录入有 {len(outcome.differences)} 处不一致，"
                "已转“待核对原件”",
            }[outcome.status]
            level = (
                messages.WARNING
                if outcome.status == PaperForm.Status.MISMATCH
                else messages.SUCCESS
            )
            messages.add_message(request, level, f"编号 {outcome.form.serial}：{text}")
            return redirect("evaluation:paper", campaign.pk)
    forms = campaign.paper_forms.exclude(status=PaperForm.Status.ACCEPTED).prefetch_related(
        "entries__clerk"
    )
    return _page(
        request,
        "evaluation/office_paper.html",
        campaign,
        "paper",
        serial=serial,
        stratum_id=stratum_id,
        strata=campaign.strata.all(),
        pending=forms,
        accepted=campaign.paper_forms.filter(status=PaperForm.Status.ACCEPTED).count(),
        **_paper_context(campaign, layout, post),
    )


@office_required(*OFFICE)
def paper_resolve(request, pk: int, form_pk: int):
    """核对原件: both entries' differences, and the form entered once more from the paper."""
    campaign = _campaign(request, pk)
    form = get_object_or_404(campaign.paper_forms, pk=form_pk)
    layout = sheets.layout_of(campaign)
    entries = list(form.entries.select_related("clerk", "stratum"))
    diffs = sheets.differences(layout, entries[0], entries[1]) if len(entries) == 2 else []
    post = None
    if request.method == "POST":
        post = request.POST
        try:
            rows, opinions = _paper_input(post, layout)
            sid = post.get("stratum", "")
            sheets.resolve_paper(
                request.user, form, int(sid) if sid.isdigit() else 0, rows, opinions
            )
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, f"编号 {form.serial} 已核对原件并入库")
            return redirect("evaluation:paper", campaign.pk)
    first = entries[0] if entries else None
    digits = sheets.paper_digits(layout, first.answers) if first else {}
    differing = {d.unit for d in diffs}
    ctx = _paper_context(campaign, layout, post, digits)
    for u in ctx["entry_units"]:
        u["differs"] = u["cu"].unit.name in differing
    return _page(
        request,
        "evaluation/office_resolve.html",
        campaign,
        "paper",
        form=form,
        entries=entries,
        diffs=diffs,
        strata=campaign.strata.all(),
        stratum_id=(post.get("stratum") if post else str(first.stratum_id if first else "")),
        **ctx,
    )


# ---- review and tally --------------------------------------------------------------------------


@office_required(*OFFICE)
def campaign_review(request, pk: int):
    """可疑问卷复核 and the tally: the careless-response rules with the sheets each flags, the
    decision per rule (adopted for every sheet it flags, with a reason, or not), a preview."""
    campaign = _campaign(request, pk)
    finalize_form = FinalizeForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "adopt":
                total = sheets.adopt_rule(
                    request.user,
                    campaign,
                    request.POST.get("rule", ""),
                    request.POST.get("reason", ""),
                )
                messages.success(
                    request, _("已采用剔除规则，现共剔除评议表 %(n)d 份") % {"n": total}
                )
                return redirect("evaluation:review", campaign.pk)
            if action == "withdraw":
                total = sheets.withdraw_rule(request.user, campaign, request.POST.get("rule", ""))
                messages.success(
                    request, _("已撤销剔除规则，现共剔除评议表 %(n)d 份") % {"n": total}
                )
                return redirect("evaluation:review", campaign.pk)
            if action == "finalize":
                finalize_form = FinalizeForm(request.POST)
                if finalize_form.is_valid():
                    results.finalize(
                        request.user,
                        campaign,
                        flags_reviewed=finalize_form.cleaned_data["flags_reviewed"],
                    )
                    messages.success(request, "计分完成，请核对结果后公布")
                    return redirect("evaluation:results", campaign.pk)
        except ValidationError as error:
            _refused(request, error)
    rules, preview = [], None
    if campaign.status in (Campaign.Status.CLOSED, Campaign.Status.COLLECTING):
        core = results.core_campaign(campaign)
        report = results.quality(campaign, core)
        flagged = {sid for f in report.flags for sid in f.sheet_ids}
        by_id = {
            str(s.pk): s
            for s in AnswerSheet.objects.filter(pk__in=list(flagged)).select_related("stratum")
        }
        for kind, (label, text) in results.RULES.items():
            found = report.of_kind(kind)
            if not found:
                continue
            rules.append(
                {
                    "kind": kind.value,
                    "label": label,
                    "text": text,
                    "reason": campaign.exclusion_rules.get(kind.value),
                    "flags": [
                        {"detail": f.detail, "sheets": [by_id[s] for s in f.sheet_ids]}
                        for f in found
                    ],
                    "sheets": len({s for f in found for s in f.sheet_ids}),
                }
            )
        if campaign.status == Campaign.Status.CLOSED and campaign.sheets.exists():
            try:
                preview = results.compute(campaign, replicates=0, core=core)
            except ValidationError as error:
                _refused(request, error)
    names = dict(campaign.units.values_list("pk", "unit__name"))
    preview_rows = (
        sorted(
            ({"name": names[int(u.unit)], "r": u} for u in preview.units),
            key=lambda x: (x["r"].category, x["r"].rank or 10**6),
        )
        if preview
        else []
    )
    return _page(
        request,
        "evaluation/office_review.html",
        campaign,
        "review",
        rules=rules,
        excluded=campaign.sheets.filter(excluded=True).select_related("stratum"),
        preview=preview,
        preview_rows=preview_rows,
        finalize_form=finalize_form,
        counts=_counts(campaign),
    )


@office_required(*READERS)
def campaign_results(request, pk: int):
    campaign = _campaign(request, pk)
    if request.method == "POST":
        if request.user.effective_role not in OFFICE:
            raise PermissionDenied("只有效能办可以公布或撤销计分")
        action = request.POST.get("action")
        try:
            if action == "publish":
                results.publish(request.user, campaign)
                messages.success(request, "评议结果已公布")
            elif action == "issue_notices":
                when = request.POST.get("complete_by", "")
                try:
                    complete_by = date.fromisoformat(when) if when else None
                except ValueError:
                    raise ValidationError("整改时限的日期格式不对") from None
                tasks = rectify.issue_notices(request.user, campaign, complete_by=complete_by)
                messages.success(request, f"已下发整改通知书，立整改任务{len(tasks)}件")
            elif action == "reopen":
                form = ReasonForm(request.POST)
                if not form.is_valid():
                    raise ValidationError("请写明撤销计分的理由")
                results.reopen(request.user, campaign, form.cleaned_data["reason"])
                messages.success(request, "已撤销计分，回到复核阶段")
                return redirect("evaluation:review", campaign.pk)
        except ValidationError as error:
            _refused(request, error)
        return redirect("evaluation:results", campaign.pk)
    context = {}
    if campaign.has_results:
        history = results.overall_history(campaign, public=False)
        context = {
            "notice_tasks": len(rectify.issued(campaign)),
            "default_complete_by": timezone.localdate() + timedelta(days=90),
            "categories": presentation.categories(campaign, public=False),
            "years": presentation.history_years(campaign, public=False),
            "trend": presentation.trend_chart(history),
            "overall": history,
            "rates_by_part": presentation.rates_by_part(campaign),
        }
    return _page(request, "evaluation/office_results.html", campaign, "results", **context)


@office_required(Role.LIAISON, *READERS)
def my_results(request):
    """本单位评议结果: a liaison's units in campaigns with results, and their 整改通知书."""
    rows = (
        CampaignUnit.objects.visible_to(request.user)
        .select_related("campaign", "unit")
        .order_by("-campaign__year", "unit__path")
    )
    # Before publication a tally can still be undone; units see their results once published.
    rows = rows.filter(campaign__status=Campaign.Status.PUBLISHED)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "evaluation/my_results.html", {"page": page})


# ---- documents ---------------------------------------------------------------------------------


@office_required(Role.LIAISON, *READERS)
def unit_notice(request, pk: int, cu_pk: int):
    """整改通知书 of one unit (Word): the office any time after the tally, a liaison for their
    own units once the results are published."""
    cu = get_object_or_404(
        CampaignUnit.objects.visible_to(request.user).select_related("campaign", "unit"),
        pk=cu_pk,
        campaign_id=pk,
    )
    if not cu.campaign.has_results or (
        request.user.effective_role not in OFFICE and not cu.campaign.is_published
    ):
        raise Http404("该单位还没有可以下载的整改通知书")
    from . import notice

    # Once issued, the notice keeps its issue date (its 15 working days count from it).
    data = notice.build(cu, issued_on=rectify.issued_on(cu.campaign))
    return _download(data, notice.filename(cu), DOCX)


@office_required(*OFFICE)
def all_notices(request, pk: int):
    from . import notice

    campaign = _campaign(request, pk)
    try:
        data = notice.build_all(campaign, issued_on=rectify.issued_on(campaign))
    except ValidationError as error:
        _refused(request, error)
        return redirect("evaluation:results", campaign.pk)
    return _download(data, notice.archive_filename(campaign), "application/zip")


@office_required(*READERS)
def campaign_export(request, pk: int):
    """Everything of the campaign as Excel (the office's copy, with opinions and sheets)."""
    from . import excel

    campaign = _campaign(request, pk)
    public = request.user.effective_role not in OFFICE
    try:
        data = excel.build_workbook(campaign, public=public)
    except ValidationError as error:
        _refused(request, error)
        return redirect("evaluation:detail", campaign.pk)
    return _download(data, excel.filename(campaign), XLSX)
