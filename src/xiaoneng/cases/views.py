"""Case pages: the window registers and moves cases; everyone in scope follows them."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xiaoneng import crypto
from xiaoneng.accounts.roles import Role
from xiaoneng.accounts.scoping import can_edit
from xiaoneng.catalog.models import ServiceItem
from xiaoneng.org.models import Unit
from xiaoneng.supervision.models import Card
from xiaoneng.web.decorators import office_required
from xiaoneng.web.throttle import over_limit

from . import services
from .forms import EventForm, LookupForm, RegisterForm
from .models import Case, Light
from .timeline import SPECIAL_KINDS

CASE_ROLES = (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.LIAISON, Role.WINDOW, Role.SUPERVISOR)
WINDOW_ROLES = (Role.ADMIN, Role.OFFICE, Role.LIAISON, Role.WINDOW)
LOOKUP_LIMIT = 20  # public lookups per address per 10 minutes


@office_required(*CASE_ROLES)
def case_list(request):
    user = request.user
    cases = Case.objects.visible_to(user).select_related("item", "unit")
    params = request.GET
    if query := params.get("q", "").strip():
        cases = cases.filter(Q(number__icontains=query) | Q(item__name__icontains=query))
    if unit_id := params.get("unit"):
        unit = Unit.objects.visible_to(user).filter(pk=unit_id).first()
        if unit is not None:
            cases = cases.filter(unit__path__startswith=unit.path)
    if light := params.get("light"):
        cases = cases.filter(light=light)
    status = params.get("status", "open")
    if status == "open":
        cases = cases.open()
    elif status in Case.Status.values:
        cases = cases.filter(status=status)
    # Open cases: the most urgent first; paused ones (no due instant) after them.
    ordering = [F("due_at").asc(nulls_last=True), "pk"] if status == "open" else ["-accepted_at"]
    page = Paginator(cases.order_by(*ordering), 50).get_page(params.get("page"))
    now = timezone.now()
    rows = [(c, services.remaining_days(c, now) if c.is_open else None) for c in page.object_list]
    return render(
        request,
        "cases/case_list.html",
        {
            "page": page,
            "rows": rows,
            "f": params,
            "status": status,
            "statuses": Case.Status.choices,
            "lights": Light.choices,
            "can_register": user.effective_role in WINDOW_ROLES,
        },
    )


@office_required(*WINDOW_ROLES)
def case_register(request):
    user = request.user
    form = RegisterForm(request.POST or None, user=user, initial={"window": _own_window(user)})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            registration = services.register_case(
                user,
                item=form.item,
                applicant_name=d["applicant_name"],
                applicant_kind=d["applicant_kind"],
                # A clerk at a window registers there unless they name another window.
                window=d["window"] or _own_window(user),
                handler=d["handler"],
                accepted_at=d["accepted_at"],
            )
        except PermissionDenied as denied:
            form.add_error("item_code", str(denied))
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            case = registration.case
            messages.success(request, _("已受理，申请号 %(number)s") % {"number": case.number})
            _hand_over_code(request, case, registration.query_code)
            return redirect("cases:receipt", case.pk)
    items = ServiceItem.objects.filter(is_active=True).select_related("unit").order_by("code")
    if user.effective_role not in (Role.ADMIN, Role.OFFICE) and not (
        user.unit and user.unit.kind == Unit.Kind.WINDOW
    ):
        items = (
            items.filter(unit__path__startswith=user.unit.path) if user.unit_id else items.none()
        )
    return render(
        request,
        "cases/case_register.html",
        {"form": form, "items": items.only("code", "name", "unit__short_name")},
    )


def _own_window(user):
    if user.unit_id and user.unit.kind == Unit.Kind.WINDOW:
        return user.unit
    return None


@office_required(*CASE_ROLES)
def case_detail(request, pk: int):
    user = request.user
    case = get_object_or_404(
        Case.objects.visible_to(user).select_related(
            "item", "item_version", "unit", "window", "handler"
        ),
        pk=pk,
    )
    now = timezone.now()
    state = services.live_state(case, now)
    events = list(case.events.all())
    steps = list(case.steps.select_related("unit"))
    step_states = [(s, state.steps.get(s.code)) for s in steps]
    # A case that never reported its steps shows the steps its guide plans.
    planned = [] if steps else list(case.item_version.steps.select_related("unit"))
    cards = Card.objects.filter(subject_type="cases.case", subject_id=str(case.pk))
    editable = can_edit(user, case)
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "state": state,
            "light": services.light_of(
                state, now, any(st and st.overdue and not st.finished_at for _, st in step_states)
            ),
            "remaining": state.limit_days - state.elapsed_days,
            "events": events,
            "step_states": step_states,
            "planned_steps": planned,
            "cards": cards,
            "editable": editable,
            "event_kinds": EventForm.KINDS,
            "special_kinds": SPECIAL_KINDS,
            "form": EventForm(),
            "now": now,
        },
    )


@office_required(*WINDOW_ROLES)
@require_POST
def case_event(request, pk: int):
    user = request.user
    case = get_object_or_404(Case.objects.visible_to(user), pk=pk)
    if not can_edit(user, case):
        raise PermissionDenied("您无权办理该办件")
    form = EventForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}：{'；'.join(errors)}" if label else "；".join(errors))
        return redirect("cases:detail", pk)
    try:
        services.submit(
            user,
            case.number,
            form.cleaned_data["kind"],
            at=form.cleaned_data["at"],
            **form.event_fields(),
        )
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, f"已记录：{dict(EventForm.KINDS)[form.cleaned_data['kind']]}")
    return redirect("cases:detail", pk)


RECEIPT_CODE = "case_receipt_code"


def _hand_over_code(request, case: Case, code: str) -> None:
    """Pass a just-issued query code to the receipt page (the next request) through the session,
    sealed with the identity key: never in a URL, never in clear in the session table."""
    request.session[RECEIPT_CODE] = {
        "case": case.pk,
        "sealed": crypto.encrypt_identity({"code": code}),
    }


def _take_code(request, case: Case) -> str:
    """The code handed over for this case, once; "" when there is none (a later visit)."""
    handed = request.session.get(RECEIPT_CODE)
    if not handed or handed.get("case") != case.pk:
        return ""
    del request.session[RECEIPT_CODE]
    return crypto.decrypt_identity(handed["sealed"])["code"]


@office_required(*WINDOW_ROLES)
def case_receipt(request, pk: int):
    """受理回执. The query code shows only on the visit right after it was issued (受理 or 补打);
    printing the receipt again issues a new code (POST), the old one stops working."""
    case = get_object_or_404(
        Case.objects.visible_to(request.user).select_related("item", "unit", "window"), pk=pk
    )
    if request.method == "POST":
        try:
            code = services.reissue_query_code(request.user, case)
        except PermissionDenied as denied:
            messages.error(request, str(denied))
        else:
            messages.success(request, _("已重新签发查询码，原查询码已作废"))
            _hand_over_code(request, case, code)
        return redirect("cases:receipt", case.pk)
    code = _take_code(request, case)
    response = render(
        request,
        "cases/receipt.html",
        {
            "case": case,
            "query_code": code,
            "may_reissue": can_edit(request.user, case),
            "lookup_url": _public_url(request, _lookup_path(case.number)),
        },
    )
    if code:
        response["Cache-Control"] = "no-store"
    return response


def _lookup_path(number: str) -> str:
    """The lookup page with the number filled in: shareable, it carries no query code."""
    path = reverse("cases:lookup")
    return f"{path}?{urlencode({'number': number})}" if number else path


def _public_url(request, path: str) -> str:
    """The address the public opens, as printed on paper: under ``XIAONENG_BASE_URL`` when set
    (the site's public name behind a proxy), else the address this request came in on. Never a
    query code (the receipt's paper carries the code on its own)."""
    base = settings.XIAONENG_BASE_URL.rstrip("/")
    return base + path if base else request.build_absolute_uri(path)


def public_lookup(request):
    """办件进度查询: the public follows a case with the receipt's number and query code. The form
    is a POST, so the code never lands in a URL, an access log or the browser's history; a GET
    only shows the form, with the number filled in from ``?number=`` (the shareable link)."""
    number = request.GET.get("number", "")[:60]
    if request.method != "POST" and "code" in request.GET:
        # An old bookmark or a link made by hand: drop the code from the address bar and history
        # (and from the page, which echoes its own address in the language switch).
        return redirect(_lookup_path(number))
    if request.method == "POST":
        form = LookupForm(request.POST)
    else:
        form = LookupForm(initial={"number": number})
    case = state = None
    not_found = throttled = False
    if form.is_bound and form.is_valid():
        if over_limit(request, "case-lookup", LOOKUP_LIMIT, 600):
            throttled = True
        else:
            case = services.lookup_public(form.cleaned_data["number"], form.cleaned_data["code"])
            if case is None:
                not_found = True
            else:
                state = services.live_state(case)
    status = 429 if throttled else 200
    response = render(
        request,
        "cases/public_lookup.html",
        {
            "form": form,
            "case": case,
            "state": state,
            "not_found": not_found,
            "throttled": throttled,
            "steps": list(case.steps.order_by("order")) if case else [],
            "share_url": _public_url(request, _lookup_path(case.number)) if case else "",
        },
        status=status,
    )
    if case is not None:
        response["Cache-Control"] = "no-store"
    return response
