"""Rating pages: the public rates a finished case; staff enter ratings and read the figures.
(Verifying a 差评 and calling back are the rectification task's pages.)"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header

from xiaoneng.accounts.roles import Role
from xiaoneng.cases.models import Case
from xiaoneng.rectification import services as rectification
from xiaoneng.rectification.models import Task
from xiaoneng.rectification.sources import SourceKind
from xiaoneng.web.decorators import office_required
from xiaoneng.web.forms import apply_errors
from xiaoneng.web.throttle import over_limit

from . import excel, presentation, reviews, services
from .forms import (
    AskReviewForm,
    DecideForm,
    FiguresForm,
    OnlineRatingForm,
    RevealForm,
    ReviewFilterForm,
    StatsForm,
    WindowRatingForm,
)
from .models import Level, Rating, ReturnVisit, Review

STAFF_ROLES = (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.LIAISON, Role.WINDOW)
REVIEW_ROLES = (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.LIAISON)
ENTRY_ROLES = (Role.ADMIN, Role.OFFICE, Role.LIAISON, Role.WINDOW)
RATE_LIMIT = 20  # public rating attempts per address per 10 minutes, as for the case lookup
LEVEL_COLORS = {5: "#2e7d32", 4: "#66bb6a", 3: "#c0ca33", 2: "#fb8c00", 1: "#c62828"}


def _throttled(request) -> bool:
    return over_limit(request, "rating-attempt", RATE_LIMIT, 600)


def public_rate(request):
    """服务评价: rate a finished case with the receipt's number and query code."""
    throttled = False
    rating = None
    if request.method == "POST":
        form = OnlineRatingForm(request.POST, session=request.session)
        if _throttled(request):
            throttled = True
        elif form.is_valid():
            d = form.cleaned_data
            try:
                contact = services.clean_contact(d["contact_name"], d["contact_phone"])
                rating = services.rate_online(
                    d["number"], d["code"], d["level"], d["comment"], contact
                )
            except ValidationError as error:
                apply_errors(form, error)
    else:
        form = OnlineRatingForm(
            initial={"number": request.GET.get("number", "")[:60]}, session=request.session
        )
    return render(
        request,
        "ratings/public_rate.html",
        {"form": form, "rating": rating, "throttled": throttled},
        status=429 if throttled else 200,
    )


@office_required(*ENTRY_ROLES)
def window_entry(request):
    """窗口录入: staff enter the rating of an applicant at the counter, who shows the receipt."""
    form = WindowRatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            contact = services.clean_contact(d["contact_name"], d["contact_phone"])
            rating = services.rate_at_window(
                request.user, d["number"], d["code"], d["level"], d["comment"], contact
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            note = "，已转责任单位核实整改" if rating.is_bad else ""
            messages.success(
                request, f"已录入{rating.case.number}的评价：{rating.get_level_display()}{note}"
            )
            return redirect("ratings:enter")
    return render(request, "ratings/window_entry.html", {"form": form})


def _chart(rows: list[services.StatRow]) -> dict:
    """A stacked bar per group (the 15 largest), one series per level; ECharts option."""
    top = rows[:15][::-1]
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 16, "top": 32, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value"},
        "yAxis": {"type": "category", "data": [r.name[:16] for r in top]},
        "series": [
            {
                "name": label,
                "type": "bar",
                "stack": "total",
                "itemStyle": {"color": LEVEL_COLORS[v]},
                "data": [r.levels.get(v, 0) for r in top],
            }
            for v, label in Level.choices
        ],
    }


def _stats(request):
    """The filters asked for and the ratings they select, within the user's scope."""
    form = StatsForm(request.GET or None)
    by, start, end = "unit", None, None
    if form.is_valid():
        by = form.cleaned_data["by"] or "unit"
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    ratings = Rating.objects.visible_to(request.user).filter(services.period_bounds(start, end))
    return form, by, start, end, ratings


@office_required(*STAFF_ROLES)
def office(request):
    """好差评统计: per unit, window, item or month over a period, within the user's scope."""
    user = request.user
    form, by, _, _, ratings = _stats(request)
    rows = services.statistics(ratings, by)
    total = services.totals(rows)
    table = presentation.stat_table(rows, total, by)
    recent_bad = (
        ratings.filter(level__in=[v.value for v in services.BAD_LEVELS])
        .select_related("case", "item", "unit")
        .order_by("-rated_at")[:10]
    )
    # A bad rating of this unit's case may be the window's to rectify: link only what opens.
    recent_bad = list(recent_bad)
    tasks = rectification.tasks_for(SourceKind.RATING, [r.pk for r in recent_bad])
    openable = set(
        Task.objects.visible_to(user)
        .filter(pk__in=[t.pk for t in tasks.values()])
        .values_list("pk", flat=True)
    )
    for r in recent_bad:
        r.rect_task = tasks.get(r.pk)
    return render(
        request,
        "ratings/office.html",
        {
            "form": form,
            "by": by,
            "by_label": services.GROUPS[by],
            "rows": rows[:200],
            "lines": table.lines[:200],
            "table": table,
            "row_count": len(rows),
            "total": total,
            "export_query": request.GET.urlencode(),
            "levels": Level.choices,
            "chart": _chart(rows),
            "recent_bad": recent_bad,
            "openable_tasks": openable,
            "can_enter": user.effective_role in ENTRY_ROLES,
            "figures": reviews.figures(ratings),
        },
    )


# ---- one rating: 申诉复核, 实名差评回访 ---------------------------------------------------------


