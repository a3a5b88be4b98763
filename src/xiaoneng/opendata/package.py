"""A month's release: every dataset as CSV and JSON, and the Data Package descriptor.

The files of one month are generated together, at one cut-off instant (数据截至), so that they
agree with each other; the release is kept in the shared cache (the database cache, or Redis)
for an hour while the month is recent — findings, visits and late rectifications still change its
figures — and for a day once it is older than ``SETTLED_DAYS``. Small counts are suppressed
here, for every dataset that names a population (:mod:`.suppression`).

The descriptor follows the Frictionless Data Package specification (v1, ``tabular-data-package``):
one resource per file, each with its Table Schema — field names, types, titles, descriptions,
constraints — plus the unit of measure of each field as the custom property ``unit``, and the
licence of the whole package.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from xiaoneng.bulletins.services import Period
from xiaoneng.i18n import in_source_language

from . import datasets as builtin
from .registry import Dataset, Field, Row, Snapshot, Value, datasets
from .suppression import THRESHOLD, suppressed

#: Bumped when the files' layout changes, so that cached releases of the old layout are unused.
LAYOUT = 1
#: A month ended more than this many days ago has settled: its release is kept longer.
SETTLED_DAYS = 92
RECENT_SECONDS = 3600
SETTLED_SECONDS = 86400
#: How many months back the index offers.
MAX_MONTHS = 36

LICENCE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0",
}

SUPPRESSED = Field(
    "suppressed",
    "boolean",
    "数字不公布",
    f"该行的总数为1～{THRESHOLD - 1}，可能据以识别个人，其余数字留空",
    required=True,
)


@dataclass(frozen=True)
class Table:
    """One dataset's rows for the month, after suppression."""

    dataset: Dataset
    fields: tuple[Field, ...]
    rows: tuple[Row, ...]
    suppressed_rows: int

    @property
    def csv_name(self) -> str:
        return f"{self.dataset.name}.csv"

    @property
    def json_name(self) -> str:
        return f"{self.dataset.name}.json"


@dataclass(frozen=True)
class Release:
    period: Period
    as_of: datetime
    tables: tuple[Table, ...]
    files: tuple[tuple[str, bytes], ...]  # file name → content, datapackage.json included
    channels: tuple[tuple[str, str, int, str], ...]  # 政务公开 by channel (seed 001's 其中…)

    def file(self, name: str) -> bytes | None:
        return dict(self.files).get(name)

    @property
    def etag(self) -> str:
        digest = hashlib.sha256()
        for name, content in self.files:
            digest.update(name.encode())
            digest.update(content)
        return digest.hexdigest()[:32]


# ---- which months ------------------------------------------------------------------------------


def published_periods(today: date | None = None) -> list[Period]:
    """Every whole month from the first with figures to the last full one, newest first (at
    most ``MAX_MONTHS``). The current month is published once it is over."""
    today = today or timezone.localdate()
    latest = Period.default(today)
    first = builtin.first_month()
    if first is None:
        return []
    out: list[Period] = []
    period = latest
    while period.first_day >= first and len(out) < MAX_MONTHS:
        out.append(period)
        period = period.previous()
    return out


def is_published(period: Period, today: date | None = None) -> bool:
    return not period.is_quarter and period.key in {p.key for p in published_periods(today)}


# ---- building ------------------------------------------------------------------------------------


def table(dataset: Dataset, snapshot: Snapshot) -> Table:
    """The dataset's rows for the snapshot, small populations suppressed."""
    rows = list(dataset.rows(snapshot))
    fields = dataset.fields
    if dataset.population is None:
        return Table(dataset, fields, tuple(rows), 0)
    index = [f.name for f in fields].index(dataset.population)
    hidden = suppressed([_population(row[index]) for row in rows])
    withheld = [f.suppressible for f in fields]
    out = []
    for i, row in enumerate(rows):
        if i in hidden:
            row = tuple(None if withheld[j] else value for j, value in enumerate(row))
        out.append((*row, i in hidden))
    return Table(dataset, (*fields, SUPPRESSED), tuple(out), len(hidden))


