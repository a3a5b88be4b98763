"""Benchmark: complaint routing suggestions (投诉分办建议) — accuracy on held-out texts, and time.

Run:  .venv/bin/python bench/bench_routing.py [PER_DEPARTMENT] [SEED]

A labelled set is generated from the demo city's departments (``xiaoneng.demo.data``) and their
usual items (``xiaoneng.demo.catalog_data.TEMPLATES``): each complaint names an item of its
department and a typical grievance (delay, repeated materials, attitude, fees, 推诿…), written in a
dozen ways. Only some texts name the department (as people do: often by a short name, often not
at all); some name no item, only a section's business. The set is split 80/20 with a fixed seed;
the model is trained on the 80% and asked about the 20%. Reported: top-1 and top-3 accuracy
(overall, and on texts that do not name the department), training time, suggestion time per text,
and the duplicate check's time against 1,000 earlier complaints.
"""

from __future__ import annotations

import platform
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from xiaoneng.demo import catalog_data, data
from xiaoneng.routing import RoutingModel, duplicates

PROBLEMS = (
    "材料交了三次还说不齐全，每次只告诉一项",
    "已经超过承诺时限{n}个工作日了还没有办结",
    "窗口工作人员态度生硬，不耐烦地让我回去等通知",
    "打了{n}次电话都没人接，问进度也说不清楚",
    "被要求提供办事指南上没有的证明材料",
    "被收取了没有依据的费用{m}元",
    "在几个科室之间来回推诿，谁都说不归自己管",
    "网上提交后一直显示待受理，没有任何答复",
    "排队{n}个小时，轮到我时说系统故障让改天再来",
    "工作人员上班时间玩手机，办事效率很低",
    "说好的当场办结，结果让我等了{n}天",
    "要求先找中介代办，否则不给受理",
)
DEMANDS = (
    "希望尽快处理。",
    "请效能办督促解决。",
    "要求对相关人员严肃处理。",
    "请给一个明确答复。",
    "",
    "希望改进服务。",
)
FORMS = (
    "我在{dept}办理{item}，{problem}，{demand}",
    "{item}的事情，{problem}。{demand}",
    "投诉{dept}：办理{item}时{problem}。{demand}",
    "本人{when}申请{item}，{problem}，{demand}",
    "关于{item}：{problem}，{demand}",
    "反映{dept}{section}的问题，{problem}，{demand}",
    "去{dept}窗口办{item}，{problem}。",
    "{when}到政务中心办理{item}，{problem}，{demand}",
    "我们公司申请{item}，{problem}。{demand}",
    "{section}办理{item}，{problem}，{demand}",
)
WHEN = ("上个月", "上周", "三月初", "前天", "年初", "上周一")


def generate(per_department: int, seed: int) -> list[tuple[str, str, bool]]:
    """(text, department code, names the department?) for every department."""
    rng = random.Random(f"bench-routing:{seed}")
    rows = []
    for dept in data.DEPARTMENTS:
        items = catalog_data.item_names(dept.code) or [dept.short_name + "相关业务"]
        for _ in range(per_department):
            form = rng.choice(FORMS)
            # People name the department about half of the time, mostly by its short name.
            named = "{dept}" in form and rng.random() < 0.5
            if "{dept}" in form and not named:
                form = form.replace("{dept}", "")
            section = rng.choice(dept.sections) if dept.sections else ""
            text = form.format(
                dept=rng.choice((dept.short_name, dept.short_name, dept.name)),
                item=rng.choice(items),
                section=section if "{section}" in form else "",
                problem=rng.choice(PROBLEMS).format(n=rng.randint(2, 9), m=rng.randint(20, 500)),
                demand=rng.choice(DEMANDS),
                when=rng.choice(WHEN),
            )
            rows.append((text, dept.code, named))
    rng.shuffle(rows)
    return rows


def main() -> None:
    per_department = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 2026
    rows = generate(per_department, seed)
    cut = int(len(rows) * 0.8)
    train, test = rows[:cut], rows[cut:]

    started = time.perf_counter()
    model = RoutingModel.train([(t, u) for t, u, _ in train])
    train_s = time.perf_counter() - started

    hits1 = hits3 = hidden = hidden1 = hidden3 = 0
    started = time.perf_counter()
    for text, unit, named in test:
        ranked = [u for u, _ in model.suggest(text, k=3)]
        hits1 += ranked[0] == unit
        hits3 += unit in ranked
        if not named:
            hidden += 1
            hidden1 += ranked[0] == unit
            hidden3 += unit in ranked
    suggest_ms = (time.perf_counter() - started) * 1000 / len(test)

    earlier = [(i, t) for i, (t, _, _) in enumerate(train[:1000])]
    near = train[0][0].replace("，", "。", 1) + "谢谢！"
    started = time.perf_counter()
    found = duplicates(near, earlier, threshold=0.6)
    dup_ms = (time.perf_counter() - started) * 1000

    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, Python {platform.python_version()}")
    print(f"departments: {len(data.DEPARTMENTS)}, texts: {len(rows)}", end=" ")
    print(f"(train {len(train)}, test {len(test)}), seed {seed}")
    print(f"top-1: {hits1 / len(test):.1%}  top-3: {hits3 / len(test):.1%}")
    print(f"without the department's name ({hidden}):", end=" ")
    print(f"top-1 {hidden1 / hidden:.1%}  top-3 {hidden3 / hidden:.1%}")
    print(f"train: {train_s:.2f} s  suggest: {suggest_ms:.2f} ms/text")
    first = bool(found) and found[0][0] == 0
    print(f"duplicates vs 1,000 earlier: {dup_ms:.0f} ms, near-copy found first: {first}")


if __name__ == "__main__":
    main()
