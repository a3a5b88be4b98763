"""Catalog pages: the public guide (办事指南) under /guide/ and the office's catalog under
/office/catalog/. Thin: parse with forms, act through ``services``, show the result."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from xiaoneng.accounts.roles import Role
from xiaoneng.org.models import Unit
from xiaoneng.web.decorators import office_required

from . import excel, services
from .forms import (
    ImportForm,
    ItemEditForm,
    ItemForm,
    VersionForm,
    content_formsets,
    rows_of,
)
from .models import HandlingType, ServiceItem, ServiceItemVersion

EDIT_ROLES = (Role.ADMIN, Role.OFFICE, Role.LIAISON)
MAX_UPLOAD = 10 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filters(request, items, units):
    """Apply the keyword / unit / type filters shared by the public and the office lists."""
    query = request.GET.get("q", "").strip()[:100]
    kind = request.GET.get("type", "")
    unit_code = request.GET.get("unit", "").strip()
    items = items.search(query)
    if kind in HandlingType.values:
        items = items.filter(handling_type=kind)
    else:
        kind = ""
    if unit_code:
        unit = units.filter(code=unit_code).only("path").first()
        # The unit's own items and those of its sections and windows.
        items = items.filter(unit__path__startswith=unit.path) if unit else items.none()
    return items, {"query": query, "kind": kind, "unit_code": unit_code}


# ---- public guide (办事指南) -------------------------------------------------------------------


def guide_search(request):
    """Search the guide by keyword, unit (实施单位, with its sections) and handling type.

    No login. Five queries at most whatever the page size: the count, the page of items with
    their units, their versions in force, the unit list, and the chosen unit.
    """
    today = timezone.localdate()
    public = ServiceItem.objects.public(today)
    items, chosen = _filters(request, public, Unit.objects.filter(is_active=True))
    page = Paginator(items.select_related("unit").order_by("code"), 20).get_page(
        request.GET.get("page")
    )
    services.with_current_version(page.object_list, today)
    units = Unit.objects.filter(
        Exists(public.filter(unit=OuterRef("pk"))), is_active=True
    ).order_by("path")
    return render(
        request,
        "catalog/guide_search.html",
        {"page": page, "units": units, "types": HandlingType.choices, "today": today, **chosen},
    )


def guide_item(request, code: str):
    """One item's guide, as in force today, printable (no login)."""
    today = timezone.localdate()
    item = get_object_or_404(ServiceItem.objects.public(today).select_related("unit"), code=code)
    version = (
        services.versions_with_content()
        .filter(item=item, effective_from__lte=today)
        .order_by("-effective_from", "-number")
        .first()
    )
    if version is None:  # public() has just said there is one; a concurrent withdrawal
        raise Http404
    upcoming = (
        item.versions.filter(effective_from__gt=today).order_by("effective_from", "number").first()
    )
    return render(
        request,
        "catalog/guide_item.html",
        {
            "item": item,
            "version": version,
            "upcoming": upcoming,
            "serial_days": services.serial_days(services.content_of(version).steps),
            "today": today,
        },
    )


# ---- office: list and detail ----------------------------------------------------------------


@office_required()
def item_list(request):
    user = request.user
    today = timezone.localdate()
    visible = ServiceItem.objects.visible_to(user)
    # Every role reads the whole catalog (it is public), so every owning unit is a filter.
    units = Unit.objects.filter(is_active=True)
    items, chosen = _filters(request, visible, units)
    active = request.GET.get("active", "")
    if active in ("1", "0"):
        items = items.filter(is_active=active == "1")
    pending = ServiceItemVersion.objects.filter(item=OuterRef("pk"), effective_from__gt=today)
    items = items.select_related("unit").annotate(has_pending=Exists(pending)).order_by("code")
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    services.with_current_version(page.object_list, today)
    owners = units.filter(
        Exists(ServiceItem.objects.filter(unit=OuterRef("pk"))), is_active=True
    ).order_by("path")
    return render(
        request,
        "catalog/item_list.html",
        {
            "page": page,
            "units": owners,
            "types": HandlingType.choices,
            "active": active,
            "can_add": services.editable_units(user).exists(),
            "can_import": user.effective_role in EDIT_ROLES,
            **chosen,
        },
    )


def _history(item: ServiceItem, today: date) -> list[dict]:
    versions = list(
        services.versions_with_content()
        .filter(item=item)
        .select_related("item")
        .order_by("effective_from", "number")
    )
    current = max(
        (v for v in versions if v.effective_from <= today),
        default=None,
        key=lambda v: (v.effective_from, v.number),
    )
    rows, previous = [], None
    for version in versions:
        snapshot = services.version_snapshot(version)
        if version.effective_from > today:
            state = "pending"
        elif version == current:
            state = "current"
        else:
            state = "past"
        rows.append(
            {
                "version": version,
                "state": state,
                "changes": services.diff_versions(previous, snapshot),
            }
        )
        previous = snapshot
    rows.reverse()
    return rows


