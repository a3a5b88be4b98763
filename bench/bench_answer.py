"""Benchmark: what the online questionnaire (网上评议表) sends to a phone for an 82-unit campaign
(issue 9 item 11: "82 units × 6 dimensions = 492 radio groups on one ~50,000 px page").

Run:  .venv/bin/python bench/bench_answer.py [--runs 5] [--known 12] [--no-phone]

A fresh SQLite database in a temporary ``XIAONENG_DATA_DIR``: 82 units in seed 004's four
categories (法检机关 4, 政府机构 40, 窗口单位 22, 党政机关和驻地单位 16), the six default
dimensions, a small pool drawn through the services, codes issued, collection open. Then, through
Django's test client (the whole request: middleware, view, template), for each page an evaluator
meets: the median server time of ``--runs`` requests, the HTML size (raw and gzip, as served),
the radio groups and checkboxes on it, and — unless ``--no-phone`` — its height laid out by
headless Chromium at 390 px with the site's stylesheets (no scripts).

Two evaluators: one who knows ``--known`` units (three of them in 政府机构, the largest category,
the rest spread), and one who picks all 82 (the worst case of step 2: 政府机构's 40 units on one
page). Each submits; the stored answer string is checked against ``sheets.encode``.

Also runs against the code before the redesign (the one-page form): the first page after the code
is then the whole questionnaire, and the script measures it and submits it complete.
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

CATEGORY_SIZES = (("法检机关", 4), ("政府机构", 40), ("窗口单位", 22), ("党政机关和驻地单位", 16))
PHONE_WIDTH = 390


def setup_django(data_dir: str) -> None:
    os.environ["XIAONENG_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiaoneng.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build_campaign():
    from django.contrib.auth import get_user_model

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
        office, name="基准测试：评议表", year=2026, dates=services.suggested_dates(date(2026, 9, 1))
    )
    services.set_units(office, campaign, rows)
    strata = list(campaign.strata.order_by("sort_order"))
    people = [[f"评议人{n}", s.name, f"139{n:08d}", ""] for n, s in enumerate(strata * 3)]
    pool.import_pool(office, campaign, _workbook(people))
    services.set_strata(office, campaign, [services.StratumRow(s.name, 2, 1) for s in strata])
    services.freeze_roster(office, campaign)
    services.announce_seed_source(
        office, campaign, "基准测试：以固定号码作为随机种子，不用于实际评议"
    )
    services.enter_seed_and_draw(office, campaign, "03 09 14 21 26 33 / 07")
    services.issue_codes(office, campaign)
    services.open_collection(office, campaign)
    campaign.refresh_from_db()
    return campaign


def _workbook(rows: list[list[object]]) -> bytes:
    import io

    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["姓名", "层面", "手机号码", "身份证号"])
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


class Meter:
    """Posts to the answer page, timing the request and describing the page it returns."""

    def __init__(self, runs: int, phone) -> None:
        from django.test import Client

        self.client = Client(HTTP_HOST="localhost")
        self.runs = runs
        self.phone = phone
        self.rows: list[tuple] = []

    def post(self, data: dict, *, timed: bool = True) -> str:
        from django.core.cache import cache

        times = []
        for _ in range(self.runs if timed else 1):
            cache.clear()  # the per-address code limit is not what is measured
            start = time.perf_counter()
            response = self.client.post("/evaluations/answer/", data)
            times.append(time.perf_counter() - start)
            assert response.status_code == 200, response.status_code
        self.last_ms = statistics.median(times) * 1000
        return response.content.decode()

    def record(self, label: str, html: str) -> None:
        radios = len(set(re.findall(r'type="radio" name="([^"]+)"', html)))
        boxes = len(re.findall(r'type="checkbox"', html))
        raw = len(html.encode())
        packed = len(gzip.compress(html.encode(), 6))
        height = self.phone(html) if self.phone else None
        self.rows.append((label, self.last_ms, raw, packed, radios, boxes, height))

    def table(self) -> str:
        lines = [
            "| page | server (median) | HTML | gzip | radio groups | checkboxes | 390 px height |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for label, ms, raw, packed, radios, boxes, height in self.rows:
            h = f"{height:,} px" if height else "—"
            lines.append(
                f"| {label} | {ms:.1f} ms | {raw / 1024:.0f} KiB | {packed / 1024:.1f} KiB | "
                f"{radios} | {boxes} | {h} |"
            )
        return "\n".join(lines)


def phone_layout():
    """A function laying out a page at 390 px with the site's stylesheets, or None."""
    from playwright.sync_api import sync_playwright

    from xiaoneng.testing.browser import CHROMIUM_ARGS

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        return None, None
    # Playwright's sync API runs an event loop in this thread; Django's queries here are not
    # inside it (the same as the browser tests' fixture).
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    styles = [ROOT / "src/xiaoneng/static/xn/site.css"]
    answer_css = ROOT / "src/xiaoneng/evaluation/static/evaluation/answer.css"
    if answer_css.exists():
        styles.append(answer_css)
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=chromium, headless=True, args=CHROMIUM_ARGS
    )
    context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 844}, is_mobile=True)
    page = context.new_page()

    css = "".join(path.read_text("utf-8") for path in styles)

    def height(html: str) -> int:
        html = re.sub(r"<(link|script)[^>]*>(</script>)?", "", html)
        page.set_content(html.replace("</head>", f"<style>{css}</style></head>"))
        return page.evaluate("document.documentElement.scrollHeight")

    def close() -> None:
        browser.close()
        playwright.stop()

    return height, close


