"""通报 pages: the complaint bulletin's live figures with charts and its Word; the drafts of every
kind of bulletin, issuing and correcting them, and the issued bulletins (read from their frozen
snapshot). Thin: ``services``/``drafts`` compute, ``issuing`` writes."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from xiaoneng.accounts.models import User
from xiaoneng.accounts.roles import Role
from xiaoneng.web.decorators import office_required
from xiaoneng.web.forms import apply_errors

from . import docx, drafts, issuing, services
from .models import IssuedBulletin, Kind
from .snapshot import changes_from_json, from_json

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
            "may_issue": issuing.may_issue(request.user),
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


# ---- drafts, issuing, issued bulletins ------------------------------------------------------

#: Who sees the drafts of every kind (the office issues from them; a leader reads the monthly
#: 效能通报 of their reach). Liaisons read the complaint bulletin above and issued bulletins.
DRAFT_ROLES = (Role.ADMIN, Role.OFFICE, Role.LEADER)
ISSUED_ROLES = ROLES


class CorrectForm(forms.Form):
    reason = forms.CharField(
        label=_("更正理由"),
        max_length=issuing.REASON_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _kind(kind: str) -> str:
    if kind not in Kind.values:
        raise Http404("没有这种通报")
    return kind


def _draft_params(request: HttpRequest, kind: str) -> tuple[str, str | None]:
    data = request.POST if request.method == "POST" else request.GET
    key = (data.get("key") or "").strip()
    if not key and kind in (Kind.COMPLAINTS, Kind.MONTHLY):
        key = services.Period.default().key
    return key, (data.get("unit") or "").strip() or None


def _sources(user: User, kind: str) -> list[tuple[str, str]]:
    """What the draft may be made of: periods, inspection plans or assessment periods."""
    if kind == Kind.INSPECTION:
        from xiaoneng.inspections.models import Plan

        return [
            (str(p.pk), f"{p.title}（{p.start:%Y-%m-%d}）")
            for p in Plan.objects.visible_to(user).order_by("-start", "-pk")[:60]
        ]
    if kind == Kind.ASSESSMENT:
        from xiaoneng.assessment.models import Period as AssessmentPeriod

        return [
            (str(p.pk), p.name)
            for p in AssessmentPeriod.objects.filter(
                status=AssessmentPeriod.Status.PUBLISHED
            ).order_by("-end", "-pk")
        ]
    months = services.period_choices()[0][1]
    if kind == Kind.MONTHLY:
        return months
    return months + services.period_choices()[1][1]


@office_required(*DRAFT_ROLES)
def draft_page(request: HttpRequest, kind: str) -> HttpResponse:
    """/office/bulletins/draft/<kind>/?key=…: the live figures, labelled 草稿/预览, from which the
    office issues."""
    kind = _kind(kind)
    key, unit_id = _draft_params(request, kind)
    sources = _sources(request.user, kind)
    if not key and sources:
        key = sources[0][0]
    draft, errors = None, []
    if key:
        try:
            draft = drafts.build(request.user, kind, key, unit_id)
        except ValidationError as exc:
            errors = exc.messages
        except PermissionDenied as exc:
            errors = [str(exc)]
    query = {"key": key, **({"unit": unit_id} if unit_id else {})}
    return render(
        request,
        "bulletins/draft.html",
        {
            "kind": kind,
            "kind_label": Kind(kind).label,
            "draft": draft,
            "errors": errors,
            "sources": sources,
            "key": key,
            "unit_id": unit_id or "",
            "query": urlencode(query),
            "unnumbered": drafts.UNNUMBERED,
            "may_issue": issuing.may_issue(request.user) and draft is not None,
            "earlier": IssuedBulletin.objects.visible_to(request.user)
            .filter(kind=kind, source_key=key, unit_id=unit_id or None)
            .only("kind", "year", "sequence", "version", "number")[:10],
        },
    )


def _word_response(data: bytes, name: str, ascii_name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=DOCX_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    )
    return response


@office_required(*DRAFT_ROLES)
def draft_word(request: HttpRequest, kind: str) -> HttpResponse:
    kind = _kind(kind)
    key, unit_id = _draft_params(request, kind)
    try:
        draft = drafts.build(request.user, kind, key, unit_id)
    except (ValidationError, PermissionDenied) as exc:
        message = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    response = _word_response(draft.word(), f"{draft.title}（草稿）.docx", f"draft-{kind}.docx")
    response["Cache-Control"] = "private, no-store"
    return response


@office_required(*issuing.ISSUERS)
@require_POST
def issue(request: HttpRequest, kind: str) -> HttpResponse:
    kind = _kind(kind)
    key, unit_id = _draft_params(request, kind)
    try:
        issued = issuing.issue(request.user, drafts.build(request.user, kind, key, unit_id))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        query = urlencode({"key": key, **({"unit": unit_id} if unit_id else {})})
        return redirect(f"{reverse('bulletins:draft', args=[kind])}?{query}")
    messages.success(request, f"已签发 {issued.full_number}")
    return redirect(issued_url(issued))


def issued_url(b: IssuedBulletin, name: str = "issued") -> str:
    return reverse(f"bulletins:{name}", args=[b.kind, b.year, b.sequence, b.version])


def _issued(request: HttpRequest, kind: str, year: int, seq: int, version: int) -> IssuedBulletin:
    return get_object_or_404(
        IssuedBulletin.objects.visible_to(request.user).select_related("issued_by"),
        kind=_kind(kind),
        year=year,
        sequence=seq,
        version=version,
    )


@office_required(*ISSUED_ROLES)
def issued_list(request: HttpRequest) -> HttpResponse:
    """/office/bulletins/issued/: every issued bulletin the user may read, by kind and year."""
    qs = (
        IssuedBulletin.objects.visible_to(request.user)
        .select_related("correction")
        .defer("word", "snapshot", "correction__word", "correction__snapshot")
    )
    kind = request.GET.get("kind", "")
    year = request.GET.get("year", "")
    errors = []
    if kind:
        if kind in Kind.values:
            qs = qs.filter(kind=kind)
        else:
            errors.append("没有这种通报")
    if year:
        if year.isdigit() and 2000 <= int(year) <= 2100:
            qs = qs.filter(year=int(year))
        else:
            errors.append("年度应为四位数字，如2026")
    years = (
        IssuedBulletin.objects.visible_to(request.user)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )
    return render(
        request,
        "bulletins/issued_list.html",
        {
            "rows": qs.order_by("-year", "-sequence", "-version")[:200],
            "kinds": Kind.choices,
            "kind": kind,
            "years": list(years),
            "year": year,
            "errors": errors,
            "may_issue": issuing.may_issue(request.user),
        },
    )


def _detail_context(b: IssuedBulletin) -> dict:
    return {
        "b": b,
        "sections": from_json(b.snapshot),
        "changes": changes_from_json(b.changes),
        "superseded_by": getattr(b, "correction", None),
        "kind_label": Kind(b.kind).label,
    }


@office_required(*ISSUED_ROLES)
def issued(request: HttpRequest, kind: str, year: int, seq: int, version: int) -> HttpResponse:
    """An issued bulletin, read from its snapshot: it never changes."""
    b = _issued(request, kind, year, seq, version)
    context = _detail_context(b)
    context["word_url"] = issued_url(b, "issued_word")
    context["may_correct"] = issuing.may_issue(request.user) and context["superseded_by"] is None
    if context["superseded_by"] is not None:
        context["superseded_link"] = issued_url(context["superseded_by"])
    if b.corrects is not None:
        context["corrects_link"] = issued_url(b.corrects)
    return render(request, "bulletins/issued.html", context)


@office_required(*ISSUED_ROLES)
def issued_word(request: HttpRequest, kind: str, year: int, seq: int, version: int) -> HttpResponse:
    b = _issued(request, kind, year, seq, version)
    return _word_response(
        bytes(b.word), f"{b.full_number}{b.title}.docx", f"{b.kind}-{b.slug}-v{b.version}.docx"
    )


@office_required(*issuing.ISSUERS)
def correct(request: HttpRequest, kind: str, year: int, seq: int, version: int) -> HttpResponse:
    """更正: issue the next version from the figures as they are now, with the reason."""
    b = _issued(request, kind, year, seq, version)
    form = CorrectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new = issuing.correct(request.user, b, form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已签发更正 {new.full_number}")
            return redirect(issued_url(new))
    return render(request, "bulletins/correct.html", {"b": b, "form": form})


@office_required(*DRAFT_ROLES)
def monthly(request: HttpRequest) -> HttpResponse:
    """/office/bulletins/monthly/: the unified monthly 效能通报's draft (the nav's entry)."""
    return draft_page.__wrapped__(request, Kind.MONTHLY)  # type: ignore[attr-defined]  # functools.wraps
