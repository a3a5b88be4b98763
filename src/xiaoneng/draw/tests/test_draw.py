"""The evaluator draw: roster format, seed, quotas, the ordering and the standalone script."""

from __future__ import annotations

import ast
import hashlib
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xiaoneng.draw import (
    DrawResult,
    QuotaError,
    RosterError,
    RosterRow,
    SeedError,
    canonical_quotas,
    canonical_roster,
    canonical_seed,
    check_quotas,
    draw,
    draw_key,
    format_result,
    parse_quotas_json,
    parse_roster,
    result_json,
    roster_hash,
)

SRC = Path(__file__).resolve().parents[3]
SCRIPT = SRC.parent / "tools" / "redo_draw.py"
PROPERTIES = settings(
    derandomize=True,
    database=None,
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# The ten strata of the 酒泉 千人评议 practice (seed 004).
STRATA = [
    "两代表一委员",
    "市级领导干部",
    "县级领导干部",
    "科级干部",
    "工商企业界",
    "街道社区",
    "乡镇工作人员",
    "城镇居民",
    "农村居民",
    "服务对象",
]
SEED = "03 09 14 21 26 33 / 07"


def make_roster(per_stratum: int = 30) -> bytes:
    rows = [
        (f"PY2026-{s:02d}{i:03d}", stratum)
        for s, stratum in enumerate(STRATA)
        for i in range(per_stratum)
    ]
    return canonical_roster(rows)


ROSTER = make_roster()
QUOTAS = {s: 3 + i for i, s in enumerate(STRATA)}


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONIOENCODING"] = "utf-8"
    # -I: isolated mode, so the script cannot pick up xiaoneng from the environment.
    return subprocess.run(
        [sys.executable, "-I", str(SCRIPT), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        check=False,
    )


# -- the roster file --------------------------------------------------------------------------


def test_canonical_roster_format() -> None:
    data = canonical_roster(
        [("P2", "企业"), RosterRow(stratum="企业", id="P10"), ("A1", " 社区居民 ")]
    )
    assert data == "id,stratum\nP10,企业\nP2,企业\nA1,社区居民\n".encode()
    assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data
    assert roster_hash(data) == hashlib.sha256(data).hexdigest()
    assert len(roster_hash(data)) == 64
    parsed = parse_roster(data)
    assert parsed.data == data and parsed.source_was_canonical
    assert parsed.hash == roster_hash(data)
    assert parsed.strata == {"企业": 2, "社区居民": 1}
    assert parsed.ids_in("企业") == ["P10", "P2"]


def test_parse_tolerates_excel_style_file_but_reports_it_not_canonical() -> None:
    messy = '\ufeffid, stratum\r\n"P2",企业\r\n\r\nP1,"社区居民"\r\nP3,企业  \r\n'.encode()
    parsed = parse_roster(messy)
    assert not parsed.source_was_canonical
    assert parsed.data == "id,stratum\nP2,企业\nP3,企业\nP1,社区居民\n".encode()
    assert parsed.hash == roster_hash(parsed.data)


def test_stratum_is_nfc_normalised() -> None:
    decomposed = "Cafe\u0301"  # "Café" with a combining accent
    data = canonical_roster([("P1", decomposed)])
    assert data == "id,stratum\nP1,Caf\u00e9\n".encode()
    assert parse_roster(data).strata == {"Caf\u00e9": 1}


@pytest.mark.parametrize(
    ("data", "messages"),
    [
        (b"", ["名册文件为空"]),
        (b"  \n\n", ["名册文件为空"]),
        (b"id,stratum\n", ["名册中没有评议人"]),
        (
            "编号,层级\nP1,企业\n".encode(),
            ["第1行：表头应为“id,stratum”，实际为“编号,层级”"],
        ),
        (b"id,stratum\nP1,\n", ["第2行：评议人 P1 缺少层级（stratum）"]),
        (b"id,stratum\nP1\n", ["第2行：应有 2 列（id,stratum），实际有 1 列"]),
        (
            "id,stratum\nP1,企业,张三\n".encode(),
            ["第2行：应有 2 列（id,stratum），实际有 3 列"],
        ),
        (
            "id,stratum\n,企业\n".encode(),
            ["第2行：缺少评议人编号（id）"],
        ),
        (
            "id,stratum\n张三,企业\n".encode(),
            [
                "第2行：评议人编号“张三”不合格式：只能由字母、数字和 . _ - 组成，"
                "以字母或数字开头，最长 64 个字符"
            ],
        ),
        (
            'id,stratum\nP1,"企|业"\n'.encode(),
            ["第2行：评议人 P1 的层级“企|业”含有不允许的字符 '|'"],
        ),
        (
            "id,stratum\nP1,企业\nP2,社区\nP1,社区\n".encode(),
            ["第4行：评议人编号 P1 重复（第2行已有）：同一人只能出现一次"],
        ),
        (b"id,stratum\nP1,\xe4\xbc\n", ["第2行：不是 UTF-8 编码的文本"]),
        (b"id,stratum\nP1,a\rb\n", ["第2行：含有单独的回车符（\\r）"]),
    ],
)
def test_bad_roster_refused_with_line(data: bytes, messages: list[str]) -> None:
    with pytest.raises(RosterError) as info:
        parse_roster(data)
    assert [m for _, m in info.value.errors] == messages
    for m in messages:
        assert m in str(info.value)


def test_roster_error_lists_every_problem() -> None:
    data = "id,stratum\nP1,企业\nP2,\n,社区\nP1,\nP3,企业\n".encode()
    with pytest.raises(RosterError) as info:
        parse_roster(data)
    assert info.value.errors == [
        (3, "第3行：评议人 P2 缺少层级（stratum）"),
        (4, "第4行：缺少评议人编号（id）"),
        (5, "第5行：评议人 P1 缺少层级（stratum）"),
        (5, "第5行：评议人编号 P1 重复（第2行已有）：同一人只能出现一次"),
    ]
    assert str(info.value).startswith("评议人名册有 4 处错误：\n")


def test_canonical_roster_refuses_bad_rows() -> None:
    with pytest.raises(RosterError) as info:
        canonical_roster([("P1", "企业"), ("P1", "社区"), ("P2", "")])
    assert [m for _, m in info.value.errors] == [
        "第2条：评议人编号 P1 重复（第1条已有）：同一人只能出现一次",
        "第3条：评议人 P2 缺少层级（stratum）",
    ]
    with pytest.raises(RosterError, match="名册中没有评议人"):
        canonical_roster([])


# -- the seed ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seed", "canonical"),
    [
        ("03 09 14 21 26 33 / 07", "3.9.14.21.26.33./7./"),
        ("33,26,21,14,09,03/07", "3.9.14.21.26.33./7./"),  # order inside a group is irrelevant
        ("０３、０９、１４／０７", "3.9.14./7./"),  # full-width digits and slash
        ("3.9.14./7./", "3.9.14./7./"),  # already canonical
        ("5 5 2", "2.5.5./"),  # repeated numbers are kept (福彩3D)
        ("000 / 1", "0./1./"),
        (" 17 ", "17./"),
    ],
)
def test_canonical_seed(seed: str, canonical: str) -> None:
    assert canonical_seed(seed) == canonical


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        ("", "随机种子为空"),
        ("   ", "随机种子为空"),
        ("红球 03 09", "随机种子含有不允许的字符"),
        ("3O 5", "“O”"),
        ("1 2 // 3", "随机种子第 2 组（第 2 个 / 之前或之后）没有数字"),
        ("/ 3", "随机种子第 1 组"),
        ("1" * 1001, "随机种子超过 1000 个字符"),
    ],
)
def test_bad_seed_refused(seed: str, message: str) -> None:
    with pytest.raises(SeedError) as info:
        canonical_seed(seed)
    assert message in str(info.value)


