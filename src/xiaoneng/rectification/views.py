"""整改督办 pages: the board (the office's, a unit's own), what a leader supervises, a task with
its history and the forms of its next step, the plan, 督查督办, files and documents.

Thin: the services decide; ``Task.objects.visible_to`` scopes every list and page.
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xiaoneng.accounts.roles import Role
from xiaoneng.org.models import Unit
from xiaoneng.web.decorators import office_required
from xiaoneng.web.forms import apply_errors

from . import documents, excel, services
from .forms import (
    CompletionForm,
    DecideExtensionForm,
    ExtensionForm,
    ManualTaskForm,
    MeasureDoneForm,
    MeasureFormSet,
    NoteForm,
    PlanSummaryForm,
    ProgressForm,
    ReasonForm,
    RefuseForm,
    RequirePlanForm,
    VerifyForm,
    VisitForm,
)
from .models import Extension, Plan, Task, late_q
from .sources import SourceKind, source_link

#: Everyone who works on or watches rectification (leaders and supervisors read).
BOARD_ROLES = (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.LIAISON, Role.WINDOW, Role.SUPERVISOR)
UNIT_ROLES = (Role.ADMIN, Role.OFFICE, Role.LIAISON)
OFFICE = (Role.ADMIN, Role.OFFICE)
OPENERS = (Role.ADMIN, Role.OFFICE, Role.LEADER)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE = 50


def download(data: bytes, name: str, content_type: str, fallback: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    )
    response["Cache-Control"] = "private, no-store"
    return response


# ---- the board -----------------------------------------------------------------------------------


def filtered(request: HttpRequest, tasks: QuerySet) -> tuple[QuerySet, dict]:
    """Apply the board's filters (the Excel export applies the same)."""
    params = request.GET
    now = timezone.now()
    f = {k: params.get(k, "").strip() for k in ("q", "source", "level", "status", "unit")}
    f["late"] = params.get("late") == "1"
    f["overdue"] = params.get("overdue") == "1"
    f["escalated"] = params.get("escalated") == "1"
    f["extension"] = params.get("extension") == "1"
    if f["q"]:
        q = f["q"]
        match = Q(title__icontains=q) | Q(source_label__icontains=q)
        if q.upper().startswith("ZG") and q[2:].isdigit() and len(q) > 6:
            match |= Q(pk=int(q[6:]))
        tasks = tasks.filter(match)
    if f["source"] in SourceKind.values:
        tasks = tasks.filter(source_kind=f["source"])
    if f["level"] in Task.Level.values:
        tasks = tasks.filter(level=f["level"])
    if f["status"] == "open":
        tasks = tasks.open()
    elif f["status"] in Task.Status.values:
        tasks = tasks.filter(status=f["status"])
    if f["unit"].isdigit():
        unit = Unit.objects.visible_to(request.user).filter(pk=int(f["unit"])).first()
        if unit is not None:
            tasks = tasks.filter(unit__path__startswith=unit.path)
            f["unit_obj"] = unit
    if f["late"]:
        tasks = tasks.filter(late_q(now))
    if f["overdue"]:
        tasks = tasks.filter(deadline_open=True, due_at__lt=now)
    if f["escalated"]:
        tasks = tasks.filter(escalated=True)
    if f["extension"]:
        tasks = tasks.filter(extensions__status=Extension.Status.PENDING)
    return tasks, f


def _board(request: HttpRequest, tasks: QuerySet, template_context: dict) -> HttpResponse:
    tasks, f = filtered(request, tasks.select_related("unit"))
    page = Paginator(tasks.order_by("-opened_at", "-pk"), PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "rectification/board.html",
        {
            "page": page,
            "f": f,
            "sources": SourceKind.choices,
            "levels": Task.Level.choices,
            "statuses": Task.Status.choices,
            "units": Unit.objects.visible_to(request.user)
            .filter(is_active=True, depth__lte=2)
            .order_by("path"),
            "now": timezone.now(),
            "query": request.GET.urlencode(),
            **template_context,
        },
    )


