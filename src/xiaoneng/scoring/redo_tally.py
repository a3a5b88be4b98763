#!/usr/bin/env python3
"""复核评议计分 — recompute every published figure of an evaluation campaign from its public
results workbook (Python 3.9+ standard library and numpy only).

用法 / usage::

    python3 redo_tally.py 评议结果.xlsx                  # 逐项比对，输出“一致”或不一致之处
    python3 redo_tally.py 评议结果.xlsx --include-excluded  # 不剔除任何评议表重算并列出结果

It reads the workbook (an .xlsx file is a zip of XML files: read with ``zipfile`` and
``xml.etree``) — the method in 说明, the answer sheets in 评议表 — and recomputes, as
docs/scoring.md specifies: which sheets the adopted careless-response rules exclude; every
unit's score, dimension and stratum scores, satisfaction rates with their intervals (design
effect, effective sample size), 知晓率, counts; the ranks, the bootstrap rank intervals (random
numbers from SHAKE-256 of the published seed) and the 末位 decision; the rates of all units by
dimension and by stratum. Then it compares each with the published figure and prints
"一致（match）" or every difference. Exit status: 0 match, 1 differences, 2 bad input.

This file deliberately imports nothing of the xiaoneng package; it repeats the rules of
``xiaoneng.scoring`` (docs/scoring.md), and the project's tests run it against a published
campaign and check that it finds a figure altered.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import re
import sys
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field

import numpy as np

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
DOC_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
VERSION = 2
TOLERANCE = 1e-9
STREAM_PREFIX = "xiaoneng-bootstrap|"
RULES = ("一律同选", "问卷编号重复", "答卷完全相同")  # in the order they are applied
LEGACY = "逐份复核剔除（旧办法）"
LAST_LABELS = {"last": "末位", "not_distinguishable": "末位不可区分", "unranked": "无有效评价"}


class InputError(Exception):
    """The workbook cannot be read as a results workbook (the reason in Chinese)."""


# ---- reading the workbook -----------------------------------------------------------------------


def _column(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref).group(0)
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _number(text: str):
    return int(text) if re.fullmatch(r"-?\d+", text) else float(text)


def read_workbook(path: str) -> dict[str, list[list]]:
    """Every worksheet as a list of rows (lists of str, int, float or None), blank rows kept."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise InputError(f"无法读取工作簿 {path}：{exc}") from None
    with archive:
        names = set(archive.namelist())
        shared: list[str] = []
        if "xl/sharedStrings.xml" in names:
            for si in ET.fromstring(archive.read("xl/sharedStrings.xml")).iter(f"{MAIN}si"):
                shared.append("".join(t.text or "" for t in si.iter(f"{MAIN}t")))
        book = ET.fromstring(archive.read("xl/workbook.xml"))
        rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels.iter(f"{RELS}Relationship")}
        sheets: dict[str, list[list]] = {}
        for sheet in book.iter(f"{MAIN}sheet"):
            target = targets[sheet.get(f"{DOC_RELS}id")]
            target = target.lstrip("/") if target.startswith("/") else "xl/" + target
            rows: list[list] = []
            # Row by row, each cleared once read: a campaign's answers are ~500,000 cells.
            for _, row in ET.iterparse(archive.open(target)):
                if row.tag != f"{MAIN}row":
                    continue
                index = int(row.get("r")) - 1 if row.get("r") else len(rows)
                while len(rows) < index:
                    rows.append([])
                values: list = []
                for c in row.iter(f"{MAIN}c"):
                    col = _column(c.get("r")) if c.get("r") else len(values)
                    while len(values) < col:
                        values.append(None)
                    kind, v = c.get("t"), c.find(f"{MAIN}v")
                    if kind == "s":
                        value = shared[int(v.text)]
                    elif kind == "inlineStr":
                        value = "".join(t.text or "" for t in c.iter(f"{MAIN}t"))
                    elif kind in ("str", "e"):
                        value = v.text if v is not None else ""
                    elif kind == "b":
                        value = v is not None and v.text == "1"
                    else:
                        value = _number(v.text) if v is not None and v.text else None
                    values.append(value if value != "" else None)
                rows.append(values)
                row.clear()
            sheets[sheet.get("name")] = rows
    return sheets