# -- quotas -----------------------------------------------------------------------------------


def test_quotas_checked_against_roster() -> None:
    strata = {"企业": 5, "社区居民": 3, "两代表一委员": 2}
    assert check_quotas({"社区居民": 3, " 企业": 0, "两代表一委员": 1}, strata) == {
        "两代表一委员": 1,
        "企业": 0,
        "社区居民": 3,
    }
    with pytest.raises(QuotaError) as info:
        check_quotas({"企业": 6, "社区居民": -1, "乡镇": 1, "两代表一委员": 1.5}, strata)
    assert info.value.errors == [
        "层级“企业”的名额 6 大于名册中该层级的人数 5",
        "层级“社区居民”的名额 -1 是负数",
        "名额表中的层级“乡镇”在名册中不存在（名册中的层级：企业、社区居民、两代表一委员）",
        "层级“两代表一委员”的名额“1.5”不是整数",
    ]
    with pytest.raises(QuotaError) as info:
        check_quotas({"企业": 1, "社区居民": True}, strata)
    assert info.value.errors == [
        "层级“社区居民”的名额“True”不是整数",
        "层级“两代表一委员”在名册中有 2 人，名额表没有给出名额（不抽请写 0）",
    ]
    with pytest.raises(QuotaError, match="名额合计为 0"):
        check_quotas({"企业": 0, "社区居民": 0, "两代表一委员": 0}, strata)
    with pytest.raises(QuotaError, match="层级“企业”出现了不止一次"):
        check_quotas({"企业": 1, "企业 ": 1, "社区居民": 0, "两代表一委员": 0}, strata)