@office_required(*STAFF_ROLES)
def detail(request, pk: int):
    """一条评价: the rating, its 核实整改, its review (asked and decided here) and return visit."""
    user = request.user
    rating = get_object_or_404(
        Rating.objects.visible_to(user).select_related("case", "unit", "window", "item"), pk=pk
    )
    review = Review.objects.filter(rating=rating).select_related("unit", "asked_by").first()
    may_ask = reviews.refusal_to_ask(user, rating) is None
    may_decide = review is not None and reviews.REVIEW.permits(user, review, "uphold")
    may_reveal = bool(rating.identity_token) and user.effective_role in reviews.OFFICE_ROLES
    ask_form = AskReviewForm(prefix="ask") if may_ask else None
    decide_form = DecideForm(prefix="decide") if may_decide else None
    reveal_form = RevealForm(prefix="reveal") if may_reveal else None
    revealed = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "ask" and may_ask:
            ask_form = AskReviewForm(request.POST, prefix="ask")
            if ask_form.is_valid():
                try:
                    reviews.ask_review(user, rating, **ask_form.cleaned_data)
                except ValidationError as error:
                    apply_errors(ask_form, error)
                else:
                    messages.success(request, "已提出申诉复核，等待效能办复核")
                    return redirect("ratings:detail", rating.pk)
        elif action in ("uphold", "refuse") and may_decide and review is not None:
            decide_form = DecideForm(request.POST, prefix="decide")
            if decide_form.is_valid():
                try:
                    reviews.decide(
                        user,
                        review,
                        uphold=action == "uphold",
                        decision=decide_form.cleaned_data["decision"],
                    )
                except ValidationError as error:
                    apply_errors(decide_form, error)
                else:
                    messages.success(request, "已记录复核结果")
                    return redirect("ratings:detail", rating.pk)
        elif action == "reveal" and may_reveal:
            reveal_form = RevealForm(request.POST, prefix="reveal")
            if reveal_form.is_valid():
                try:
                    revealed = reviews.reveal_contact(
                        user, rating, reveal_form.cleaned_data["reason"]
                    )
                except ValidationError as error:
                    apply_errors(reveal_form, error)
        else:
            raise PermissionDenied
    task = rating.task
    visit = ReturnVisit.objects.filter(rating=rating).first()
    response = render(
        request,
        "ratings/detail.html",
        {
            "r": rating,
            "review": review,
            "review_until": reviews.review_until(rating) if rating.is_bad else None,
            "review_days": reviews.review_days(),
            "ask_form": ask_form,
            "decide_form": decide_form,
            "reveal_form": reveal_form,
            "revealed": revealed,
            "task": task,
            "task_openable": task is not None
            and Task.objects.visible_to(user).filter(pk=task.pk).exists(),
            "case_openable": Case.objects.visible_to(user).filter(pk=rating.case_id).exists(),
            "visit": visit,
            "visit_late": _visit_late(visit, task),
        },
    )
    if revealed is not None:
        response["Cache-Control"] = "no-store"
    return response


def _visit_late(visit: ReturnVisit | None, task: Task | None) -> bool:
    """The return visit was made after its limit, or is still missing past it."""
    if visit is None or task is None or visit.due_at is None:
        return False
    return (task.visited_at or timezone.now()) > visit.due_at


@office_required(*REVIEW_ROLES)
def review_list(request):
    """差评申诉复核: the requests within the user's reach, pending first."""
    user = request.user
    form = ReviewFilterForm(request.GET or None)
    found = Review.objects.visible_to(user).select_related(
        "unit", "rating", "rating__case", "rating__item"
    )
    if form.is_valid() and form.cleaned_data["status"]:
        found = found.filter(status=form.cleaned_data["status"])
    rows = list(found.order_by("-status", "-asked_at")[:200])
    openable = set(
        Rating.objects.visible_to(user)
        .filter(pk__in=[r.rating_id for r in rows])
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "ratings/reviews.html",
        {"form": form, "rows": rows, "openable": openable, "now": timezone.now()},
    )


def public_figures(request):
    """差评申诉复核与回访公示: per unit, the exclusion rate and the 回访率 over a year, with n and
    an interval — no names of raters, no comments, no ranking."""
    form = FiguresForm(request.GET or None)
    year = timezone.localdate().year
    if form.is_valid() and form.cleaned_data["year"]:
        year = form.cleaned_data["year"]
    ratings = Rating.objects.filter(services.period_bounds(date(year, 1, 1), date(year, 12, 31)))
    rows = reviews.figures(ratings)
    return render(
        request,
        "ratings/figures.html",
        {
            "form": form,
            "year": year,
            "rows": rows,
            "total": reviews.total(rows),
            "review_days": reviews.review_days(),
            "visit_days": services.visit_limit_days(),
        },
    )


@office_required(*STAFF_ROLES)
def export(request):
    """The statistics as a workbook: every group, with n, interval and rank."""
    _, by, start, end, ratings = _stats(request)
    rows = services.statistics(ratings, by)
    table = presentation.stat_table(rows, services.totals(rows), by)
    now = timezone.now()
    response = HttpResponse(
        excel.build(table, start, end, now),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"好差评统计-按{table.label}-{timezone.localdate(now):%Y%m%d}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@office_required(*STAFF_ROLES)
def legacy_rectifications(request):
    """The old list of 差评核实整改 (links in old notifications): the tasks of source 差评."""
    return redirect(f"{reverse('rectification:board')}?source={SourceKind.RATING}")


@office_required(*STAFF_ROLES)
def legacy_rectification(request, pk: int):
    """An old 差评核实整改 page: the task it became (its audit entries stay under the old name)."""
    task = get_object_or_404(
        Task.objects.visible_to(request.user), legacy_ref=f"ratings.rectification:{pk}"
    )
    return redirect("rectification:detail", task.pk)
