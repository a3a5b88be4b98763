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
from xiaoneng.web.decorators import office_required
from xiaoneng.web.forms import apply_errors

from . import mixing, pool, presentation, rectify, results, services, sheets
from .forms import (
    PAPER_OPINIONS,
    AssessmentForm,
    CampaignForm,
    CategoryWeightsForm,
    DimensionsForm,
    EvaluatorForm,
    FinalizeForm,
    ModeForm,
    NewCampaignForm,
    OptionsForm,
    PaperEntryForm,
    PersonForm,
    PoolFilterForm,
    PoolImportForm,
    PresetForm,
    ReasonForm,
    ReplaceForm,
    RuleForm,
    SeedForm,
    SeedSourceForm,
    StrataForm,
    UnitsForm,
)
from .models import (
    AccessCode,
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


def _posted(request, chosen: bool) -> tuple:
    """The arguments that bind a page's form to the POST when its button was the one pressed."""
    return (request.POST, request.FILES) if request.method == "POST" and chosen else (None,)


def _done(request, form, act) -> bool:
    """Validate the posted form and call ``act``; a refusal goes to the page's messages."""
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return False
    try:
        act()
    except ValidationError as error:
        _refused(request, error)
        return False
    return True


def _about_an_evaluator(form: EvaluatorForm) -> bool:
    """Is this posted step about an evaluator of the campaign, and valid? An evaluator the
    campaign does not have answers 404, as a stale link would."""
    if not form.is_bound:
        return False
    if form.unknown_evaluator:
        raise Http404
    return form.is_valid()


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
    section = request.POST.get("section")
    dims_form = DimensionsForm(*_posted(request, section == "dimensions"))
    options_form = OptionsForm(*_posted(request, section == "options"))
    preset_form = PresetForm(
        *_posted(request, section == "preset"), initial={"preset": campaign.preset}
    )
    user = request.user
    saved = False
    # The two tables' forms take any text (the services word what is wrong): always valid.
    if dims_form.is_bound and dims_form.is_valid():
        dims = dims_form.rows()
        saved = _done(request, dims_form, lambda: services.set_dimensions(user, campaign, dims))
    elif options_form.is_bound and options_form.is_valid():
        options, headline = options_form.typed(), options_form.cleaned_data["headline"]
        saved = _done(
            request,
            options_form,
            lambda: services.set_options(user, campaign, options_form.rows(), headline),
        )
    elif preset_form.is_bound:
        saved = _done(
            request,
            preset_form,
            lambda: services.apply_preset(user, campaign, preset_form.cleaned_data["preset"]),
        )
    if saved:
        messages.success(request, "已保存")
        return redirect("evaluation:form", campaign.pk)
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
    form = StrataForm(*_posted(request, True))
    if form.is_bound and form.is_valid():  # any text: the service words what is wrong
        rows = form.rows()
        strata = [services.StratumRow(*row) for row in rows]
        if _done(request, form, lambda: services.set_strata(request.user, campaign, strata)):
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
    candidates = presentation.unit_candidates(campaign)
    form = UnitsForm(request.POST or None, units=candidates)
    if form.is_bound and _done(
        request, form, lambda: services.set_units(request.user, campaign, form.rows())
    ):
        messages.success(request, f"已设置被评议单位 {len(form.rows())} 个")
        return redirect("evaluation:units", campaign.pk)
    page = presentation.units_page(campaign, candidates, form)
    return _page(
        request,
        "evaluation/office_units.html",
        campaign,
        "units",
        rows=page.rows,
        categories=page.categories,
        chosen_count=page.chosen_count,
    )


@office_required(*OFFICE)
def campaign_weights(request, pk: int):
    """按类别的权重 and the combination with the work assessment (e.g. 70/30)."""
    campaign = _campaign(request, pk)
    cats = list(dict.fromkeys(campaign.units.values_list("category", flat=True)))
    strata = list(campaign.strata.values_list("name", flat=True))
    dims = list(campaign.dimensions.values_list("name", flat=True))
    user = request.user
    by_category = request.POST.get("section") == "category"
    category_form = CategoryWeightsForm(
        *_posted(request, by_category), strata=strata, dimensions=dims
    )
    assessment_form = AssessmentForm(
        *_posted(request, not by_category), units=list(campaign.units.all())
    )
    saved = False
    if category_form.is_bound:
        saved = _done(
            request,
            category_form,
            lambda: services.set_category_weights(
                user,
                campaign,
                category_form.cleaned_data["category"],
                category_form.cleaned_data["kind"],
                category_form.weights(),
            ),
        )
    elif assessment_form.is_bound:
        saved = _done(
            request,
            assessment_form,
            lambda: services.set_assessment(
                user,
                campaign,
                assessment_form.cleaned_data["questionnaire_weight"],
                assessment_form.cleaned_data["assessment_weight"],
                assessment_form.scores(),
            ),
        )
    if saved:
        messages.success(request, "已保存")
        return redirect("evaluation:weights", campaign.pk)
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
    """评议人库: import a file, add or remove one person (while in 筹备), find people."""
    campaign = _campaign(request, pk)
    action = request.POST.get("action")
    import_form = PoolImportForm(*_posted(request, action == "import"))
    person_form = PersonForm(*_posted(request, action == "add"), campaign=campaign)
    remove_form = EvaluatorForm(*_posted(request, action == "remove"), campaign=campaign)
    import_errors: list[str] = []
    try:
        if import_form.is_bound and import_form.is_valid():
            data = import_form.cleaned_data["file"].read()
            added = pool.import_pool(request.user, campaign, data)
            messages.success(request, f"已导入评议人 {added} 人")
            return redirect("evaluation:pool", campaign.pk)
        if person_form.is_bound and person_form.is_valid():
            try:
                evaluator = pool.add_person(request.user, campaign, person_form.person())
            except ValidationError as error:
                apply_errors(person_form, error)
            else:
                messages.success(request, f"已加入评议人库：{evaluator.number}")
                return redirect("evaluation:pool", campaign.pk)
        if _about_an_evaluator(remove_form):
            evaluator = remove_form.cleaned_data["evaluator"]
            pool.remove_person(request.user, evaluator)
            messages.success(request, f"已从评议人库删除 {evaluator.number}")
            return redirect("evaluation:pool", campaign.pk)
    except pool.PoolError as error:
        import_errors = error.messages
    except ValidationError as error:
        _refused(request, error)
    listing = presentation.pool_listing(
        campaign, PoolFilterForm(request.GET), request.GET.get("page")
    )
    return _page(
        request,
        "evaluation/office_pool.html",
        campaign,
        "pool",
        page=listing.page,
        q=listing.q,
        stratum=listing.stratum,
        status=listing.status,
        statuses=Evaluator.Status.choices,
        strata=listing.strata,
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
    action = request.POST.get("action")
    source_form = SeedSourceForm(
        *_posted(request, action == "announce"), initial={"seed_source": campaign.seed_source}
    )
    seed_form = SeedForm(*_posted(request, action == "seed"))
    replace_form = ReplaceForm(*_posted(request, action == "replace"), campaign=campaign)
    if request.method == "POST":
        if request.user.effective_role not in OFFICE:
            raise PermissionDenied("只有效能办可以操作抽取")
        done = _draw_step(request, campaign, action, source_form, seed_form, replace_form)
        if done:
            messages.success(request, done)
            return redirect("evaluation:draw", campaign.pk)
    strata = list(campaign.strata.all())
    sizes = services.stratum_sizes(campaign)
    return _page(
        request,
        "evaluation/office_draw.html",
        campaign,
        "draw",
        strata=[(s, sizes.get(s.name, 0)) for s in strata],
        source_form=source_form,
        seed_form=seed_form,
        replace_form=replace_form,
        drawn=presentation.drawn(campaign, strata),
        seed=presentation.seed_shown(campaign),
    )


def _draw_step(request, campaign, action, source_form, seed_form, replace_form) -> str | None:
    """One step of the draw page; what to tell the user when it was taken, else None (a
    refusal is on the form it concerns, or in the messages)."""
    user = request.user
    try:
        if action == "freeze":
            services.freeze_roster(user, campaign)
            return "名册已冻结，名册哈希已在活动公开页公布"
        if action == "announce" and source_form.is_valid():
            services.announce_seed_source(user, campaign, source_form.cleaned_data["seed_source"])
            return "种子来源已公告；开奖后请按公告录入号码"
        if action == "seed" and seed_form.is_valid():
            result = services.enter_seed_and_draw(user, campaign, seed_form.cleaned_data["seed"])
            return f"已抽取评议人 {len(result.selected_ids)} 名，结果已公开"
        if action == "replace" and _about_an_evaluator(replace_form):
            d = replace_form.cleaned_data
            reserve = services.replace_evaluator(user, d["evaluator"], d["reason"])
            return f"{d['evaluator'].number} 已由候补 {reserve.number} 替补"
    except ValidationError as error:
        form = {"announce": source_form, "seed": seed_form}.get(action)
        if form is not None:
            apply_errors(form, error)
        else:
            _refused(request, error)
    return None


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
                form = ModeForm(request.POST, campaign=campaign)
                if _about_an_evaluator(form):
                    evaluator = form.cleaned_data["evaluator"]
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


def _paper_context(layout: sheets.Layout, entry: PaperEntryForm, digits=None) -> dict:
    """The entry grid: what was just typed, else ``digits`` (the first entry, when resolving)."""
    digits = digits or {}
    units = [
        {
            "cu": cu,
            "value": entry.typed(f"d_{cu.pk}") if entry.is_bound else digits.get(cu.pk, ""),
        }
        for cu in layout.units
    ]
    opinions = [
        {"i": i, "unit": entry.typed(f"op_unit_{i}"), "text": entry.typed(f"op_text_{i}")}
        for i in range(PAPER_OPINIONS)
    ]
    return {
        "layout": layout,
        "entry_units": units,
        "opinion_rows": opinions,
        "option_keys": [(i + 1, o.label) for i, o in enumerate(layout.options)],
        "width": len(layout.dimensions),
    }


PAPER_DONE = {
    PaperForm.Status.AWAITING_SECOND: "已保存第一次录入，等待另一位录入员第二次录入",
    PaperForm.Status.ACCEPTED: "两次录入一致，评议表已入库",
    PaperForm.Status.MISMATCH: "与第一次录入有 {n} 处不一致，已转“待核对原件”",
}


@office_required(*OFFICE)
def campaign_paper(request, pk: int):
    """纸质评议表双人录入: fast with the keyboard alone (digits per unit, Tab between units)."""
    campaign = _campaign(request, pk)
    layout = sheets.layout_of(campaign)
    entry = PaperEntryForm(*_posted(request, True), layout=layout)
    if entry.is_bound and entry.is_valid():  # any text: the service words what is wrong
        try:
            outcome = sheets.enter_paper(
                request.user,
                campaign,
                entry.cleaned_data["serial"],
                entry.stratum_id(),
                entry.answer_rows(),
                entry.opinions(),
            )
        except ValidationError as error:
            _refused(request, error)
        else:
            text = PAPER_DONE[outcome.status].format(n=len(outcome.differences))
            mismatch = outcome.status == PaperForm.Status.MISMATCH
            level = messages.WARNING if mismatch else messages.SUCCESS
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
        serial=entry.typed("serial"),
        stratum_id=entry.typed("stratum"),
        strata=campaign.strata.all(),
        pending=forms,
        accepted=campaign.paper_forms.filter(status=PaperForm.Status.ACCEPTED).count(),
        **_paper_context(layout, entry),
    )


@office_required(*OFFICE)
def paper_resolve(request, pk: int, form_pk: int):
    """核对原件: both entries' differences, and the form entered once more from the paper."""
    campaign = _campaign(request, pk)
    form = get_object_or_404(campaign.paper_forms, pk=form_pk)
    layout = sheets.layout_of(campaign)
    entries = list(form.entries.select_related("clerk", "stratum"))
    diffs = sheets.differences(layout, entries[0], entries[1]) if len(entries) == 2 else []
    entry = PaperEntryForm(*_posted(request, True), layout=layout)
    if entry.is_bound and entry.is_valid():
        try:
            sheets.resolve_paper(
                request.user, form, entry.stratum_id(), entry.answer_rows(), entry.opinions()
            )
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, f"编号 {form.serial} 已核对原件并入库")
            return redirect("evaluation:paper", campaign.pk)
    first = entries[0] if entries else None
    digits = sheets.paper_digits(layout, first.answers) if first else {}
    differing = {d.unit for d in diffs}
    ctx = _paper_context(layout, entry, digits)
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
        stratum_id=entry.typed("stratum")
        if entry.is_bound
        else str(first.stratum_id if first else ""),
        **ctx,
    )


