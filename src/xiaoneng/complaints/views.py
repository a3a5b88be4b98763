"""Complaint pages: the public form and lookup, the office's and the units' pages. Thin: the
rules live in ``services``; a refused action shows its Chinese message and keeps what was typed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from xiaoneng.accounts.actors import Actor
from xiaoneng.accounts.roles import Role
from xiaoneng.org.models import Unit
from xiaoneng.rectification import services as rectification
from xiaoneng.rectification.models import Task
from xiaoneng.rectification.sources import SourceKind
from xiaoneng.rectification.views import DOCX, download
from xiaoneng.web.decorators import office_required, user_may_open
from xiaoneng.web.forms import apply_errors
from xiaoneng.web.throttle import over_limit

from . import documents, services, suggestions
from .forms import (
    AcceptForm,
    FindingForm,
    LookupForm,
    MergeForm,
    ObjectForm,
    OfficeComplaintForm,
    PublicComplaintForm,
    PublicReopenForm,
    PublicVisitForm,
    ReasonForm,
    RectifyForm,
    ReplyForm,
    RerouteForm,
    VisitForm,
)
from .models import Attachment, Category, Complaint

LIST_ROLES = (Role.ADMIN, Role.OFFICE, Role.LIAISON, Role.LEADER)
FILE_ROLES = (Role.ADMIN, Role.OFFICE, Role.SUPERVISOR)
SUBMIT_LIMIT = 5  # public submissions (attempts) per address per hour
LOOKUP_LIMIT = 20  # public lookups per address per 10 minutes


def _throttled(request, name: str, limit: int, seconds: int) -> bool:
    return over_limit(request, f"complaints:{name}", limit, seconds)


def _identity(data: dict) -> services.Identity:
    return services.Identity(
        name=data.get("name", ""),
        phone=data.get("phone", ""),
        email=data.get("email", ""),
        address=data.get("address", ""),
    )


def _submit(actor: Actor | None, form, channel: str, caller_line: str = ""):
    d = form.cleaned_data
    return services.submit_complaint(
        actor,
        channel=channel,
        category=d["category"],
        title=d["title"],
        content=d["content"],
        anonymous=d["anonymous"],
        identity=_identity(d),
        named_unit=d["named_unit"],
        accused_name=d["accused_name"],
        case_number=d["case_number"],
        caller_line=caller_line,
        files=d["attachments"],
        kind=d.get("kind") or Complaint.Kind.COMPLAINT,
    )


# ---- public ----------------------------------------------------------------------------------


def public_new(request):
    """网上投诉 (no login): captcha, per-address limit, attachments."""
    if request.method == "POST" and _throttled(request, "submit", SUBMIT_LIMIT, 3600):
        form = PublicComplaintForm(request.POST, session=request.session)
        return render(
            request, "complaints/public_new.html", {"form": form, "throttled": True}, status=429
        )
    form = PublicComplaintForm(request.POST or None, request.FILES or None, session=request.session)
    if request.method == "POST" and form.is_valid():
        try:
            complaint, code = _submit(None, form, Complaint.Channel.WEB)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            # Shown once on the next page, then forgotten: only its digest is stored.
            request.session["complaint_receipt"] = {"number": complaint.number, "code": code}
            return redirect("complaints:thanks")
    return render(request, "complaints/public_new.html", {"form": form})


def public_thanks(request):
    receipt = request.session.pop("complaint_receipt", None)
    if receipt is None:
        return redirect("complaints:lookup")
    return render(request, "complaints/public_thanks.html", {"receipt": receipt})


@dataclass(frozen=True)
class PublicStep:
    """A step the complainant takes on the lookup page with the number and query code."""

    form: type[LookupForm]
    act: Callable[[dict], Complaint]
    done: str


PUBLIC_STEPS = {
    "reopen": PublicStep(
        PublicReopenForm,
        lambda d: services.reopen_public(d["number"], d["code"], d["reason"]),
        "已收到您的意见，投诉将重新办理。",
    ),
    "visit": PublicStep(
        PublicVisitForm,
        lambda d: services.visit_public(d["number"], d["code"], d["result"], d["note"]),
        "感谢您的评价。",
    ),
}


@dataclass
class Lookup:
    """What the lookup page shows: the complaint found, if any, and the complainant's forms."""

    complaint: Complaint | None = None
    not_found: bool = False
    throttled: bool = False
    #: The posted step's form when it was refused (shown again with its errors).
    refused: dict[str, forms.Form] = field(default_factory=dict)

    def context(self, request) -> dict:
        c = self.complaint
        visit = self.refused.get("visit")
        reopen = self.refused.get("reopen")
        if c is not None and visit is None and c.status == Complaint.Status.REPLIED:
            visit = PublicVisitForm(initial={"number": c.number})
        if c is not None and reopen is None and services.can_reopen(c):
            reopen = PublicReopenForm(initial={"number": c.number})
        return {
            "complaint": c,
            "public_status": services.public_status(c) if c else "",
            "reopen_form": reopen if c is not None else None,
            "visit_form": visit if c is not None else None,
            "code": request.POST.get("code", "") if c is not None else "",
            "not_found": self.not_found,
            "not_found_message": services.NOT_FOUND,
            "throttled": self.throttled,
        }


