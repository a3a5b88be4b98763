"""专项活动 pages: the list, setting one up (seed 003's phases offered), the grid of who has
reported what (late ones first and in red), one report with its upload and review."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xiaoneng.accounts.roles import Role
from xiaoneng.web.decorators import office_required
from xiaoneng.web.forms import apply_errors

from . import drives
from .forms import DriveForm, DriveReportForm, PhaseFormSet, ReviewForm
from .models import Drive, DriveReport

DRIVE_ROLES = (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.LIAISON)
OFFICE = (Role.ADMIN, Role.OFFICE)


def _drives(request: HttpRequest):
    drives_qs = Drive.objects.visible_to(request.user)
    if request.user.effective_role not in OFFICE:
        drives_qs = drives_qs.exclude(status=Drive.Status.DRAFT)
    return drives_qs


@office_required(*DRIVE_ROLES)
def drive_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = []
    for drive in _drives(request).prefetch_related("phases"):
        reports = DriveReport.objects.visible_to(request.user).filter(phase__drive=drive)
        late = [r for r in reports.only("due_at", "submitted_at") if drives.is_late(r, now)]
        rows.append({"drive": drive, "reports": reports.count(), "late": len(late)})
    return render(
        request,
        "rectification/drive_list.html",
        {"rows": rows, "may_create": request.user.effective_role in OFFICE},
    )


@office_required(*OFFICE)
def drive_new(request: HttpRequest) -> HttpResponse:
    """设立专项活动: seed 003's four phases and dates are offered for this year."""
    year = timezone.localdate().year
    if request.method == "POST":
        form = DriveForm(request.POST)
        phases = PhaseFormSet(request.POST, prefix="p")
        if form.is_valid() and phases.is_valid():
            d = form.cleaned_data
            data = drives.DriveIn(
                name=d["name"],
                description=d["description"],
                units=tuple(d["units"]),
                phases=tuple(
                    drives.PhaseIn(
                        p.get("name", ""),
                        p.get("report_name", ""),
                        p.get("report_due"),
                        p.get("tasks", ""),
                    )
                    for p in phases.cleaned_data
                    if p
                ),
            )
            try:
                drive = drives.create_drive(request.user, data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("已设立专项活动，确认无误后请启动"))
                return redirect("rectification:drive", drive.pk)
    else:
        form = DriveForm(
            initial={
                "name": _("%(y)d年效能建设专项活动") % {"y": year},
                "units": list(DriveForm.base_fields["units"].queryset.values_list("pk", flat=True)),
            }
        )
        phases = PhaseFormSet(
            prefix="p",
            initial=[
                {
                    "name": p.name,
                    "tasks": p.tasks,
                    "report_name": p.report_name,
                    "report_due": p.report_due,
                }
                for p in drives.seed_phases(year)
            ],
        )
    return render(request, "rectification/drive_new.html", {"form": form, "phases": phases})


def _drive(request: HttpRequest, pk: int) -> Drive:
    return get_object_or_404(_drives(request), pk=pk)


@office_required(*DRIVE_ROLES)
def drive_detail(request: HttpRequest, pk: int) -> HttpResponse:
    drive = _drive(request, pk)
    now = timezone.now()
    reports = list(
        DriveReport.objects.visible_to(request.user)
        .filter(phase__drive=drive)
        .select_related("unit", "phase")
    )
    grid = drives.grid(drive, reports, now)
    return render(
        request,
        "rectification/drive_detail.html",
        {
            "drive": drive,
            "phases": list(drive.phases.all()),
            "grid": grid,
            "late_units": sum(1 for row in grid if row.late),
            "units": drive.units.count(),
            "office": request.user.effective_role in OFFICE,
            "now": now,
        },
    )


@office_required(*OFFICE)
@require_POST
def drive_stage(request: HttpRequest, pk: int) -> HttpResponse:
    drive = _drive(request, pk)
    action = request.POST.get("action")
    try:
        if action == "start":
            drives.start_drive(request.user, drive)
            messages.success(request, _("专项活动已启动，各单位已收到通知"))
        elif action == "close":
            drives.close_drive(request.user, drive)
            messages.success(request, _("专项活动已结束"))
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, "；".join(getattr(error, "messages", [str(error)])))
    return redirect("rectification:drive", pk)


def _report(request: HttpRequest, pk: int, report_id: int) -> DriveReport:
    return get_object_or_404(
        DriveReport.objects.visible_to(request.user).select_related(
            "phase", "phase__drive", "unit", "submitted_by", "reviewed_by"
        ),
        pk=report_id,
        phase__drive_id=pk,
    )


@office_required(*DRIVE_ROLES)
def drive_report(request: HttpRequest, pk: int, report_id: int) -> HttpResponse:
    report = _report(request, pk, report_id)
    user = request.user
    submit_form = DriveReportForm(
        request.POST if "submit" in request.POST else None,
        request.FILES if "submit" in request.POST else None,
        initial={"text": report.text},
    )
    review_form = ReviewForm(request.POST if "review" in request.POST else None)
    if request.method == "POST":
        try:
            if "submit" in request.POST and submit_form.is_valid():
                d = submit_form.cleaned_data
                drives.submit_report(user, report, text=d["text"], file=d["file"])
                messages.success(request, _("材料已报送"))
                return redirect("rectification:drive_report", pk, report_id)
            if "review" in request.POST and review_form.is_valid():
                drives.review_report(
                    user,
                    report,
                    accept=request.POST.get("review") == "accept",
                    note=review_form.cleaned_data["note"],
                )
                messages.success(request, _("已审阅"))
                return redirect("rectification:drive_report", pk, report_id)
        except ValidationError as error:
            apply_errors(submit_form if "submit" in request.POST else review_form, error)
        except PermissionDenied as denied:
            target = submit_form if "submit" in request.POST else review_form
            target.add_error(None, str(denied))
    available = set(drives.REPORT.available(user, report))
    return render(
        request,
        "rectification/drive_report.html",
        {
            "r": report,
            "drive": report.phase.drive,
            "late": drives.is_late(report, timezone.now()),
            "may_submit": "submit" in available
            and report.phase.drive.status == Drive.Status.ACTIVE,
            "may_review": "accept" in available,
            "submit_form": submit_form,
            "review_form": review_form,
        },
        status=400 if request.method == "POST" else 200,
    )


@office_required(*DRIVE_ROLES)
def drive_report_file(request: HttpRequest, pk: int, report_id: int) -> FileResponse:
    report = _report(request, pk, report_id)
    if not report.file:
        raise Http404
    response = FileResponse(
        report.file.open("rb"),
        content_type=report.file_type,
        as_attachment=True,
        filename=report.file_label,
    )
    response["Cache-Control"] = "private, no-store"
    return response
