"""Rating pages: the public rates a finished case; staff enter ratings, verify and call back."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from xiaoneng.accounts.roles import Role
from xiaoneng.accounts.scoping import can_edit
from xiaoneng.web.decorators import office_required
from xiaoneng.web.forms import apply_errors
from xiaoneng.web.throttle import over_limit

from . import services
from .forms import OnlineRatingForm, StatsForm, VerificationForm, VisitForm, WindowRatingForm
from .models import Level, Rating, Rectification

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
                rating = services.rate_online(d["number"], d["code"], d["level"], d["comment"])
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
    """窗口录入: staff enter a rating the applicant gave at the window or by phone."""
    form = WindowRatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            rating = services.rate_at_window(
                request.user, d["number"], d["level"], d["comment"], d["channel"]
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
        .select_related("case", "item", "unit", "rectification")
        .order_by("-rated_at")[:10]
    )
    # A bad rating of this unit's case may be the window's to rectify: link only what opens.
    visible_rectifications = set(
        Rectification.objects.visible_to(user)
        .filter(rating__in=[r.pk for r in recent_bad])
        .values_list("pk", flat=True)
    )
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
            "visible_rectifications": visible_rectifications,
            "can_enter": user.effective_role in ENTRY_ROLES,
        },
    )


@office_required(*STAFF_ROLES)
def rectification_list(request):
    user = request.user
    rects = Rectification.objects.visible_to(user).select_related(
        "unit", "rating", "rating__case", "rating__item"
    )
    status = request.GET.get("status", "open")
    now = timezone.now()
    if status == "open":
        rects = rects.open()
    elif status == "overdue":
        rects = rects.filter(
            Q(status=Rectification.Status.VERIFYING, due_at__lt=now)
            | Q(overdue_at__isnull=False, status=Rectification.Status.VERIFYING)
        )
    elif status in Rectification.Status.values:
        rects = rects.filter(status=status)
    page = Paginator(rects.order_by("due_at", "pk"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "ratings/rectification_list.html",
        {
            "page": page,
            "status": status,
            "statuses": Rectification.Status.choices,
            "now": now,
        },
    )


@office_required(*STAFF_ROLES)
def rectification_detail(request, pk: int):
    user = request.user
    rect = get_object_or_404(
        Rectification.objects.visible_to(user).select_related(
            "unit", "rating", "rating__case", "rating__item", "verified_by", "visited_by"
        ),
        pk=pk,
    )
    may_verify = (
        rect.status == Rectification.Status.VERIFYING
        and user.effective_role in (Role.ADMIN, Role.OFFICE, Role.LIAISON)
        and can_edit(user, rect)
    )
    may_visit = rect.status == Rectification.Status.VISIT and user.effective_role in (
        Role.ADMIN,
        Role.OFFICE,
    )
    verify_form = VerificationForm(request.POST if "verify" in request.POST else None)
    visit_form = VisitForm(request.POST if "visit" in request.POST else None)
    if request.method == "POST":
        try:
            if "verify" in request.POST and verify_form.is_valid():
                d = verify_form.cleaned_data
                services.record_verification(
                    user,
                    rect,
                    finding=d["finding"],
                    verification=d["verification"],
                    measures=d["measures"],
                )
                messages.success(request, "已填报核实整改情况，等待效能办回访")
                return redirect("ratings:rectification", rect.pk)
            if "visit" in request.POST and visit_form.is_valid():
                d = visit_form.cleaned_data
                services.record_return_visit(
                    user, rect, satisfied=d["satisfied"] == "1", note=d["note"]
                )
                messages.success(request, "已登记回访，该差评核实整改已办结")
                return redirect("ratings:rectification", rect.pk)
        except PermissionDenied:
            raise
        except ValidationError as error:
            apply_errors(verify_form if "verify" in request.POST else visit_form, error)
    return render(
        request,
        "ratings/rectification_detail.html",
        {
            "rect": rect,
            "rating": rect.rating,
            "late": rect.late(timezone.now()),
            "may_verify": may_verify,
            "may_visit": may_visit,
            "verify_form": verify_form,
            "visit_form": visit_form,
        },
    )
