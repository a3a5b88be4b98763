from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone

from xiaoneng.org import services as org_services
from xiaoneng.org.models import Absence, FirstInquiry, Post, Staff, Unit
from xiaoneng.workcalendar.services import get_calendar

from .decorators import office_required


def home(request):
    """The public portal's front page."""
    today = timezone.localdate()
    calendar = get_calendar()
    upcoming = [s for s in calendar.specials_in_year(today.year) if s.date >= today][:6]
    return render(
        request,
        "web/home.html",
        {
            "today": today,
            "today_is_workday": calendar.is_workday(today),
            "upcoming": upcoming,
            "next_year": today.year + 1,
            "next_year_published": calendar.is_published(today.year + 1),
            "unit_count": Unit.objects.filter(is_active=True, kind=Unit.Kind.DEPARTMENT).count(),
        },
    )


COVER_ROWS = 10


@login_required
def landing(request):
    """Where signing in leads: the staff dashboard, or a department system's account page."""
    from xiaoneng.accounts.roles import Role

    if request.user.effective_role == Role.API_CLIENT:
        return redirect("apikeys:client_home")
    return redirect("web:office_home")


@office_required()
def office_home(request):
    """The staff dashboard: what the signed-in role should look at today, within its scope."""
    user = request.user
    today = timezone.localdate()
    units = Unit.objects.visible_to(user)
    posts = Post.objects.visible_to(user).select_related("unit", "a_holder", "b_holder")
    absent_ids = set(
        Absence.objects.visible_to(user).covering(today).values_list("staff_id", flat=True)
    )
    # Only posts whose A holder is away need a look; asking who_handles for those alone keeps
    # the dashboard at one query per affected post, not per post.
    affected = posts.filter(a_holder_id__in=absent_ids)
    cover = [org_services.who_handles(p, today) for p in affected[:COVER_ROWS]]
    inquiries = FirstInquiry.objects.visible_to(user)
    by_category = list(
        units.filter(kind=Unit.Kind.DEPARTMENT)
        .values("category__name")
        .annotate(n=Count("id"))
        .order_by("category__sort_order")
    )
    chart = {
        "tooltip": {"trigger": "item"},
        "series": [
            {
                "type": "pie",
                "radius": ["40%", "70%"],
                "data": [
                    {"name": row["category__name"] or "未分类", "value": row["n"]}
                    for row in by_category
                ],
            }
        ],
    }
    return render(
        request,
        "web/office_home.html",
        {
            "today": today,
            "today_is_workday": get_calendar().is_workday(today),
            "counts": {
                "units": units.count(),
                "staff": Staff.objects.visible_to(user).filter(is_active=True).count(),
                "posts": posts.count(),
                "absent": len(absent_ids),
                "open_inquiries": inquiries.exclude(status=FirstInquiry.Status.ANSWERED).count(),
            },
            "cover": cover,
            "cover_total": affected.count(),
            "recent_inquiries": inquiries.select_related("unit", "received_by")[:8],
            "complaint_queue": _complaint_queue(user),
            "rectification": _rectification(user),
            "category_chart": chart,
            "ratings": _rating_summary(user, today),
            "lights": _open_case_lights(user),
            "has_categories": bool(by_category),
        },
    )


def _open_case_lights(user) -> dict[str, int] | None:
    """Open cases in the user's scope by light (红/黄/绿), for the tiles that lead to the list."""
    from xiaoneng.cases.models import Case

    rows = Case.objects.visible_to(user).open().values("light").annotate(n=Count("pk"))
    counts = {row["light"]: row["n"] for row in rows}
    return {light: counts.get(light, 0) for light in ("red", "yellow", "green")}


def _complaint_queue(user):
    """效能投诉待办 tiles for the roles that handle or oversee complaints (None for others)."""
    from xiaoneng.complaints.services import dashboard_queue

    return dashboard_queue(user)


def _rectification(user):
    """整改督办 tiles and this year's 整改完成率 (None for roles without a section)."""
    from xiaoneng.rectification.figures import dashboard

    return dashboard(user)


def _rating_summary(user, today):
    """好差评 of the last 90 days the user may see: their unit subtree (the whole city for the
    office), and for window staff the ratings of the cases registered at their window."""
    from xiaoneng.ratings.models import Rating
    from xiaoneng.ratings.services import rating_summary
    from xiaoneng.rectification.models import Task

    unit = user.unit or Unit.objects.filter(parent__isnull=True).order_by("pk").first()
    if unit is None:
        return None
    summary = rating_summary(
        Rating.objects.visible_to(user),
        Task.objects.visible_to(user),
        today - timedelta(days=90),
    )
    return {"unit": unit, "summary": summary}


def error_403(request, exception=None):
    return render(request, "errors/403.html", {"exception": exception}, status=403)


def error_404(request, exception=None):
    return render(request, "errors/404.html", status=404)


def error_400(request, exception=None):
    return render(request, "errors/400.html", status=400)


def error_500(request):
    return render(request, "errors/500.html", status=500)
