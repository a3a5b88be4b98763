"""What an issued bulletin freezes: its content as sections of paragraphs and tables of text.

Every kind of bulletin (complaints, 明查暗访, 绩效考评, the monthly 效能通报) is turned into the
same shape — :class:`Section` with paragraphs and :class:`Table` s whose cells are the text as
printed — so that one template shows any issued bulletin from its stored JSON, one function
compares two versions cell by cell (:func:`diff`), and nothing read later can change what was
issued. Pure: no database, no Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xiaoneng.scoring.rates import wilson

#: Stored with the snapshot, so that a later change of the shape can still read old ones.
FORMAT = 1


@dataclass(frozen=True)
class Table:
    head: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""

    def __post_init__(self) -> None:
        # Text, whatever was given (a lazy label is read now, in the language in force).
        object.__setattr__(self, "head", tuple(str(h) for h in self.head))
        object.__setattr__(self, "rows", tuple(tuple(str(c) for c in r) for r in self.rows))
        object.__setattr__(self, "caption", str(self.caption))
        for row in self.rows:
            if len(row) != len(self.head):
                raise ValueError(f"row {row!r} does not fit the head {self.head!r}")


@dataclass(frozen=True)
class Section:
    title: str
    paragraphs: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", str(self.title))
        object.__setattr__(self, "paragraphs", tuple(str(p) for p in self.paragraphs))


@dataclass(frozen=True)
class Change:
    """One cell or paragraph that differs between two versions ("" where it did not exist)."""

    where: str
    before: str
    after: str


def cell(value: object, unit: str = "") -> str:
    """A printed cell: — for a missing value, floats with one decimal (rates are percents)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}{unit}"
    return f"{value}{unit}"


def rate(part: int, whole: int) -> str:
    """A rate with the records it rests on and its Wilson 95 % interval, as the complaint
    bulletin prints them: “85.0%（17/20，95%区间64.0%—94.8%）”; — without a denominator."""
    bounds = wilson(part, whole)
    if bounds is None:
        return "—"
    low, high = bounds
    return f"{100 * part / whole:.1f}%（{part}/{whole}，95%区间{100 * low:.1f}%—{100 * high:.1f}%）"


def to_json(sections: tuple[Section, ...]) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "sections": [
            {
                "title": s.title,
                "paragraphs": list(s.paragraphs),
                "tables": [
                    {"caption": t.caption, "head": list(t.head), "rows": [list(r) for r in t.rows]}
                    for t in s.tables
                ],
            }
            for s in sections
        ],
    }


def from_json(data: dict[str, Any]) -> tuple[Section, ...]:
    return tuple(
        Section(
            title=str(s["title"]),
            paragraphs=tuple(str(p) for p in s.get("paragraphs", ())),
            tables=tuple(
                Table(
                    head=tuple(str(h) for h in t["head"]),
                    rows=tuple(tuple(str(c) for c in r) for r in t["rows"]),
                    caption=str(t.get("caption", "")),
                )
                for t in s.get("tables", ())
            ),
        )
        for s in data.get("sections", ())
    )


def flatten(sections: tuple[Section, ...]) -> dict[str, str]:
    """Every printed value by where it is: “一、总体情况／收到投诉／数值”.

    A table cell is named by its section, the caption if any, the row's first cell and the
    column's head; a paragraph by its section and its number. A row whose first cell repeats
    (two lines for the same unit) gets “#2”, “#3”."""
    out: dict[str, str] = {}
    for s in sections:
        for i, text in enumerate(s.paragraphs, 1):
            out[f"{s.title}／第{i}段"] = text
        for t in s.tables:
            base = f"{s.title}／{t.caption}" if t.caption else s.title
            seen: dict[str, int] = {}
            for row in t.rows:
                label = row[0] if row else ""
                seen[label] = seen.get(label, 0) + 1
                if seen[label] > 1:
                    label = f"{label}#{seen[label]}"
                for head, value in zip(t.head[1:], row[1:], strict=True):
                    out[f"{base}／{label}／{head}"] = value
    return out


def diff(before: tuple[Section, ...], after: tuple[Section, ...]) -> list[Change]:
    """What a correction changed, field by field, in the order of the new version (then what
    it no longer has)."""
    old, new = flatten(before), flatten(after)
    changes = [
        Change(key, old.get(key, ""), value) for key, value in new.items() if old.get(key) != value
    ]
    changes += [Change(key, value, "") for key, value in old.items() if key not in new]
    return changes


def changes_to_json(changes: list[Change]) -> list[dict[str, str]]:
    return [{"where": c.where, "before": c.before, "after": c.after} for c in changes]


def changes_from_json(data: list[dict[str, str]]) -> list[Change]:
    return [Change(d["where"], d["before"], d["after"]) for d in data]