@office_required(*BOARD_ROLES)
def board(request: HttpRequest) -> HttpResponse:
    """整改督办: the office's board; a liaison's or window's own tasks (the same page, scoped)."""
    user = request.user
    own = user.effective_role in (Role.LIAISON, Role.WINDOW)
    heading = _("本单位整改任务") if own else _("整改督办")
    return _board(
        request,
        Task.objects.visible_to(user),
        {"heading": heading, "may_open": user.effective_role in OPENERS, "exportable": True},
    )


@office_required(Role.LEADER)
def supervised(request: HttpRequest) -> HttpResponse:
    """我督办的: what this leader opened or is named on as supervising leader."""
    user = request.user
    tasks = Task.objects.filter(Q(leader=user) | Q(opened_by=user))
    return _board(
        request,
        tasks,
        {"heading": _("我督办的事项"), "may_open": True, "exportable": False, "mine": True},
    )


@office_required(*BOARD_ROLES)
def export(request: HttpRequest) -> HttpResponse:
    """The board as Excel, with the same filters."""
    tasks, _f = filtered(request, Task.objects.visible_to(request.user))
    data = excel.build(tasks, timezone.now())
    return download(data, excel.filename(timezone.localdate()), XLSX, "rectification.xlsx")


# ---- 督查督办 ------------------------------------------------------------------------------------


@office_required(*OPENERS)
def new(request: HttpRequest) -> HttpResponse:
    """督查督办: the office or a leader assigns a named problem to a unit, with a level."""
    initial = {"level": Task.Level.LISTED}
    if request.user.effective_role == Role.LEADER:
        initial["leader"] = request.user
    form = ManualTaskForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            task = services.open_task(request.user, form.request())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已立项：%(n)s") % {"n": task.number})
            return redirect("rectification:detail", task.pk)
    return render(request, "rectification/new.html", {"form": form})


# ---- a task --------------------------------------------------------------------------------------


def _task(request: HttpRequest, pk: int) -> Task:
    return get_object_or_404(
        Task.objects.visible_to(request.user).select_related(
            "unit", "window", "leader", "opened_by", "verified_by", "accepted_by", "visited_by"
        ),
        pk=pk,
    )


ACTION_FORMS = {
    "verify": VerifyForm,
    "require_plan": RequirePlanForm,
    "approve_plan": NoteForm,
    "return_plan": ReasonForm,
    "report_progress": ProgressForm,
    "report_measure": MeasureDoneForm,
    "report_completion": CompletionForm,
    "accept": NoteForm,
    "refuse": RefuseForm,
    "visit": VisitForm,
    "request_extension": ExtensionForm,
    "decide_extension": DecideExtensionForm,
}
DONE = {
    "verify": _("已填报核实整改情况"),
    "require_plan": _("已要求责任单位制定整改方案"),
    "approve_plan": _("整改方案已审核通过"),
    "return_plan": _("整改方案已退回修改"),
    "report_progress": _("已报告整改进展"),
    "report_measure": _("已报告措施完成情况"),
    "report_completion": _("已报送整改情况报告，等待验收"),
    "accept": _("验收通过"),
    "refuse": _("验收不通过，已退回责任单位"),
    "visit": _("已登记回访，整改任务办结"),
    "request_extension": _("已提交延期申请，等待效能办审批"),
    "decide_extension": _("已审批延期申请"),
}


def _forms(task: Task, plan: Plan | None, bound: dict | None = None) -> dict:
    bound = bound or {}
    forms = {}
    for name, form_class in ACTION_FORMS.items():
        if name in bound:
            forms[name] = bound[name]
        elif form_class is MeasureDoneForm:
            forms[name] = form_class(plan=plan, prefix=name)
        else:
            forms[name] = form_class(prefix=name)
    return forms