def _take(request, name: str, step: PublicStep) -> Lookup:
    form = step.form(request.POST)
    if not form.is_valid():
        return Lookup(refused={name: form})
    d = form.cleaned_data
    try:
        complaint = step.act(d)
    except ValidationError as error:
        apply_errors(form, error)
        found = services.lookup_public(d["number"], d["code"])
        return Lookup(found, not_found=found is None, refused={name: form})
    messages.success(request, step.done)
    return Lookup(complaint)


def public_lookup(request):
    """投诉查询: number + query code; throttled; one message for any mismatch. The complainant
    also answers the return visit and asks for a reopening here (``PUBLIC_STEPS``)."""
    name = request.POST.get("action")
    step = PUBLIC_STEPS.get(name)
    form = LookupForm(request.POST if step is None else None)
    lookup = Lookup()
    if request.method == "POST":
        if _throttled(request, "lookup", LOOKUP_LIMIT, 600):
            lookup.throttled = True
        elif step is not None:
            form = LookupForm(initial=request.POST)
            lookup = _take(request, name, step)
        elif form.is_valid():
            found = services.lookup_public(form.cleaned_data["number"], form.cleaned_data["code"])
            lookup = Lookup(found, not_found=found is None)
    return render(
        request,
        "complaints/public_lookup.html",
        {"form": form, **lookup.context(request)},
        status=429 if lookup.throttled else 200,
    )


# ---- office ----------------------------------------------------------------------------------


@office_required(*LIST_ROLES)
def office_list(request):
    user = request.user
    complaints = Complaint.objects.visible_to(user).select_related("category", "handling_unit")
    f = request.GET
    if q := f.get("q", "").strip():
        complaints = complaints.filter(Q(number__icontains=q) | Q(title__icontains=q))
    if (status := f.get("status", "")) in Complaint.Status.values:
        complaints = complaints.filter(status=status)
    elif status == "open":
        complaints = complaints.exclude(
            status__in=[Complaint.Status.CLOSED, Complaint.Status.DECLINED]
        )
    if unit_id := f.get("unit", ""):
        unit = Unit.objects.filter(pk=unit_id).first() if unit_id.isdigit() else None
        if unit is not None:
            complaints = complaints.filter(handling_unit__path__startswith=unit.path)
    if (category := f.get("category", "")).isdigit():
        complaints = complaints.filter(category_id=category)
    if (channel := f.get("channel", "")) in Complaint.Channel.values:
        complaints = complaints.filter(channel=channel)
    if f.get("overdue"):
        complaints = complaints.filter(deadline_open=True, due_at__lt=timezone.now())
    if f.get("escalated"):
        complaints = complaints.filter(escalated=True)
    page = Paginator(complaints.order_by("-submitted_at", "-pk"), 50).get_page(f.get("page"))
    units = Unit.objects.visible_to(user).filter(
        is_active=True, kind__in=[Unit.Kind.DEPARTMENT, Unit.Kind.DISTRICT, Unit.Kind.CENTRE]
    )
    return render(
        request,
        "complaints/office_list.html",
        {
            "page": page,
            "f": f,
            "statuses": Complaint.Status.choices,
            "channels": Complaint.Channel.choices,
            "categories": Category.objects.all(),
            "units": units,
            "now": timezone.now(),
            "can_file": services.is_office(user),
        },
    )


