"""The published files on the small demo city: valid Data Packages, the same figures as the
staff pages, small counts suppressed, and no personal data anywhere."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from xiaoneng import crypto
from xiaoneng.accounts.models import User
from xiaoneng.bulletins import services as bulletins
from xiaoneng.bulletins.services import Period
from xiaoneng.casestats import services as casestats
from xiaoneng.catalog.models import ServiceItem
from xiaoneng.opendata import datasets, feeds, package, registry
from xiaoneng.opendata.registry import Snapshot
from xiaoneng.ratings import services as ratings
from xiaoneng.ratings.models import Rating
from xiaoneng.workdays import SHANGHAI

from .datapackage_check import check_descriptor, read_csv, read_json

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
LATER = NOW + timedelta(hours=2)


class _Sink:
    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass


@pytest.fixture(scope="module")
def demo_city(django_db_setup, django_db_blocker):
    """The small demo, built once for the module inside a transaction that is rolled back."""
    with (
        time_machine.travel(NOW, tick=True),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        call_command("demo", "--size", "small", stdout=_Sink())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def frozen():
    with time_machine.travel(LATER, tick=False):
        yield


@pytest.fixture
def office(demo_city, db):
    return User.objects.get(username="office")


def _months() -> list[Period]:
    """The latest month and the busiest other one (most complaints)."""
    periods = package.published_periods()
    assert periods, "the demo city publishes no month"
    return periods[:3]


def _resources(release: package.Release) -> dict[str, dict]:
    descriptor = json.loads(release.file("datapackage.json"))
    return {r["name"]: r for r in descriptor["resources"]}


def _rows(release: package.Release, name: str) -> list[dict]:
    return read_csv(release.file(f"{name}.csv"), _resources(release)[name])


def test_every_file_is_a_valid_tabular_data_resource(demo_city, db, frozen):
    for period in _months():
        release = package.build(period)
        descriptor = json.loads(release.file("datapackage.json"))
        assert check_descriptor(descriptor) == []
        assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
        listed = {r["path"] for r in descriptor["resources"]}
        assert listed | {"datapackage.json"} == {name for name, _ in release.files}
        for resource in descriptor["resources"]:
            content = release.file(resource["path"])
            if resource["format"] == "csv":
                csv_rows = read_csv(content, resource)
                json_rows = read_json(release.file(resource["path"][:-3] + "json"), resource)
                assert csv_rows == json_rows, resource["name"]
        # Every field says what it measures in: counts in 件, rates in %.
        for resource in descriptor["resources"]:
            for field in resource["schema"]["fields"]:
                if field["name"].endswith("_rate"):
                    assert field["unit"] == "%"


def test_the_demo_publishes_every_kind_of_figure(demo_city, db, frozen):
    seen: dict[str, int] = {}
    for period in package.published_periods():
        release = package.build(period)
        for t in release.tables:
            seen[t.dataset.name] = seen.get(t.dataset.name, 0) + len(t.rows)
    assert all(seen.values()), seen


def test_case_figures_equal_the_dashboard(demo_city, office, frozen):
    for period in _months():
        month = period.first_day
        filters = casestats.Filters(
            casestats.Period(f"m{month:%Y-%m}", month, month, casestats.month_label(month))
        )
        board = casestats.dashboard(office, filters)
        published = {r["unit"]: r for r in _rows(package.build(period), "cases")}
        assert len(published) == len(board.units)
        for row in board.units:
            mine = published[row.label]
            f = row.figures
            assert (mine["finished"], mine["on_time"], mine["early"]) == (
                f.finished,
                f.on_time,
                f.early,
            )
            assert (mine["promised_finished"], mine["promised_on_time"]) == (
                f.promised_finished,
                f.promised_on_time,
            )
            assert (mine["yellow_cards"], mine["red_cards"]) == (f.yellow_cards, f.red_cards)
            assert (mine["median_days"], mine["p90_days"]) == (f.median_days, f.p90_days)
            if f.on_time_rate is not None:
                assert mine["on_time_rate"] == round(100 * f.on_time_rate, 1)
                assert mine["on_time_low"] <= mine["on_time_rate"] <= mine["on_time_high"]
        items = _rows(package.build(period), "cases-items")
        assert sum(r["finished"] for r in items) == board.totals.finished


def test_complaint_figures_equal_the_bulletin(demo_city, office, frozen):
    checked = compared = 0
    for period in package.published_periods():
        release = package.build(period)
        fig = bulletins.compute(office, period, None, now=release.as_of)
        summary = {r["indicator"]: r for r in _rows(release, "complaints-summary")}
        assert summary["received"]["value"] == fig.total
        assert summary["accepted"]["value"] == fig.accepted
        for r in fig.by_channel:
            assert summary[f"channel.{r.key}"]["value"] == r.count
        if 0 < fig.accepted < 5:
            assert summary["finding.true"]["value"] is None
            assert summary["satisfaction_rate"]["suppressed"] is True
        else:
            assert summary["finding.true"]["value"] == fig.finding_count("true")
            assert summary["on_time"]["value"] == fig.overall_rate
            assert summary["on_time.handle"]["value"] == fig.step("handle").rate
            assert summary["on_time.handle"]["n"] == fig.step("handle").judged
            assert summary["satisfaction_rate"]["value"] == fig.satisfaction_rate
            assert summary["substantiated_rate"]["value"] == fig.substantiated_rate
            checked += 1
        # The unit table before suppression (the small demo has no unit with five complaints
        # in a month), then the file: its rows are the same or withheld.
        raw = registry.get("complaints").rows(Snapshot(period, release.as_of))
        units = {str(r[2]): dict(zip(FIELDS["complaints"], r, strict=False)) for r in raw}
        assert set(units) == {r.name for r in fig.ranking}
        for rank in fig.ranking:
            mine = units[rank.name]
            assert mine["complaints"] == rank.complaints
            assert mine["substantiated"] == rank.substantiated
            assert mine["handle_rate"] == rank.handle_rate
            compared += 1
        for row in _rows(release, "complaints"):
            if not row["suppressed"]:
                assert row["complaints"] == units[row["unit"]]["complaints"]
        # 整改落实情况: the bulletin's section, unit by unit.
        rect = {r["unit"]: r for r in _rows(release, "rectification")}
        rolled = datasets.window_rollup(fig.rectification)
        assert len(rect) == len(rolled)
        for r in rolled:
            mine = rect[r.name]
            assert (mine["due"], mine["completed"], mine["on_time"], mine["overdue_open"]) == (
                r.due,
                r.completed,
                r.on_time,
                r.overdue_open,
            )
            assert mine["completion_rate"] == r.completion_rate
    assert checked and compared, "no month of the demo has five complaints or more"


def test_windows_count_under_their_unit(demo_city, db, frozen):
    from xiaoneng.org.models import Unit

    windows = set(Unit.objects.filter(kind=Unit.Kind.WINDOW).values_list("code", flat=True))
    total = 0
    for period in package.published_periods():
        release = package.build(period)
        rows = _rows(release, "rectification")
        assert not {r["unit_code"] for r in rows} & windows
        assert not {r["unit_code"] for r in _rows(release, "disclosure")} & windows
        total += sum(r["due"] for r in rows)
    assert total


def test_rating_figures_equal_the_statistics_page(demo_city, office, frozen):
    compared = 0
    for period in package.published_periods():
        last = period.next_first_day - timedelta(days=1)
        visible = Rating.objects.visible_to(office).filter(
            ratings.period_bounds(period.first_day, last)
        )
        page = {r.name: r for r in ratings.statistics(visible, "unit")}
        release = package.build(period)
        raw = registry.get("ratings").rows(Snapshot(period, release.as_of))
        published = {str(r[2]): dict(zip(FIELDS["ratings"], r, strict=False)) for r in raw}
        assert set(published) == set(page)
        for name, row in page.items():
            mine = published[name]
            assert mine["ratings"] == row.total
            assert mine["bad"] == row.bad
            assert mine["satisfaction_rate"] == round(100 * row.rate, 1)
            compared += 1
        for r in _rows(release, "ratings"):
            assert r["suppressed"] or r["ratings"] == published[r["unit"]]["ratings"]
        by_item = {r.name: r for r in ratings.statistics(visible, "item")}
        raw = registry.get("ratings-items").rows(Snapshot(period, release.as_of))
        items = {str(r[2]): dict(zip(FIELDS["ratings-items"], r, strict=False)) for r in raw}
        assert set(items) == set(by_item)
        for name, row in by_item.items():
            assert (items[name]["ratings"], items[name]["bad"]) == (row.total, row.bad)
    assert compared


def test_evaluation_results_equal_the_published_ones(demo_city, db, frozen):
    from xiaoneng.evaluation.models import Campaign

    campaigns = Campaign.objects.filter(status=Campaign.Status.PUBLISHED)
    assert campaigns.exists()
    for campaign in campaigns:
        assert campaign.published_at is not None
        period = Period.parse(campaign.published_at.astimezone(SHANGHAI).strftime("%Y-%m"))
        rows = [r for r in _rows(package.build(period), "evaluation") if r["year"] == campaign.year]
        units = {cu.unit.code: cu for cu in campaign.units.select_related("unit")}
        assert {r["unit_code"] for r in rows} == set(units)
        for r in rows:
            cu = units[r["unit_code"]]
            assert r["rank"] == cu.rank and r["score"] == round(cu.score, 2)
            assert r["satisfaction_rate"] == round(100 * cu.headline_rate, 2)
            assert r["valid_answers"] == cu.result["headline"]["n"]


def test_inspection_figures_equal_the_monthly_bulletin(demo_city, office, frozen):
    from xiaoneng.bulletins import drafts

    seen = 0
    for period in package.published_periods()[:6]:
        rows = _rows(package.build(period), "inspections")
        section = next(
            s
            for s in drafts.build(office, "monthly", period.key).sections
            if s.title == "明查暗访情况"
        )
        shown = {line[0]: line for t in section.tables for line in t.rows}
        assert {r["unit"] for r in rows} == set(shown)
        for r in rows:
            line = shown[r["unit"]]
            assert (str(r["visits"]), str(r["reviewed"]), str(r["findings"])) == (
                line[1],
                line[2],
                line[-1],
            )
            seen += r["visits"]
    assert seen, "the demo should have inspections in its recent months"


def test_assessment_results_equal_the_published_ones(demo_city, db, frozen):
    from xiaoneng.assessment.models import Period as AssessmentPeriod
    from xiaoneng.assessment.models import Result

    published = AssessmentPeriod.objects.filter(status=AssessmentPeriod.Status.PUBLISHED)
    assert published.exists()
    for ap in published:
        assert ap.published_at is not None
        period = Period.parse(ap.published_at.astimezone(SHANGHAI).strftime("%Y-%m"))
        if not package.is_published(period):
            continue
        rows = [r for r in _rows(package.build(period), "assessment") if r["period"] == ap.name]
        results = {r.unit.code: r for r in Result.objects.filter(period=ap).select_related("unit")}
        assert {r["unit_code"] for r in rows} == set(results)
        for r in rows:
            result = results[r["unit_code"]]
            assert r["rank"] == result.rank and r["grade"] == result.grade
            assert r["score"] == (round(result.score, 2) if result.score is not None else None)
            assert r["score_low"] == (round(result.low, 1) if result.low is not None else None)


#: The tables with a population, and its field.
SUPPRESSED_TABLES = (
    ("complaints", "complaints"),
    ("ratings", "ratings"),
    ("ratings-items", "ratings"),
)


def test_small_counts_are_suppressed_in_pairs(demo_city, db, frozen):
    hidden = 0
    for period in package.published_periods():
        release = package.build(period)
        for name, population in SUPPRESSED_TABLES:
            rows = _rows(release, name)
            suppressed = [r for r in rows if r["suppressed"]]
            assert len(suppressed) != 1 or sum(1 for r in rows if r[population]) == 0
            for r in rows:
                if r[population] is not None:
                    assert not 0 < r[population] < 5, (period.key, name, r)
            for r in suppressed:
                labels = ("month", "unit", "unit_code", "item", "item_code")
                numbers = {k: v for k, v in r.items() if k not in labels}
                assert all(v is None for k, v in numbers.items() if k != "suppressed")
            hidden += len(suppressed)
    assert hidden, "the small demo should have some unit with one to four complaints or ratings"


def test_disclosure_counts_the_catalog_and_the_cases(demo_city, office, frozen):
    period = _months()[0]
    release = package.build(period)
    channels = {code: n for code, _label, n, _m in release.channels}
    last = period.next_first_day - timedelta(days=1)
    assert channels["guide"] == ServiceItem.objects.public(last).count()
    month = period.first_day
    filters = casestats.Filters(
        casestats.Period(f"m{month:%Y-%m}", month, month, casestats.month_label(month))
    )
    assert channels["results"] == casestats.dashboard(office, filters).totals.finished
    assert channels["online"] <= channels["guide"]


def _people() -> tuple[set[str], set[str]]:
    """Names and numbers of the demo's complainants, raters, evaluators and staff."""
    from xiaoneng.cases.models import Case
    from xiaoneng.complaints.models import Complaint
    from xiaoneng.evaluation.models import Evaluator
    from xiaoneng.org.models import Staff

    names: set[str] = set()
    numbers: set[str] = set()
    named = Complaint.objects.exclude(identity_token="")
    tokens = list(named.values_list("identity_token", flat=True))
    tokens += list(Evaluator.objects.values_list("identity_token", flat=True))
    for token in tokens:
        identity = crypto.decrypt_identity(token)
        names.add(identity.get("name", ""))
        numbers |= {identity.get(k, "") for k in ("phone", "email", "caller", "id_masked")}
    for name, phone in Staff.objects.values_list("name", "phone"):
        names.add(name)
        numbers.add(phone)
    rated = (
        Case.objects.filter(ratings__isnull=False)
        .distinct()
        .values_list("applicant_name", flat=True)
    )
    names |= set(rated)
    names |= set(User.objects.exclude(display_name="").values_list("display_name", flat=True))
    return {n for n in names if len(n) >= 2}, {n for n in numbers if len(n) >= 5}