def test_quotas_json_round_trip_and_errors() -> None:
    published = canonical_quotas({"社区居民": 2, "企业": 1})
    assert published == '{\n  "企业": 1,\n  "社区居民": 2\n}\n'.encode()
    assert parse_quotas_json(b"\xef\xbb\xbf" + published) == {"企业": 1, "社区居民": 2}
    with pytest.raises(QuotaError, match="出现了不止一次"):
        parse_quotas_json('{"企业": 1, "企业": 2}'.encode())
    with pytest.raises(QuotaError, match="不是合法的 JSON"):
        parse_quotas_json(b"{")
    with pytest.raises(QuotaError, match="应为 JSON 对象"):
        parse_quotas_json(b"[1, 2]")
    with pytest.raises(QuotaError, match="UTF-8"):
        parse_quotas_json(b"{\xff}")


# -- the draw ---------------------------------------------------------------------------------


def test_draw_fills_every_quota_in_key_order() -> None:
    result = draw(ROSTER, SEED, QUOTAS)
    roster = parse_roster(ROSTER)
    assert result.roster_hash == roster.hash
    assert result.canonical_seed == "3.9.14.21.26.33./7./"
    assert result.seed == SEED
    assert list(result.order) == sorted(STRATA)
    for stratum, quota in QUOTAS.items():
        selected = result.selected[stratum]
        assert len(selected) == quota
        assert len(set(selected)) == quota
        assert set(selected) | set(result.reserves[stratum]) == set(roster.ids_in(stratum))
        keys = [
            draw_key(result.canonical_seed, roster.hash, stratum, i) for i in result.order[stratum]
        ]
        assert keys == sorted(keys)
    assert len(result.selected_ids) == sum(QUOTAS.values())


def test_draw_key_formula() -> None:
    text = "3.9./7./|" + "ab" * 32 + "|企业|P1"
    assert (
        draw_key("3.9./7./", "ab" * 32, "企业", "P1") == hashlib.sha256(text.encode()).hexdigest()
    )


def test_draw_is_reproducible() -> None:
    first = draw(ROSTER, SEED, QUOTAS)
    again = draw(bytes(ROSTER), "33 26 21 14 9 3/7", dict(reversed(list(QUOTAS.items()))))
    assert again.order == first.order and again.selected == first.selected
    assert format_result(again) == format_result(first)


def test_one_changed_row_changes_hash_and_draw() -> None:
    base = draw(ROSTER, SEED, QUOTAS)
    lines = ROSTER.decode().splitlines()
    # Move one evaluator to another stratum (sizes stay large enough for the quotas).
    moved = lines[5].split(",")[0] + "," + STRATA[-1]
    changed = ("\n".join([*lines[:5], moved, *lines[6:]]) + "\n").encode()
    other = draw(changed, SEED, QUOTAS)
    assert other.roster_hash != base.roster_hash
    assert other.selected != base.selected
    # Every stratum's order changes, not only the two touched: the roster hash is in every key.
    assert all(other.order[s] != base.order[s] for s in STRATA)
    # Renaming one evaluator's number changes it too.
    renamed = ROSTER.replace(b"PY2026-00000,", b"PY2026-00000X,")
    assert draw(renamed, SEED, QUOTAS).roster_hash != base.roster_hash
    assert draw(renamed, SEED, QUOTAS).order != base.order


