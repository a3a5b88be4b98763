"""Organisation pages. Thin: parse with a form, act through ``services``, show the result."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from xiaoneng.accounts.roles import Role
from xiaoneng.accounts.scoping import can_create_in, can_edit
from xiaoneng.web.decorators import office_required
from xiaoneng.web.forms import apply_errors

from . import services
from .forms import (
    AbsenceForm,
    AnswerForm,
    InquiryForm,
    PostForm,
    RouteForm,
    StaffForm,
    UnitForm,
    WhoHandlesForm,
)
from .models import Absence, FirstInquiry, Post, Staff, Unit, UnitCategory

ORG_ROLES = (Role.ADMIN, Role.OFFICE, Role.LIAISON, Role.WINDOW, Role.LEADER)


def _save(form, action):
    """Run a service with the form's data; put its refusals back on the form."""
    try:
        return action(form.cleaned_data)
    except ValidationError as error:
        apply_errors(form, error)
        return None


# ---- units -----------------------------------------------------------------------------------


def _roots(user):
    """The top of what the user sees: units whose parent is outside their view."""
    visible = Unit.objects.visible_to(user)
    if user.effective_role in (Role.ADMIN, Role.OFFICE, Role.SUPERVISOR):
        return visible.filter(parent__isnull=True)
    return visible.filter(pk=user.unit_id)


def _with_child_counts(qs):
    return qs.select_related("category").annotate(child_count=Count("children"))


@office_required()
def unit_tree(request):
    user = request.user
    query = request.GET.get("q", "").strip()
    category = request.GET.get("category", "")
    context = {"query": query, "categories": UnitCategory.objects.all(), "category": category}
    if query or category:
        results = Unit.objects.visible_to(user).search(query)
        if category:
            results = results.filter(category__code=category)
        page = Paginator(results.select_related("category", "parent"), 50).get_page(
            request.GET.get("page")
        )
        context["page"] = page
    else:
        roots = _with_child_counts(_roots(user))
        context["roots"] = roots
        # Open the first two levels so the page shows the shape of the organisation at once.
        context["open_children"] = {
            root.pk: _with_child_counts(root.children.visible_to(user)) for root in roots
        }
    context["can_add_root"] = user.effective_role == Role.ADMIN
    return render(request, "org/unit_tree.html", context)


@office_required()
def unit_children(request, pk: int):
    """htmx fragment: the children of one node of the tree."""
    unit = get_object_or_404(Unit.objects.visible_to(request.user), pk=pk)
    children = _with_child_counts(unit.children.visible_to(request.user))
    return render(request, "org/_unit_children.html", {"children": children})


@office_required()
def unit_detail(request, pk: int):
    user = request.user
    unit = get_object_or_404(
        Unit.objects.visible_to(user).select_related("category", "parent"), pk=pk
    )
    today = timezone.localdate()
    posts = list(
        Post.objects.visible_to(user)
        .filter(unit=unit)
        .select_related("a_holder", "b_holder", "unit")
    )
    handlers = {p.pk: services.who_handles(p, today) for p in posts}
    ancestors = unit.ancestors()
    # A liaison sees its own subtree: the units above it are named in the trail, not linked.
    openable = set(
        Unit.objects.visible_to(user)
        .filter(pk__in=[a.pk for a in ancestors])
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "org/unit_detail.html",
        {
            "unit": unit,
            "ancestors": ancestors,
            "openable_units": openable,
            "children": _with_child_counts(unit.children.visible_to(user)),
            "staff": Staff.objects.visible_to(user).filter(unit=unit),
            "posts": [(p, handlers[p.pk]) for p in posts],
            "can_edit": can_edit(user, unit),
            "can_add_child": can_create_in(user, type(Unit.objects.all()), unit),
            "can_add_staff": can_create_in(user, type(Staff.objects.all()), unit),
            "today": today,
        },
    )


