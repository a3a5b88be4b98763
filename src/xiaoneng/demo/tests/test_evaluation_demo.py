"""The demo's evaluation campaigns (千人评议, C6): two published years and this year's open one."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from openpyxl import load_workbook

import xiaoneng
from xiaoneng.audit import services as audit
from xiaoneng.demo import evaluation_data as ed
from xiaoneng.evaluation import excel, mixing, services, sheets
from xiaoneng.evaluation.models import (
    AccessCode,
    AnswerSheet,
    Campaign,
    CampaignUnit,
    Evaluator,
    Milestone,
    Opinion,
    PaperForm,
)

SCRIPT = Path(xiaoneng.__file__).parent / "draw" / "redo_draw.py"
TALLY_SCRIPT = Path(xiaoneng.__file__).parent / "scoring" / "redo_tally.py"
CODE_RE = re.compile(r"[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}")


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    """The small demo city with its campaigns, built once for this module and rolled back
    afterwards (each test runs in a savepoint inside it)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            out = StringIO()
            call_command("demo", "--size", "small", stdout=out)
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def campaigns() -> list[Campaign]:
    return list(Campaign.objects.order_by("year"))


def fingerprint(campaign: Campaign) -> tuple:
    """What must not change for a seed: who was drawn and replaced, every answer, every result."""
    return (
        campaign.name,
        campaign.roster_hash,
        campaign.seed_raw,
        list(
            campaign.evaluators.order_by("number").values_list(
                "number", "status", "mode", "draw_position"
            )
        ),
        sorted(campaign.sheets.values_list("channel", "serial", "answers", "excluded")),
        campaign.pending.count(),
        sorted(Opinion.objects.filter(sheet__campaign=campaign).values_list("text", flat=True)),
        list(
            campaign.units.order_by("sort_order").values_list(
                "unit_id", "category", "score", "rank", "rank_low", "rank_high", "last_place"
            )
        ),
        (campaign.summary or {}).get("headline"),
    )


@pytest.mark.django_db
def test_command_prints_the_campaigns_and_three_try_out_codes(built):
    assert "评议活动：" in built and "结果已公布" in built and "评议进行中" in built
    line = next(x for x in built.splitlines() if x.startswith("可试用评议码"))
    codes = CODE_RE.findall(line)
    assert len(codes) == 3 and "/evaluations/answer/" in line
    # They work: each is an unused code of the open campaign.
    for code in codes:
        access = sheets.find_code(code)
        assert access is not None and access.campaign.is_collecting


@pytest.mark.django_db
def test_last_year_is_published_with_ranked_results_for_every_unit(built):
    today = timezone.localdate()
    older, last, current = campaigns()
    assert (older.year, last.year, current.year) == (today.year - 2, today.year - 1, today.year)
    for campaign in (older, last):
        assert campaign.status == Campaign.Status.PUBLISHED
        units = list(campaign.units.all())
        assert {u.category for u in units} == set(ed.CATEGORIES)
        for cu in units:
            assert cu.score is not None and cu.result is not None
            assert cu.rank is not None and cu.rank_low <= cu.rank <= cu.rank_high
            assert cu.duty_summary
        summary = campaign.summary
        assert summary["replicates"] == 200 and summary["flags"] >= 2
        assert 0.93 < summary["headline"]["value"] < 1
        assert summary["headline"]["low"] < summary["headline"]["value"]
        assert set(summary["by_channel"]) == {"online", "paper"}
    # Rising year over year, as in seed 004 (95.2% → 98.7%).
    assert older.summary["headline"]["value"] < last.summary["headline"]["value"]


@pytest.mark.django_db
def test_last_year_went_through_every_step(built):
    _, last, _ = campaigns()
    evaluators = last.evaluators
    assert evaluators.filter(status=Evaluator.Status.SELECTED).count() == 60
    assert evaluators.filter(status=Evaluator.Status.REPLACED).count() >= 2
    assert evaluators.count() > 80  # the pool: about one and a half times the quotas
    assert AccessCode.objects.filter(campaign=last, revoked=True).exists()
    # Paper: every form typed by two different accounts, at least one mismatch resolved.
    forms = list(last.paper_forms.prefetch_related("entries"))
    assert forms and all(f.status == PaperForm.Status.ACCEPTED for f in forms)
    for form in forms:
        clerks = [e.clerk_id for e in form.entries.all()]
        assert len(clerks) == 2 and clerks[0] != clerks[1]
    assert any(f.resolved_by_id for f in forms)
    # Careless sheets were reviewed by rule: every straight-lined sheet excluded alike (the
    # all-比较满意 one too), one of the identical pair.
    excluded = last.sheets.filter(excluded=True)
    rules = dict(excluded.values_list("exclusion_rule").annotate(n=Count("pk")))
    assert rules == {"straight_lining": 3, "identical_answers": 1}
    straight = excluded.filter(exclusion_rule="straight_lining").values_list("answers", flat=True)
    assert {len(set(a)) for a in straight} == {1} and {a[0] for a in straight} == {"0", "1"}
    assert sorted(last.exclusion_rules) == ["identical_answers", "straight_lining"]
    assert Opinion.objects.filter(sheet__campaign=last).exists()
    # The pool is empty once closed; every used code has its sheet.
    assert not last.pending.exists()
    used = AccessCode.objects.filter(campaign=last, used=True)
    assert used.count() == last.sheets.filter(channel="online").count()
    for moment in (last.created_at, last.drawn_at, last.tallied_at, last.published_at):
        assert timezone.localtime(moment).year == last.year
    milestones = list(last.milestones.all())
    assert len(milestones) == 5
    for m in milestones:
        assert m.done_at is not None and timezone.localtime(m.done_at).date() <= m.due_date
    assert audit.verify().ok


