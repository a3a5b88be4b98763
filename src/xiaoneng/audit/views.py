from datetime import datetime, time, timedelta

from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from xiaoneng.accounts.roles import Role
from xiaoneng.web.decorators import office_required

from .models import AuditEntry, object_type_label


def _day(value: str):
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        return None


@office_required(Role.ADMIN, Role.OFFICE)
def entry_list(request):
    entries = AuditEntry.objects.all()
    params = request.GET
    errors = []
    if actor := params.get("actor", "").strip():
        entries = entries.filter(actor_name__icontains=actor)
    if action := params.get("action", ""):
        entries = entries.filter(action=action)
    if object_type := params.get("object_type", ""):
        entries = entries.filter(object_type=object_type)
    if text := params.get("q", "").strip():
        entries = entries.filter(Q(object_repr__icontains=text) | Q(summary__icontains=text))
    tz = timezone.get_current_timezone()
    for name, op in (("since", "gte"), ("until", "lt")):
        if raw := params.get(name, "").strip():
            day = _day(raw)
            if day is None:
                errors.append(f"日期“{raw}”格式不对，应为 YYYY-MM-DD")
                continue
            if op == "lt":
                day += timedelta(days=1)
            entries = entries.filter(**{f"at__{op}": datetime.combine(day, time(), tzinfo=tz)})
    # The before/after data stays out of the list (one batch of events alone is ~100 KB of
    # JSON); each entry's own page shows it.
    page = Paginator(entries.defer("before", "after"), 50).get_page(params.get("page"))
    types = AuditEntry.objects.order_by().values_list("object_type", flat=True).distinct()
    return render(
        request,
        "audit/entry_list.html",
        {
            "page": page,
            "actions": AuditEntry.Action.choices,
            "object_types": sorted(((t, object_type_label(t)) for t in types), key=lambda p: p[1]),
            "f": params,
            "errors": errors,
        },
    )


@office_required(Role.ADMIN, Role.OFFICE)
def entry_detail(request, seq: int):
    entry = get_object_or_404(AuditEntry, seq=seq)
    return render(
        request,
        "audit/entry_detail.html",
        {
            "entry": entry,
            "newer": AuditEntry.objects.filter(seq=seq + 1).exists(),
        },
    )