def _docx_text(data: bytes) -> str:
    import io

    from docx import Document

    doc = Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def _vocabulary() -> list[str]:
    """Names of units, items, campaigns and categories: public by nature. A person's name that
    happens to be part of one (高新 in 高新区) cannot be told from it and is not looked for."""
    from xiaoneng.complaints.models import Category
    from xiaoneng.evaluation.models import Campaign
    from xiaoneng.org.models import Unit

    words = set(Unit.objects.values_list("name", flat=True))
    words |= set(ServiceItem.objects.values_list("name", flat=True))
    words |= set(Campaign.objects.values_list("name", flat=True))
    words |= set(Category.objects.values_list("name", flat=True))
    from xiaoneng.assessment.models import Period as AssessmentPeriod
    from xiaoneng.org.models import UnitCategory

    words |= set(AssessmentPeriod.objects.values_list("name", flat=True))
    words |= set(UnitCategory.objects.values_list("name", flat=True))
    return sorted(words, key=len, reverse=True)


FIELDS = {d.name: [f.name for f in d.fields] for d in registry.datasets()}
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")


def test_no_personal_data_in_anything_published(demo_city, db, client, frozen):
    names, numbers = _people()
    assert len(names) > 50 and numbers, "the demo should have people to look for"
    vocabulary = _vocabulary()
    published: dict[str, str] = {}
    for period in package.published_periods():
        for name, content in package.build(period).files:
            published[f"{period.key}/{name}"] = content.decode("utf-8-sig")
    published["feed.atom"] = client.get("/open/feed.atom").content.decode()
    published["index"] = client.get("/open/").content.decode()
    latest = package.published_periods()[0]
    published["period"] = client.get(f"/open/{latest.key}/").content.decode()
    # Issued public bulletins: the monthly 效能通报 and the assessment results, page and Word.
    from xiaoneng.bulletins import drafts, issuing

    office = User.objects.get(username="office")
    issued = [issuing.issue(office, drafts.build(office, "monthly", latest.key))]
    from xiaoneng.assessment.models import Period as AssessmentPeriod

    for ap in AssessmentPeriod.objects.filter(status=AssessmentPeriod.Status.PUBLISHED):
        issued.append(issuing.issue(office, drafts.build(office, "assessment", str(ap.pk))))
    published["bulletins"] = client.get("/open/bulletins/").content.decode()
    for b in issued:
        args = [b.kind, b.year, b.sequence, b.version]
        published[b.full_number] = client.get(
            reverse("opendata:bulletin", args=args)
        ).content.decode()
        published[f"{b.full_number}.docx"] = _docx_text(bytes(b.word))
    published["feed.atom+bulletins"] = client.get("/open/feed.atom").content.decode()
    problems = []
    for where, text in published.items():
        if PHONE.search(text) or ID_NUMBER.search(text):
            problems.append(f"{where}: a phone or ID number")
        for number in numbers:
            if number in text:
                problems.append(f"{where}: {number}")
        for word in vocabulary:
            text = text.replace(word, "｜")
        for name in names:
            if name in text:
                problems.append(f"{where}: {name}")
    assert not problems, problems[:20]