def _population(value: Value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _cell(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def to_csv(t: Table) -> bytes:
    """RFC 4180 CSV in UTF-8 with a byte-order mark (so that spreadsheet programs read the
    Chinese correctly); a header line of field names; an empty cell is a missing value."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([f.name for f in t.fields])
    for row in t.rows:
        writer.writerow([_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _json_value(value: Value) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def to_json(t: Table) -> bytes:
    """The same rows as an array of objects keyed by field name (null: a missing value)."""
    rows = [{f.name: _json_value(v) for f, v in zip(t.fields, row, strict=True)} for row in t.rows]
    return json.dumps(rows, ensure_ascii=False, indent=1).encode("utf-8")


def _schema(t: Table) -> dict[str, Any]:
    fields = []
    for f in t.fields:
        spec: dict[str, Any] = {"name": f.name, "type": f.type, "title": f.title}
        if f.description:
            spec["description"] = f.description
        if f.unit:
            spec["unit"] = f.unit
        constraints: dict[str, Any] = {}
        if f.required:
            constraints["required"] = True
        if f.type in ("integer", "number") and f.unit != "名":
            constraints["minimum"] = 0
        if f.unit == "%":
            constraints["maximum"] = 100
        if constraints:
            spec["constraints"] = constraints
        fields.append(spec)
    schema: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    if t.dataset.primary_key:
        schema["primaryKey"] = list(t.dataset.primary_key)
    return schema


def descriptor(period: Period, as_of: datetime, tables: tuple[Table, ...]) -> dict[str, Any]:
    """``datapackage.json``: the package, its licence and one resource per file."""
    resources = []
    for t in tables:
        common = {
            "title": t.dataset.title,
            "description": t.dataset.description,
            "profile": "tabular-data-resource",
            "encoding": "utf-8",
            "schema": _schema(t),
        }
        resources.append(
            {
                "name": t.dataset.name,
                "path": t.csv_name,
                "format": "csv",
                "mediatype": "text/csv",
                **common,
                "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "header": True},
            }
        )
        resources.append(
            {
                "name": f"{t.dataset.name}-json",
                "path": t.json_name,
                "format": "json",
                "mediatype": "application/json",
                **common,
            }
        )
    office = settings.XIAONENG_OFFICE_NAME
    cut = f"{timezone.localtime(as_of):%Y-%m-%d %H:%M}"
    return {
        "profile": "tabular-data-package",
        "name": f"xiaoneng-{period.key}",
        "title": f"{period.label}机关效能数据",
        "description": (
            f"{office}公开的{period.label}机关效能建设数据：办件按时办结、效能投诉、好差评、"
            f"整改落实、群众评议结果和政务公开情况。数据截至{cut}"
            f"（北京时间）；总数为1～{THRESHOLD - 1}、可能据以识别个人的数字不公布。"
        ),
        "version": f"{period.key}.{LAYOUT}",
        "created": as_of.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "keywords": ["机关效能", "政务公开", "开放数据", period.key],
        "licenses": [LICENCE],
        "contributors": [{"title": office, "role": "publisher"}],
        "resources": resources,
    }


@in_source_language
def build(period: Period, now: datetime | None = None) -> Release:
    """Every dataset of the month, read at ``now``, as files (in Chinese, whoever asked first:
    the release is cached and shared)."""
    snapshot = Snapshot(period, now or timezone.now())
    tables = tuple(table(d, snapshot) for d in datasets())
    files: list[tuple[str, bytes]] = []
    for t in tables:
        files += [(t.csv_name, to_csv(t)), (t.json_name, to_json(t))]
    package = descriptor(period, snapshot.as_of, tables)
    files.append(("datapackage.json", json.dumps(package, ensure_ascii=False, indent=1).encode()))
    disclosure = next((t for t in tables if t.dataset.name == "disclosure"), None)
    channels = tuple(builtin.channel_totals(disclosure.rows if disclosure else ()))
    return Release(period, snapshot.as_of, tables, tuple(files), channels)


def cache_seconds(period: Period, today: date | None = None) -> int:
    today = today or timezone.localdate()
    settled = period.next_first_day + timedelta(days=SETTLED_DAYS) <= today
    return SETTLED_SECONDS if settled else RECENT_SECONDS


def release(period: Period) -> Release:
    """The month's release from the cache, built when it is missing or has expired."""
    key = f"opendata:{LAYOUT}:{period.key}:{','.join(d.name for d in datasets())}"
    found = cache.get(key)
    if isinstance(found, Release):
        return found
    made = build(period)
    cache.set(key, made, cache_seconds(period))
    return made