def _context(request: HttpRequest, task: Task, bound: dict | None = None) -> dict:
    user = request.user
    approved = services.approved_plan(task)
    plans = list(task.plans.prefetch_related("measures__problem", "measures__responsible_unit"))
    current = plans[0] if plans else None
    shown = approved or current
    measures = (
        list(
            shown.measures.select_related(
                "problem", "responsible_unit", "leader", "person"
            ).prefetch_related("evidence")
        )
        if shown
        else []
    )
    actions = services.available(user, task)
    return {
        "t": task,
        "now": timezone.now(),
        "actions": actions,
        "forms": _forms(task, approved, bound),
        "problems": list(task.problems.all()),
        "plans": plans,
        "shown_plan": shown,
        "measures": measures,
        "progress": list(task.progress.prefetch_related("evidence").order_by("due_on", "pk")),
        "evidence": [
            e for e in task.evidence.all() if e.progress_id is None and e.measure_id is None
        ],
        "extensions": list(task.extensions.select_related("requested_by", "decided_by")),
        "pending_extension": task.extensions.filter(status=Extension.Status.PENDING).first(),
        "events": task.events.select_related("actor"),
        "source_url": source_link(user, task),
        "may_plan": "submit_plan" in actions,
        "legacy_audit": task.legacy_ref if user.effective_role in OFFICE else "",
    }


@office_required(*BOARD_ROLES)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    return render(request, "rectification/detail.html", _context(request, task))


