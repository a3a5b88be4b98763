"""The datasets of 开放数据 and the sources of its Atom feed, as registries.

A dataset is one table published for every month: its fields (name, Table Schema type, title,
unit of measure), and a function that gives its rows for a :class:`Snapshot` — the month and
the cut-off instant the figures are read at. A new capability publishes its figures by
registering one more dataset in its own small module (``register(Dataset(...))`` imported from
``OpendataConfig.ready``); the index, the files, ``datapackage.json`` and the tests pick it up.

A feed source is a function giving the feed's latest entries (issued bulletins, 整改情况公示,
published evaluation results…); ``register_feed`` adds one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from xiaoneng.bulletins.services import Period

#: What a cell may hold. None is published as an empty cell (a missing value).
Value = str | int | float | bool | date | None
Row = tuple[Value, ...]
T = TypeVar("T")

#: Table Schema field types the datasets use.
TYPES = ("string", "integer", "number", "boolean", "yearmonth", "date")


@dataclass(frozen=True)
class Field:
    """One column. ``unit`` is the unit of measure (件, %, 个工作日, 分); ``suppressible``: its
    value is withheld in a row whose population is small (:mod:`.suppression`)."""

    name: str
    type: str
    title: str
    description: str = ""
    unit: str = ""
    suppressible: bool = False
    required: bool = False

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"unknown field type {self.type}")


@dataclass(frozen=True)
class Snapshot:
    """The month a file describes and the instant its figures were read (数据截至). ``memo``
    lets datasets built from one computation (a bulletin's figures) share it."""

    period: Period
    as_of: datetime
    memo: dict[str, object] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def shared(self, key: str, compute: Callable[[], T]) -> T:
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]  # type: ignore[return-value]  # stored by the same key's compute


@dataclass(frozen=True)
class Dataset:
    """One published table.

    ``population`` names the field whose value is the row's population: when it is small
    (1–4) the row's ``suppressible`` fields are withheld. ``same_as`` says where in Xiaoneng the
    same figures are shown (they must be equal — tested)."""

    name: str
    title: str
    description: str
    fields: tuple[Field, ...]
    rows: Callable[[Snapshot], Sequence[Row]]
    primary_key: tuple[str, ...] = ()
    population: str | None = None
    same_as: str = ""
    order: int = 100

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: duplicate field names")
        if self.population is not None and self.population not in names:
            raise ValueError(f"{self.name}: population {self.population} is not a field")
        if not set(self.primary_key) <= set(names):
            raise ValueError(f"{self.name}: primary key names unknown fields")


_DATASETS: dict[str, Dataset] = {}


def register(dataset: Dataset) -> Dataset:
    if dataset.name in _DATASETS and _DATASETS[dataset.name] != dataset:
        raise ValueError(f"dataset {dataset.name} is already registered")
    _DATASETS[dataset.name] = dataset
    return dataset


def datasets() -> list[Dataset]:
    return sorted(_DATASETS.values(), key=lambda d: (d.order, d.name))


def get(name: str) -> Dataset | None:
    return _DATASETS.get(name)


# ---- the feed ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One entry of the Atom feed. ``key`` is stable for the same publication (its Atom id)."""

    key: str
    title: str
    link: str  # a site-relative URL
    updated: datetime
    summary: str
    category: str


FeedSource = Callable[[int], Sequence[Entry]]
_FEED: dict[str, FeedSource] = {}


def register_feed(name: str, source: FeedSource) -> FeedSource:
    """``source(limit)`` gives at most ``limit`` of its newest entries."""
    _FEED[name] = source
    return source


def feed_sources() -> dict[str, FeedSource]:
    return dict(_FEED)
