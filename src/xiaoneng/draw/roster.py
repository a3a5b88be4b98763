"""The published evaluator roster (评议人名册): its canonical file format and its hash.

The roster published when the pool is frozen is a UTF-8 CSV file (no BOM, LF line endings)::

    id,stratum
    PY2026-0001,两代表一委员
    PY2026-0002,企业
    ...

* The header is exactly ``id,stratum``. Only an opaque evaluator number and the stratum are
  published — never names, phones or ID-card numbers. The number must not be derived from
  private data (a hash of a phone number can be brute-forced); assign it in sequence or at random.
* ``id``: 1–64 characters ``A–Z a–z 0–9 . _ -``, starting with a letter or digit; unique in the
  file (case-sensitive).
* ``stratum``: 1–50 characters after Unicode NFC normalisation and trimming of surrounding
  whitespace; no control characters and none of ``, " |``.
* Rows are sorted by stratum, then id, in Unicode code-point order (the same as UTF-8 byte order);
  every line, the last one included, ends with ``\\n``.

``roster_hash`` is the SHA-256 (lower-case hex) of those exact bytes. ``parse_roster`` also accepts
a file that is valid but not canonical (other row order, CRLF, a BOM, quoted fields, blank lines);
``Roster.data`` and ``Roster.hash`` are then those of the canonical form, and
``Roster.source_was_canonical`` is false. See docs/draw.md.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "HEADER",
    "Roster",
    "RosterError",
    "RosterRow",
    "canonical_roster",
    "normalise_stratum",
    "parse_roster",
    "roster_hash",
]

HEADER = "id,stratum"
MAX_STRATUM_LENGTH = 50
_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_FORBIDDEN_IN_STRATUM = set(',"|')


class RosterError(ValueError):
    """The roster is invalid. ``errors`` lists every ``(line_number, message)`` found, in Chinese;
    line 0 means the file as a whole. For ``canonical_roster`` the number is the row's position
    (1-based) in the given rows instead of a line."""

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        self.errors = sorted(errors)
        super().__init__(
            f"评议人名册有 {len(self.errors)} 处错误：\n" + "\n".join(m for _, m in self.errors)
        )


@dataclass(frozen=True, order=True)
class RosterRow:
    """One evaluator in the published roster: the opaque number and the stratum (层级)."""

    stratum: str
    id: str


@dataclass(frozen=True)
class Roster:
    """A valid roster: rows in canonical order, the canonical bytes and their SHA-256."""

    rows: tuple[RosterRow, ...]
    data: bytes
    hash: str
    source_was_canonical: bool = True

    @property
    def strata(self) -> dict[str, int]:
        """Evaluators per stratum, strata in canonical (code-point) order."""
        return dict(sorted(Counter(r.stratum for r in self.rows).items()))

    def ids_in(self, stratum: str) -> list[str]:
        """The evaluator numbers of one stratum, in canonical order."""
        return [r.id for r in self.rows if r.stratum == stratum]


def roster_hash(data: bytes) -> str:
    """SHA-256 of the roster file's bytes, lower-case hex (64 characters)."""
    return hashlib.sha256(data).hexdigest()


def normalise_stratum(value: str) -> str:
    """NFC normalisation and trimming, as applied to strata in the roster and in quotas."""
    return unicodedata.normalize("NFC", value).strip()


def _check_id(value: str) -> str | None:
    if not value:
        return "缺少评议人编号（id）"
    if not _ID_RE.fullmatch(value):
        return (
            f"评议人编号“{value}”不合格式：只能由字母、数字和 . _ - 组成，"
            "以字母或数字开头，最长 64 个字符"
        )
    return None


def _check_stratum(value: str, who: str) -> str | None:
    problem = _stratum_problem(value)
    return None if problem is None else f"评议人 {who} {problem}"


