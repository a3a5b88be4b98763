"""开放数据 on the public portal (/open/): the index, a month's page, its files and the feed.

Every answer is public and the same for everyone; the files carry an ETag and may be kept by
caches for as long as the release is kept on the server.
"""

from __future__ import annotations

from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import condition

from xiaoneng.bulletins.models import IssuedBulletin, Kind
from xiaoneng.bulletins.services import Period
from xiaoneng.bulletins.snapshot import changes_from_json, from_json
from xiaoneng.bulletins.views import DOCX_TYPE

from . import feeds, package
from .registry import datasets
from .suppression import THRESHOLD

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
}


def _period(key: str) -> Period:
    try:
        period = Period.parse(key)
    except ValidationError:
        raise Http404("没有这个统计月份") from None
    if not package.is_published(period):
        raise Http404("该月份的数据尚未发布")
    return period


def index(request: HttpRequest) -> HttpResponse:
    periods = package.published_periods()
    return render(
        request,
        "opendata/index.html",
        {
            "periods": periods,
            "latest": periods[0] if periods else None,
            "datasets": datasets(),
            "licence": package.LICENCE,
            "threshold": THRESHOLD,
        },
    )


def period(request: HttpRequest, key: str) -> HttpResponse:
    release = package.release(_period(key))
    response = render(
        request,
        "opendata/period.html",
        {"release": release, "period": release.period, "threshold": THRESHOLD},
    )
    patch_cache_control(response, public=True, max_age=300)
    return response


def _file_etag(request: HttpRequest, key: str, name: str) -> str | None:
    try:
        return package.release(_period(key)).etag
    except Http404:
        return None


@condition(etag_func=_file_etag)
def data_file(request: HttpRequest, key: str, name: str) -> HttpResponse:
    release = package.release(_period(key))
    content = release.file(name)
    if content is None:
        raise Http404("没有这个数据文件")
    kind = name.rsplit(".", 1)[1]
    response = HttpResponse(content, content_type=CONTENT_TYPES[kind])
    response["Content-Disposition"] = f'inline; filename="xiaoneng-{key}-{name}"'
    response["Access-Control-Allow-Origin"] = "*"
    patch_cache_control(response, public=True, max_age=package.cache_seconds(release.period))
    return response


def feed(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        feeds.atom(request.build_absolute_uri), content_type="application/atom+xml; charset=utf-8"
    )
    patch_cache_control(response, public=True, max_age=600)
    return response


# ---- issued bulletins on the portal ---------------------------------------------------------


def _public_bulletin(kind: str, year: int, seq: int, version: int) -> IssuedBulletin:
    found: IssuedBulletin = get_object_or_404(
        IssuedBulletin.objects.public().select_related("corrects"),
        kind=kind,
        year=year,
        sequence=seq,
        version=version,
    )
    return found


def public_url(b: IssuedBulletin, name: str = "bulletin") -> str:
    return reverse(f"opendata:{name}", args=[b.kind, b.year, b.sequence, b.version])


def bulletins(request: HttpRequest) -> HttpResponse:
    """/open/bulletins/: the issued bulletins meant for the public (docs/bulletins.md)."""
    found = (
        IssuedBulletin.objects.public()
        .select_related("correction")
        .order_by("-year", "-sequence", "-version")[:200]
    )
    rows = [(b, public_url(b)) for b in found]
    return render(request, "opendata/bulletins.html", {"rows": rows})


def bulletin(request: HttpRequest, kind: str, year: int, seq: int, version: int) -> HttpResponse:
    b = _public_bulletin(kind, year, seq, version)
    superseded_by = getattr(b, "correction", None)
    context = {
        "b": b,
        "sections": from_json(b.snapshot),
        "changes": changes_from_json(b.changes),
        "superseded_by": superseded_by,
        "kind_label": Kind(b.kind).label,
        "word_url": public_url(b, "bulletin_word"),
        "may_correct": False,
    }
    if superseded_by is not None and superseded_by.is_public:
        context["superseded_link"] = public_url(superseded_by)
    if b.corrects is not None and b.corrects.is_public:
        context["corrects_link"] = public_url(b.corrects)
    return render(request, "opendata/bulletin.html", context)


def bulletin_word(
    request: HttpRequest, kind: str, year: int, seq: int, version: int
) -> HttpResponse:
    b = _public_bulletin(kind, year, seq, version)
    response = HttpResponse(bytes(b.word), content_type=DOCX_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="{b.kind}-{b.slug}-v{b.version}.docx"; '
        f"filename*=UTF-8''{quote(b.full_number + b.title)}.docx"
    )
    response["ETag"] = f'"{b.sha256}"'
    patch_cache_control(response, public=True, max_age=86400)
    return response