def records(rows: list[list]) -> list[dict]:
    header = rows[0]
    return [
        {h: (row[i] if i < len(row) else None) for i, h in enumerate(header) if h}
        for row in rows[1:]
        if any(v is not None for v in row)
    ]


def table(rows: list[list], first: str) -> list[list]:
    """The rows under the header row whose first cell is ``first``, up to a blank row."""
    for i, row in enumerate(rows):
        if row and row[0] == first:
            out = []
            for body in rows[i + 1 :]:
                if not body or body[0] is None:
                    break
                out.append(body + [None] * 4)
            return out
    return []


# ---- the published inputs -----------------------------------------------------------------------


@dataclass
class Published:
    options: list[tuple[str, float | None, bool, bool]]
    headline_top_two: bool
    strata: list[tuple[str, float]]
    dimensions: list[tuple[str, float]]
    category_weights: dict[tuple[str, str], dict[str, float]]
    combination: tuple[float, float] | None
    seed: int
    replicates: int
    z: float
    decimals: int
    min_items: int
    rules: dict[str, bool]
    notes: dict[str, object]
    units: list[str]
    categories: dict[str, str]
    assessment: dict[str, float]
    sheet_ids: list[str]
    sheet_strata: list[int]
    answers: np.ndarray  # (sheets, units, dimensions): option index, -1 blank
    excluded: dict[str, str]  # sheet id → rule label
    ranking: dict[str, dict]
    dimension_scores: dict[str, dict]
    stratum_scores: dict[str, dict]
    rates: dict[tuple[str, str], dict] = field(default_factory=dict)


