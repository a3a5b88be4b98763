"""Rating pages: the public rates a finished case; staff enter ratings and read the figures.
(Verifying a 差评 and calling back are the rectification task's pages.)"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from xiaoneng.accounts.roles import Role
from xiaoneng.rectification import services as rectification
from xiaoneng.rectification.models import Task
from xiaoneng.rectification.sources import SourceKind
from xiaoneng.web.decorators import office_required
from xiaoneng.web.forms import apply_errors
from xiaoneng.web.throttle import over_limit

from . import services
from .forms import OnlineRatingForm, StatsForm, WindowRatingForm
from .models import Level, Rating

STAFF_ROLES = (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.LIAISON, Role.WINDOW)
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


@office_required(*STAFF_ROLES)
def office(request):
    """好差评统计: per unit, window, item or month over a period, within the user's scope."""
    user = request.user
    form = StatsForm(request.GET or None)
    by, start, end = "unit", None, None
    if form.is_valid():
        by = form.cleaned_data["by"] or "unit"
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    ratings = Rating.objects.visible_to(user).filter(services.period_bounds(start, end))
    rows = services.statistics(ratings, by)
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
            "row_count": len(rows),
            "total": services.totals(rows),
            "levels": Level.choices,
            "chart": _chart(rows),
            "recent_bad": recent_bad,
            "openable_tasks": openable,
            "can_enter": user.effective_role in ENTRY_ROLES,
        },
    )


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
