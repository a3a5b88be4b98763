#!/usr/bin/env python3
"""重做评议人抽取 — redo the evaluator draw from the published files (standard library only).

用法 / usage::

    python3 redo_draw.py 名册.csv "随机种子" 名额.json
    python3 redo_draw.py 名册.csv "03 09 14 21 26 33 / 07" 企业=100 社区居民=150 ...
    选项：--full 同时列出候补顺序；--json 以 JSON 输出

It prints the roster hash (SHA-256 of the canonical roster file), the canonical seed and, per
stratum, the selected evaluator numbers in draw order; compare them with the results page.
Exit status: 0 on success, 2 on bad input (the reasons are printed in Chinese on stderr).

This file deliberately imports nothing but the Python standard library (3.8 or newer) and does
not use the xiaoneng package; it repeats the rules of ``xiaoneng.draw`` (docs/draw.md), and the
project's tests check that both give the same output. Formulas:

* roster: UTF-8 CSV, header ``id,stratum``, rows sorted by (stratum, id) in code-point order,
  LF line endings, no BOM; roster hash = SHA-256 hex of those bytes.
* canonical seed (RFC 3797 §4): NFKC; groups separated by ``/``; in each group every run of
  digits is a number, written without leading zeros, sorted ascending, each followed by ``.``;
  each group followed by ``/``. "03 09 14 21 26 33 / 07" -> "3.9.14.21.26.33./7./".
* key = SHA-256(UTF-8(canonical_seed + "|" + roster_hash + "|" + stratum + "|" + id)), hex;
  each stratum sorted by key ascending (then id); the first ``quota`` are selected.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
import unicodedata
from collections import Counter

HEADER = "id,stratum"
MAX_STRATUM_LENGTH = 50
MAX_SEED_LENGTH = 1000
ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
FORBIDDEN_IN_STRATUM = set(',"|')
SEED_SEPARATORS = set(" \t.,;:、。-+_")
DIGITS = re.compile(r"[0-9]+")


class InputError(Exception):
    """Bad input: ``title`` and the list of problems, in Chinese."""

    def __init__(self, title: str, errors: list[str]) -> None:
        super().__init__(title)
        self.title = title
        self.errors = errors


# -- the roster -------------------------------------------------------------------------------


def normalise_stratum(value: str) -> str:
    return unicodedata.normalize("NFC", value).strip()


def check_id(value: str) -> str | None:
    if not value:
        return "缺少评议人编号（id）"
    if not ID_RE.fullmatch(value):
        return (
            f"评议人编号“{value}”不合格式：只能由字母、数字和 . _ - 组成，"
            "以字母或数字开头，最长 64 个字符"
        )
    return None


def check_stratum(value: str, who: str) -> str | None:
    if not value:
        return f"评议人 {who} 缺少层级（stratum）"
    if len(value) > MAX_STRATUM_LENGTH:
        return f"评议人 {who} 的层级“{value}”超过 {MAX_STRATUM_LENGTH} 个字符"
    bad = sorted(
        {c for c in value if c in FORBIDDEN_IN_STRATUM or unicodedata.category(c)[0] == "C"}
    )
    if bad:
        shown = " ".join(repr(c) for c in bad)
        return f"评议人 {who} 的层级“{value}”含有不允许的字符 {shown}"
    return None


def roster_error(errors: list[tuple[int, str]]) -> InputError:
    errors = sorted(errors)
    return InputError(f"评议人名册有 {len(errors)} 处错误：", [m for _, m in errors])


def parse_roster(data: bytes) -> tuple[list[tuple[str, str]], bytes]:
    """Return the rows as sorted ``(stratum, id)`` pairs and the canonical file bytes."""
    if not data.strip():
        raise roster_error([(0, "名册文件为空")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[: exc.start].count(b"\n") + 1
        raise roster_error([(bad, f"第{bad}行：不是 UTF-8 编码的文本")]) from None
    text = text.replace("\ufeff", "", 1) if text.startswith("\ufeff") else text
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    errors: list[tuple[int, str]] = []
    if lines[0].strip().replace(" ", "") != HEADER:
        errors.append((1, f"第1行：表头应为“{HEADER}”，实际为“{lines[0].strip()}”"))
    rows: list[tuple[str, str]] = []
    first_seen: dict[str, int] = {}
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
        ident, stratum = fields[0].strip(), normalise_stratum(fields[1])
        problems = []
        id_problem = check_id(ident)
        if id_problem:
            problems.append(id_problem)
        stratum_problem = check_stratum(stratum, ident or "（无编号）")
        if stratum_problem:
            problems.append(stratum_problem)
        if not id_problem:
            if ident in first_seen:
                problems.append(
                    f"评议人编号 {ident} 重复（第{first_seen[ident]}行已有）：同一人只能出现一次"
                )
            else:
                first_seen[ident] = number
        errors.extend((number, f"第{number}行：{p}") for p in problems)
        if not problems:
            rows.append((stratum, ident))
    if not errors and not rows:
        errors.append((0, "名册中没有评议人"))
    if errors:
        raise roster_error(errors)
    rows.sort()
    lines_out = [HEADER] + [f"{ident},{stratum}" for stratum, ident in rows]
    return rows, ("\n".join(lines_out) + "\n").encode("utf-8")


# -- the seed ---------------------------------------------------------------------------------


def seed_char_allowed(c: str) -> bool:
    return "0" <= c <= "9" or c == "/" or c in SEED_SEPARATORS or c.isspace()


def canonical_seed(seed: str) -> str:
    text = unicodedata.normalize("NFKC", seed).strip()
    if not text:
        raise InputError("随机种子有误：", ["随机种子为空"])
    if len(text) > MAX_SEED_LENGTH:
        raise InputError("随机种子有误：", [f"随机种子超过 {MAX_SEED_LENGTH} 个字符"])
    bad = sorted({c for c in text if not seed_char_allowed(c)})
    if bad:
        shown = " ".join(f"“{c}”" for c in bad)
        raise InputError(
            "随机种子有误：",
            [
                f"随机种子含有不允许的字符 {shown}：只能填数字，数字之间用空格或 . , 、 分隔，"
                "不同来源之间用 / 分隔"
            ],
        )
    groups = text.split("/")
    if not groups[-1].strip():
        groups.pop()
    errors = []
    parts = []
    for n, group in enumerate(groups, start=1):
        numbers = sorted(int(d) for d in DIGITS.findall(group))
        if not numbers:
            errors.append(f"随机种子第 {n} 组（第 {n} 个 / 之前或之后）没有数字")
            continue
        parts.append("".join(f"{x}." for x in numbers) + "/")
    if errors:
        raise InputError("随机种子有误：", errors)
    return "".join(parts)


# -- quotas -----------------------------------------------------------------------------------


def quota_error(errors: list[str]) -> InputError:
    return InputError(f"名额表有 {len(errors)} 处错误：", errors)


def read_quotas_json(data: bytes) -> dict[str, object]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise quota_error(["名额文件不是 UTF-8 编码的文本"]) from None
    text = text[1:] if text.startswith("\ufeff") else text

    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        seen: dict[str, object] = {}
        for key, value in items:
            if key in seen:
                raise quota_error([f"名额表中层级“{key}”出现了不止一次"])
            seen[key] = value
        return seen

    try:
        value = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise quota_error([f"名额文件不是合法的 JSON（第{exc.lineno}行第{exc.colno}列）"]) from None
    if not isinstance(value, dict):
        raise quota_error(['名额文件应为 JSON 对象，如 {"企业": 100, "社区居民": 150}'])
    return value


def read_quota_args(args: list[str]) -> dict[str, object]:
    quotas: dict[str, object] = {}
    errors = []
    for arg in args:
        stratum, sep, number = arg.rpartition("=")
        if not sep or not number.strip().isdigit() or not number.strip().isascii():
            errors.append(f"参数“{arg}”应写成 层级=名额，如 企业=100")
            continue
        if stratum in quotas:
            errors.append(f"名额表中层级“{stratum}”出现了不止一次")
            continue
        quotas[stratum] = int(number)
    if errors:
        raise quota_error(errors)
    return quotas


def check_quotas(quotas: dict[str, object], strata: dict[str, int]) -> dict[str, int]:
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
        raise quota_error(errors)
    return dict(sorted(clean.items()))


# -- the draw and the report ------------------------------------------------------------------


def redo_draw(
    roster_bytes: bytes, seed: str, quotas: dict[str, object]
) -> tuple[str, str, dict[str, int], dict[str, list[str]], bool]:
    """Return (roster hash, canonical seed, quotas, order per stratum, file was canonical)."""
    rows, canonical = parse_roster(roster_bytes)
    digest = hashlib.sha256(canonical).hexdigest()
    seed_text = canonical_seed(seed)
    strata = dict(sorted(Counter(stratum for stratum, _ in rows).items()))
    clean = check_quotas(quotas, strata)
    order: dict[str, list[str]] = {}
    for stratum in clean:
        keyed = []
        for row_stratum, ident in rows:
            if row_stratum == stratum:
                text = f"{seed_text}|{digest}|{stratum}|{ident}"
                keyed.append((hashlib.sha256(text.encode("utf-8")).hexdigest(), ident))
        keyed.sort()
        order[stratum] = [ident for _, ident in keyed]
    return digest, seed_text, clean, order, canonical == roster_bytes


def report_text(
    digest: str, seed_text: str, quotas: dict[str, int], order: dict[str, list[str]], full: bool
) -> str:
    lines = [
        f"名册哈希 SHA-256: {digest}",
        f"规范种子: {seed_text}",
        f"名额合计: {sum(quotas.values())}",
    ]
    for stratum, ids in order.items():
        quota = quotas[stratum]
        lines.append(f"== {stratum}（名额 {quota}，共 {len(ids)} 人）==")
        shown = ids if full else ids[:quota]
        for n, ident in enumerate(shown, start=1):
            lines.append(f"{n} {'入选' if n <= quota else '候补'} {ident}")
    return "\n".join(lines) + "\n"


def report_json(
    digest: str, seed_text: str, quotas: dict[str, int], order: dict[str, list[str]]
) -> str:
    value = {
        "roster_hash": digest,
        "canonical_seed": seed_text,
        "strata": {
            s: {
                "quota": quotas[s],
                "size": len(ids),
                "selected": ids[: quotas[s]],
                "reserves": ids[quotas[s] :],
            }
            for s, ids in order.items()
        },
    }
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="按公布的名册文件和随机种子重做评议人抽取（只用 Python 标准库）。",
        epilog='例：python3 redo_draw.py roster.csv "03 09 14 21 26 33 / 07" quotas.json',
    )
    parser.add_argument("roster", help="公布的评议人名册文件（CSV，表头 id,stratum）")
    parser.add_argument("seed", help="公布的随机种子（如彩票开奖号码），不同来源之间用 / 分隔")
    parser.add_argument(
        "quotas", nargs="+", help="名额：一个 JSON 文件（如 quotas.json），或若干 层级=名额"
    )
    parser.add_argument("--full", action="store_true", help="同时列出每个层级的候补顺序")
    parser.add_argument("--json", action="store_true", help="以 JSON 输出全部结果")
    args = parser.parse_args(argv)
    try:
        try:
            with open(args.roster, "rb") as f:
                roster_bytes = f.read()
        except OSError as exc:
            raise InputError("无法读取名册文件：", [f"{args.roster}：{exc.strerror}"]) from None
        if len(args.quotas) == 1 and "=" not in args.quotas[0]:
            try:
                with open(args.quotas[0], "rb") as f:
                    quotas = read_quotas_json(f.read())
            except OSError as exc:
                raise InputError(
                    "无法读取名额文件：", [f"{args.quotas[0]}：{exc.strerror}"]
                ) from None
        else:
            quotas = read_quota_args(args.quotas)
        digest, seed_text, clean, order, was_canonical = redo_draw(roster_bytes, args.seed, quotas)
    except InputError as exc:
        print("错误：" + exc.title, file=sys.stderr)
        for message in exc.errors:
            print("  " + message, file=sys.stderr)
        return 2
    if not was_canonical:
        print(
            "注意：名册文件不是规范格式（行序、换行符、BOM 或引号与公布的文件不同），"
            "以下哈希按规范格式计算；请直接使用结果页下载的原始文件。",
            file=sys.stderr,
        )
    if args.json:
        sys.stdout.write(report_json(digest, seed_text, clean, order))
    else:
        sys.stdout.write(report_text(digest, seed_text, clean, order, args.full))
    return 0


if __name__ == "__main__":
    sys.exit(main())
