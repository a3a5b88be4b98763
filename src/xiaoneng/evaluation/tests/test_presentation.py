"""How the results read: rate intervals never printed with equal bounds (pages, Word, Excel), the
seed shown as the lottery announced it beside its canonical form, charts that fit a phone."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from xiaoneng.evaluation import excel, formatting, notice, presentation, results
from xiaoneng.evaluation.models import Campaign

from .test_results import hand_campaign


def test_interval_digits_grow_until_the_bounds_differ():
    assert formatting.interval_digits(0.9512, 0.9689) == 1
    assert formatting.interval_digits(0.98662, 0.98738) == 2
    assert formatting.interval_digits(0.987001, 0.987049) == 3  # 98.700 … 98.705
    assert formatting.interval_digits(0.987, 0.9870008) == 4  # 98.7000 … 98.7001
    assert formatting.interval_digits(0.9870001, 0.9870002) == formatting.MAX_DIGITS
    assert formatting.interval_digits(0.5, 0.5) == 1  # truly equal: nothing to tell apart
    assert formatting.interval_digits(None, 0.9) == 1


def test_rate_text_prints_value_and_bounds_with_the_same_decimals():
    text = formatting.rate_text({"value": 0.987, "low": 0.98662, "high": 0.98738})
    assert (text.value, text.low, text.high) == ("98.70%", "98.66%", "98.74%")
    assert text.interval == "98.66%—98.74%"
    assert formatting.rate_text({"value": 0.75, "low": 0.41, "high": 0.93}).interval == (
        "41.0%—93.0%"
    )
    empty = formatting.rate_text(None)
    assert (empty.value, empty.interval) == ("—", "")
    assert formatting.excel_percent_format(2) == "0.00%"


def narrow(campaign: Campaign) -> Campaign:
    """Results as a campaign of thousands of answers would have them: intervals narrower than a
    tenth of a percentage point, overall and for the first unit."""
    campaign.summary["headline"] = {"value": 0.987, "low": 0.98662, "high": 0.98738}
    campaign.save(update_fields=["summary"])
    cu = campaign.units.order_by("sort_order", "pk").first()
    cu.result["headline"] = {
        "value": 0.9871,
        "low": 0.98681,
        "high": 0.98739,
        "n": 9000,
        "count": 8884,
    }
    cu.save(update_fields=["result"])
    return campaign


@pytest.mark.django_db
def test_narrow_intervals_read_as_intervals_on_the_page_in_word_and_in_excel(
    client, office_user, units
):
    campaign = hand_campaign(office_user, units)
    results.finalize(office_user, campaign, flags_reviewed=True)
    results.publish(office_user, campaign)
    campaign = narrow(Campaign.objects.get(pk=campaign.pk))
    page = client.get(reverse("evaluation:public_detail", args=[campaign.pk])).content.decode()
    assert "98.70%</div>" in page and "总体满意率（98.66%—98.74%）" in page
    assert '98.71% <span class="muted">（98.68%—98.74%）</span>' in page
    assert "98.7%—98.7%" not in page

    cu = campaign.units.order_by("sort_order", "pk").first()
    doc = Document(io.BytesIO(notice.build(cu)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "98.71%" in text and "95%置信区间98.68%至98.74%" in text

    book = load_workbook(io.BytesIO(excel.build_workbook(campaign, public=True)))
    ranking = book["排名"]
    header = [c.value for c in ranking[1]]
    row = next(r for r in ranking.iter_rows(min_row=2) if r[1].value == cu.unit.name)
    low = row[header.index("满意率95%下限")]
    assert low.value == pytest.approx(0.98681) and low.number_format == "0.00%"
    about = [[c.value for c in r[:2]] for r in book["说明"].iter_rows()]
    assert ["全部单位合计满意率95%区间", "98.66%—98.74%"] in about


def _shown(response) -> str:
    return " ".join(response.content.decode().split())


@pytest.mark.django_db
def test_the_seed_shows_the_numbers_as_announced_and_how_to_check_it(client, office_user, units):
    from .conftest import make_collecting

    campaign = make_collecting(office_user, units)  # seed "03 09 14 21 26 33 / 07"
    shown = presentation.seed_shown(campaign)
    assert shown.groups == [["03", "09", "14", "21", "26", "33"], ["07"]]
    assert shown.canonical == "3.9.14.21.26.33./7./"
    # Whitespace collapsed as a browser shows it (label and balls sit on lines of their own).
    page = _shown(client.get(reverse("evaluation:public_detail", args=[campaign.pk])))
    balls = "".join(f'<span class="seed-ball">{n}</span>' for n in ("03", "09", "14", "21"))
    assert f"第1组</span> {balls}" in page and '第2组</span> <span class="seed-ball">07<' in page
    assert "3.9.14.21.26.33./7./" in page and "每组号码去掉前导零、从小到大排列" in page
    client.force_login(office_user)
    page = _shown(client.get(reverse("evaluation:draw", args=[campaign.pk])))
    assert (
        '第2组</span> <span class="seed-ball">07<' in page
        and "它打印的规范种子应与此完全相同" in page
    )


def test_a_single_group_seed_has_no_group_labels():
    campaign = Campaign(seed_raw="０８ １６ 18", seed_canonical="8.16.18./")
    assert presentation.seed_shown(campaign).groups == [["08", "16", "18"]]
    assert presentation.seed_shown(Campaign()) is None


@pytest.mark.django_db
def test_the_rate_chart_has_a_phone_layout(office_user, units):
    campaign = hand_campaign(office_user, units)
    results.finalize(office_user, campaign, flags_reviewed=True)
    units[0].short_name = "甲局"
    units[0].save()
    category = presentation.categories(Campaign.objects.get(pk=campaign.pk), public=False)[0]
    chart = category.chart
    base = chart["baseOption"]
    assert base["grid"]["containLabel"] and base["xAxis"]["axisLabel"]["hideOverlap"]
    (phone,) = chart["media"]
    assert phone["query"] == {"maxWidth": presentation.NARROW}
    assert phone["option"]["xAxis"]["splitNumber"] <= 3
    assert phone["option"]["yAxis"]["axisLabel"]["overflow"] == "break"
    names = dict(zip(base["yAxis"]["data"], phone["option"]["yAxis"]["data"], strict=True))
    assert names["市甲局"] == "甲局" and names["市乙局"] == "市乙局"