@pytest.mark.django_db
def test_the_standalone_script_redraws_last_year(built, tmp_path):
    _, last, _ = campaigns()
    (tmp_path / "roster.csv").write_text(last.roster_csv, encoding="utf-8", newline="")
    (tmp_path / "quotas.json").write_text(last.quotas_json, encoding="utf-8", newline="")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONIOENCODING"] = "utf-8"
    run = subprocess.run(
        [
            sys.executable,
            "-I",
            str(SCRIPT),
            str(tmp_path / "roster.csv"),
            last.seed_raw,
            str(tmp_path / "quotas.json"),
            "--json",
        ],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        check=True,
    )
    redone = json.loads(run.stdout)
    assert redone["roster_hash"] == last.roster_hash
    assert redone["canonical_seed"] == last.seed_canonical
    for stratum in last.strata.all():
        drawn = list(
            last.evaluators.filter(stratum=stratum, draw_position__lte=stratum.quota)
            .order_by("draw_position")
            .values_list("number", flat=True)
        )
        assert redone["strata"][stratum.name]["selected"] == drawn
        # Replacements came from the reserves in draw order.
        reserves = redone["strata"][stratum.name]["reserves"]
        stepped_in = set(
            last.evaluators.filter(
                stratum=stratum,
                status=Evaluator.Status.SELECTED,
                draw_position__gt=stratum.quota,
            ).values_list("number", flat=True)
        )
        assert stepped_in == set(reserves[: len(stepped_in)])


@pytest.mark.django_db
def test_every_used_code_is_consistent_with_at_least_k_sheets(built):
    """What linked 37 of 41 online sheets to their code in the 2024 demo campaign: a sheet and
    a code that agree on their stratum and on the day. For every used code of every campaign,
    count the online sheets that agree with it on everything the two tables both record (the
    stratum, and any day or time either keeps): at least k, or every online sheet of the stratum
    when the stratum has fewer (docs/evaluation.md §5)."""
    k = mixing.batch_size()
    code_times = [
        f.name
        for f in AccessCode._meta.concrete_fields
        if f.get_internal_type() in ("DateField", "DateTimeField") and f.name != "issued_at"
    ]
    sheet_times = [
        f.name
        for f in AnswerSheet._meta.concrete_fields
        if f.get_internal_type() in ("DateField", "DateTimeField")
    ]

    def day(value):
        return value.date() if hasattr(value, "date") else value

    for campaign in campaigns():
        online = list(campaign.sheets.filter(channel="online").values("stratum_id", *sheet_times))
        codes = AccessCode.objects.filter(campaign=campaign, used=True).values(
            "evaluator__stratum_id", *code_times
        )
        assert codes
        for code in codes:
            stratum = code["evaluator__stratum_id"]
            same_stratum = [s for s in online if s["stratum_id"] == stratum]
            consistent = [
                s
                for s in same_stratum
                if all(day(code[c]) == day(s[t]) for c in code_times for t in sheet_times)
            ]
            waiting = campaign.pending.filter(stratum_id=stratum).count()
            assert len(consistent) + waiting >= min(k, len(same_stratum) + waiting), (
                campaign.year,
                stratum,
            )


