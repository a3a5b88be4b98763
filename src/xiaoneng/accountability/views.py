"""责任追究 pages: the board, the office's 待立案线索, a violation with the forms of its next
step, the decision in Word, a person's 效能档案, statistics with Excel, the rules, and the
public 通报批评 the office chose to publish.

Thin: the services decide; ``Violation.objects.visible_to`` scopes every list and page.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xiaoneng.accounts.models import User
from xiaoneng.accounts.roles import Role
from xiaoneng.org.models import Staff
from xiaoneng.web.decorators import office_required
from xiaoneng.web.forms import apply_errors

from . import documents, excel, figures, presentation, services
from .forms import (
    AddPersonForm,
    AppealForm,
    AssignForm,
    BoardFilter,
    DecideForm,
    DeliverForm,
    FindingsForm,
    LeadershipForm,
    PeriodForm,
    ProposeForm,
    PublishForm,
    ReasonForm,
    ReviewForm,
    RuleForm,
    StatementForm,
)
from .models import LADDER, Cause, IntakeRun, Rule, Sanction, Violation, ViolationQuerySet

READERS = (Role.ADMIN, Role.OFFICE, Role.LEADER)
OFFICE = (Role.ADMIN, Role.OFFICE)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE = 50
LOOKBACK_DAYS = 90


def _user(request: HttpRequest) -> User:
    """The signed-in user (``office_required`` let only those in)."""
    user = request.user
    assert isinstance(user, User)  # office_required's
    return user


def download(data: bytes, name: str, content_type: str, fallback: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@office_required(*READERS)
def board(request: HttpRequest) -> HttpResponse:
    """责任追究: the violations this user may see, newest first."""
    f = BoardFilter(request.GET or None)
    rows = Violation.objects.visible_to(request.user).select_related("unit")
    if f.is_valid():
        if f.cleaned_data["status"]:
            rows = rows.filter(status=f.cleaned_data["status"])
        if f.cleaned_data["cause"]:
            rows = rows.filter(cause=f.cleaned_data["cause"])
    page = Paginator(rows.order_by("-opened_at", "-pk"), PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "accountability/board.html",
        {"page": page, "filter": f, "query": request.GET.urlencode()},
    )


def _page_number(request: HttpRequest) -> int:
    text = request.GET.get("page", "")
    return max(int(text), 1) if text.isdigit() else 1


@office_required(*OFFICE)
def candidates(request: HttpRequest) -> HttpResponse:
    """待立案线索: source records of the last 90 days not yet opened, newest first, a page at a
    time (counted, ordered and paged in the database); the office opens one."""
    now = timezone.now()
    since = now - timedelta(days=LOOKBACK_DAYS)
    number = _page_number(request)
    found = services.pending(since, now, PAGE, (number - 1) * PAGE)
    if found.total and (number - 1) * PAGE >= found.total:  # past the end: the last page
        number = (found.total - 1) // PAGE + 1
        found = services.pending(since, now, PAGE, (number - 1) * PAGE)
    # The paginator pages the count (a range); the records are the page's, described above.
    page = Paginator(range(found.total), PAGE).page(number)
    labels = dict(Cause.choices)
    pending = IntakeRun.objects.filter(deadline_open=True, overdue_at__isnull=True).first()
    last = IntakeRun.objects.filter(overdue_at__isnull=False).order_by("-overdue_at").first()
    return render(
        request,
        "accountability/candidates.html",
        {
            "page": page,
            "rows": found.records,
            "total": found.total,
            "by_cause": [(labels.get(c, c), n) for c, n in found.by_cause],
            "days": LOOKBACK_DAYS,
            "pending": pending,
            "last": last,
            "auto_causes": services.auto_causes(),
        },
    )


@office_required(*OFFICE)
@require_POST
def open_source(request: HttpRequest, cause: str, source_id: int) -> HttpResponse:
    try:
        v = services.open_from_source(_user(request), cause, source_id)
    except (ValidationError, PermissionDenied) as error:
        text = "；".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text)
        return redirect("accountability:candidates")
    messages.success(request, _("已立案：%(n)s") % {"n": v.number})
    return redirect("accountability:detail", v.pk)


@office_required(*OFFICE)
@require_POST
def start_intake(request: HttpRequest) -> HttpResponse:
    """Turn the automatic intake on: one scan pending, the sweeper runs it and the next."""
    services.schedule_intake(timezone.now())
    messages.success(request, _("已启用自动立案，电子监察将每天扫描一次"))
    return redirect("accountability:candidates")


# ---- a violation ---------------------------------------------------------------------------------

ACTION_FORMS = {
    "assign": AssignForm,
    "add_person": AddPersonForm,
    "request_statement": FindingsForm,
    "submit_statement": StatementForm,
    "propose": ProposeForm,
    "dismiss": ReasonForm,
    "decide": DecideForm,
    "deliver": DeliverForm,
    "appeal": AppealForm,
    "review": ReviewForm,
    "publish": PublishForm,
}
DONE = {
    "assign": _("已指定调查人"),
    "add_person": _("已增加责任人"),
    "request_statement": _("已告知陈述申辩"),
    "submit_statement": _("已登记陈述申辩"),
    "propose": _("已提出处理意见"),
    "dismiss": _("已决定不予追究"),
    "decide": _("已作出处理决定"),
    "deliver": _("已登记送达"),
    "appeal": _("已提交申诉"),
    "review": _("已作出复核决定"),
    "publish": _("已公开通报"),
}


def _violation(request: HttpRequest, pk: int) -> Violation:
    return get_object_or_404(
        Violation.objects.visible_to(request.user).select_related(
            "unit", "investigator", "decided_by", "proposed_by"
        ),
        pk=pk,
    )


def _form(v: Violation, action: str, data=None, initial=None):
    extra = {"unit": v.unit} if action in ("request_statement", "add_person") else {}
    return ACTION_FORMS[action](data, prefix=action, initial=initial, **extra)


def _initial(v: Violation, action: str) -> dict:
    if action == "propose":
        return {"sanction": v.suggested}
    if action == "decide":
        return {"sanction": v.proposed}
    if action == "publish":
        return {"text": f"{v.unit.name}：{v.summary}。经研究，决定予以通报批评。"}
    return {}


def _context(request: HttpRequest, v: Violation, bound: dict | None = None) -> dict:
    user = _user(request)
    actions = services.available(user, v)
    bound = bound or {}
    forms = {
        name: bound.get(name) or _form(v, name, initial=_initial(v, name))
        for name in ACTION_FORMS
        if name in actions
    }
    staff_id = presentation.person_staff_id(v)
    staff = Staff.objects.filter(pk=staff_id).select_related("unit").first() if staff_id else None
    return {
        "v": v,
        "now": timezone.now(),
        "actions": actions,
        "forms": forms,
        "events": list(v.events.all()),
        "appeal": getattr(v, "appeal", None),
        "person": presentation.person_name(v),
        "person_file": staff if staff and presentation.may_read_file(user, staff) else None,
        "source_url": presentation.source_url(user, v),
        "leader_only": services.requires_leader(v.proposed) if v.proposed else False,
        "joint": presentation.joint(user, v),
    }


@office_required()
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    v = _violation(request, pk)
    return render(request, "accountability/detail.html", _context(request, v))


@office_required()
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One POST endpoint per action; the service checks who and which status."""
    if action not in ACTION_FORMS:
        raise Http404
    v = _violation(request, pk)
    form = _form(v, action, request.POST)
    if form.is_valid():
        try:
            _do(_user(request), v, action, form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionDenied as denied:
            form.add_error(None, str(denied))
        else:
            messages.success(request, DONE[action])
            return redirect("accountability:detail", pk)
    v.refresh_from_db()
    context = _context(request, v, {action: form})
    context["forms"][action] = form
    return render(request, "accountability/detail.html", context, status=400)


def _do(user, v: Violation, action: str, d: dict) -> None:
    if action == "assign":
        services.assign(user, v, d["investigator"])
    elif action == "add_person":
        services.add_person(user, v, d["staff"])
    elif action == "request_statement":
        services.request_statement(user, v, d["findings"], d["person"])
    elif action == "submit_statement":
        services.submit_statement(user, v, d["statement"])
    elif action == "propose":
        services.propose(user, v, d["sanction"], d["reason"])
    elif action == "dismiss":
        services.dismiss(user, v, d["reason"])
    elif action == "decide":
        services.decide(user, v, d["sanction"], d["text"])
    elif action == "deliver":
        services.deliver(user, v, d["note"])
    elif action == "appeal":
        services.appeal(user, v, d["reason"])
    elif action == "review":
        services.review(user, v, d["outcome"], d["decision"], d["new_sanction"])
    elif action == "publish":
        services.publish(user, v, d["text"])


@office_required()
def decision_document(request: HttpRequest, pk: int) -> HttpResponse:
    v = _violation(request, pk)
    if not v.sanction or v.decided_at is None:
        raise Http404
    return download(documents.decision(v), documents.filename(v), DOCX, "decision.docx")


# ---- 效能档案 ------------------------------------------------------------------------------


@office_required()
def person_file(request: HttpRequest, staff_id: int) -> HttpResponse:
    """效能档案 of one person: the office, the leaders over their unit, the person."""
    staff = get_object_or_404(Staff.objects.select_related("unit"), pk=staff_id)
    if not presentation.may_read_file(_user(request), staff):
        raise Http404
    found = presentation.person_file(staff, timezone.localdate())
    return render(
        request,
        "accountability/file.html",
        {
            "file": found,
            "ineligible": presentation.ineligible_years(staff, found.years),
            "mine": staff.user_id == request.user.pk,
        },
    )


@office_required()
def my_file(request: HttpRequest) -> HttpResponse:
    staff = Staff.objects.filter(user=_user(request)).first()
    if staff is None:
        raise Http404
    return redirect("accountability:file", staff.pk)


# ---- statistics, rules ---------------------------------------------------------------------------


def _tally(request: HttpRequest) -> figures.Tally:
    form = PeriodForm(request.GET or None)
    start, end = form.span(timezone.localdate())
    visible = Violation.objects.visible_to(_user(request))
    assert isinstance(visible, ViolationQuerySet)
    return figures.tally(start, end, visible)


@office_required(*READERS)
def stats(request: HttpRequest) -> HttpResponse:
    """责任追究统计: a year's numbers by sanction, cause and unit (like seed 000's Wenzhou)."""
    t = _tally(request)
    return render(
        request,
        "accountability/stats.html",
        {"t": t, "years": range(timezone.localdate().year, timezone.localdate().year - 5, -1)},
    )


@office_required(*READERS)
def export(request: HttpRequest) -> HttpResponse:
    t = _tally(request)
    name = f"责任追究统计{t.start:%Y}.xlsx"
    return download(excel.build(t), name, XLSX, "accountability.xlsx")


def _rule_in(d: dict) -> services.RuleIn:
    return services.RuleIn(
        cause=d["cause"],
        category=d["category"] or "",
        count=d["count"],
        months=d["months"],
        sanction=d["sanction"],
        auto_open=bool(d["auto_open"]),
        active=bool(d["active"]),
        note=d["note"] or "",
    )


def _rules_page(
    request: HttpRequest,
    form: RuleForm | None = None,
    leadership: LeadershipForm | None = None,
    status: int = 200,
) -> HttpResponse:
    policy = services.policy()
    return render(
        request,
        "accountability/rules.html",
        {
            "rules": Rule.objects.all(),
            "policy": policy,
            "leadership_labels": services.leadership_labels(),
            "ladder": [Sanction(s).label for s in LADDER],
            "form": form or RuleForm(prefix="rule"),
            "leadership": leadership
            or LeadershipForm(prefix="lead", initial={"levels": policy.leadership_levels}),
            "may_edit": _user(request).effective_role in OFFICE,
        },
        status=status,
    )


@office_required(*READERS)
def rules(request: HttpRequest) -> HttpResponse:
    """追究规则 and the policy: the office adds, changes and removes rules and sets which
    sanctions need a leader (through the services, audited); leaders read them."""
    return _rules_page(request)


def _save_rule(request: HttpRequest, rule: Rule | None, form: RuleForm) -> bool:
    if not form.is_valid():
        return False
    try:
        services.save_rule(_user(request), rule, _rule_in(form.cleaned_data))
    except ValidationError as error:
        apply_errors(form, error)
        return False
    return True


@office_required(*OFFICE)
@require_POST
def rule_add(request: HttpRequest) -> HttpResponse:
    form = RuleForm(request.POST, prefix="rule")
    if _save_rule(request, None, form):
        messages.success(request, _("已新增追究规则"))
        return redirect("accountability:rules")
    return _rules_page(request, form=form, status=400)


@office_required(*OFFICE)
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=pk)
    if request.method == "POST":
        form = RuleForm(request.POST, prefix="rule")
        if _save_rule(request, rule, form):
            messages.success(request, _("已修改追究规则"))
            return redirect("accountability:rules")
        status = 400
    else:
        initial = {f: getattr(rule, f) for f in services.RULE_FIELDS}
        form, status = RuleForm(prefix="rule", initial=initial), 200
    return render(
        request, "accountability/rule_edit.html", {"rule": rule, "form": form}, status=status
    )


@office_required(*OFFICE)
@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.delete_rule(_user(request), get_object_or_404(Rule, pk=pk))
    messages.success(request, _("已删除追究规则"))
    return redirect("accountability:rules")


@office_required(*OFFICE)
@require_POST
def leadership(request: HttpRequest) -> HttpResponse:
    form = LeadershipForm(request.POST, prefix="lead")
    if form.is_valid():
        try:
            services.set_leadership(_user(request), list(form.cleaned_data["levels"]))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已修改须由领导决定的处理方式"))
            return redirect("accountability:rules")
    return _rules_page(request, leadership=form, status=400)


# ---- public --------------------------------------------------------------------------------------


def public_list(request: HttpRequest) -> HttpResponse:
    """通报批评 that the office published: the unit, the date and the text it published."""
    rows = Violation.objects.published().select_related("unit").order_by("-decided_at")
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    return render(request, "accountability/public_list.html", {"page": page})
