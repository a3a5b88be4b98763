"""Public pages of published assessment results (/assessment/, no login): the periods, and per
period the ranking by category (scores, intervals, the ranks the data allows, grades, 末位 and
不可区分 marks, n per component), year over year, and the published Word report and workbook —
the bytes frozen at publication, with their SHA-256 shown for checking. No personal data: the
page shows units and their figures only."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from . import documents, presentation, services
from .models import Period, PublishedDocument

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _published(pk: int) -> Period:
    return get_object_or_404(Period, pk=pk, status=Period.Status.PUBLISHED)


def published_list(request: HttpRequest) -> HttpResponse:
    periods = Period.objects.filter(status=Period.Status.PUBLISHED).order_by("-start", "kind")
    return render(request, "assessment/public_list.html", {"periods": periods})


def published_detail(request: HttpRequest, pk: int) -> HttpResponse:
    period = _published(pk)
    hashes = services.document_hashes(period)
    return render(
        request,
        "assessment/public_detail.html",
        {
            "period": period,
            "categories": presentation.public_categories(period),
            "history": presentation.public_history(period),
            "workbook_sha256": hashes.get(PublishedDocument.Kind.WORKBOOK, ""),
            "report_sha256": hashes.get(PublishedDocument.Kind.REPORT, ""),
        },
    )


def published_file(period: Period, kind: str) -> bytes:
    """The bytes published for ``period``: frozen at publication; built from the stored results
    only for a period published before documents were frozen."""
    frozen = services.frozen_document(period, kind)
    if frozen is not None:
        return frozen.content
    if kind == PublishedDocument.Kind.WORKBOOK:
        return documents.workbook(period)
    if kind == PublishedDocument.Kind.REPORT:
        return documents.report(period)
    raise Http404


def _download(data: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


def published_workbook(request: HttpRequest, pk: int) -> HttpResponse:
    period = _published(pk)
    data = published_file(period, PublishedDocument.Kind.WORKBOOK)
    return _download(data, f"{period.name}绩效考评计分工作簿.xlsx", XLSX)


def published_report(request: HttpRequest, pk: int) -> HttpResponse:
    period = _published(pk)
    data = published_file(period, PublishedDocument.Kind.REPORT)
    return _download(data, f"{period.name}绩效考评结果通报.docx", DOCX)