@pytest.mark.django_db
def test_redo_tally_matches_last_years_public_workbook(built, tmp_path):
    _, last, _ = campaigns()
    path = tmp_path / excel.filename(last)
    path.write_bytes(excel.build_workbook(last, public=True))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONIOENCODING"] = "utf-8"

    def redo(workbook: Path) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-I", str(TALLY_SCRIPT), str(workbook)],
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=env,
        )

    done = redo(path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("一致（match）") and "剔除 4 份" in done.stdout
    wb = load_workbook(path)
    ws = wb["分项满意率"]
    ws["D2"] = ws["D2"].value - 0.0005  # the campaign's headline, low end
    wb.save(tmp_path / "changed.xlsx")
    changed = redo(tmp_path / "changed.xlsx")
    assert changed.returncode == 1
    assert "分项满意率 全部单位·满意率（公布） 95%下限" in changed.stdout


@pytest.mark.django_db
def test_this_year_is_collecting_with_unused_codes_and_paper_pending(built):
    today = timezone.localdate()
    *_, current = campaigns()
    assert current.status == Campaign.Status.COLLECTING and current.layout
    unused = AccessCode.objects.filter(campaign=current, used=False, revoked=False)
    assert unused.count() >= 3
    # Online sheets wait in the anonymity pool (too few per stratum in the small city for a
    # batch); paper sheets are in the table.
    used = AccessCode.objects.filter(campaign=current, used=True).count()
    waiting = current.pending.count()
    assert waiting and used == waiting + current.sheets.filter(channel="online").count()
    assert current.sheets.filter(channel="paper").exists()
    forms = current.paper_forms
    assert forms.filter(status=PaperForm.Status.AWAITING_SECOND).exists()
    assert forms.filter(status=PaperForm.Status.MISMATCH).count() == 1
    kinds = {m.kind: m for m in current.milestones.all()}
    assert kinds[Milestone.Kind.DRAW].done_at and kinds[Milestone.Kind.DISTRIBUTION].done_at
    assert kinds[Milestone.Kind.COLLECTION].done_at is None
    assert 14 <= (kinds[Milestone.Kind.COLLECTION].due_date - today).days <= 25
    # A visitor can answer with one of the codes.
    code = services.code_of(unused.select_related("evaluator").first())
    layout = sheets.layout_of(current)
    answers = {(u.pk, d.pk): 0 for u in layout.units for d in layout.dimensions}
    sheets.submit_online(code, answers, [(layout.units[0].pk, "窗口排队时间长，建议增开窗口。")])
    assert sheets.find_code(code) is None
    assert current.pending.count() == waiting + 1


@pytest.mark.django_db
def test_same_seed_same_campaigns(built):
    first = [fingerprint(c) for c in campaigns()]
    # The online sheets' ids come from the seed too (ids are primary keys): the first build
    # must go before the same seed builds again.
    assert ed.delete_campaigns() == 3
    ed.write_campaigns(2026, timezone.localdate(), "small")
    assert [fingerprint(c) for c in campaigns()] == first


def test_other_seed_other_answers_and_rates_on_target():
    units = [
        ed.EvaluatedUnit(i, f"U{i}", f"单位{i}", f"单位{i}", "department", cat, "负责", profile)
        for i, (cat, profile) in enumerate(
            [(ed.LAW, "law"), (ed.GOVERNMENT, "government"), (ed.WINDOW, "counter")] * 10
        )
    ]
    strata = np.arange(2000) % 10
    a = ed.generate_answers(
        np.random.default_rng(1), units, ed.unit_model(1, units, 0), strata, 0.952
    )
    b = ed.generate_answers(
        np.random.default_rng(1), units, ed.unit_model(1, units, 0), strata, 0.952
    )
    c = ed.generate_answers(
        np.random.default_rng(2), units, ed.unit_model(2, units, 0), strata, 0.952
    )
    assert (a == b).all() and not (a == c).all()
    known = a[a < 4]
    assert abs((known <= 1).mean() - 0.952) < 0.002
    # 不了解 follows the distance between stratum and unit: 农村居民 know the windows best.
    rural = a[strata == 9]
    by_category = [(rural[:, i::3] == 4).mean() for i in range(3)]
    assert by_category[2] < by_category[1]
    assert ed.quotas_for(1000) == [100, 100, 60, 80, 120, 120, 100, 100, 120, 100]
    assert sum(ed.quotas_for(60)) == 60


def test_valid_id_numbers_and_lottery_seed():
    import random

    from xiaoneng.evaluation.pool import valid_id_number

    rng = random.Random(1)
    assert all(valid_id_number(ed._id_number(rng)) for _ in range(200))
    source, numbers = ed.lottery_seed(rng, date(2025, 9, 16))
    assert "双色球" in source and re.fullmatch(r"(\d\d ){6}/ \d\d", numbers)


@pytest.mark.django_db
def test_reset_removes_the_campaigns_and_builds_them_again(built):
    out = StringIO()
    call_command("demo", "--size", "small", "--reset", stdout=out)
    assert re.search(r"评议活动 3", out.getvalue())
    assert Campaign.objects.count() == 3
    assert CampaignUnit.objects.filter(campaign__status="published", rank=None).count() == 0
    assert AnswerSheet.objects.exists()