@functools.lru_cache(maxsize=1024)
def _stratum_problem(value: str) -> str | None:
    # Cached: a roster has about ten distinct strata and up to ~10⁵ rows.
    if not value:
        return "缺少层级（stratum）"
    if len(value) > MAX_STRATUM_LENGTH:
        return f"的层级“{value}”超过 {MAX_STRATUM_LENGTH} 个字符"
    bad = sorted(
        {c for c in value if c in _FORBIDDEN_IN_STRATUM or unicodedata.category(c)[0] == "C"}
    )
    if bad:
        shown = " ".join(repr(c) for c in bad)
        return f"的层级“{value}”含有不允许的字符 {shown}"
    return None


def _validate(
    items: Iterable[tuple[int, str, str]], where: str
) -> tuple[list[RosterRow], list[tuple[int, str]]]:
    """Check ``(number, id, stratum)`` items; ``where`` formats the position (行 or 条)."""
    rows: list[RosterRow] = []
    errors: list[tuple[int, str]] = []
    first_seen: dict[str, int] = {}
    for number, raw_id, raw_stratum in items:
        ident = raw_id.strip()
        stratum = normalise_stratum(raw_stratum)
        problems = []
        id_problem = _check_id(ident)
        if id_problem:
            problems.append(id_problem)
        stratum_problem = _check_stratum(stratum, ident or "（无编号）")
        if stratum_problem:
            problems.append(stratum_problem)
        if not id_problem:
            if ident in first_seen:
                earlier = f"第{first_seen[ident]}{where}"
                problems.append(f"评议人编号 {ident} 重复（{earlier}已有）：同一人只能出现一次")
            else:
                first_seen[ident] = number
        errors.extend((number, f"第{number}{where}：{p}") for p in problems)
        if not problems:
            rows.append(RosterRow(stratum=stratum, id=ident))
    return rows, errors


def _sorted(rows: Iterable[RosterRow]) -> list[RosterRow]:
    # Same order as RosterRow's own ordering (stratum, then id), without its slow __lt__.
    return sorted(rows, key=lambda r: (r.stratum, r.id))


def _encode(rows: list[RosterRow]) -> bytes:
    """The file bytes for rows already in canonical order."""
    lines = [HEADER] + [f"{r.id},{r.stratum}" for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def canonical_roster(rows: Iterable[RosterRow | tuple[str, str]]) -> bytes:
    """The canonical published file for these rows (``RosterRow`` or ``(id, stratum)`` pairs).

    Raises RosterError (numbered by the rows' 1-based position) if a row is invalid or an id
    repeats, or if there are no rows.
    """
    items = []
    for n, row in enumerate(rows, start=1):
        ident, stratum = (row.id, row.stratum) if isinstance(row, RosterRow) else row
        items.append((n, ident, stratum))
    if not items:
        raise RosterError([(0, "名册中没有评议人")])
    valid, errors = _validate(items, "条")
    if errors:
        raise RosterError(errors)
    return _encode(_sorted(valid))


def parse_roster(data: bytes) -> Roster:
    """Parse a roster file; raise RosterError listing every problem (with line numbers)."""
    if not data.strip():
        raise RosterError([(0, "名册文件为空")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[: exc.start].count(b"\n") + 1
        raise RosterError([(bad, f"第{bad}行：不是 UTF-8 编码的文本")]) from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    errors: list[tuple[int, str]] = []
    header = lines[0].strip().replace(" ", "")
    if header != HEADER:
        errors.append((1, f"第1行：表头应为“{HEADER}”，实际为“{lines[0].strip()}”"))
    items: list[tuple[int, str, str]] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        if "\r" in line:
            errors.append((number, f"第{number}行：含有单独的回车符（\\r）"))
            continue
        fields = next(csv.reader([line]))
        if len(fields) != 2:
            errors.append(
                (number, f"第{number}行：应有 2 列（id,stratum），实际有 {len(fields)} 列")
            )
            continue
        items.append((number, fields[0], fields[1]))
    rows, row_errors = _validate(items, "行")
    errors.extend(row_errors)
    if not errors and not rows:
        errors.append((0, "名册中没有评议人"))
    if errors:
        raise RosterError(errors)
    rows = _sorted(rows)
    canonical = _encode(rows)
    return Roster(
        rows=tuple(rows),
        data=canonical,
        hash=roster_hash(canonical),
        source_was_canonical=canonical == data,
    )