def read_published(path: str) -> Published:
    sheets = read_workbook(path)
    missing = [n for n in ("说明", "排名", "评议表") if n not in sheets]
    if missing:
        raise InputError(
            "工作簿缺少工作表：" + "、".join(missing) + "（请使用结果页下载的公开版评议结果）"
        )
    notes_rows = sheets["说明"]
    notes: dict[str, object] = {}
    for row in notes_rows:
        if row and isinstance(row[0], str) and row[0] not in notes and len(row) > 1:
            notes[row[0]] = row[1]
    version = int(notes.get("计分程序版本") or 1)
    if version != VERSION:
        raise InputError(
            f"这份结果由第{version}版计分程序得出，本程序复核第{VERSION}版"
            "（区间按评议表计算、自助法随机数取自 SHAKE-256、按规则剔除）。"
        )
    options = [
        (
            str(r[0]),
            None if r[1] in (None, "不计分") else float(r[1]),
            r[2] == "是",
            r[3] == "是",
        )
        for r in table(notes_rows, "答案选项")
    ]
    strata = [(str(r[0]), float(r[2])) for r in table(notes_rows, "评议层面")]
    dimensions = [(str(r[0]), float(r[1])) for r in table(notes_rows, "评议内容")]
    category_weights: dict[tuple[str, str], dict[str, float]] = {}
    for r in table(notes_rows, "单位类别"):
        kind = "stratum" if r[1] == "层面权重" else "dimension"
        category_weights.setdefault((kind, str(r[0])), {})[str(r[2])] = float(r[3])
    rules = {str(r[0]): r[1] == "采用" for r in table(notes_rows, "剔除规则")}
    combination = None
    if notes.get("问卷得分权重") is not None:
        combination = (float(notes["问卷得分权重"]), float(notes["工作考核得分权重"]))
    if not options or not strata or not dimensions:
        raise InputError("“说明”中缺少答案选项、评议层面或评议内容表")

    ranking = {r["单位"]: r for r in records(sheets["排名"])}
    labels = [o[0] for o in options]
    dim_names = [d for d, _ in dimensions]
    stratum_names = [h for h, _ in strata]
    answer_rows = sheets["评议表"]
    header = answer_rows[0]
    first = header.index("剔除依据") + 1
    while first < len(header) and header[first] in ("方式", "问卷编号"):
        first += 1
    units: list[str] = []
    columns = header[first:]
    for col in columns:
        dim = next((d for d in dim_names if col.endswith("·" + d)), None)
        if dim is None:
            raise InputError(f"“评议表”的列“{col}”不是“单位·评议内容”")
        unit = col[: -len(dim) - 1]
        if unit not in units:
            units.append(unit)
    if len(columns) != len(units) * len(dim_names):
        raise InputError("“评议表”的列数与单位、评议内容不符")
    unknown = [u for u in units if u not in ranking]
    if unknown:
        raise InputError("“排名”中没有这些单位：" + "、".join(unknown))
    body = [row for row in answer_rows[1:] if row and row[0] is not None]
    answers = np.full((len(body), len(units), len(dim_names)), -1, dtype=np.int8)
    index = {label: k for k, label in enumerate(labels)}
    sheet_ids, sheet_strata, excluded = [], [], {}
    for s, row in enumerate(body):
        row = row + [None] * (len(header) - len(row))
        sheet_ids.append(str(row[0]))
        if row[1] not in stratum_names:
            raise InputError(f"评议表 {row[0]} 的层面“{row[1]}”不在“说明”的评议层面表中")
        sheet_strata.append(stratum_names.index(row[1]))
        if row[2] == "是":
            excluded[str(row[0])] = row[3] or ""
        cells = row[first : first + len(columns)]
        for k, value in enumerate(cells):
            if value is not None:
                if value not in index:
                    raise InputError(f"评议表 {row[0]} 有不在答案选项中的答案“{value}”")
                answers[s, k // len(dim_names), k % len(dim_names)] = index[value]
    rates = {}
    if "分项满意率" in sheets:
        rates = {(r["范围"], r["名称"]): r for r in records(sheets["分项满意率"])}
    return Published(
        options=options,
        headline_top_two="前三项" not in str(notes.get("公布的满意率", "")),
        strata=strata,
        dimensions=dimensions,
        category_weights=category_weights,
        combination=combination,
        seed=int(str(notes["自助法随机种子"])),
        replicates=int(notes["自助法重复次数"]),
        z=float(notes.get("区间z值") or 1.96),
        decimals=int(notes.get("名次比较保留小数位") or 6),
        min_items=int(notes.get("一律同选、答卷完全相同的最少题数") or 10),
        rules=rules,
        notes=notes,
        units=units,
        categories={u: str(ranking[u]["单位类别"]) for u in units},
        assessment={u: float(ranking[u]["工作考核得分"]) for u in units if combination is not None},
        sheet_ids=sheet_ids,
        sheet_strata=sheet_strata,
        answers=answers,
        excluded=excluded,
        ranking=ranking,
        dimension_scores={r["单位"]: r for r in records(sheets.get("评议内容得分", [[]]))},
        stratum_scores={r["单位"]: r for r in records(sheets.get("层面得分", [[]]))},
        rates=rates,
    )


# ---- the careless-response rules ----------------------------------------------------------------


def rule_exclusions(p: Published) -> tuple[dict[str, str], list[str]]:
    """Which sheets the adopted rules exclude (id → rule), and what cannot be checked."""
    flat = p.answers.reshape(len(p.sheet_ids), -1)
    asked = flat != -1
    n_asked = asked.sum(axis=1)
    out: dict[str, str] = {}
    notes = []
    if p.rules.get("一律同选"):
        for s in range(len(p.sheet_ids)):
            values = set(flat[s][asked[s]].tolist())
            if n_asked[s] >= p.min_items and len(values) == 1:
                out.setdefault(p.sheet_ids[s], "一律同选")
    if p.rules.get("问卷编号重复"):
        notes.append("“问卷编号重复”无法复核：公开版不含问卷编号")
        for sid, rule in p.excluded.items():
            if rule == "问卷编号重复":
                out.setdefault(sid, rule)
    if p.rules.get("答卷完全相同"):
        groups: dict[bytes, list[int]] = {}
        for s in range(len(p.sheet_ids)):
            if n_asked[s] >= p.min_items:
                groups.setdefault(flat[s].tobytes(), []).append(s)
        for members in groups.values():
            for s in members[1:]:
                out.setdefault(p.sheet_ids[s], "答卷完全相同")
    for sid, rule in p.excluded.items():
        if rule == LEGACY:
            notes.append(f"评议表 {sid} 按旧办法逐份剔除，无法按规则复核")
            out.setdefault(sid, rule)
    return out, notes


# ---- the method (docs/scoring.md §2) ------------------------------------------------------------


@dataclass
class Rate:
    count: int
    n: int
    value: float | None
    low: float | None
    high: float | None
    deff: float | None
    n_eff: float | None


def wilson(p: float, n: float, z: float) -> tuple[float, float]:
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z / denom * math.sqrt(max(p * (1 - p), 0.0) / n + z2 / (4 * n * n))
    low = 0.0 if p <= 0 else max(0.0, centre - half)
    high = 1.0 if p >= 1 else min(1.0, centre + half)
    return low, high


def rates(y: np.ndarray, x: np.ndarray, members: list[np.ndarray], z: float) -> list[Rate]:
    """Σy/Σx per column, with the interval over whole sheets (docs/scoring.md §2, step 6)."""
    y, x = y.astype(np.float64), x.astype(np.float64)
    n, count = x.sum(axis=0), y.sum(axis=0)
    safe_n = np.where(n > 0, n, 1.0)
    p = np.where(n > 0, count / safe_n, np.nan)
    zres = y - np.where(n > 0, p, 0.0) * x
    ss = np.zeros(n.shape[0])
    for rows in members:
        m = len(rows)
        if m == 1:
            ss += zres[rows][0] ** 2
        elif m > 1:
            zh = zres[rows]
            ss += m / (m - 1) * ((zh - zh.mean(axis=0)) ** 2).sum(axis=0)
    answering = (x > 0).sum(axis=0)
    var = ss / safe_n**2
    binomial = np.where(n > 0, p * (1 - p) / safe_n, 0.0)
    out = []
    for j in range(n.shape[0]):
        if n[j] == 0:
            out.append(Rate(round(float(count[j])), 0, None, None, None, None, None))
            continue
        if 0 < p[j] < 1 and answering[j] >= 2 and binomial[j] > 0:
            deff = var[j] / binomial[j]
        else:
            deff = n[j] / answering[j]
        deff = max(float(deff), 1.0)
        n_eff = float(n[j] / deff)
        low, high = wilson(float(p[j]), n_eff, z)
        out.append(
            Rate(round(float(count[j])), round(float(n[j])), float(p[j]), low, high, deff, n_eff)
        )
    return out


def weight_matrix(keys: list[str], default: dict, per_category: dict, p: Published, kind: str):
    rows = []
    for u in p.units:
        weights = per_category.get((kind, p.categories[u]), default)
        rows.append([float(weights[k]) for k in keys])
    return np.array(rows, dtype=np.float64).reshape(len(p.units), len(keys))


def scores(sums, ns, w_strata, w_dims):
    """Unit (…, U), dimension (…, U, D) and stratum (…, H, U) scores; NaN = none."""
    answered = ns > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(answered, sums / np.where(answered, ns, 1.0), 0.0)
        wh = w_strata.T[:, :, None] * answered
        wsum = wh.sum(axis=-3)
        dim = np.where(wsum > 0, (wh * means).sum(axis=-3) / np.where(wsum > 0, wsum, 1), np.nan)
        has = ~np.isnan(dim)
        wd = w_dims * has
        wdsum = wd.sum(axis=-1)
        unit = np.where(
            wdsum > 0,
            (wd * np.where(has, dim, 0)).sum(axis=-1) / np.where(wdsum > 0, wdsum, 1),
            np.nan,
        )
        wds = w_dims * answered
        wdss = wds.sum(axis=-1)
        per_stratum = np.where(
            wdss > 0, (wds * means).sum(axis=-1) / np.where(wdss > 0, wdss, 1), np.nan
        )
    return unit, dim, per_stratum


def competition_ranks(values, decimals: int):
    s = np.round(np.asarray(values, dtype=np.float64), decimals)
    s = np.where(np.isnan(s), -np.inf, s)
    return 1 + (s[..., None, :] > s[..., :, None]).sum(axis=-1)


def bootstrap_counts(sizes: list[int], replicates: int, seed: int) -> list[np.ndarray]:
    """Replicate by replicate, stratum by stratum: n_h integers below n_h each (docs §4)."""
    total = replicates * sum(sizes)
    message = f"{STREAM_PREFIX}{seed}".encode()
    values = np.frombuffer(hashlib.shake_256(message).digest(8 * total), dtype=">u8")
    values = values.astype(np.uint64)
    used = 0
    out = [np.zeros((replicates, n)) for n in sizes]
    for b in range(replicates):
        for h, n in enumerate(sizes):
            if not n:
                continue
            remainder = (1 << 64) % n
            drawn: list[int] = []
            while len(drawn) < n:
                if used >= len(values):  # discarded integers: read further in the stream
                    longer = hashlib.shake_256(message).digest(8 * (2 * len(values) + 8))
                    values = np.frombuffer(longer, dtype=">u8").astype(np.uint64)
                take = values[used : used + n - len(drawn)]
                used += len(take)
                if remainder:
                    take = take[take < np.uint64((1 << 64) - remainder)]
                drawn += (take % np.uint64(n)).astype(np.int64).tolist()
            out[h][b] = np.bincount(np.array(drawn, dtype=np.int64), minlength=n)
    return out


@dataclass
class Tally:
    units: dict[str, dict]
    totals: dict[tuple[str, str], Rate]
    awareness: float | None
    sheets_used: int


def tally(p: Published, leave_out: set[str]) -> Tally:
    keep = np.array([sid not in leave_out for sid in p.sheet_ids], dtype=bool)
    answers = p.answers[keep]
    strata_of = np.array(p.sheet_strata, dtype=np.intp)[keep]
    n_sheets, n_units, n_dims = answers.shape
    n_strata = len(p.strata)
    n_labels = len(p.options)
    value_lut = np.zeros(n_labels + 1)
    valid_lut = np.zeros(n_labels + 1, dtype=bool)
    asked_lut = np.ones(n_labels + 1, dtype=bool)
    asked_lut[0] = False
    top2_lut = np.zeros(n_labels + 1, dtype=bool)
    top3_lut = np.zeros(n_labels + 1, dtype=bool)
    known_lut = asked_lut.copy()
    for k, (_, value, top2, top3) in enumerate(p.options):
        if value is not None:
            value_lut[k + 1] = value
            valid_lut[k + 1] = True
        else:
            known_lut[k + 1] = False
        top2_lut[k + 1] = top2
        top3_lut[k + 1] = top3
    idx = answers.astype(np.intp) + 1
    valid = valid_lut[idx]
    n_answers = asked_lut[idx].sum(axis=(0, 2))
    valid_su = valid.sum(axis=2).astype(np.float64)
    top2_sud, top3_sud = top2_lut[idx], top3_lut[idx]
    top2_su = top2_sud.sum(axis=2).astype(np.float64)
    top3_su = top3_sud.sum(axis=2).astype(np.float64)
    sheets_per_unit = valid.any(axis=2).sum(axis=0)
    n_known = known_lut[idx].sum(axis=(0, 2))

    flat = n_units * n_dims
    values = value_lut[idx].reshape(n_sheets, flat)
    validf = valid.reshape(n_sheets, flat).astype(np.float64)
    members = [np.flatnonzero(strata_of == h) for h in range(n_strata)]
    stacked = [np.concatenate([values[m], validf[m]], axis=1) for m in members]
    sums = np.zeros((n_strata, n_units, n_dims))
    ns = np.zeros((n_strata, n_units, n_dims))
    for h, mat in enumerate(stacked):
        tot = mat.sum(axis=0)
        sums[h] = tot[:flat].reshape(n_units, n_dims)
        ns[h] = tot[flat:].reshape(n_units, n_dims)

    z = p.z
    unit_top2 = rates(top2_su, valid_su, members, z)
    unit_top3 = rates(top3_su, valid_su, members, z)
    total_valid = valid_su.sum(axis=1, keepdims=True)
    head_sud = top2_sud if p.headline_top_two else top3_sud
    head_su = top2_su if p.headline_top_two else top3_su
    in_stratum = (strata_of[:, None] == np.arange(n_strata)[None, :]).astype(np.float64)
    totals = {
        ("全部单位", "前两项满意率"): rates(
            top2_su.sum(axis=1, keepdims=True), total_valid, members, z
        )[0],
        ("全部单位", "前三项满意率"): rates(
            top3_su.sum(axis=1, keepdims=True), total_valid, members, z
        )[0],
    }
    totals[("全部单位", "满意率（公布）")] = totals[
        ("全部单位", "前两项满意率" if p.headline_top_two else "前三项满意率")
    ]
    by_dim = rates(head_sud.sum(axis=1), valid.sum(axis=1), members, z)
    for k, (d, _) in enumerate(p.dimensions):
        totals[("评议内容", d)] = by_dim[k]
    head_s = head_su.sum(axis=1, keepdims=True)
    by_stratum = rates(head_s * in_stratum, total_valid * in_stratum, members, z)
    for k, (h, _) in enumerate(p.strata):
        totals[("层面", h)] = by_stratum[k]

    stratum_w = {h: w for h, w in p.strata}
    dim_w = {d: w for d, w in p.dimensions}
    w_strata = weight_matrix([h for h, _ in p.strata], stratum_w, p.category_weights, p, "stratum")
    w_dims = weight_matrix([d for d, _ in p.dimensions], dim_w, p.category_weights, p, "dimension")
    q_score, dim_scores, stratum_scores = scores(sums, ns, w_strata, w_dims)
    if p.combination is not None:
        wq, wa = p.combination
        wq, wa = wq / (wq + wa), wa / (wq + wa)
        assess = np.array([p.assessment[u] for u in p.units])

        def final_of(q):
            return q * wq + assess * wa
    else:

        def final_of(q):
            return q

    final = final_of(q_score)
    categories: dict[str, list[int]] = {}
    for i, u in enumerate(p.units):
        categories.setdefault(p.categories[u], []).append(i)
    members_c = {c: np.array(m) for c, m in categories.items()}
    ranks = np.zeros(n_units, dtype=np.int64)
    for m in members_c.values():
        ranks[m] = competition_ranks(final[m], p.decimals)
    rank_lo = rank_hi = None
    if p.replicates > 0 and n_sheets > 0:
        counts = bootstrap_counts([len(m) for m in members], p.replicates, p.seed)
        b_sums = np.zeros((p.replicates, n_strata, n_units, n_dims))
        b_ns = np.zeros((p.replicates, n_strata, n_units, n_dims))
        for h, (c, mat) in enumerate(zip(counts, stacked, strict=True)):
            if mat.shape[0] == 0:
                continue
            prod = c @ mat
            b_sums[:, h] = prod[:, :flat].reshape(p.replicates, n_units, n_dims)
            b_ns[:, h] = prod[:, flat:].reshape(p.replicates, n_units, n_dims)
        b_final = final_of(scores(b_sums, b_ns, w_strata, w_dims)[0])
        b_ranks = np.zeros((p.replicates, n_units), dtype=np.int64)
        for m in members_c.values():
            b_ranks[:, m] = competition_ranks(b_final[:, m], p.decimals)
        rank_lo = np.quantile(b_ranks, 0.025, axis=0, method="lower").astype(np.int64)
        rank_hi = np.quantile(b_ranks, 0.975, axis=0, method="higher").astype(np.int64)

    status = ["not_last"] * n_units
    for m in members_c.values():
        scored = [i for i in m if not np.isnan(final[i])]
        for i in m:
            if np.isnan(final[i]):
                status[i] = "unranked"
        if not scored:
            continue
        worst = max(ranks[i] for i in scored)
        last = [i for i in scored if ranks[i] == worst]
        flagged = (
            len(last) == 1
            and len(scored) >= 2
            and rank_lo is not None
            and all(rank_lo[last[0]] > rank_hi[j] for j in scored if j != last[0])
        )
        for i in last:
            status[i] = "last" if flagged else "not_distinguishable"

    def opt(x) -> float | None:
        return None if np.isnan(x) else float(x)

    units = {}
    for i, u in enumerate(p.units):
        ranked = not np.isnan(final[i])
        units[u] = {
            "score": opt(final[i]),
            "questionnaire_score": opt(q_score[i]),
            "dimensions": {d: opt(dim_scores[i, k]) for k, (d, _) in enumerate(p.dimensions)},
            "strata": {h: opt(stratum_scores[k, i]) for k, (h, _) in enumerate(p.strata)},
            "top_two": unit_top2[i],
            "top_three": unit_top3[i],
            "headline": unit_top2[i] if p.headline_top_two else unit_top3[i],
            "awareness": float(n_known[i] / n_answers[i]) if n_answers[i] else None,
            "answers": int(n_answers[i]),
            "valid_answers": int(valid_su[:, i].sum()),
            "sheets": int(sheets_per_unit[i]),
            "rank": int(ranks[i]) if ranked else None,
            "rank_low": int(rank_lo[i]) if ranked and rank_lo is not None else None,
            "rank_high": int(rank_hi[i]) if ranked and rank_hi is not None else None,
            "last_place": status[i],
        }
    total_answers = int(n_answers.sum())
    awareness = int(n_known.sum()) / total_answers if total_answers else None
    return Tally(units, totals, awareness, n_sheets)


# ---- comparing ----------------------------------------------------------------------------------


class Comparison:
    def __init__(self) -> None:
        self.checked = 0
        self.differences: list[str] = []

    def same(self, where: str, published, mine) -> None:
        self.checked += 1
        if isinstance(mine, float) or isinstance(published, float):
            if published is None or mine is None:
                ok = published is None and mine is None
            else:
                ok = math.isclose(
                    float(published), float(mine), rel_tol=TOLERANCE, abs_tol=TOLERANCE
                )
        else:
            ok = published == mine
        if not ok:
            self.differences.append(f"{where}：公布 {_show(published)}，重算 {_show(mine)}")


def _show(value) -> str:
    if value is None:
        return "（空）"
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def _prefixed(row: dict, prefix: str):
    key = next((k for k in row if k.startswith(prefix)), None)
    return row.get(key) if key else None


def compare_rate(cmp: Comparison, where: str, published: dict, keys: dict[str, str], rate: Rate):
    for attr, column in keys.items():
        cmp.same(f"{where}{column}", published.get(column), getattr(rate, attr))


def compare(p: Published, mine: Tally, expected: dict[str, str]) -> Comparison:
    cmp = Comparison()
    for sid in sorted(set(expected) | set(p.excluded)):
        cmp.same(f"评议表 {sid} 剔除依据", p.excluded.get(sid), expected.get(sid))
    notes = p.notes
    cmp.same("说明 收回评议表（份）", notes.get("收回评议表（份）"), len(p.sheet_ids))
    cmp.same("说明 计入统计（份）", notes.get("计入统计（份）"), mine.sheets_used)
    cmp.same("说明 经复核剔除（份）", notes.get("经复核剔除（份）"), len(expected))
    headline = mine.totals[("全部单位", "满意率（公布）")]
    cmp.same("说明 全部单位合计满意率", notes.get("全部单位合计满意率"), headline.value)
    two, three = (
        mine.totals[("全部单位", "前两项满意率")],
        mine.totals[("全部单位", "前三项满意率")],
    )
    cmp.same("说明 全部单位合计前两项满意率", notes.get("全部单位合计前两项满意率"), two.value)
    cmp.same("说明 全部单位合计前三项满意率", notes.get("全部单位合计前三项满意率"), three.value)
    cmp.same("说明 全部单位合计知晓率", notes.get("全部单位合计知晓率"), mine.awareness)
    for (scope, name), row in p.rates.items():
        rate = mine.totals.get((scope, name))
        if rate is None:
            cmp.differences.append(f"分项满意率 {scope}·{name}：重算中没有这一项")
            continue
        where = f"分项满意率 {scope}·{name} "
        compare_rate(
            cmp,
            where,
            row,
            {
                "value": "满意率",
                "low": "95%下限",
                "high": "95%上限",
                "deff": "设计效应",
                "n_eff": "有效样本量",
            },
            rate,
        )
        cmp.same(where + "计入满意的评价数", row.get("计入满意的评价数"), rate.count)
        cmp.same(where + "有效评价数", row.get("有效评价数"), rate.n)
    for unit in p.units:
        row, r = p.ranking[unit], mine.units[unit]
        where = f"排名 {unit} "
        cmp.same(where + "得分", row.get("得分"), r["score"])
        if "问卷得分" in row:
            cmp.same(where + "问卷得分", row.get("问卷得分"), r["questionnaire_score"])
        cmp.same(where + "名次", row.get("名次"), r["rank"])
        cmp.same(where + "名次区间起", row.get("名次区间起"), r["rank_low"])
        cmp.same(where + "名次区间止", row.get("名次区间止"), r["rank_high"])
        cmp.same(where + "末位情况", row.get("末位情况"), LAST_LABELS.get(r["last_place"]))
        compare_rate(
            cmp,
            where,
            row,
            {
                "value": "满意率",
                "low": "满意率95%下限",
                "high": "满意率95%上限",
                "deff": "满意率设计效应",
                "n_eff": "满意率有效样本量",
            },
            r["headline"],
        )
        for rate, name in ((r["top_two"], "前两项"), (r["top_three"], "前三项")):
            cmp.same(where + name + "满意率", _prefixed(row, name + "满意率"), rate.value)
            cmp.same(where + name + "95%下限", row.get(name + "95%下限"), rate.low)
            cmp.same(where + name + "95%上限", row.get(name + "95%上限"), rate.high)
        cmp.same(where + "知晓率", row.get("知晓率"), r["awareness"])
        cmp.same(where + "有效评价数", row.get("有效评价数"), r["valid_answers"])
        cmp.same(where + "评价数", row.get("评价数"), r["answers"])
        cmp.same(where + "评议表数", row.get("评议表数"), r["sheets"])
        for d, _ in p.dimensions:
            published = p.dimension_scores.get(unit, {})
            cmp.same(f"评议内容得分 {unit} {d}", published.get(d), r["dimensions"][d])
        for h, _ in p.strata:
            published = p.stratum_scores.get(unit, {})
            cmp.same(f"层面得分 {unit} {h}", published.get(h), r["strata"][h])
    return cmp


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


def report(mine: Tally, p: Published) -> str:
    lines = ["单位类别\t单位\t得分\t名次\t名次区间\t满意率（95%区间）\t末位情况"]
    for unit in p.units:
        r = mine.units[unit]
        h = r["headline"]
        score = "—" if r["score"] is None else f"{r['score']:.2f}"
        span = "—" if r["rank_low"] is None else f"{r['rank_low']}—{r['rank_high']}"
        interval = f"{_percent(h.value)}（{_percent(h.low)}—{_percent(h.high)}）"
        last = LAST_LABELS.get(r["last_place"], "")
        lines.append(
            f"{p.categories[unit]}\t{unit}\t{score}\t{r['rank'] or '—'}\t{span}\t{interval}\t{last}"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="用公开的评议结果工作簿复核全部计分结果（Python 标准库 + numpy）。",
        epilog="例：python3 redo_tally.py 2025年度评议结果.xlsx",
    )
    parser.add_argument("workbook", help="结果页下载的评议结果（.xlsx，公开版）")
    parser.add_argument(
        "--include-excluded",
        action="store_true",
        help="不剔除任何评议表，重算并列出各单位结果（不比对）",
    )
    args = parser.parse_args(argv)
    try:
        p = read_published(args.workbook)
    except InputError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    if args.include_excluded:
        mine = tally(p, set())
        sys.stdout.write(f"不剔除任何评议表（共 {len(p.sheet_ids)} 份）重算：\n")
        sys.stdout.write(report(mine, p))
        return 0
    expected, notes = rule_exclusions(p)
    mine = tally(p, set(expected))
    cmp = compare(p, mine, expected)
    for note in notes:
        print("注意：" + note)
    if cmp.differences:
        print(f"不一致（differ）：{len(cmp.differences)} 处（共比对 {cmp.checked} 项）")
        for line in cmp.differences:
            print("  " + line)
        return 1
    print(
        f"一致（match）：共比对 {cmp.checked} 项，全部与公布的结果相同"
        f"（评议表 {len(p.sheet_ids)} 份，剔除 {len(expected)} 份，自助法 {p.replicates} 次）。"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
