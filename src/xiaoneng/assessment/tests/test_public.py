"""The public page of published results (no login): the ranking with intervals, the ranks the
data allows, 末位 and n per component; the frozen Word report and workbook, whose downloads hash
to the SHA-256 shown and stay the same when the live data changes; no personal data."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from docx import Document
from hypothesis import given
from hypothesis import strategies as st

from xiaoneng.accounts.roles import Role
from xiaoneng.assessment import presentation, services
from xiaoneng.assessment.models import Entry, Period, PublishedDocument
from xiaoneng.testing.factories import CardFactory

from .conftest import PREVIEW, SCHEME, at
from .test_redo import run

DOC = "效考〔2027〕1号"
pytestmark = pytest.mark.django_db


def _publish(period: Period, office, objection_by=None, unit=None) -> None:
    with time_machine.travel(at(PREVIEW), tick=False):
        services.open_preview(office, period)
        if objection_by is not None:
            o = services.file_objection(
                objection_by, period, unit, component="黄牌红牌", reason="理由", evidence="证据"
            )
            services.decide_objection(office, o, accept=False, decision="经核实，不予采纳")
    with time_machine.travel(at("2027-01-25 10:00"), tick=False):
        services.close_objections(office, period)
        services.publish(office, period, document_number=DOC)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_public_page_of_published_results(city, users):
    office = users[Role.OFFICE]
    _publish(city.period, office, objection_by=city.liaison_c, unit=city.c)
    anonymous = Client()
    listing = anonymous.get(reverse("assessment_public:list")).content.decode()
    detail_url = reverse("assessment_public:detail", args=[city.period.pk])
    assert detail_url in listing
    home = anonymous.get("/").content.decode()
    assert reverse("assessment_public:list") in home
    page = anonymous.get(detail_url).content.decode()
    # The ranking: 91.5 (a section's yellow card counts for A), 84.5, 61.5; C is 末位.
    rows = re.findall(
        r'<tr>\s*<td>(\d+)</td>\s*<td>([^<]*)</td>\s*<td><span class="nowrap">([^<]+)</span>', page
    )
    assert [(rank, unit) for rank, _span, unit in rows] == [
        ("1", "市甲局"),
        ("2", "市乙局"),
        ("3", "市丙局"),
    ]
    assert "91.50" in page and "84.50" in page and "61.50" in page
    assert "末位" in page and "政府部门（3个单位）" in page
    # n per component: the card figure is a count, the target an entry: neither has records,
    # so the components are shown without n; the header names them.
    assert "目标任务" in page and "黄牌红牌" in page
    # No personal data: not the objecting liaison, not the office's answer, not a basis.
    for private in (city.liaison_c.username, "经核实，不予采纳", "通报〔2026〕3号", "年度目标考核"):
        assert private not in page


def test_downloads_hash_to_the_shown_value_and_never_change(city, users, tmp_path):
    office = users[Role.OFFICE]
    _publish(city.period, office)
    anonymous = Client()
    page = anonymous.get(reverse("assessment_public:detail", args=[city.period.pk])).content
    shown = dict(
        re.findall(r'data-testid="(workbook|report)-sha256">([0-9a-f]{64})<', page.decode())
    )
    assert set(shown) == {"workbook", "report"}
    workbook_url = reverse("assessment_public:workbook", args=[city.period.pk])
    report_url = reverse("assessment_public:report", args=[city.period.pk])
    workbook = anonymous.get(workbook_url).content
    report = anonymous.get(report_url).content
    assert _sha(workbook) == shown["workbook"] and _sha(report) == shown["report"]
    text = "\n".join(p.text for p in Document(io.BytesIO(report)).paragraphs)
    assert DOC in text and "市丙局被认定为末位" in text
    # Anyone can recompute the published scores from the downloaded workbook.
    path = tmp_path / "工作簿.xlsx"
    path.write_bytes(workbook)
    done = run(path)
    assert done.returncode == 0 and "一致" in done.stdout, done.stdout + done.stderr

    # The live data changes after publication: a unit renamed, a new card in the period.
    city.c.name = "市丙局（更名后）"
    city.c.save()
    CardFactory(unit=city.a, color="red", raised_at=at("2026-09-06 10:00"))
    assert anonymous.get(workbook_url).content == workbook
    assert anonymous.get(report_url).content == report
    staff = Client()
    staff.force_login(users[Role.LIAISON])
    assert staff.get(reverse("assessment:public_workbook", args=[city.period.pk])).content == (
        workbook
    )
    assert staff.get(reverse("assessment:report", args=[city.period.pk])).content == report
    again = anonymous.get(reverse("assessment_public:detail", args=[city.period.pk])).content
    assert shown["workbook"] in again.decode() and shown["report"] in again.decode()
    stored = PublishedDocument.objects.get(period=city.period, kind="workbook")
    assert stored.sha256 == shown["workbook"] and stored.size == len(workbook)


def test_unpublished_periods_are_not_public(city, users):
    office = users[Role.OFFICE]
    anonymous = Client()
    url = reverse("assessment_public:detail", args=[city.period.pk])
    assert anonymous.get(url).status_code == 404
    with time_machine.travel(at(PREVIEW), tick=False):
        services.open_preview(office, city.period)
    assert anonymous.get(url).status_code == 404
    for name in ("assessment_public:workbook", "assessment_public:report"):
        assert anonymous.get(reverse(name, args=[city.period.pk])).status_code == 404
    assert url not in anonymous.get(reverse("assessment_public:list")).content.decode()
    assert not PublishedDocument.objects.exists()


def test_year_over_year(city, users):
    office = users[Role.OFFICE]
    with time_machine.travel(at("2026-12-02 09:00"), tick=False):
        earlier = services.create_period(office, Period.Kind.YEAR, 2025)
        services.save_scheme(office, earlier.schemes.get(), SCHEME)
        for unit, target in ((city.a, 70), (city.b, 75), (city.c, 95)):
            services.enter(office, earlier, unit, Entry.Kind.TARGET, "", target, "目标考核")
    with time_machine.travel(at("2026-12-03 10:00"), tick=False):
        services.open_preview(office, earlier)
    with time_machine.travel(at("2026-12-20 10:00"), tick=False):
        services.close_objections(office, earlier)
        services.publish(office, earlier, document_number="效考〔2026〕1号")
    _publish(city.period, office)
    history = presentation.public_history(city.period)
    assert [p.name for p in history.periods] == ["2025年度", "2026年度"]
    by_unit = {row.unit: row.cells for row in history.rows}
    assert by_unit["市丙局"][0] is not None and by_unit["市丙局"][1] is not None
    assert by_unit["市丙局"][0].rank == 1 and by_unit["市丙局"][1].rank == 3
    page = Client().get(reverse("assessment_public:detail", args=[city.period.pk])).content
    assert 'data-testid="public-history"' in page.decode() and "2025年度" in page.decode()
    # The earlier year's page shows only the years up to it.
    earlier_history = presentation.public_history(earlier)
    assert [p.name for p in earlier_history.periods] == ["2025年度"]


def test_rank_ranges_by_hand():
    # A well above, B and C overlapping, D unknown.
    ranges = presentation.rank_ranges([(90, 95), (70, 80), (75, 85), None])
    assert ranges == [(1, 1), (2, 3), (2, 3), None]


@given(
    st.lists(
        st.tuples(
            st.floats(0, 100, allow_nan=False),
            st.floats(0, 20, allow_nan=False),
            st.floats(0, 20, allow_nan=False),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_rank_ranges_contain_the_rank(units):
    """Whatever the intervals, a unit's shared rank (1 + units scoring higher) lies in its range,
    and a unit whose interval is a point among point intervals has exactly its rank."""
    scores = [s for s, _, _ in units]
    intervals = [(s - below, s + above) for s, below, above in units]
    for i, span in enumerate(presentation.rank_ranges(intervals)):
        assert span is not None
        rank = 1 + sum(1 for other in scores if other > scores[i])
        assert span[0] <= rank <= span[1]
    exact = presentation.rank_ranges([(s, s) for s in scores])
    for i, span in enumerate(exact):
        assert span is not None
        assert span[0] == 1 + sum(1 for other in scores if other > scores[i])


def _component(label, score, n, count, few=False):
    return {"label": label, "source": "x", "score": score, "n": n, "count": count, "few": few}


def test_n_per_component_on_the_public_page(city, users):
    """A rate shows its records per unit and over the category; an entry shows none."""
    _publish(city.period, users[Role.OFFICE])
    rows = {r.unit_id: r for r in city.period.results.all()}
    for unit, n, k in ((city.a, 400, 390), (city.b, 12, 11), (city.c, 300, 250)):
        r = rows[unit.pk]
        r.detail = {
            "components": [
                _component("办件按时办结率", 90.0, n, k, few=n < 30),
                _component("目标任务", 80.0, None, None),
            ]
        }
        r.save()
    (category,) = presentation.public_categories(city.period)
    assert category.header == (("办件按时办结率", 712), ("目标任务", None))
    cells = {row.unit: row.cells for row in category.rows}
    assert cells["市乙局"][0] == presentation.Cell(90.0, 12, True)
    assert cells["市甲局"][1] == presentation.Cell(80.0, None, False)
    page = Client().get(reverse("assessment_public:detail", args=[city.period.pk])).content
    text = page.decode()
    assert "n=712" in text and "n=12 · 样本少" in text and "n=400" in text
