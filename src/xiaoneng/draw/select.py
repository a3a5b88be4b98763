"""The draw (抽取评议人): quotas per stratum, the public seed and the RFC 3797-style ordering.

* **Seed** (随机种子): numbers published by an outside source after the roster is frozen, named in
  advance (e.g. a lottery draw). ``canonical_seed`` turns what is typed into one string, as in
  RFC 3797 §4: NFKC normalisation (full-width digits and slashes become ASCII); ``/`` separates
  sources (groups), kept in the order entered; a trailing ``/`` is allowed. Inside a group every
  run of digits ``0-9`` is one number; whitespace and ``. , ; : 、 。 - + _`` only separate
  numbers; any other character is refused. Each number is written in decimal without leading
  zeros; a group's numbers are sorted ascending; each number is followed by ``.`` and each group
  by ``/``. ``"03 09 14 21 26 33 / 07"`` → ``"3.9.14.21.26.33./7./"``.
* **Key**: for each evaluator, ``key = SHA-256(UTF-8(f"{canonical_seed}|{roster_hash}|{stratum}|
  {id}"))`` in lower-case hex. Including the roster hash means that changing any row of the roster
  changes every key.
* **Order**: within each stratum, evaluators sorted by ascending key (ties, which do not happen
  in practice, by id). The first ``quota`` are selected (入选); the rest, in order, are the
  reserves (候补) used one by one if a selected evaluator cannot take part.

``tools/redo_draw.py`` re-implements exactly this with the standard library for the public;
``format_result`` and ``result_json`` produce exactly its output. See docs/draw.md.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from .roster import Roster, normalise_stratum, parse_roster

__all__ = [
    "DrawResult",
    "QuotaError",
    "SeedError",
    "canonical_quotas",
    "canonical_seed",
    "check_quotas",
    "draw",
    "draw_key",
    "draw_roster",
    "format_result",
    "parse_quotas_json",
    "result_json",
]

MAX_SEED_LENGTH = 1000
_SEED_SEPARATORS = set(" \t.,;:、。-+_")
_DIGITS = re.compile(r"[0-9]+")


class SeedError(ValueError):
    """The seed cannot be put in canonical form. ``errors`` lists the problems in Chinese."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("随机种子有误：\n" + "\n".join(errors))


