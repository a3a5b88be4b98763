"""Benchmark: what the anonymity pool (匿名缓冲池, ``evaluation.mixing``) costs a submission, on an
82-unit campaign (docs/evaluation.md §5).

Run:  .venv/bin/python bench/bench_pool.py [--sheets 200] [--batch 10]

A fresh SQLite database in a temporary ``XIAONENG_DATA_DIR``: 82 units in seed 004's four
categories, the six default dimensions, one stratum with ``--sheets`` online evaluators drawn
through the services, codes issued, collection open. Then ``--sheets`` submissions through
``sheets.submit_online`` (the service the answer page calls: the code spent, the sheet sealed —
padded to one length for the campaign, ~330 KB as stored — into the pool, a batch of k released
whenever 2k wait), each with two opinions; timed one by one. Then the close, which releases what
is left. Reported: the sealed row's size, the median and slowest submission without a release and
with one, the close, and the database file's size.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

CATEGORY_SIZES = (("法检机关", 4), ("政府机构", 40), ("窗口单位", 22), ("党政机关和驻地单位", 16))


def setup_django(data_dir: str, batch: int) -> None:
    os.environ["XIAONENG_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiaoneng.settings")
    import django
    from django.conf import settings

    django.setup()
    settings.XIAONENG_EVALUATION_BATCH = batch
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build_campaign(people: int):
    from django.contrib.auth import get_user_model
    from openpyxl import Workbook

    from xiaoneng.accounts.roles import Role
    from xiaoneng.evaluation import pool, services
    from xiaoneng.org import services as org

    User = get_user_model()
    admin = User.objects.create_superuser("bench-admin", email="", password=None, role=Role.ADMIN)
    root = org.create_unit(admin, name="示范市", code="ROOT", kind="region")
    office = User.objects.create_user("bench-office", role=Role.OFFICE, unit=root)
    rows = []
    for category, count in CATEGORY_SIZES:
        for k in range(count):
            unit = org.create_unit(
                admin,
                name=f"{category}第{k + 1}单位",
                code=f"U{len(rows):03d}",
                kind="department",
                parent=root,
            )
            rows.append(services.UnitRow(unit.pk, category, "负责本单位职责范围内的工作。"))
    campaign = services.create_campaign(
        office, name="基准测试：缓冲池", year=2026, dates=services.suggested_dates(date(2026, 9, 1))
    )
    services.set_units(office, campaign, rows)
    services.set_strata(office, campaign, [services.StratumRow("城市居民", 0, 1)])
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "层面", "手机号码"])
    for n in range(people):
        ws.append([f"评议人{n}", "城市居民", f"139{n:08d}"])
    data = io.BytesIO()
    wb.save(data)
    pool.import_pool(office, campaign, data.getvalue())
    services.set_strata(office, campaign, [services.StratumRow("城市居民", people, 1)])
    services.freeze_roster(office, campaign)
    services.announce_seed_source(office, campaign, "基准测试：以固定号码作为随机种子")
    services.enter_seed_and_draw(office, campaign, "03 09 14 21 26 33 / 07")
    services.issue_codes(office, campaign)
    services.open_collection(office, campaign)
    campaign.refresh_from_db()
    return office, campaign


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sheets", type=int, default=200)
    parser.add_argument("--batch", type=int, default=10)
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="xn-bench-pool-")
    try:
        setup_django(data_dir, args.batch)
        from xiaoneng.evaluation import services, sheets
        from xiaoneng.evaluation.models import AnswerSheet, PendingSheet

        office, campaign = build_campaign(args.sheets)
        layout = sheets.layout_of(campaign)
        answers = {(u.pk, d.pk): (u.pk + d.pk) % 5 for u in layout.units for d in layout.dimensions}
        notes = [
            (layout.units[0].pk, "窗口排队时间太长，建议增开窗口。"),
            (layout.units[5].pk, "服务态度好"),
        ]
        codes = [services.code_of(a) for a in campaign.codes.order_by("pk")]
        plain, releasing = [], []
        size = 0
        for code in codes:
            before = AnswerSheet.objects.count()
            start = time.perf_counter()
            sheets.submit_online(code, answers, notes)
            elapsed = time.perf_counter() - start
            (releasing if AnswerSheet.objects.count() > before else plain).append(elapsed)
            size = size or len(PendingSheet.objects.values_list("sealed", flat=True).first())
        start = time.perf_counter()
        services.close_collection(office, campaign)
        close = time.perf_counter() - start
        db = Path(data_dir) / "xiaoneng.sqlite3"
        print(f"# {len(layout.units)} units × 6 dimensions, k = {args.batch}, {len(codes)} sheets")
        print(f"# Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs")
        print(f"sealed pending row: {size / 1024:.0f} KB (base64)")

        def ms(values: list[float]) -> str:
            median, most = statistics.median(values) * 1000, max(values) * 1000
            return f"median {median:.1f} ms, max {most:.1f} ms"

        print(f"submission without a release ({len(plain)}): {ms(plain)}")
        print(f"submission releasing a batch ({len(releasing)}): {ms(releasing)}")
        left = args.sheets - args.batch * len(releasing)
        print(f"close (releasing {left}): {close * 1000:.0f} ms")
        print(f"database file after the close: {db.stat().st_size / 2**20:.1f} MB")
        assert AnswerSheet.objects.count() == len(codes) and not PendingSheet.objects.exists()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
