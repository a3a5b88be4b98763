"""投诉通报 pages: the figures with charts, and the Word download. Thin: ``services`` counts."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from xiaoneng.accounts.roles import Role
from xiaoneng.web.decorators import office_required

from . import docx, services

ROLES = (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.LIAISON)
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _params(request: HttpRequest) -> tuple[services.Period, object, list[str]]:
    """The period and unit asked for; a bad value falls back to the default, with a message."""
    errors: list[str] = []
    text = request.GET.get("period", "").strip()
    period = services.Period.default()
    if text:
        try:
            period = services.Period.parse(text)
        except ValidationError as exc:
            errors.extend(exc.messages)
    unit = None
    try:
        unit = services.resolve_unit(request.user, request.GET.get("unit"))
    except ValidationError as exc:
        errors.extend(exc.messages)
    return period, unit, errors


@office_required(*ROLES)
def page(request: HttpRequest) -> HttpResponse:
    """/office/bulletins/?period=2026-10&unit=: the bulletin's figures on screen."""
    period, unit, errors = _params(request)
    fig = services.compute(request.user, period, unit)
    query = {"period": period.key}
    if unit is not None:
        query["unit"] = unit.pk
    return render(
        request,
        "bulletins/page.html",
        {
            "fig": fig,
            "errors": errors,
            "period_choices": services.period_choices(),
            "period_key": period.key,
            "units": services.focus_units(request.user),
            "selected_unit": unit,
            "issuer": docx.issuer(fig),
            "title": docx.title(fig),
            "word_query": urlencode(query),
            "channel_chart": services.channel_chart(fig),
            "category_chart": services.category_chart(fig),
            "finding_chart": services.finding_chart(fig),
        },
    )


@office_required(*ROLES)
def word(request: HttpRequest) -> HttpResponse:
    """The same bulletin as a Word attachment with a Chinese file name (RFC 5987/6266)."""
    period, unit, errors = _params(request)
    if errors:
        return HttpResponse("；".join(errors), status=400, content_type="text/plain; charset=utf-8")
    fig = services.compute(request.user, period, unit)
    response = HttpResponse(docx.build(fig), content_type=DOCX_TYPE)
    name = docx.filename(fig)
    # An ASCII fallback for old clients, then the UTF-8 name that every current browser uses.
    response["Content-Disposition"] = (
        f"attachment; filename=\"bulletin-{period.key}.docx\"; filename*=UTF-8''{quote(name)}"
    )
    response["Cache-Control"] = "private, no-store"
    return response