def _edit(request, pk, *, model, form_class, create, update, param, template, name, done):
    """Create or edit one org record: the form parses, the service decides, errors go back on
    the form with everything the user typed; ``?<param>=<unit id>`` preselects the unit."""
    user = request.user
    obj = get_object_or_404(model.objects.editable_by(user), pk=pk) if pk else None
    initial = {}
    if obj is None and (unit_id := request.GET.get(param)):
        initial[param] = get_object_or_404(Unit.objects.visible_to(user), pk=unit_id)
    form = form_class(request.POST or None, instance=obj, initial=initial, user=user)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in form.Meta.fields}
        if obj is None:
            saved = _save(form, lambda _: create(user, **data))
        else:
            saved = _save(form, lambda _: update(user, model.objects.get(pk=obj.pk), **data))
        if saved:
            messages.success(request, f"已保存“{saved}”")
            return done(saved)
    return render(request, template, {"form": form, name: obj})


@office_required(Role.ADMIN, Role.OFFICE)
def unit_edit(request, pk: int | None = None):
    return _edit(
        request,
        pk,
        model=Unit,
        form_class=UnitForm,
        create=services.create_unit,
        update=services.update_unit,
        param="parent",
        template="org/unit_form.html",
        name="unit",
        done=lambda unit: redirect("org:unit_detail", unit.pk),
    )


# ---- staff -----------------------------------------------------------------------------------


@office_required(*ORG_ROLES)
def staff_list(request):
    user = request.user
    query = request.GET.get("q", "").strip()
    staff = Staff.objects.visible_to(user).search(query).select_related("unit")
    if request.GET.get("absent_today"):
        staff = staff.filter(
            pk__in=Absence.objects.covering(timezone.localdate()).values("staff_id")
        )
    page = Paginator(staff, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "org/staff_list.html",
        {
            "page": page,
            "query": query,
            "absent_today": bool(request.GET.get("absent_today")),
            "can_add": user.effective_role in (Role.ADMIN, Role.OFFICE, Role.LIAISON),
        },
    )


@office_required(*ORG_ROLES)
def staff_detail(request, pk: int):
    user = request.user
    person = get_object_or_404(Staff.objects.visible_to(user).select_related("unit"), pk=pk)
    editable = can_edit(user, person)
    absence_form = AbsenceForm(request.POST or None) if editable else None
    if request.method == "POST":
        if not editable:
            raise PermissionDenied("您无权为该人员登记缺岗")
        if absence_form.is_valid():
            saved = _save(
                absence_form,
                lambda d: services.add_absence(
                    user, person, d["start_date"], d["end_date"], d["reason"], d["note"]
                ),
            )
            if saved:
                messages.success(request, f"已登记缺岗：{saved}")
                return redirect("org:staff_detail", person.pk)
    return render(
        request,
        "org/staff_detail.html",
        {
            "person": person,
            "absences": person.absences.all()[:50],
            "a_posts": person.a_posts.select_related("unit", "b_holder"),
            "b_posts": person.b_posts.select_related("unit", "a_holder"),
            "can_edit": editable,
            "absence_form": absence_form,
            "today": timezone.localdate(),
        },
    )


@office_required(Role.ADMIN, Role.OFFICE, Role.LIAISON)
def staff_edit(request, pk: int | None = None):
    return _edit(
        request,
        pk,
        model=Staff,
        form_class=StaffForm,
        create=services.create_staff,
        update=services.update_staff,
        param="unit",
        template="org/staff_form.html",
        name="person",
        done=lambda person: redirect("org:staff_detail", person.pk),
    )


@office_required(Role.ADMIN, Role.OFFICE, Role.LIAISON)
@require_POST
def absence_delete(request, pk: int):
    absence = get_object_or_404(Absence.objects.editable_by(request.user), pk=pk)
    staff_id = absence.staff_id
    services.remove_absence(request.user, absence)
    messages.success(request, "已撤销缺岗登记")
    return redirect("org:staff_detail", staff_id)


# ---- posts (AB岗) -----------------------------------------------------------------------------


@office_required(Role.ADMIN, Role.OFFICE, Role.LIAISON)
def post_edit(request, pk: int | None = None):
    return _edit(
        request,
        pk,
        model=Post,
        form_class=PostForm,
        create=services.create_post,
        update=services.update_post,
        param="unit",
        template="org/post_form.html",
        name="post",
        done=lambda post: redirect("org:unit_detail", post.unit_id),
    )


