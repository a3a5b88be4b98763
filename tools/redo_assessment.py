#!/usr/bin/env python3
"""复核绩效考评计分 — recompute every published score of an assessment period from its scoring
workbook (Python 3.10+ standard library and openpyxl only).

用法 / usage::

    python3 redo_assessment.py 绩效考评计分工作簿.xlsx   # 逐项比对，输出“一致”或不一致之处

It reads the schemes (方案, 指标, 加减分项, 否决项), every unit's raw figures (单位数据), the
office's entries (录入) and the monthly 末位 record (月度末位), recomputes as docs/assessment.md
specifies — component scores, the weighted base, capped adjustments, the consecutive-末位
deduction, shared ranks and rank bonuses, the interval, grades, veto caps, 末位 and the pay
coefficient — and compares each with the 结果 sheet. Exit status: 0 match, 1 differences,
2 bad input.

This file deliberately imports nothing of the xiaoneng package; it repeats the rules of
``xiaoneng.scoring.assessment``, and the project's tests run it against a published period and
check that it finds a figure altered.
"""

from __future__ import annotations

import math
import sys
from collections import defaultdict

from openpyxl import load_workbook

GRADES = ("优秀", "良好", "一般", "较差")
TOLERANCE = 0.011


def rows(wb, name):
    sheet = wb[name]
    values = list(sheet.iter_rows(values_only=True))
    filled = [r for r in values[1:] if any(x is not None for x in r)]
    return [dict(zip(values[0], r, strict=False)) for r in filled]


def normalise(x, zero_at, full_at):
    return max(0.0, min(100.0, 100.0 * (x - zero_at) / (full_at - zero_at)))


def wilson(k, n, z=1.96):
    p = k / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z / denom * math.sqrt(max(p * (1 - p), 0.0) / n + z2 / (4 * n * n))
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return low, high


def ranks(scores):
    keys = [round(s, 2) for s in scores]
    return [1 + sum(1 for o in keys if o > k) for k in keys]


def numbers(text):
    return [float(p) for p in str(text or "").replace("，", ",").split(",") if p.strip()]


def at(table, rank):
    return table[rank - 1] if 1 <= rank <= len(table) else 0.0


def read(path):
    wb = load_workbook(path, read_only=True, data_only=True)
    schemes = defaultdict(dict)
    for r in rows(wb, "方案"):
        schemes[r["单位类别"]][r["参数"]] = r["值"]
    comps, adjusts, vetoes = defaultdict(list), defaultdict(list), defaultdict(dict)
    for r in rows(wb, "指标"):
        comps[r["单位类别"]].append(r)
    for r in rows(wb, "加减分项"):
        adjusts[r["单位类别"]].append(r)
    for r in rows(wb, "否决项"):
        vetoes[r["单位类别"]][r["代码"]] = r["等次封顶"]
    figures = defaultdict(dict)
    for r in rows(wb, "单位数据"):
        figures[r["单位代码"]][r["数据来源"]] = r
    counts, vetoed = defaultdict(dict), defaultdict(set)
    for r in rows(wb, "录入"):
        if r["类型"] == "adjustment":
            counts[r["单位代码"]][r["项目"]] = int(r["数值"])
        elif r["类型"] == "veto":
            vetoed[r["单位代码"]].add(r["项目"])
    months = {
        r["单位代码"]: [x == "1" for x in str(r["各月是否末位（1是0否，按月份先后）"]).split(",")]
        for r in rows(wb, "月度末位")
    }
    results = rows(wb, "结果")
    return schemes, comps, adjusts, vetoes, figures, counts, vetoed, months, results


def streak_deduction(flags, points, cap):
    total, streak = 0.0, 0
    for last in flags:
        streak = streak + 1 if last else 0
        if last:
            total += points * 2 ** (streak - 1)
    return total if cap is None else min(total, cap)