@office_required(*BOARD_ROLES)
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One POST endpoint per action; the service checks who and which status."""
    if action not in ACTION_FORMS or action == "decide_extension":
        raise Http404
    user = request.user
    task = _task(request, pk)
    form_class = ACTION_FORMS[action]
    kwargs = {"plan": services.approved_plan(task)} if form_class is MeasureDoneForm else {}
    form = form_class(request.POST, request.FILES, prefix=action, **kwargs)
    if form.is_valid():
        try:
            _do(user, task, action, form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionDenied as denied:
            form.add_error(None, str(denied))
        else:
            messages.success(request, DONE[action])
            return redirect("rectification:detail", pk)
    task.refresh_from_db()
    context = _context(request, task, {action: form})
    context["failed"] = action
    return render(request, "rectification/detail.html", context, status=400)


def _do(user, task: Task, action: str, d: dict) -> None:
    if action == "verify":
        services.verify(
            user,
            task,
            finding=d["finding"],
            verification=d["verification"],
            measures=d["measures"],
        )
    elif action == "require_plan":
        services.require_plan(user, task, complete_by=d["complete_by"], reason=d["reason"])
    elif action == "approve_plan":
        services.approve_plan(user, task, d["note"])
    elif action == "return_plan":
        services.return_plan(user, task, d["reason"])
    elif action == "report_progress":
        services.report_progress(user, task, text=d["text"], files=d["files"])
    elif action == "report_measure":
        services.report_measure(user, task, d["measure"], note=d["note"], files=d["files"])
    elif action == "report_completion":
        services.report_completion(user, task, summary=d["summary"], files=d["files"])
    elif action == "accept":
        services.accept(user, task, note=d["note"])
    elif action == "refuse":
        services.refuse(user, task, reason=d["reason"], new_date=d["new_date"])
    elif action == "visit":
        services.record_visit(user, task, satisfied=d["satisfied"] == "1", note=d["note"])
    elif action == "request_extension":
        services.request_extension(user, task, until=d["until"], reason=d["reason"])


@office_required(*OFFICE)
@require_POST
def decide_extension(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    """批准 / 不批准 the pending extension (two buttons of one form)."""
    if decision not in ("approve", "refuse"):
        raise Http404
    task = _task(request, pk)
    form = DecideExtensionForm(request.POST, prefix="decide_extension")
    pending = task.extensions.filter(status=Extension.Status.PENDING).first()
    if pending is None:
        raise Http404
    if form.is_valid():
        try:
            services.decide_extension(
                request.user,
                pending,
                approve=decision == "approve",
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionDenied as denied:
            form.add_error(None, str(denied))
        else:
            messages.success(request, DONE["decide_extension"])
            return redirect("rectification:detail", pk)
    context = _context(request, task, {"decide_extension": form})
    context["failed"] = "decide_extension"
    return render(request, "rectification/detail.html", context, status=400)


# ---- the plan ------------------------------------------------------------------------------------


@office_required(*UNIT_ROLES)
def plan(request: HttpRequest, pk: int) -> HttpResponse:
    """整改方案: one line per measure; save a draft, add lines, or submit for review."""
    user = request.user
    task = _task(request, pk)
    if "submit_plan" not in services.available(user, task):
        raise PermissionDenied(_("该整改任务当前不需要报送整改方案"))
    draft = services.current_plan(task)
    if request.method == "POST":
        formset = MeasureFormSet(request.POST, prefix="m", task=task)
        summary = PlanSummaryForm(request.POST)
        if formset.is_valid() and summary.is_valid():
            plan_in = services.PlanIn(
                tuple(f.measure_in() for f in formset.forms if f.has_content()),
                summary.cleaned_data["summary"],
            )
            try:
                if "submit" in request.POST:
                    services.submit_plan(user, task, plan_in)
                    messages.success(request, _("整改方案已报送，等待效能办审核"))
                    return redirect("rectification:detail", pk)
                services.save_plan(user, task, plan_in)
                if "add" in request.POST:
                    return redirect(f"{request.path}?rows={len(plan_in.measures) + 1}")
                messages.success(request, _("已保存草稿"))
                return redirect("rectification:plan", pk)
            except ValidationError as error:
                apply_errors(summary, error)
    else:
        plan_in = services.plan_input(draft)
        rows = [_initial(m) for m in plan_in.measures] or [
            {"problem": p.pk} for p in task.problems.all()
        ]
        wanted = request.GET.get("rows", "")
        if wanted.isdigit():
            rows += [{} for _n in range(min(int(wanted), 60) - len(rows))]
        formset = MeasureFormSet(initial=rows, prefix="m", task=task)
        summary = PlanSummaryForm(initial={"summary": plan_in.summary})
    returned = task.plans.filter(status=Plan.Status.RETURNED).order_by("-version").first()
    return render(
        request,
        "rectification/plan.html",
        {
            "t": task,
            "formset": formset,
            "summary": summary,
            "returned": returned,
            "problems": list(task.problems.all()),
        },
        status=400 if request.method == "POST" else 200,
    )


def _initial(m: services.MeasureIn) -> dict:
    return {
        "problem": m.problem_id,
        "cause_kind": m.cause_kind,
        "cause": m.cause,
        "action": m.action,
        "responsible_unit": m.responsible_unit_id,
        "leader": m.leader_id,
        "person": m.person_id,
        "due_date": m.due_date,
        "standard": m.standard,
    }


# ---- files and documents -------------------------------------------------------------------------


@office_required(*BOARD_ROLES)
def evidence(request: HttpRequest, pk: int, file_id: int) -> FileResponse:
    """佐证材料: never public; only for those who see the task."""
    task = _task(request, pk)
    found = get_object_or_404(task.evidence, pk=file_id)
    response = FileResponse(
        found.file.open("rb"),
        content_type=found.content_type,
        as_attachment=found.content_type == "application/pdf",
        filename=found.label,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@office_required(*BOARD_ROLES)
def notice(request: HttpRequest, pk: int) -> HttpResponse:
    """督办通知书 of a 挂牌督办 (Word)."""
    task = _task(request, pk)
    if task.level != Task.Level.LISTED:
        raise Http404(_("只有挂牌督办事项有督办通知书"))
    return download(
        documents.notice(task), documents.notice_filename(task), DOCX, f"{task.number}.docx"
    )


@office_required(*BOARD_ROLES)
def report(request: HttpRequest, pk: int) -> HttpResponse:
    """整改情况报告 of the unit (Word), once its plan is approved."""
    task = _task(request, pk)
    if services.approved_plan(task) is None:
        raise Http404(_("整改方案审核通过后才有整改情况报告"))
    return download(
        documents.report(task), documents.report_filename(task), DOCX, f"{task.number}-report.docx"
    )