@office_required()
def item_detail(request, pk: int):
    user = request.user
    today = timezone.localdate()
    item = get_object_or_404(ServiceItem.objects.visible_to(user).select_related("unit"), pk=pk)
    history = _history(item, today)
    shown = None
    if number := request.GET.get("version", ""):
        shown = next((r for r in history if str(r["version"].number) == number), None)
    if shown is None:
        shown = next((r for r in history if r["state"] == "current"), None) or (
            history[-1] if history else None
        )
    version = shown["version"] if shown else None
    return render(
        request,
        "catalog/item_detail.html",
        {
            "item": item,
            "history": history,
            "shown": shown,
            "is_public": item.is_active and any(r["state"] == "current" for r in history),
            "version": version,
            "serial_days": (
                services.serial_days(services.content_of(version).steps) if version else 0
            ),
            "can_edit": services.may_edit(user, item),
            "today": today,
        },
    )


# ---- office: forms --------------------------------------------------------------------------


def _collect(formsets) -> dict[str, list]:
    return {part: rows_of(formset) for part, formset in formsets.items()}


def _show_problems(problems, item_form, version_form, rows) -> dict[str, list[str]]:
    """Put each service problem next to what it is about; return the table-wide ones."""
    tables: dict[str, list[str]] = defaultdict(list)
    for problem in problems:
        if problem.part in ("item", "version"):
            for form in (item_form, version_form):
                if form is not None and problem.field in form.fields:
                    form.add_error(problem.field, problem.message)
                    break
            else:
                (version_form or item_form).add_error(None, problem.message)
        elif problem.index is not None:
            form, _ = rows[problem.part][problem.index]
            form.add_error(problem.field if problem.field in form.fields else None, problem.message)
        else:
            tables[problem.part].append(problem.message)
    return dict(tables)


def _content_args(version_form, rows, *, date_in_version: bool = False) -> dict:
    """The service's keyword arguments from the version form and the row tables.

    ``create_item`` takes the effective date inside ``version``; ``publish_version`` apart.
    """
    data = dict(version_form.cleaned_data)
    args = {part: [row for _, row in rows[part]] for part in ("materials", "fees", "steps")}
    if date_in_version:
        return {"version": data, **args}
    return {"effective_from": data.pop("effective_from"), "version": data, **args}


def _initial_from(version: ServiceItemVersion | None) -> tuple[dict, dict]:
    if version is None:
        return {"effective_from": timezone.localdate(), "warn_days": 2, "fee_free": True}, {}
    content = services.content_of(version)
    initial = {**content.version, "effective_from": timezone.localdate()}
    return initial, {"materials": content.materials, "fees": content.fees, "steps": content.steps}


def _render_content_form(request, template, context, version_form, formsets, table_errors=None):
    return render(
        request,
        template,
        {
            **context,
            "version_form": version_form,
            "formsets": formsets,
            "table_errors": table_errors or {},
        },
    )


@office_required(*EDIT_ROLES)
def item_new(request):
    user = request.user
    if not services.editable_units(user).exists():
        raise PermissionDenied("您没有可以登记事项的单位")
    version_initial, _ = _initial_from(None)
    if request.method == "POST":
        item_form = ItemForm(request.POST, user=user)
        version_form = VersionForm(request.POST, initial=version_initial)
        formsets = content_formsets(request.POST, grow=request.POST.get("add_rows", ""))
    else:
        initial = {"handling_type": HandlingType.PROMISED}
        if user.unit_id and services.editable_units(user).filter(pk=user.unit_id).exists():
            initial["unit"] = user.unit_id  # a liaison usually registers for their own unit
        item_form = ItemForm(user=user, initial=initial)
        version_form = VersionForm(initial=version_initial)
        formsets = content_formsets()
    context = {"item_form": item_form, "item": None}
    table_errors = {}
    if request.method == "POST" and "add_rows" not in request.POST:
        ready = item_form.is_valid() & version_form.is_valid()
        ready &= all([f.is_valid() for f in formsets.values()])
        if ready:
            rows = _collect(formsets)
            try:
                item = services.create_item(
                    user,
                    **item_form.cleaned_data,
                    **_content_args(version_form, rows, date_in_version=True),
                )
            except services.CatalogError as error:
                table_errors = _show_problems(error.problems, item_form, version_form, rows)
            else:
                messages.success(request, f"已登记事项“{item.name}”")
                return redirect("catalog:item_detail", item.pk)
    return _render_content_form(
        request, "catalog/item_form.html", context, version_form, formsets, table_errors
    )