def test_the_feed_lists_releases_rectification_and_results(demo_city, db, client, frozen):
    import xml.etree.ElementTree as ET

    response = client.get("/open/feed.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    atom = "{http://www.w3.org/2005/Atom}"
    root = ET.fromstring(response.content)
    assert root.tag == f"{atom}feed"
    entries = root.findall(f"{atom}entry")
    assert entries
    ids = [e.findtext(f"{atom}id") for e in entries]
    assert len(set(ids)) == len(ids)
    categories = {c.get("term") for e in entries for c in e.findall(f"{atom}category")}
    assert {"开放数据", "整改情况公示"} <= categories
    assert len(feeds.entries()) == len(entries)


def test_pages_and_files_answer(demo_city, db, client, frozen):
    latest = package.published_periods()[0]
    index = client.get("/open/")
    assert index.status_code == 200
    assert f"/open/{latest.key}/cases.csv" in index.content.decode()
    page = client.get(f"/open/{latest.key}/")
    assert page.status_code == 200
    assert "政务公开情况" in page.content.decode()
    data = client.get(f"/open/{latest.key}/cases.csv")
    assert data.status_code == 200
    assert data["Content-Type"] == "text/csv; charset=utf-8"
    assert "max-age" in data["Cache-Control"]
    again = client.get(f"/open/{latest.key}/cases.csv", HTTP_IF_NONE_MATCH=data["ETag"])
    assert again.status_code == 304
    described = client.get(f"/open/{latest.key}/datapackage.json")
    assert json.loads(described.content)["name"] == f"xiaoneng-{latest.key}"
    # The month in progress and the months before the first figures are not published.
    assert client.get("/open/2026-11/").status_code == 404
    assert client.get("/open/2026-11/cases.csv").status_code == 404
    assert client.get("/open/1999-01/").status_code == 404
    assert client.get("/open/2026-13/").status_code == 404
    assert client.get(f"/open/{latest.key}/nothing.csv").status_code == 404
    assert client.get(f"/open/{latest.key}/cases.xlsx").status_code == 404


def test_a_release_is_cached_until_it_expires(demo_city, db, frozen, django_assert_max_num_queries):
    latest = package.published_periods()[0]
    first = package.release(latest)
    with django_assert_max_num_queries(2):  # the cache's own read
        again = package.release(latest)
    assert again.etag == first.etag and again.as_of == first.as_of
    assert package.cache_seconds(latest) == package.RECENT_SECONDS
    assert package.cache_seconds(Period(2025, month=1)) == package.SETTLED_SECONDS
