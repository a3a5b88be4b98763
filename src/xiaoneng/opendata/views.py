"""开放数据 on the public portal (/open/): the index, a month's page, its files and the feed.

Every answer is public and the same for everyone; the files carry an ETag and may be kept by
caches for as long as the release is kept on the server.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import condition

from xiaoneng.bulletins.services import Period

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
