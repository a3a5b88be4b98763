"""The Atom feed of what Xiaoneng publishes (/open/feed.atom): each month's open data, the
整改情况公示 of tasks from public sources, and published 千人评议 results. Each source is
registered in :mod:`.registry`; issued bulletins (those meant for the public) are one more
source.

Titles and summaries carry no personal data: the tasks' texts pass rectification's
``public.redact`` (names of staff, telephone and ID numbers masked), as on the public pages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, time

from django.conf import settings
from django.urls import reverse
from django.utils import feedgenerator

from xiaoneng.i18n import in_source_language
from xiaoneng.workdays import SHANGHAI

from .registry import Entry, feed_sources, register_feed

#: Entries per source; the feed shows the newest ``FEED_SIZE`` of all of them.
PER_SOURCE = 30
FEED_SIZE = 50


def open_data_entries(limit: int) -> Sequence[Entry]:
    from .package import published_periods

    out = []
    for period in published_periods()[:limit]:
        released = datetime.combine(period.next_first_day, time.min, SHANGHAI)
        out.append(
            Entry(
                key=f"opendata:{period.key}",
                title=f"{period.label}机关效能数据",
                link=reverse("opendata:period", args=[period.key]),
                updated=released,
                summary=(
                    f"{period.label}的办件、效能投诉、好差评、整改、明查暗访、群众评议、绩效考评和政务公开数据"
                    "（CSV、JSON 和数据包描述文件）。"
                ),
                category="开放数据",
            )
        )
    return out


def rectification_entries(limit: int) -> Sequence[Entry]:
    from xiaoneng.rectification import public
    from xiaoneng.rectification.models import Task

    tasks = list(
        Task.objects.public()
        .select_related("unit")
        .prefetch_related("problems")
        .order_by("-updated_at", "-pk")[:limit]
    )
    names = public.names_for(tasks)
    out = []
    for task in tasks:
        shown = public.summary(task, names)
        out.append(
            Entry(
                key=f"rectification:{task.pk}",
                title=f"整改情况公示：{shown.unit}　{shown.title}",
                link=reverse("rectification:public_detail", args=[task.pk]),
                updated=task.updated_at,
                summary=f"{shown.number}　来源：{shown.source}　{shown.status}",
                category="整改情况公示",
            )
        )
    return out


def evaluation_entries(limit: int) -> Sequence[Entry]:
    from xiaoneng.evaluation.models import Campaign

    campaigns = Campaign.objects.filter(
        status=Campaign.Status.PUBLISHED, published_at__isnull=False
    ).order_by("-published_at")[:limit]
    return [
        Entry(
            key=f"evaluation:{c.pk}",
            title=f"评议结果公布：{c.name}",
            link=reverse("evaluation:public_detail", args=[c.pk]),
            updated=c.published_at,
            summary=f"{c.year}年度{c.name}的结果：各单位得分、满意率及其区间、类别内名次。",
            category="群众评议",
        )
        for c in campaigns
        if c.published_at is not None
    ]


def bulletin_entries(limit: int) -> Sequence[Entry]:
    """Issued bulletins meant for the public, newest first; each version is its own entry (a
    correction is news), linked to its stable address."""
    from xiaoneng.bulletins.models import IssuedBulletin, Kind

    out = []
    issued = IssuedBulletin.objects.public().defer("word", "snapshot")
    for b in issued.order_by("-issued_at", "-pk")[:limit]:
        summary = f"{b.issuer}签发，范围：{b.scope}。"
        if b.version > 1:
            summary += f"更正理由：{b.reason}"
        out.append(
            Entry(
                key=f"bulletin:{b.kind}:{b.year}-{b.sequence}:v{b.version}",
                title=f"{b.full_number}　{b.title}",
                link=reverse("opendata:bulletin", args=[b.kind, b.year, b.sequence, b.version]),
                updated=b.issued_at,
                summary=summary,
                category=str(Kind(b.kind).label),
            )
        )
    return out


register_feed("opendata", open_data_entries)
register_feed("bulletins", bulletin_entries)
register_feed("rectification", rectification_entries)
register_feed("evaluation", evaluation_entries)


def entries(limit: int = FEED_SIZE) -> list[Entry]:
    """The newest entries of every source."""
    found: list[Entry] = []
    for source in feed_sources().values():
        found += source(PER_SOURCE)
    return sorted(found, key=lambda e: (e.updated, e.key), reverse=True)[:limit]


@in_source_language
def atom(absolute: Callable[[str], str]) -> bytes:
    """The feed as Atom 1.0 (RFC 4287); ``absolute`` turns a site path into a full URL."""
    shown = entries()
    feed = feedgenerator.Atom1Feed(
        title=f"{settings.XIAONENG_SITE_NAME}：公开发布",
        link=absolute(reverse("opendata:index")),
        description="开放数据、公开的通报、整改情况公示和群众评议结果",
        language="zh-CN",
        feed_url=absolute(reverse("opendata:feed")),
        feed_guid=absolute(reverse("opendata:feed")),
        author_name=settings.XIAONENG_OFFICE_NAME,
    )
    for e in shown:
        feed.add_item(
            title=e.title,
            link=absolute(e.link),
            description=e.summary,
            unique_id=f"{absolute(reverse('opendata:feed'))}#{e.key}",
            updateddate=e.updated,
            pubdate=e.updated,
            categories=[e.category],
        )
    return feed.writeString("utf-8").encode("utf-8")