# ---- review and tally --------------------------------------------------------------------------


@office_required(*OFFICE)
def campaign_review(request, pk: int):
    """可疑问卷复核 and the tally: the careless-response rules with the sheets each flags, the
    decision per rule (adopted for every sheet it flags, with a reason, or not), a preview."""
    campaign = _campaign(request, pk)
    action = request.POST.get("action")
    rule_form = RuleForm(*_posted(request, action in ("adopt", "withdraw")))
    finalize_form = FinalizeForm(*_posted(request, action == "finalize"))
    try:
        if rule_form.is_bound and rule_form.is_valid():
            d = rule_form.cleaned_data
            if action == "adopt":
                total = sheets.adopt_rule(request.user, campaign, d["rule"], d["reason"])
                done = _("已采用剔除规则，现共剔除评议表 %(n)d 份")
            else:
                total = sheets.withdraw_rule(request.user, campaign, d["rule"])
                done = _("已撤销剔除规则，现共剔除评议表 %(n)d 份")
            messages.success(request, done % {"n": total})
            return redirect("evaluation:review", campaign.pk)
        if finalize_form.is_bound and finalize_form.is_valid():
            reviewed = finalize_form.cleaned_data["flags_reviewed"]
            results.finalize(request.user, campaign, flags_reviewed=reviewed)
            messages.success(request, "计分完成，请核对结果后公布")
            return redirect("evaluation:results", campaign.pk)
    except ValidationError as error:
        _refused(request, error)
    review = presentation.review(campaign)
    if review.refusal is not None:
        _refused(request, review.refusal)
    return _page(
        request,
        "evaluation/office_review.html",
        campaign,
        "review",
        rules=review.rules,
        excluded=campaign.sheets.filter(excluded=True).select_related("stratum"),
        preview=review.preview,
        preview_rows=review.preview_rows,
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