@office_required(*EDIT_ROLES)
def version_publish(request, pk: int):
    user = request.user
    item = get_object_or_404(ServiceItem.objects.editable_by(user).select_related("unit"), pk=pk)
    latest = (
        services.versions_with_content()
        .filter(item=item)
        .order_by("-effective_from", "-number")
        .first()
    )
    version_initial, rows_initial = _initial_from(latest)
    if request.method == "POST":
        version_form = VersionForm(request.POST, initial=version_initial)
        formsets = content_formsets(
            request.POST, initial=rows_initial, grow=request.POST.get("add_rows", "")
        )
    else:
        version_form = VersionForm(initial=version_initial)
        formsets = content_formsets(initial=rows_initial)
    table_errors = {}
    if request.method == "POST" and "add_rows" not in request.POST:
        ready = version_form.is_valid() & all([f.is_valid() for f in formsets.values()])
        if ready:
            rows = _collect(formsets)
            try:
                version = services.publish_version(user, item, **_content_args(version_form, rows))
            except services.CatalogError as error:
                table_errors = _show_problems(error.problems, None, version_form, rows)
            else:
                messages.success(
                    request,
                    f"已发布第{version.number}版，{version.effective_from:%Y-%m-%d}起生效",
                )
                return redirect("catalog:item_detail", item.pk)
    context = {"item": item, "latest": latest, "pending": latest and services.is_pending(latest)}
    return _render_content_form(
        request, "catalog/version_form.html", context, version_form, formsets, table_errors
    )


@office_required(*EDIT_ROLES)
def item_edit(request, pk: int):
    user = request.user
    item = get_object_or_404(ServiceItem.objects.editable_by(user).select_related("unit"), pk=pk)
    initial = {k: getattr(item, k) for k in ("name", "unit", "category", "keywords")}
    form = ItemEditForm(request.POST or None, user=user, initial=initial)
    if item.unit not in form.fields["unit"].queryset:
        # The current unit stays selectable even when the user could not assign it anew.
        form.fields["unit"].queryset = form.fields["unit"].queryset | Unit.objects.filter(
            pk=item.unit_id
        )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_item(user, item, **form.cleaned_data)
        except services.CatalogError as error:
            _show_problems(error.problems, form, None, {})
        else:
            messages.success(request, "已保存事项信息")
            return redirect("catalog:item_detail", item.pk)
    return render(request, "catalog/item_edit.html", {"form": form, "item": item})


@office_required(*EDIT_ROLES)
@require_POST
def item_toggle(request, pk: int):
    item = get_object_or_404(ServiceItem.objects.editable_by(request.user), pk=pk)
    services.set_item_active(request.user, item, not item.is_active)
    messages.success(request, "已启用该事项" if not item.is_active else "已停用该事项")
    return redirect("catalog:item_detail", item.pk)


@office_required(*EDIT_ROLES)
@require_POST
def version_withdraw(request, pk: int, number: int):
    item = get_object_or_404(ServiceItem.objects.editable_by(request.user), pk=pk)
    version = get_object_or_404(item.versions, number=number)
    try:
        services.withdraw_version(request.user, version)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, f"已撤回第{number}版")
    return redirect("catalog:item_detail", item.pk)


# ---- office: Excel --------------------------------------------------------------------------


@office_required()
def catalog_export(request):
    user = request.user
    items = ServiceItem.objects.visible_to(user)
    if request.GET.get("scope") == "editable":
        items = ServiceItem.objects.editable_by(user)
    filename = f"事项目录-{timezone.localdate():%Y%m%d}.xlsx"
    response = HttpResponse(excel.export_workbook(items), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@office_required(*EDIT_ROLES)
def catalog_import(request):
    user = request.user
    form = ImportForm()
    errors: list[str] = []
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_UPLOAD:
                errors = ["文件太大（上限 10 MB）"]
            else:
                dry_run = form.cleaned_data["dry_run"]
                try:
                    outcome = excel.import_workbook(
                        user, upload.read(), source_name=upload.name, dry_run=dry_run
                    )
                except excel.WorkbookError as exc:
                    errors = exc.errors
                else:
                    prefix = "检查通过，未导入：" if dry_run else "导入完成："
                    messages.success(request, prefix + outcome.result.summary())
                    return redirect("catalog:import" if dry_run else "catalog:item_list")
    return render(
        request,
        "catalog/import.html",
        {"form": form, "errors": errors, "limited": user.effective_role == Role.LIAISON},
    )