@office_required(*FILE_ROLES)
def office_new(request):
    """Office entry: 热线、来信、邮件、来访; a 效能监督员 files on the supervisor channel."""
    user = request.user
    form = OfficeComplaintForm(request.POST or None, request.FILES or None)
    if user.effective_role == Role.SUPERVISOR:
        form.fields["channel"].choices = [
            (Complaint.Channel.SUPERVISOR, Complaint.Channel.SUPERVISOR.label)
        ]
    if request.method == "POST" and form.is_valid():
        try:
            complaint, code = _submit(
                user, form, form.cleaned_data["channel"], form.cleaned_data["caller_line"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return render(
                request,
                "complaints/public_thanks.html",
                {"receipt": {"number": complaint.number, "code": code}, "office": True},
            )
    return render(request, "complaints/office_new.html", {"form": form})


def _complaint(request, pk: int) -> Complaint:
    return get_object_or_404(
        Complaint.objects.visible_to(request.user).select_related(
            "category", "handling_unit", "named_unit", "accused_staff", "submitted_by"
        ),
        pk=pk,
    )


def _detail_context(request, complaint: Complaint, **forms) -> dict:
    user = request.user
    office = services.is_office(user)
    events = complaint.events.select_related("actor")
    if not office:
        events = events.filter(office_only=False)
    actions = services.allowed_actions(user, complaint)
    return {
        "c": complaint,
        "office": office,
        "events": events,
        "actions": actions,
        "attachments": services.visible_attachments(user, complaint),
        "finding_form": forms.get("finding_form")
        or FindingForm(unit=complaint.handling_unit, initial={"finding": complaint.finding}),
        "reason_form": forms.get("reason_form") or ReasonForm(),
        "reply_form": forms.get("reply_form") or ReplyForm(),
        "visit_form": forms.get("visit_form") or VisitForm(),
        "object_form": forms.get("object_form") or ObjectForm(),
        "reroute_form": forms.get("reroute_form")
        or RerouteForm(initial={"unit": _suggested(complaint)}),
        "merge_form": forms.get("merge_form") or MergeForm(),
        "disputes": services.dispute_lines(complaint),
        # Only what this user may open: a repeat has no handling unit until it is answered.
        "merged": Complaint.objects.visible_to(user).filter(merged_into=complaint).order_by("pk"),
        "main_opens": complaint.merged_into_id is not None
        and Complaint.objects.visible_to(user).filter(pk=complaint.merged_into_id).exists(),
        "urge": getattr(complaint, "urge", None) if office else None,
        **_rectification(user, complaint, forms.get("rectify_form")),
        "failed": forms.get("failed", ""),
        "now": timezone.now(),
    }


@office_required(*LIST_ROLES)
def detail(request, pk: int):
    complaint = _complaint(request, pk)
    return render(request, "complaints/detail.html", _detail_context(request, complaint))


def _suggested(complaint: Complaint):
    pending = services.pending_dispute(complaint)
    return pending.suggested_unit if pending is not None else None


ACTION_FORMS = {
    "object": ("object_form", ObjectForm),
    "reroute": ("reroute_form", RerouteForm),
    "insist": ("reason_form", ReasonForm),
    "merge": ("merge_form", MergeForm),
    "unmerge": ("reason_form", ReasonForm),
    "finding": ("finding_form", FindingForm),
    "send_back": ("reason_form", ReasonForm),
    "reopen": ("reason_form", ReasonForm),
    "approve": ("reason_form", ReasonForm),
    "reply": ("reply_form", ReplyForm),
    "visit": ("visit_form", VisitForm),
}
DONE = {
    "object": "已退单，等待效能办审核",
    "reroute": "已改派",
    "insist": "已维持原派，承办单位继续办理",
    "merge": "已并单",
    "unmerge": "已撤销并单，投诉回到待受理",
    "finding": "调查结论已提交，等待效能办审核",
    "send_back": "已退回承办单位重新办理",
    "reopen": "已重新交承办单位办理",
    "approve": "已审核通过",
    "reply": "已答复投诉人",
    "visit": "回访已记录，投诉办结",
}


@office_required(*LIST_ROLES)
@require_POST
def act(request, pk: int, action: str):
    """One POST endpoint per action; the service checks permission and state."""
    if action not in ACTION_FORMS:
        raise Http404
    user = request.user
    complaint = _complaint(request, pk)
    name, form_class = ACTION_FORMS[action]
    kwargs = {"unit": complaint.handling_unit} if form_class is FindingForm else {}
    form = form_class(request.POST, **kwargs)
    if action == "approve":
        form.fields["reason"].required = False
    if form.is_valid():
        d = form.cleaned_data
        try:
            if action == "finding":
                services.submit_finding(
                    user,
                    complaint,
                    finding=d["finding"],
                    text=d["text"],
                    accused_staff=d["accused_staff"],
                )
            elif action == "send_back":
                services.send_back(user, complaint, d["reason"])
            elif action == "reopen":
                services.reopen(user, complaint, d["reason"])
            elif action == "approve":
                services.approve(user, complaint, d.get("reason", ""))
            elif action == "reply":
                services.reply(user, complaint, d["text"])
            elif action == "visit":
                services.record_visit(user, complaint, result=d["result"], note=d["note"])
            elif action == "object":
                services.object_routing(user, complaint, d["reason"], d["suggested_unit"])
            elif action == "reroute":
                services.reroute(
                    user,
                    complaint,
                    unit=d["unit"],
                    note=d["note"],
                    confirm_push_down=d["confirm_push_down"],
                )
            elif action == "insist":
                services.insist(user, complaint, d["reason"])
            elif action == "unmerge":
                services.unmerge(user, complaint, d["reason"])
            elif action == "merge":
                main = (
                    Complaint.objects.visible_to(user)
                    .filter(number=d["main"].strip().upper())
                    .first()
                )
                if main is None:
                    raise ValidationError({"main": "没有找到该编号的投诉"})
                services.merge(user, complaint, main, d["note"])
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionDenied as denied:
            form.add_error(None, str(denied))
        else:
            messages.success(request, DONE[action])
            return redirect("complaints:detail", pk)
    context = _detail_context(request, complaint, **{name: form, "failed": action})
    return render(request, "complaints/detail.html", context, status=400)


def _rectification(user, complaint: Complaint, form=None) -> dict:
    """The complaint's 整改任务, read from the rectification side by the source reference, and
    the form to open one when the finding calls for it."""
    task = rectification.task_for(SourceKind.COMPLAINT, complaint.pk)
    context = {"task": task, "task_opens": False, "rectify_form": None}
    if task is not None:
        context["task_opens"] = user_may_open(user, "rectification:detail") and (
            Task.objects.visible_to(user).filter(pk=task.pk).exists()
        )
    elif services.is_office(user) and services.may_open_rectification(complaint):
        context["rectify_form"] = form or RectifyForm(
            initial={
                "problem": complaint.title,
                "complete_by": timezone.localdate() + timedelta(days=60),
                "needs_visit": not complaint.anonymous,
            }
        )
    return context


@office_required(Role.ADMIN, Role.OFFICE)
@require_POST
def rectify(request, pk: int):
    """立整改任务: the office decides that the finding needs a rectification by the unit."""
    complaint = _complaint(request, pk)
    form = RectifyForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            task = services.open_rectification(
                request.user,
                complaint,
                problem=d["problem"],
                complete_by=d["complete_by"],
                level=d["level"],
                needs_visit=d["needs_visit"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"已立整改任务{task.number}，并通知{task.unit.name}")
            return redirect("complaints:detail", pk)
    context = _detail_context(request, complaint, rectify_form=form, failed="rectify")
    return render(request, "complaints/detail.html", context, status=400)


@office_required(Role.ADMIN, Role.OFFICE)
def route(request, pk: int):
    """受理转办 / 不予受理. Routing suggestions and duplicates come from ``xiaoneng.routing``."""
    user = request.user
    complaint = _complaint(request, pk)
    accept_form = AcceptForm(
        request.POST if request.POST.get("action") == "accept" else None,
        initial={"unit": complaint.named_unit, "kind": complaint.kind},
    )
    decline_form = ReasonForm(request.POST if request.POST.get("action") == "decline" else None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "accept" and accept_form.is_valid():
                d = accept_form.cleaned_data
                services.accept(
                    user,
                    complaint,
                    unit=d["unit"],
                    accused_staff=d["accused_staff"],
                    share_attachments=d["share_attachments"],
                    note=d["note"],
                    kind=d["kind"] or None,
                    confirm_push_down=d["confirm_push_down"],
                )
                messages.success(request, f"已受理并转{d['unit'].name}办理")
                return redirect("complaints:detail", pk)
            if request.POST.get("action") == "decline" and decline_form.is_valid():
                services.decline(user, complaint, decline_form.cleaned_data["reason"])
                messages.success(request, "已作出不予受理决定")
                return redirect("complaints:detail", pk)
        except ValidationError as error:
            target = accept_form if request.POST.get("action") == "accept" else decline_form
            apply_errors(target, error)
    return render(
        request,
        "complaints/route.html",
        {
            "c": complaint,
            "accept_form": accept_form,
            "decline_form": decline_form,
            "merge_form": MergeForm(),
            # Only while the complaint waits for routing: afterwards the unit is decided.
            **(
                suggestions.routing_context(complaint)
                if complaint.status == Complaint.Status.SUBMITTED
                else {}
            ),
        },
        status=400 if request.method == "POST" else 200,
    )


@office_required(Role.ADMIN, Role.OFFICE)
def reveal(request, pk: int):
    """查看投诉人身份: a reason first; the identity is shown on this response only."""
    complaint = _complaint(request, pk)
    form = ReasonForm(request.POST or None)
    revealed = None
    if request.method == "POST" and form.is_valid():
        try:
            revealed = services.reveal_identity(
                request.user, complaint, form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_errors(form, error)
    response = render(
        request, "complaints/reveal.html", {"c": complaint, "form": form, "revealed": revealed}
    )
    response["Cache-Control"] = "no-store"
    return response


@office_required(Role.ADMIN, Role.OFFICE)
def written_notice(request, pk: int):
    """书面通报 (Word) of a complaint still unhandled after its 催办."""
    complaint = _complaint(request, pk)
    urge = getattr(complaint, "urge", None)
    if urge is None or urge.noticed_at is None:
        raise Http404("该投诉没有书面通报")
    return download(
        documents.written_notice(complaint),
        documents.notice_filename(complaint),
        DOCX,
        f"{complaint.number}-notice.docx",
    )


@office_required(*LIST_ROLES)
def attachment(request, pk: int, attachment_id: int):
    """Attachments are never public: this view checks scope and the office's sharing choice.
    The download is named neutrally (附件1.png), for the office as for the unit."""
    complaint = _complaint(request, pk)
    shown = {a.pk: a for a in services.visible_attachments(request.user, complaint)}
    if attachment_id not in shown:
        raise Http404
    found = get_object_or_404(Attachment, pk=attachment_id, complaint=complaint)
    response = FileResponse(
        found.file.open("rb"),
        content_type=found.content_type,
        as_attachment=found.content_type == "application/pdf",
        filename=shown[attachment_id].label,
    )
    response["Cache-Control"] = "private, no-store"
    return response
