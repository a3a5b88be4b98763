"""The calendar pages: the public year view and due-date calculator, and the office's editing."""

from __future__ import annotations

import calendar as pycalendar
from datetime import date, datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from xiaoneng.accounts.roles import Role
from xiaoneng.web.decorators import office_required
from xiaoneng.workdays import SHANGHAI

from . import services
from .models import CalendarDay, CalendarYear

MAX_UPLOAD = 256 * 1024
WEEKDAY_NAMES = [
    pgettext_lazy("weekday", "一"),
    pgettext_lazy("weekday", "二"),
    pgettext_lazy("weekday", "三"),
    pgettext_lazy("weekday", "四"),
    pgettext_lazy("weekday", "五"),
    pgettext_lazy("weekday", "六"),
    pgettext_lazy("weekday", "日"),
]


def _months(cal, year: int, today: date) -> list[dict]:
    specials = {s.date: s for s in cal.specials_in_year(year)}
    months = []
    for month in range(1, 13):
        weeks = []
        for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            row = []
            for day in week:
                if day.month != month:
                    row.append(None)
                    continue
                special = specials.get(day)
                css = []
                if special is not None:
                    css.append("holiday" if special.kind == "holiday" else "makeup")
                elif not cal.is_workday(day):
                    css.append("off")
                if day == today:
                    css.append("today")
                row.append(
                    {"day": day, "css": " ".join(css), "title": special.name if special else ""}
                )
            weeks.append(row)
        months.append({"month": month, "weeks": weeks})
    return months


def _year_context(year: int) -> dict:
    if not 1990 <= year <= 2199:
        raise Http404("年份超出范围")
    cal = services.get_calendar()
    today = timezone.localdate()
    workdays = cal.workdays_between_dates(date(year - 1, 12, 31), date(year, 12, 31))
    return {
        "year": year,
        "published": cal.is_published(year),
        "months": _months(cal, year, today),
        "specials": cal.specials_in_year(year),
        "workday_count": workdays,
        "weekday_names": WEEKDAY_NAMES,
        "prev_year": year - 1,
        "next_year": year + 1,
    }


def year_view(request, year: int):
    return render(request, "workcalendar/year.html", _year_context(year))


def current_year(request):
    return redirect("workcalendar:year", timezone.localdate().year)


class DueForm(forms.Form):
    start = forms.DateTimeField(
        label="受理时间", input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
    )
    days = forms.IntegerField(label="时限（工作日）", min_value=0, max_value=400)


def due_calc(request):
    """The public due-date calculator (an htmx fragment, or a plain page without JavaScript)."""
    form = DueForm(request.GET or None)
    result = None
    if form.is_valid():
        start = form.cleaned_data["start"].astimezone(SHANGHAI)
        try:
            result = services.get_calendar().add_workdays(start, form.cleaned_data["days"])
        except ValueError as exc:
            form.add_error("start", f"无法计算：{exc}")
    template = "workcalendar/_due_result.html"
    if not request.headers.get("HX-Request"):
        template = "workcalendar/due_page.html"
    return render(request, template, {"form": form, "result": result})


class ImportForm(forms.Form):
    file = forms.FileField(label="年度放假安排文件（UTF-8 文本）")


class DayForm(forms.Form):
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label="类型", choices=CalendarDay.Kind.choices)
    name = forms.CharField(label="名称", max_length=50, required=False)


@office_required()
def office(request):
    """Calendar management: import a year's schedule, edit single days (office only)."""
    user = request.user
    may_edit = user.effective_role in (Role.ADMIN, Role.OFFICE)
    import_form = ImportForm()
    day_form = DayForm(prefix="day")
    import_errors: list[str] = []
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied("只有效能办或系统管理员可以修改工作日历")
        if "file" in request.FILES:
            import_form = ImportForm(request.POST, request.FILES)
            if import_form.is_valid():
                upload = import_form.cleaned_data["file"]
                if upload.size > MAX_UPLOAD:
                    import_errors.append("文件太大（上限 256 KB）")
                else:
                    try:
                        text = upload.read().decode("utf-8-sig")
                    except UnicodeDecodeError:
                        import_errors.append("文件不是 UTF-8 编码的文本")
                    else:
                        try:
                            result = services.import_schedule(user, text, source_name=upload.name)
                        except services.ScheduleError as exc:
                            import_errors = [message for _, message in exc.errors]
                        else:
                            years = "、".join(map(str, result.years))
                            messages.success(request, f"已导入{years}年，共{result.days}个特殊日期")
                            return redirect("workcalendar:office")
        elif "clear" in request.POST:
            try:
                services.clear_day(
                    user, datetime.strptime(request.POST["clear"], "%Y-%m-%d").date()
                )
                messages.success(request, "已删除该日期的登记")
            except (ValueError, ValidationError) as exc:
                messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
            return redirect("workcalendar:office")
        else:
            day_form = DayForm(request.POST, prefix="day")
            if day_form.is_valid():
                d = day_form.cleaned_data
                try:
                    services.set_day(user, d["date"], d["kind"], d["name"])
                except ValidationError as exc:
                    day_form.add_error(None, exc)
                else:
                    messages.success(request, f"已登记 {d['date']}")
                    return redirect("workcalendar:office")
    today = timezone.localdate()
    cal = services.get_calendar()
    years = range(today.year - 1, today.year + 3)
    return render(
        request,
        "workcalendar/office.html",
        {
            "may_edit": may_edit,
            "import_form": import_form,
            "import_errors": import_errors,
            "day_form": day_form,
            "years": [
                (y, cal.is_published(y), CalendarYear.objects.filter(year=y).first()) for y in years
            ],
            "manual_days": CalendarDay.objects.filter(source=CalendarDay.Source.MANUAL),
            "today": today,
        },
    )
