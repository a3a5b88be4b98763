"""整改情况公示 on the public portal: tasks from public sources, what was found, what was done."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from xiaoneng.org.models import Unit

from . import public
from .models import Task
from .sources import SourceKind

PUBLIC_SOURCES = (SourceKind.COMPLAINT, SourceKind.RATING, SourceKind.EVALUATION)
PAGE = 30


def public_list(request: HttpRequest) -> HttpResponse:
    tasks = Task.objects.public().select_related("unit").prefetch_related("problems")
    source = request.GET.get("source", "")
    if source in PUBLIC_SOURCES:
        tasks = tasks.filter(source_kind=source)
    unit = None
    if request.GET.get("unit", "").isdigit():
        unit = Unit.objects.filter(pk=int(request.GET["unit"]), is_active=True).first()
        if unit is not None:
            tasks = tasks.filter(unit__path__startswith=unit.path)
    page = Paginator(tasks.order_by("-opened_at", "-pk"), PAGE).get_page(request.GET.get("page"))
    names = public.names_for(page.object_list)
    return render(
        request,
        "rectification/public_list.html",
        {
            "page": page,
            "rows": [public.summary(t, names) for t in page.object_list],
            "sources": [(s.value, s.label) for s in PUBLIC_SOURCES],
            "source": source,
            "units": Unit.objects.filter(
                is_active=True, kind__in=[Unit.Kind.DEPARTMENT, Unit.Kind.DISTRICT]
            ).order_by("path"),
            "unit": unit,
        },
    )


def public_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(Task.objects.public().select_related("unit"), pk=pk)
    return render(request, "rectification/public_detail.html", {"t": public.detail(task)})
