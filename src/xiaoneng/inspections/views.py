"""明查暗访 pages: the checklist, plans, a visit with its findings and their review, the phone
recording page, supervisors' observations, photos, the bulletin (page and Word).

Thin: the services decide; ``Plan/Visit/Finding.objects.visible_to`` scope every page.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from xiaoneng.accounts.models import User
from xiaoneng.accounts.roles import Role
from xiaoneng.accounts.scoping import can_view
from xiaoneng.web.decorators import office_required
from xiaoneng.web.forms import apply_errors

from . import bulletin, defaults, services
from .forms import (
    ConfirmForm,
    ContestForm,
    FindingForm,
    ItemForm,
    ObservationForm,
    PlanForm,
    ReasonForm,
    RectifyForm,
    StartVisitForm,
    SubmitVisitForm,
)
from .models import CheckItem, Finding, Photo, Plan, Visit

OFFICE: tuple[str, ...] = (Role.ADMIN, Role.OFFICE)
#: Who opens plans and visits (each sees only what the querysets allow).
READERS: tuple[str, ...] = (Role.ADMIN, Role.OFFICE, Role.SUPERVISOR, Role.LEADER, Role.LIAISON)
RECORDERS: tuple[str, ...] = (Role.ADMIN, Role.OFFICE, Role.SUPERVISOR)


class AuthedRequest(HttpRequest):
    """A request to a page behind ``office_required``: a signed-in user."""

    user: User


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# ---- the checklist -------------------------------------------------------------------------------


@office_required(*READERS)
def checklist(request: AuthedRequest) -> HttpResponse:
    """检查项目: the current items by category; the office adds and edits them."""
    form = ItemForm(None if "defaults" in request.POST else request.POST or None)
    if request.method == "POST":
        if request.user.effective_role not in OFFICE:
            raise PermissionDenied("只有效能办可以修改检查项目")
        if "defaults" in request.POST:
            added = defaults.install(request.user)
            messages.success(request, f"已载入默认检查项目{added}项")
            return redirect("inspections:checklist")
        if form.is_valid():
            try:
                services.save_item(request.user, None, form.request())
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, "已新增检查项目")
                return redirect("inspections:checklist")
    items = services.current_items()
    by_category: dict[str, list[CheckItem]] = {}
    for item in items:
        by_category.setdefault(item.get_category_display(), []).append(item)
    return render(
        request,
        "inspections/checklist.html",
        {
            "by_category": by_category,
            "form": form,
            "may_edit": request.user.effective_role in OFFICE,
        },
        status=400 if form.errors else 200,
    )


@office_required(*OFFICE)
def item_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """修订: a new version of the item."""
    item = get_object_or_404(CheckItem, pk=pk, is_current=True)
    form = ItemForm.for_item(item, request.POST or None)
    if request.method == "POST":
        if "retire" in request.POST:
            services.retire_item(request.user, item)
            messages.success(request, "已停用检查项目")
            return redirect("inspections:checklist")
        if form.is_valid():
            try:
                services.save_item(request.user, item, form.request())
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, "已保存为新版本")
                return redirect("inspections:checklist")
    versions = CheckItem.objects.filter(code=item.code).order_by("-version")
    return render(
        request, "inspections/item_edit.html", {"item": item, "form": form, "versions": versions}
    )


# ---- plans ---------------------------------------------------------------------------------------


@office_required(*READERS)
def plans(request: AuthedRequest) -> HttpResponse:
    """检查计划 the user may see; supervisors' observations below."""
    user = request.user
    shown = Plan.objects.visible_to(user).prefetch_related("targets__unit")
    observations = (
        Visit.objects.visible_to(user)
        .filter(plan__isnull=True)
        .select_related("unit")
        .order_by("-visited_on", "-pk")[:30]
    )
    return render(
        request,
        "inspections/plans.html",
        {
            "plans": shown,
            "observations": observations,
            "may_create": user.effective_role in OFFICE,
            "may_observe": user.effective_role == Role.SUPERVISOR,
        },
    )