def test_another_seed_changes_draw() -> None:
    base = draw(ROSTER, SEED, QUOTAS)
    other = draw(ROSTER, "03 09 14 21 26 33 / 08", QUOTAS)
    assert other.roster_hash == base.roster_hash
    assert other.selected != base.selected


def test_full_stratum_and_zero_quota() -> None:
    data = canonical_roster([("A", "企业"), ("B", "企业"), ("C", "社区")])
    result = draw(data, "1", {"企业": 2, "社区": 0})
    assert sorted(result.selected["企业"]) == ["A", "B"] and result.reserves["企业"] == ()
    assert result.selected["社区"] == () and result.reserves["社区"] == ("C",)


def test_draw_refuses_bad_input_in_order() -> None:
    with pytest.raises(RosterError):
        draw(b"id,stratum\nP1,\n", "1", {"x": 1})
    with pytest.raises(SeedError):
        draw(ROSTER, "abc", QUOTAS)
    with pytest.raises(QuotaError, match="大于名册中该层级的人数 30"):
        draw(ROSTER, SEED, {**QUOTAS, STRATA[0]: 31})
    for exc in (RosterError, SeedError, QuotaError):
        assert issubclass(exc, ValueError)


def test_reports() -> None:
    data = canonical_roster([("A", "企业"), ("B", "企业"), ("C", "社区")])
    result = draw(data, "1", {"企业": 1, "社区": 1})
    first, second = result.order["企业"]
    assert format_result(result) == (
        f"名册哈希 SHA-256: {result.roster_hash}\n规范种子: 1./\n名额合计: 2\n"
        f"== 企业（名额 1，共 2 人）==\n1 入选 {first}\n== 社区（名额 1，共 1 人）==\n1 入选 C\n"
    )
    assert f"2 候补 {second}\n" in format_result(result, full=True)
    value = json.loads(result_json(result))
    assert value == {
        "roster_hash": result.roster_hash,
        "canonical_seed": "1./",
        "strata": {
            "企业": {"quota": 1, "size": 2, "selected": [first], "reserves": [second]},
            "社区": {"quota": 1, "size": 1, "selected": ["C"], "reserves": []},
        },
    }


# -- the standalone script --------------------------------------------------------------------


def test_script_redoes_the_draw(tmp_path: Path) -> None:
    roster_file = tmp_path / "roster.csv"
    roster_file.write_bytes(ROSTER)
    quotas_file = tmp_path / "quotas.json"
    quotas_file.write_bytes(canonical_quotas(QUOTAS))
    expected = draw(ROSTER, SEED, QUOTAS)

    out = run_script(str(roster_file), SEED, str(quotas_file))
    assert out.returncode == 0, out.stderr
    assert out.stdout == format_result(expected)
    assert out.stderr == ""

    out = run_script(str(roster_file), SEED, str(quotas_file), "--full")
    assert out.stdout == format_result(expected, full=True)

    out = run_script(str(roster_file), SEED, str(quotas_file), "--json")
    assert out.stdout == result_json(expected)

    args = [f"{s}={n}" for s, n in QUOTAS.items()]
    out = run_script(str(roster_file), "33,26,21,14,9,3/7", *args)
    assert out.stdout == format_result(expected)


def test_script_agrees_after_one_row_changes(tmp_path: Path) -> None:
    changed = ROSTER.replace(b"PY2026-00007,", b"PY2026-00007A,")
    roster_file = tmp_path / "roster.csv"
    roster_file.write_bytes(changed)
    args = [f"{s}={n}" for s, n in QUOTAS.items()]
    out = run_script(str(roster_file), SEED, *args)
    assert out.returncode == 0, out.stderr
    assert out.stdout == format_result(draw(changed, SEED, QUOTAS))
    assert out.stdout != format_result(draw(ROSTER, SEED, QUOTAS))


def test_script_on_a_random_messy_roster(tmp_path: Path) -> None:
    rng = random.Random(2026)
    rows = [(f"E{n}", rng.choice(STRATA[:4])) for n in range(400)]
    rng.shuffle(rows)
    data = ("\ufeffid,stratum\r\n" + "".join(f"{i},{s}\r\n" for i, s in rows)).encode()
    roster_file = tmp_path / "roster.csv"
    roster_file.write_bytes(data)
    quotas = {s: 7 for s in STRATA[:4]}
    out = run_script(str(roster_file), "12 5 8 / 1 2", *(f"{s}=7" for s in quotas), "--full")
    assert out.returncode == 0, out.stderr
    assert out.stdout == format_result(draw(data, "12 5 8 / 1 2", quotas), full=True)
    assert "名册文件不是规范格式" in out.stderr