class QuotaError(ValueError):
    """The quotas do not fit the roster. ``errors`` lists every problem in Chinese."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__(f"名额表有 {len(errors)} 处错误：\n" + "\n".join(errors))


def _seed_char_allowed(c: str) -> bool:
    return "0" <= c <= "9" or c == "/" or c in _SEED_SEPARATORS or c.isspace()


def canonical_seed(seed: str) -> str:
    """The canonical form of a seed, e.g. ``"03 09 14 21 26 33 / 07"`` → ``"3.9.14.21.26.33./7./"``.

    Raises SeedError if the seed is empty, too long, contains a character other than digits and
    separators, or has an empty group.
    """
    text = unicodedata.normalize("NFKC", seed).strip()
    if not text:
        raise SeedError(["随机种子为空"])
    if len(text) > MAX_SEED_LENGTH:
        raise SeedError([f"随机种子超过 {MAX_SEED_LENGTH} 个字符"])
    bad = sorted({c for c in text if not _seed_char_allowed(c)})
    if bad:
        shown = " ".join(f"“{c}”" for c in bad)
        raise SeedError(
            [
                f"随机种子含有不允许的字符 {shown}：只能填数字，数字之间用空格或 . , 、 分隔，"
                "不同来源之间用 / 分隔"
            ]
        )
    groups = text.split("/")
    if not groups[-1].strip():
        groups.pop()
    errors = []
    parts = []
    for n, group in enumerate(groups, start=1):
        numbers = sorted(int(d) for d in _DIGITS.findall(group))
        if not numbers:
            errors.append(f"随机种子第 {n} 组（第 {n} 个 / 之前或之后）没有数字")
            continue
        parts.append("".join(f"{x}." for x in numbers) + "/")
    if errors:
        raise SeedError(errors)
    return "".join(parts)


def draw_key(canonical: str, roster_hash: str, stratum: str, evaluator_id: str) -> str:
    """The ordering key of one evaluator: SHA-256 hex of ``seed|roster_hash|stratum|id``."""
    text = f"{canonical}|{roster_hash}|{stratum}|{evaluator_id}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_quotas(quotas: Mapping[str, object], strata: Mapping[str, int]) -> dict[str, int]:
    """Validate quotas ``{stratum: n}`` against the roster's ``{stratum: size}``.

    Every stratum of the roster needs a quota (0 to draw nobody from it); a quota must be a
    non-negative integer, name a stratum of the roster, and not exceed that stratum's size; the
    total must be positive. Returns the quotas keyed by normalised stratum, in code-point order;
    raises QuotaError listing every problem.
    """
    errors: list[str] = []
    clean: dict[str, int] = {}
    mentioned: set[str] = set()
    for raw, value in quotas.items():
        stratum = normalise_stratum(str(raw))
        if stratum in mentioned:
            errors.append(f"名额表中层级“{stratum}”出现了不止一次")
            continue
        mentioned.add(stratum)
        if isinstance(value, bool) or not isinstance(value, int):
            errors.append(f"层级“{stratum}”的名额“{value}”不是整数")
            continue
        if value < 0:
            errors.append(f"层级“{stratum}”的名额 {value} 是负数")
            continue
        if stratum not in strata:
            known = "、".join(strata) or "（无）"
            errors.append(f"名额表中的层级“{stratum}”在名册中不存在（名册中的层级：{known}）")
            continue
        if value > strata[stratum]:
            errors.append(f"层级“{stratum}”的名额 {value} 大于名册中该层级的人数 {strata[stratum]}")
            continue
        clean[stratum] = value
    for stratum, size in strata.items():
        if stratum not in mentioned:
            errors.append(f"层级“{stratum}”在名册中有 {size} 人，名额表没有给出名额（不抽请写 0）")
    if not errors and sum(clean.values()) == 0:
        errors.append("名额合计为 0，没有可抽取的评议人")
    if errors:
        raise QuotaError(errors)
    return dict(sorted(clean.items()))


def parse_quotas_json(data: bytes) -> dict[str, object]:
    """Read a quotas file: a JSON object ``{"层级": 名额, ...}`` in UTF-8 (a BOM is tolerated).

    Returns the raw mapping for ``check_quotas``; raises QuotaError if it is not such an object
    or repeats a stratum.
    """
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise QuotaError(["名额文件不是 UTF-8 编码的文本"]) from None

    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        seen: dict[str, object] = {}
        for key, value in items:
            if key in seen:
                raise QuotaError([f"名额表中层级“{key}”出现了不止一次"])
            seen[key] = value
        return seen

    try:
        value = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise QuotaError([f"名额文件不是合法的 JSON（第{exc.lineno}行第{exc.colno}列）"]) from None
    if not isinstance(value, dict):
        raise QuotaError(['名额文件应为 JSON 对象，如 {"企业": 100, "社区居民": 150}'])
    return value


def canonical_quotas(quotas: Mapping[str, int]) -> bytes:
    """The quotas file to publish beside the roster: sorted keys, UTF-8, LF, two-space indent."""
    clean = {normalise_stratum(k): v for k, v in quotas.items()}
    return (json.dumps(clean, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode()


@dataclass(frozen=True)
class DrawResult:
    """The outcome of a draw. ``order[s]`` is the whole stratum in draw order; ``selected[s]``
    its first ``quotas[s]`` ids and ``reserves[s]`` the rest, in order. Strata in code-point
    order."""

    roster_hash: str
    seed: str
    canonical_seed: str
    quotas: dict[str, int]
    order: dict[str, tuple[str, ...]]

    @property
    def selected(self) -> dict[str, tuple[str, ...]]:
        return {s: ids[: self.quotas[s]] for s, ids in self.order.items()}

    @property
    def reserves(self) -> dict[str, tuple[str, ...]]:
        return {s: ids[self.quotas[s] :] for s, ids in self.order.items()}

    @property
    def selected_ids(self) -> list[str]:
        """Every selected id, stratum by stratum, each stratum in draw order."""
        return [i for ids in self.selected.values() for i in ids]


def draw_roster(roster: Roster, seed: str, quotas: Mapping[str, object]) -> DrawResult:
    """Draw from an already parsed roster (see ``draw``)."""
    canonical = canonical_seed(seed)
    clean = check_quotas(quotas, roster.strata)
    members: dict[str, list[str]] = {s: [] for s in clean}
    for row in roster.rows:
        members[row.stratum].append(row.id)
    order: dict[str, tuple[str, ...]] = {}
    for stratum, ids in members.items():
        keyed = sorted((draw_key(canonical, roster.hash, stratum, i), i) for i in ids)
        order[stratum] = tuple(i for _, i in keyed)
    return DrawResult(
        roster_hash=roster.hash,
        seed=seed.strip(),
        canonical_seed=canonical,
        quotas=clean,
        order=order,
    )


def draw(roster_bytes: bytes, seed: str, quotas: Mapping[str, object]) -> DrawResult:
    """Draw evaluators: parse the roster file, canonicalise the seed, check quotas, order.

    Raises RosterError, SeedError or QuotaError (each a ValueError) on bad input, in that order.
    """
    return draw_roster(parse_roster(roster_bytes), seed, quotas)


def format_result(result: DrawResult, *, full: bool = False) -> str:
    """The text report printed by ``tools/redo_draw.py`` (``--full`` adds the reserves)."""
    lines = [
        f"名册哈希 SHA-256: {result.roster_hash}",
        f"规范种子: {result.canonical_seed}",
        f"名额合计: {sum(result.quotas.values())}",
    ]
    for stratum, ids in result.order.items():
        quota = result.quotas[stratum]
        lines.append(f"== {stratum}（名额 {quota}，共 {len(ids)} 人）==")
        shown = ids if full else ids[:quota]
        for n, ident in enumerate(shown, start=1):
            lines.append(f"{n} {'入选' if n <= quota else '候补'} {ident}")
    return "\n".join(lines) + "\n"


def result_json(result: DrawResult) -> str:
    """The JSON report printed by ``tools/redo_draw.py --json``."""
    value = {
        "roster_hash": result.roster_hash,
        "canonical_seed": result.canonical_seed,
        "strata": {
            s: {
                "quota": result.quotas[s],
                "size": len(ids),
                "selected": list(ids[: result.quotas[s]]),
                "reserves": list(ids[result.quotas[s] :]),
            }
            for s, ids in result.order.items()
        },
    }
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