@office_required()
def post_handler(request, pk: int):
    """htmx fragment: who handles this post on the chosen day."""
    post = get_object_or_404(
        Post.objects.visible_to(request.user).select_related("a_holder", "b_holder", "unit"), pk=pk
    )
    form = WhoHandlesForm(request.GET or None)
    handler = services.who_handles(post, form.cleaned_data["day"]) if form.is_valid() else None
    return render(
        request, "org/_post_handler.html", {"post": post, "form": form, "handler": handler}
    )


# ---- first-inquiry register (首问登记) -------------------------------------------------------

INQUIRY_ROLES = (Role.ADMIN, Role.OFFICE, Role.LIAISON, Role.WINDOW)


@office_required(*ORG_ROLES)
def inquiry_list(request):
    user = request.user
    inquiries = FirstInquiry.objects.visible_to(user).select_related(
        "unit", "received_by", "routed_to_unit"
    )
    status = request.GET.get("status", "")
    if status == "open":
        inquiries = inquiries.exclude(status=FirstInquiry.Status.ANSWERED)
    elif status in FirstInquiry.Status.values:
        inquiries = inquiries.filter(status=status)
    if query := request.GET.get("q", "").strip():
        inquiries = inquiries.filter(
            Q(subject__icontains=query) | Q(detail__icontains=query) | Q(received_by__name=query)
        )
    page = Paginator(inquiries, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "org/inquiry_list.html",
        {
            "page": page,
            "status": status,
            "query": query,
            "statuses": FirstInquiry.Status.choices,
            "can_add": user.effective_role in INQUIRY_ROLES,
        },
    )


@office_required(*INQUIRY_ROLES)
def inquiry_new(request):
    user = request.user
    initial = {"received_at": timezone.localtime().replace(second=0, microsecond=0)}
    if user.unit_id:
        initial["unit"] = user.unit
    if hasattr(user, "staff"):
        initial["received_by"] = user.staff
    form = InquiryForm(request.POST or None, initial=initial, user=user)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in form.Meta.fields}
        try:
            saved = services.register_inquiry(user, **data)
        except ValidationError as error:
            apply_errors(form, error)
            saved = None
        except PermissionDenied as denied:
            form.add_error("unit", str(denied))
            saved = None
        if saved:
            messages.success(request, "已登记首问")
            return redirect("org:inquiry_detail", saved.pk)
    return render(request, "org/inquiry_form.html", {"form": form})


@office_required(*ORG_ROLES)
def inquiry_detail(request, pk: int):
    user = request.user
    inquiry = get_object_or_404(
        FirstInquiry.objects.visible_to(user).select_related(
            "unit", "received_by", "routed_to_unit", "routed_to_staff"
        ),
        pk=pk,
    )
    editable = can_edit(user, inquiry) and inquiry.status != FirstInquiry.Status.ANSWERED
    route_form = RouteForm(prefix="route")
    answer_form = AnswerForm(prefix="answer")
    if request.method == "POST":
        if not editable:
            raise PermissionDenied("您无权处理该登记")
        if "route-to_unit" in request.POST:
            route_form = RouteForm(request.POST, prefix="route")
            if route_form.is_valid() and _save(
                route_form,
                lambda d: services.route_inquiry(user, inquiry, d["to_unit"], d["to_staff"]),
            ):
                messages.success(request, "已转交")
                return redirect("org:inquiry_detail", pk)
        else:
            answer_form = AnswerForm(request.POST, prefix="answer")
            if answer_form.is_valid() and _save(
                answer_form, lambda d: services.answer_inquiry(user, inquiry, d["answer"])
            ):
                messages.success(request, "已记录答复")
                return redirect("org:inquiry_detail", pk)
    return render(
        request,
        "org/inquiry_detail.html",
        {
            "inquiry": inquiry,
            "editable": editable,
            "route_form": route_form,
            "answer_form": answer_form,
        },
    )