def score_category(s, comps, adjusts, vetoes, units, figures, counts, vetoed, months):
    """Recompute one category: {unit code: {base, score, low, high, rank, grade, last, coef}}."""
    out = {}
    for code in units:
        parts = []
        for c in comps:
            f = figures.get(code, {}).get(c["数据来源"])
            if f is None or f["原始值"] is None:
                continue
            score = normalise(f["原始值"], c["计0分的值"], c["计满分的值"])
            low = high = score
            if f["记录数"] and f["计数"] is not None:
                pl, ph = wilson(f["计数"], f["记录数"])
                ends = [
                    normalise(p * f["比例基数"], c["计0分的值"], c["计满分的值"]) for p in (pl, ph)
                ]
                low, high = min(ends), max(ends)
            parts.append((c["权重"], score, low, high))
        if not parts:
            out[code] = None
            continue
        total = sum(w for w, *_ in parts)
        base = sum(w * x for w, x, _l, _h in parts) / total
        low = sum(w * x for w, _s, x, _h in parts) / total
        high = sum(w * x for w, _s, _l, x in parts) / total
        amounts = []
        for a in adjusts:
            raw = a["每次分值"] * counts.get(code, {}).get(a["代码"], 0)
            if a["上限"] is not None:
                raw = max(-a["上限"], min(a["上限"], raw))
            amounts.append(raw)
        bonus = sum(x for x in amounts if x > 0)
        deduction = -sum(x for x in amounts if x < 0)
        if s["bonus_cap"] is not None:
            bonus = min(bonus, s["bonus_cap"])
        if s["deduction_cap"] is not None:
            deduction = min(deduction, s["deduction_cap"])
        streak = streak_deduction(
            months.get(code, []), s["consecutive_last_points"], s["consecutive_last_cap"]
        )
        pre = base + bonus - deduction - streak
        out[code] = {"base": base, "low": low, "high": high, "pre": pre}
    scored = [c for c in units if out[c] is not None]
    pre_ranks = dict(zip(scored, ranks([out[c]["pre"] for c in scored]), strict=True))
    bottom = dict(zip(scored, ranks([-out[c]["pre"] for c in scored]), strict=True))
    top_table, bottom_table = numbers(s["rank_bonus_top"]), numbers(s["rank_deduction_bottom"])
    for c in scored:
        r = out[c]
        r["score"] = round(r["pre"] + at(top_table, pre_ranks[c]) - at(bottom_table, bottom[c]), 2)
        shift = r["score"] - r["base"]
        r["low"], r["high"] = round(r["low"] + shift, 2), round(r["high"] + shift, 2)
        r["base"] = round(r["base"], 2)
    final_ranks = dict(zip(scored, ranks([out[c]["score"] for c in scored]), strict=True))
    thresholds = (s["excellent_at"], s["good_at"], s["fair_at"])
    quota = s["excellent_quota"]
    places = math.floor(quota / 100 * len(scored) + 1e-9) if quota is not None else None
    from_bottom = dict(zip(scored, ranks([float(final_ranks[c]) for c in scored]), strict=True))
    group = [c for c in scored if from_bottom[c] <= s["last_count"]] if s["last_count"] else []
    above = [c for c in scored if c not in group]
    coefficients = (s["pay_excellent"], s["pay_good"], s["pay_fair"], s["pay_poor"])
    for c in scored:
        r = out[c]
        r["rank"] = final_ranks[c]
        passed = (g for g, f in zip(GRADES, thresholds, strict=False) if r["score"] >= f - 1e-9)
        grade = next(passed, GRADES[-1])
        tied = sum(1 for x in scored if final_ranks[x] == r["rank"])
        if places is not None and grade == GRADES[0] and r["rank"] + tied - 1 > places:
            grade = GRADES[1]
        for key in vetoed.get(c, ()):
            if key in vetoes:
                grade = GRADES[max(GRADES.index(grade), GRADES.index(vetoes[key]))]
        r["grade"] = grade
        if c in group and len(scored) >= 2:
            clear = bool(above) and all(r["high"] < out[o]["low"] for o in above)
            r["last"] = "last" if clear else "not_distinguishable"
        else:
            r["last"] = "not_last"
        coefficient = coefficients[GRADES.index(grade)]
        if r["last"] == "last":
            coefficient *= 1 - s["last_pay_deduction"] / 100
        r["coefficient"] = round(coefficient, 4)
    return out


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 2
    try:
        schemes, comps, adjusts, vetoes, figures, counts, vetoed, months, results = read(argv[1])
    except (OSError, KeyError, ValueError) as error:
        print(f"无法读取工作簿（cannot read the workbook）：{error}")
        return 2
    by_category = defaultdict(list)
    for r in results:
        by_category[r["单位类别"]].append(r["单位代码"])
    redone = {}
    for category, units in by_category.items():
        redone.update(
            score_category(
                schemes[category],
                comps[category],
                adjusts[category],
                vetoes[category],
                units,
                figures,
                counts,
                vetoed,
                months,
            )
        )
    fields = {
        "基础得分": "base",
        "总分": "score",
        "区间下限": "low",
        "区间上限": "high",
        "名次": "rank",
        "等次": "grade",
        "末位": "last",
        "绩效系数": "coefficient",
    }
    differences = []
    for r in results:
        mine = redone.get(r["单位代码"])
        if mine is None:
            if r["总分"] is not None:
                differences.append(f"{r['单位']} 总分：公布 {r['总分']}，重算 无数据")
            continue
        for column, key in fields.items():
            published = r[column]
            ours = mine.get(key)
            if isinstance(ours, float) or isinstance(published, float):
                same = ours is not None and published is not None
                same = same and abs(float(ours) - float(published)) <= TOLERANCE
            else:
                same = ours == published
            if not same:
                differences.append(f"{r['单位']} {column}：公布 {published}，重算 {ours}")
    if differences:
        print("\n".join(differences))
        return 1
    print(f"一致（match）：{len(results)}个单位")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