@pytest.mark.parametrize(
    ("roster", "seed", "quotas", "message"),
    [
        (b"", "1", ["x=1"], "名册文件为空"),
        (b"id,stratum\nP1,\n", "1", ["x=1"], "第2行：评议人 P1 缺少层级（stratum）"),
        (
            "id,stratum\nP1,企业\nP1,企业\n".encode(),
            "1",
            ["企业=1"],
            "第3行：评议人编号 P1 重复（第2行已有）",
        ),
        ("id,stratum\nP1,企业\n".encode(), "一二三", ["企业=1"], "随机种子含有不允许的字符"),
        (
            "id,stratum\nP1,企业\n".encode(),
            "1",
            ["企业=2"],
            "层级“企业”的名额 2 大于名册中该层级的人数 1",
        ),
        ("id,stratum\nP1,企业\n".encode(), "1", ["社区=1"], "名额表中的层级“社区”在名册中不存在"),
        ("id,stratum\nP1,企业\n".encode(), "1", ["企业=-1"], "应写成 层级=名额"),
        ("id,stratum\nP1,企业\n".encode(), "1", ["企业"], "无法读取名额文件"),
    ],
)
def test_script_refuses_bad_input(
    tmp_path: Path, roster: bytes, seed: str, quotas: list[str], message: str
) -> None:
    roster_file = tmp_path / "roster.csv"
    roster_file.write_bytes(roster)
    out = run_script(str(roster_file), seed, *quotas)
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr.startswith("错误：")
    assert message in out.stderr


def test_script_and_library_give_the_same_messages(tmp_path: Path) -> None:
    data = "id,stratum\nP1,企业\nP2,\n,社区\nP1,\n张三,企业\n".encode()
    roster_file = tmp_path / "roster.csv"
    roster_file.write_bytes(data)
    with pytest.raises(RosterError) as info:
        parse_roster(data)
    out = run_script(str(roster_file), "1", "企业=1")
    lines = out.stderr.splitlines()
    assert lines[0] == "错误：" + str(info.value).splitlines()[0]
    assert [line.strip() for line in lines[1:]] == [m for _, m in info.value.errors]


def test_script_uses_only_the_standard_library() -> None:
    tree = ast.parse(SCRIPT.read_text(encoding="utf-8"))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            modules.add((node.module or "").split(".")[0])
    assert modules <= set(sys.stdlib_module_names) | {"__future__"}, modules
    assert "xiaoneng" not in SCRIPT.read_text(encoding="utf-8").split('"""', 2)[2].replace(
        "xiaoneng.draw", ""
    )


def test_package_imports_no_django_and_nothing_third_party() -> None:
    # Run in a fresh interpreter: the test process itself has Django loaded already.
    code = (
        "import sys; before = set(sys.modules); import xiaoneng.draw; "
        "new = {m.split('.')[0] for m in set(sys.modules) - before}; "
        "bad = sorted(new - set(sys.stdlib_module_names) - {'xiaoneng'}); "
        "assert not bad, bad"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


# -- properties -------------------------------------------------------------------------------

ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,7}", fullmatch=True)
strata = st.sampled_from(["企业", "社区居民", "两代表一委员", "乡镇工作人员", "B", "a"])
rosters = st.dictionaries(ids, strata, min_size=1, max_size=60)
seeds = st.lists(
    st.lists(st.integers(min_value=0, max_value=99), min_size=1, max_size=7), min_size=1, max_size=3
).map(lambda groups: " / ".join(" ".join(f"{n:02d}" for n in g) for g in groups))


@st.composite
def draws(draw_: st.DrawFn) -> tuple[dict[str, str], str, dict[str, int]]:
    roster = draw_(rosters)
    sizes: dict[str, int] = {}
    for stratum in roster.values():
        sizes[stratum] = sizes.get(stratum, 0) + 1
    quotas = {s: draw_(st.integers(min_value=0, max_value=n)) for s, n in sizes.items()}
    first = next(iter(quotas))
    if sum(quotas.values()) == 0:
        quotas[first] = 1
    return roster, draw_(seeds), quotas


