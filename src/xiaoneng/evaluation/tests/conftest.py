"""A small campaign at each stage, built through the services as the office would."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook

from xiaoneng.accounts.roles import Role
from xiaoneng.evaluation import mixing, services
from xiaoneng.evaluation.models import AnswerSheet, Campaign
from xiaoneng.evaluation.services import MilestoneDates, UnitRow
from xiaoneng.testing.factories import UnitFactory, UserFactory

SEED = "03 09 14 21 26 33 / 07"


def pool_file(
    rows: list[list[object]], header=("姓名", "层面", "手机号码", "身份证号", "工作单位或住址")
) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def people(stratum: str, count: int, start: int = 0) -> list[list[object]]:
    return [[f"{stratum}{i}", stratum, f"139{start + i:08d}", ""] for i in range(count)]


def released(campaign: Campaign):
    """The campaign's sheets once the anonymity pool has let out every online sheet still
    waiting in it (as closing the collection does): a submission alone does not write one."""
    mixing.release_all(campaign)
    return AnswerSheet.objects.filter(campaign=campaign)


def dates(start: date = date(2026, 3, 2)) -> MilestoneDates:
    return services.suggested_dates(start)


@pytest.fixture
def clerk2(org):
    return UserFactory(username="clerk2", role=Role.OFFICE, unit=org.root)


@pytest.fixture
def units(org):
    """Three evaluated units: two 政府机构 and one 窗口单位."""
    return [
        org.dept_a,
        org.dept_b,
        UnitFactory(name="市丙中心", code="C", parent=org.root),
    ]


def make_draft(actor, units, *, strata=None, pool=None, dimensions=None) -> Campaign:
    """A campaign in DRAFT with two dimensions (or ``dimensions``), strata 企业/居民 and a pool
    imported."""
    from xiaoneng.evaluation import pool as pool_service

    campaign = services.create_campaign(actor, name="2026年千人评议", year=2026, dates=dates())
    dimensions = dimensions or ["服务意识", "行政效能"]
    services.set_dimensions(actor, campaign, [(name, 1) for name in dimensions])
    strata = strata or {"企业": (4, 2), "居民": (3, 2)}  # name: (pool size, quota)
    services.set_strata(
        actor,
        campaign,
        [services.StratumRow(name, 0, 1) for name in strata],
    )
    services.set_units(
        actor,
        campaign,
        [
            UnitRow(units[0].pk, "政府机构", "负责甲事务"),
            UnitRow(units[1].pk, "政府机构", "负责乙事务"),
            UnitRow(units[2].pk, "窗口单位", "集中办理丙事项"),
        ],
    )
    rows = (
        pool
        if pool is not None
        else [
            row
            for k, (name, (size, _)) in enumerate(strata.items())
            for row in people(name, size, k * 100)
        ]
    )
    pool_service.import_pool(actor, campaign, pool_file(rows))
    services.set_strata(
        actor,
        campaign,
        [services.StratumRow(name, quota, 1) for name, (_, quota) in strata.items()],
    )
    campaign.refresh_from_db()
    return campaign


def make_collecting(actor, units, **kwargs) -> Campaign:
    campaign = make_draft(actor, units, **kwargs)
    services.freeze_roster(actor, campaign)
    services.announce_seed_source(
        actor, campaign, "2026年第030期双色球开奖号码：红球一组、蓝球一组"
    )
    services.enter_seed_and_draw(actor, campaign, SEED)
    services.issue_codes(actor, campaign)
    services.open_collection(actor, campaign)
    campaign.refresh_from_db()
    return campaign


@pytest.fixture
def draft(office_user, units):
    return make_draft(office_user, units)


@pytest.fixture
def collecting(office_user, units):
    return make_collecting(office_user, units)