@office_required(*OFFICE)
def plan_new(request: AuthedRequest) -> HttpResponse:
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.create_plan(request.user, form.request())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "已制定检查计划")
            return redirect("inspections:plan", plan.pk)
    return render(
        request, "inspections/plan_new.html", {"form": form}, status=400 if form.errors else 200
    )


def _plan(request: AuthedRequest, pk: int) -> Plan:
    return get_object_or_404(Plan.objects.visible_to(request.user), pk=pk)


@office_required(*READERS)
def plan(request: AuthedRequest, pk: int) -> HttpResponse:
    """A plan: its targets, the draw, its visits; a team member starts a visit here."""
    user = request.user
    p = _plan(request, pk)
    may_visit = p.status == Plan.Status.ACTIVE and (
        user.effective_role in OFFICE or services.on_team(user, p)
    )
    form = StartVisitForm(request.POST or None, plan=p)
    if request.method == "POST":
        if "close" in request.POST:
            try:
                services.close_plan(user, p)
            except ValidationError as error:
                messages.error(request, "；".join(error.messages))
            return redirect("inspections:plan", p.pk)
        if not may_visit:
            raise PermissionDenied("只有检查组成员可以登记检查")
        if form.is_valid():
            try:
                visit = services.start_visit(
                    user, p, form.cleaned_data["unit"], form.cleaned_data["visited_on"]
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                return redirect("inspections:record", visit.pk)
    visits = Visit.objects.visible_to(user).filter(plan=p).select_related("unit")
    insider = user.effective_role in OFFICE or services.on_team(user, p)
    return render(
        request,
        "inspections/plan.html",
        {
            "p": p,
            "targets": _targets(user, p, insider, visits),
            "team": p.team.all() if insider else (),
            "insider": insider,
            "visits": visits,
            "form": form,
            "may_visit": may_visit,
            "may_close": user.effective_role in OFFICE and p.status == Plan.Status.ACTIVE,
        },
        status=400 if form.errors else 200,
    )


def _targets(user, p: Plan, insider: bool, visits) -> list:
    """The plan's units as this user may know them: all for the office and the team; for a
    unit's side only its own subtree's, and of a 暗访 plan only those already visited."""
    targets = p.targets.select_related("unit")
    if insider:
        return list(targets)
    prefix = user.unit.path if user.unit_id else "-"
    shown = [t for t in targets if t.unit.path.startswith(prefix)]
    if p.kind == Plan.Kind.COVERT:
        visited = {v.unit_id for v in visits}
        shown = [t for t in shown if t.unit_id in visited]
    return shown


@office_required(*READERS)
def plan_bulletin(request: AuthedRequest, pk: int) -> HttpResponse:
    """明查暗访情况通报 of a plan, as a page."""
    p = _plan(request, pk)
    return render(request, "inspections/bulletin.html", {"b": bulletin.build(p, request.user)})


@office_required(*READERS)
def plan_bulletin_docx(request: AuthedRequest, pk: int) -> HttpResponse:
    p = _plan(request, pk)
    data = bulletin.docx(bulletin.build(p, request.user))
    name = f"明查暗访情况通报-{p.title}.docx"
    response = HttpResponse(data, content_type=DOCX)
    response["Content-Disposition"] = (
        f"attachment; filename=\"inspection-{p.pk}.docx\"; filename*=UTF-8''{quote(name)}"
    )
    response["Cache-Control"] = "private, no-store"
    return response


# ---- a visit -------------------------------------------------------------------------------------


def _visit(request: AuthedRequest, pk: int) -> Visit:
    return get_object_or_404(
        Visit.objects.visible_to(request.user).select_related("plan", "unit", "created_by"), pk=pk
    )


FINDING_FORMS = {
    "confirm": ConfirmForm,
    "drop": ReasonForm,
    "contest": ContestForm,
    "uphold": ReasonForm,
    "withdraw": ReasonForm,
    "card": None,
    "rectify": RectifyForm,
}
DONE = {
    "confirm": "已确认该问题",
    "drop": "已不予认定",
    "contest": "已提出申辩，等待效能办处理",
    "uphold": "申辩未采纳，问题维持",
    "withdraw": "申辩采纳，问题已撤销",
    "card": "已亮黄牌",
    "rectify": "已立整改任务",
}


def _rows(request: AuthedRequest, visit: Visit, failed: tuple[int, str, object] | None = None):
    user = request.user
    findings = (
        Finding.objects.visible_to(user)
        .filter(visit=visit)
        .select_related("item", "person", "recorded_by")
        .prefetch_related("photos")
    )
    rows = []
    for f in findings:
        actions = services.available(user, f)
        office = user.effective_role in OFFICE and f.status in Finding.STANDING
        card = services.card_for(f)
        task = services.task_for(f)
        if office and card is None:
            actions.append("card")
        if office and task is None:
            actions.append("rectify")
        forms = {}
        for name in actions:
            form_class = FINDING_FORMS[name]
            if form_class is None:
                continue
            if failed and failed[0] == f.pk and failed[1] == name:
                forms[name] = failed[2]
            else:
                forms[name] = form_class(prefix=f"f{f.pk}-{name}")
        rows.append(
            {
                "f": f,
                "actions": actions,
                "forms": forms,
                "card": card,
                "task": task,
                "card_open": card is not None and can_view(user, card),
                "task_open": task is not None and can_view(user, task),
            }
        )
    return rows


def _visit_context(request: AuthedRequest, visit: Visit, failed=None) -> dict:
    user = request.user
    return {
        "v": visit,
        "rows": _rows(request, visit, failed),
        "may_record": services.may_record(user, visit),
        "show_people": user.effective_role in OFFICE
        or visit.created_by_id == user.pk
        or (visit.plan is not None and services.on_team(user, visit.plan)),
        "now": timezone.now(),
    }


@office_required(*READERS)
def visit(request: AuthedRequest, pk: int) -> HttpResponse:
    v = _visit(request, pk)
    return render(request, "inspections/visit.html", _visit_context(request, v))


@office_required(*READERS)
@require_POST
def finding_act(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    """One POST endpoint per action on a finding; the service checks who and which status."""
    if action not in FINDING_FORMS:
        raise Http404
    f = get_object_or_404(Finding.objects.visible_to(request.user).select_related("visit"), pk=pk)
    user = request.user
    form_class = FINDING_FORMS[action]
    form = (
        form_class(request.POST, request.FILES, prefix=f"f{f.pk}-{action}") if form_class else None
    )
    if form is None or form.is_valid():
        d = form.cleaned_data if form is not None else {}
        try:
            if action == "confirm":
                services.confirm(
                    user, f, reason=d["reason"], card=d["card"], rectify_by=d["rectify_by"]
                )
            elif action == "drop":
                services.drop(user, f, d["reason"])
            elif action == "contest":
                services.contest(user, f, d["reason"], tuple(d["photos"] or ()))
            elif action in ("uphold", "withdraw"):
                services.decide_contest(user, f, accept=action == "withdraw", reason=d["reason"])
            elif action == "card":
                services.raise_card(user, f)
            elif action == "rectify":
                services.open_rectification(user, f, d["rectify_by"])
        except ValidationError as error:
            if form is None:
                messages.error(request, "；".join(error.messages))
                return redirect("inspections:visit", f.visit_id)
            apply_errors(form, error)
        except PermissionDenied as denied:
            if form is None:
                raise
            form.add_error(None, str(denied))
        else:
            messages.success(request, DONE[action])
            return redirect("inspections:visit", f.visit_id)
    context = _visit_context(request, f.visit, (f.pk, action, form))
    context["failed"] = f.pk
    return render(request, "inspections/visit.html", context, status=400)


@office_required(*READERS)
def photo(request: AuthedRequest, pk: int) -> FileResponse:
    """A photo, for those who see its finding; never public."""
    found = get_object_or_404(
        Photo.objects.filter(finding__in=Finding.objects.visible_to(request.user)), pk=pk
    )
    response = FileResponse(found.file.open("rb"), content_type=found.content_type)
    response["Cache-Control"] = "private, no-store"
    return response


# ---- recording on a phone ------------------------------------------------------------------------


def _wants_json(request: AuthedRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@office_required(*RECORDERS)
def record(request: AuthedRequest, pk: int) -> HttpResponse:
    """The phone page: add findings (the script queues them while offline), then submit."""
    v = _visit(request, pk)
    user = request.user
    on_duty = services.staff_on_duty(v.unit, v.visited_on)
    form = FindingForm(request.POST or None, request.FILES or None, on_duty=on_duty)
    if request.method == "POST":
        refusal = None
        if form.is_valid():
            try:
                finding = services.record_finding(user, v, form.request())
            except ValidationError as error:
                apply_errors(form, error)
            except PermissionDenied as denied:
                refusal = str(denied)
                form.add_error(None, refusal)
            else:
                if _wants_json(request):
                    return JsonResponse({"ok": True, "id": finding.pk}, status=201)
                messages.success(request, "已保存该问题")
                return redirect("inspections:record", v.pk)
        if _wants_json(request):
            errors = {k: [str(m) for m in msgs] for k, msgs in form.errors.items()}
            return JsonResponse({"ok": False, "errors": errors}, status=403 if refusal else 400)
    if not services.may_record(user, v) and request.method == "GET":
        return redirect("inspections:visit", v.pk)
    items = services.current_items()
    groups: dict[str, list[CheckItem]] = {}
    for item in items:
        groups.setdefault(item.get_category_display(), []).append(item)
    return render(
        request,
        "inspections/record.html",
        {
            "v": v,
            "form": form,
            "groups": groups,
            "submit_form": SubmitVisitForm(initial={"note": v.note}),
            "findings": v.findings.select_related("item", "person").prefetch_related("photos"),
        },
        status=400 if form.errors else 200,
    )


@office_required(*RECORDERS)
@require_POST
def submit(request: AuthedRequest, pk: int) -> HttpResponse:
    v = _visit(request, pk)
    form = SubmitVisitForm(request.POST)
    form.is_valid()
    try:
        services.submit_visit(request.user, v, form.cleaned_data.get("note", ""))
    except (ValidationError, PermissionDenied) as error:
        text = "；".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text)
        return redirect("inspections:visit", v.pk)
    messages.success(request, "检查记录已提交，等待效能办审核")
    return redirect("inspections:visit", v.pk)


SW = Path(__file__).with_name("static") / "inspections" / "sw.js"


@office_required(*RECORDERS)
def service_worker(request: AuthedRequest) -> HttpResponse:
    """The recording pages' service worker, served under /office/inspections/ so that its scope
    covers them (it keeps a copy of a recording page to reopen it offline)."""
    response = HttpResponse(SW.read_bytes(), content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    return response


# ---- supervisors' observations ---------------------------------------------------------------


@office_required(Role.SUPERVISOR)
def observe(request: AuthedRequest) -> HttpResponse:
    """监督员随访: one finding at a unit, sent to the office for review."""
    form = ObservationForm(
        request.POST or None,
        request.FILES or None,
        initial={"visited_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            v = services.file_observation(request.user, d["unit"], d["visited_on"], form.request())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "已报送，等待效能办审核")
            return redirect("inspections:visit", v.pk)
    return render(
        request,
        "inspections/observe.html",
        {"form": form, "groups": _groups()},
        status=400 if form.errors else 200,
    )


def _groups() -> dict[str, list[CheckItem]]:
    groups: dict[str, list[CheckItem]] = {}
    for item in services.current_items():
        groups.setdefault(item.get_category_display(), []).append(item)
    return groups