def to_bytes(rows: list[tuple[str, str]], crlf: bool = False) -> bytes:
    end = "\r\n" if crlf else "\n"
    return ("id,stratum" + end + "".join(f"{i},{s}{end}" for i, s in rows)).encode()


@PROPERTIES
@given(draws())
def test_selection_is_a_subset_of_the_right_size(case: tuple) -> None:
    roster, seed, quotas = case
    result = draw(canonical_roster(roster.items()), seed, quotas)
    for stratum, quota in quotas.items():
        members = {i for i, s in roster.items() if s == stratum}
        assert len(result.selected[stratum]) == quota
        assert set(result.selected[stratum]) <= members
        assert sorted(result.order[stratum]) == sorted(members)
        assert result.selected[stratum] + result.reserves[stratum] == result.order[stratum]


@PROPERTIES
@given(draws(), st.randoms(use_true_random=False), st.booleans())
def test_row_order_and_line_endings_do_not_matter(
    case: tuple, rng: random.Random, crlf: bool
) -> None:
    roster, seed, quotas = case
    rows = list(roster.items())
    canonical = draw(canonical_roster(rows), seed, quotas)
    rng.shuffle(rows)
    shuffled = to_bytes(rows, crlf)
    parsed = parse_roster(shuffled)
    assert parsed.data == canonical_roster(roster.items())
    assert draw(shuffled, seed, quotas) == DrawResult(
        roster_hash=canonical.roster_hash,
        seed=canonical.seed,
        canonical_seed=canonical.canonical_seed,
        quotas=canonical.quotas,
        order=canonical.order,
    )


@PROPERTIES
@given(draws())
def test_draw_is_a_function_of_roster_seed_and_quotas(case: tuple) -> None:
    roster, seed, quotas = case
    data = canonical_roster(roster.items())
    first = draw(data, seed, quotas)
    assert draw(data, seed, quotas) == first
    assert draw(data, canonical_seed(seed), quotas).order == first.order
    # The order of a stratum does not depend on the quotas: reserves stay reserves.
    bigger = {s: len(first.order[s]) for s in quotas}
    assert draw(data, seed, bigger).order == first.order


@PROPERTIES
@given(rosters, ids, strata)
def test_any_changed_row_changes_the_hash(
    roster: dict[str, str], new_id: str, stratum: str
) -> None:
    base = parse_roster(canonical_roster(roster.items())).hash
    victim = sorted(roster)[0]
    changed = dict(roster)
    changed[victim] = stratum if stratum != roster[victim] else stratum + "X"
    assert parse_roster(canonical_roster(changed.items())).hash != base
    if new_id not in roster:
        renamed = {new_id if i == victim else i: s for i, s in roster.items()}
        assert parse_roster(canonical_roster(renamed.items())).hash != base


@PROPERTIES
@given(seeds)
def test_canonical_seed_is_idempotent(seed: str) -> None:
    once = canonical_seed(seed)
    assert canonical_seed(once) == once
    assert once.endswith("/") and all(part for part in once.split("/")[:-1])


def test_worked_example_in_docs() -> None:
    # The example of docs/draw.md §5: implementations in other languages can check against it.
    data = "id,stratum\nP3,企业\nP1,企业\nP2,社区居民\nP4,社区居民\nP5,企业\n".encode()
    result = draw(data, "03 09 14 21 26 33 / 07", {"企业": 2, "社区居民": 1})
    assert result.roster_hash == "164ccd852fa4749e91a29c24040cb41e943b34ee7ab3306292b5b62daeb8e1c1"
    assert result.canonical_seed == "3.9.14.21.26.33./7./"
    assert draw_key(result.canonical_seed, result.roster_hash, "企业", "P5") == (
        "54683ce920ec6e27cd6284647409f174d2c92430c0a420469ca85e58e47b3201"
    )
    assert result.order == {"企业": ("P1", "P3", "P5"), "社区居民": ("P2", "P4")}
    assert result.selected == {"企业": ("P1", "P3"), "社区居民": ("P2",)}
    assert result.reserves == {"企业": ("P5",), "社区居民": ("P4",)}