def answer_fields(html: str) -> dict[str, list[str]]:
    """The hidden fields of a page (code, step, units on the page, shown units)."""
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', html):
        if name != "csrfmiddlewaretoken":
            fields.setdefault(name, []).append(value)
    return fields


def walk(meter: Meter, code: str, label: str, picks) -> str:
    """One evaluator through the steps; returns the stored answer string."""
    from xiaoneng.evaluation import sheets

    html = meter.post({"step": "code", "code": code})
    if 'data-testid="pick-form"' not in html:  # the one-page form of the old code
        meter.record(f"{label}: the one-page form", html)
        names = sorted(set(re.findall(r'type="radio" name="([^"]+)"', html)))
        meter.post({"step": "submit", "code": code, **{n: "0" for n in names}}, timed=False)
        return ""
    meter.record(f"{label}: step 1, pick", html)
    fields = answer_fields(html)
    all_units = [int(u) for u in fields["shown"]]
    chosen = picks(all_units)
    html = meter.post({**fields, "unit": chosen, "go": "next"}, timed=False)
    largest = None
    while 'data-testid="rate-form"' in html:
        fields = answer_fields(html)
        on_page = fields["units"]
        if largest is None or len(on_page) > largest[0]:
            largest = (len(on_page), html, fields)
        radios = sorted(set(re.findall(r'type="radio" name="([^"]+)"', html)))
        nxt = re.search(
            r'name="go" value="(cat:\d+|review)" data-testid="(next-category|to-review)"', html
        )
        html = meter.post({**fields, **{n: "1" for n in radios}, "go": nxt.group(1)}, timed=False)
    # The largest category page, timed as an evaluator opens it again from the review.
    count, page, fields = largest
    tab = re.search(r'value="(cat:\d+)" class="cat-tab current', page).group(1)
    meter.post({"step": "review", "code": code, "go": tab})
    meter.record(f"{label}: step 2, largest category ({count} units)", page)
    html = meter.post({"step": "review", "code": code, "go": "review"})
    meter.record(f"{label}: step 3, review", html)
    done = meter.post({"step": "review", "code": code, "go": "submit"}, timed=False)
    assert 'data-testid="answer-done"' in done
    from xiaoneng.evaluation import mixing
    from xiaoneng.evaluation.models import AnswerSheet, Campaign

    campaign = Campaign.objects.get()
    mixing.release_all(campaign)  # the sheet waits in the anonymity pool until the close
    layout = sheets.layout_of(campaign)
    # 比较满意 (position 1) for every picked unit, 不了解 (4) for the others.
    expected = sheets.encode(
        layout,
        {(u.pk, d.pk): 1 if u.pk in chosen else 4 for u in layout.units for d in layout.dimensions},
    )
    assert AnswerSheet.objects.filter(answers=expected).exists(), "stored string differs"
    return expected


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--known", type=int, default=12)
    parser.add_argument("--no-phone", action="store_true")
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="xn-bench-answer-")
    try:
        setup_django(data_dir)
        from xiaoneng.evaluation import services

        campaign = build_campaign()
        codes = [services.code_of(a) for a in campaign.codes.order_by("pk")[:2]]
        height, close = (None, None) if args.no_phone else phone_layout()
        meter = Meter(args.runs, height)

        def some(units: list[int]) -> list[int]:
            # Three in 政府机构 (units 4–43 in the form's order), the rest spread over the others.
            others = [u for i, u in enumerate(units) if not 4 <= i < 44]
            spread = others[:: max(1, len(others) // max(1, args.known - 3))][: args.known - 3]
            return units[4:7] + spread

        from django.test import override_settings

        # Plain static files: the manifest storage would need a collectstatic first.
        with override_settings(
            STORAGES={
                "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            }
        ):
            walk(meter, codes[0], f"knows {args.known}", some)
            walk(meter, codes[1], "knows all 82", lambda units: units)
        if close:
            close()
        units = campaign.units.count()
        print(f"# {units} units × 6 dimensions; Python {platform.python_version()}")
        print(f"# machine: {platform.machine()}, {os.cpu_count()} CPUs; runs {args.runs}")
        print(meter.table())
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
