"""Evaluation campaigns (千人评议, C6) for the demo city: two finished and published years and
this year's campaign, open for answers.

Modelled on seed 004 (酒泉): about 1,000 evaluators drawn by computer from ten strata, the
department-level units of the city in four categories (法检机关、政府机构、窗口单位、党政机关和驻地
单位), six dimensions, a satisfaction rate rising year over year (95.2% → 98.7%, then this year's
campaign), and the opinions fed back verbatim to each unit.

What goes through the real services: the set-up, the pool import (an .xlsx file as the office
would upload), freezing, the announced seed, the draw (so ``redo_draw.py`` reproduces it), every
replacement from the reserves, the paper/online choice, the codes, the double entry of every
paper form by two accounts (with mismatches resolved against the "paper"), the review of careless
sheets by rule, the tally and the publication. The online sheets go through the anonymity pool's
rule in one pass (``mixing.admit_many``: the same batches, shuffled, as a thousand
``submit_online`` calls would make, without a transaction each), the codes marked used, one
summarising audit entry per campaign; a finished campaign's pool is emptied as its close would
(with the build's own generator, so that a seed always gives the same sheets), the open
campaign's keeps its waiting sheets sealed. Afterwards the stored dates are moved to when
such a campaign would have happened (last year's autumn); the audit log keeps the real time of
the build.

Answers come from a small model: each unit has a quality (stable over the years, a little noise
per year, one clearly worse unit in the two large categories each year), each stratum a leniency,
each evaluator their own; 不了解 is likelier for units far from the evaluator's stratum (农村居民
know little of the 党委 departments). The answer thresholds are calibrated so that each year's
overall satisfaction rate (满意+比较满意) lands on its target. Deterministic for a seed; only the
access codes (``secrets``) and the ids of sheets made by the services differ between builds.

Phone numbers are random 11-digit mobiles (valid in form only); ID numbers use the region code
99…, which is assigned to no place, so they cannot be anyone's.
"""

from __future__ import annotations

import hashlib
import io
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from time import perf_counter
from typing import TYPE_CHECKING

import numpy as np
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook

from xiaoneng import scoring
from xiaoneng.audit import services as audit
from xiaoneng.evaluation import mixing, pool, results, services, sheets
from xiaoneng.evaluation.models import (
    AccessCode,
    AnswerSheet,
    Campaign,
    Evaluator,
    Milestone,
    Opinion,
    PaperEntry,
    PaperForm,
)
from xiaoneng.evaluation.services import DEFAULT_STRATA, MilestoneDates, StratumRow, UnitRow
from xiaoneng.org.models import Unit
from xiaoneng.workcalendar.services import get_calendar
from xiaoneng.workdays import SHANGHAI

from . import data
from .names import unique_person_name

if TYPE_CHECKING:
    from .builder import DemoSize

ACTOR = "演示数据生成"
TITLE = "{year}年度“千人评议”机关作风评议活动"
DESCRIPTION = (
    "按照《示范市{year}年度“千人评议”市级机关及窗口服务单位活动实施方案》，由计算机从十个层面"
    "随机抽取评议人{evaluators}名，对{units}个部门和单位分法检机关、政府机构、窗口单位、党政机关和"
    "驻地单位四类，围绕科学发展、服务意识、行政效能、依法行政、勤政廉洁、自身建设六个方面进行评议。"
    "评议采取网上评议（评议码）和纸质评议表两种方式；征集的意见建议以《整改通知书》形式原汁原味"
    "反馈被评议单位。"
)

LAW, GOVERNMENT, WINDOW, PARTY = "法检机关", "政府机构", "窗口单位", "党政机关和驻地单位"
CATEGORIES = (LAW, GOVERNMENT, WINDOW, PARTY)
# Seed 004 counts the 政法 units as 法检机关, and the utilities and the railway station (驻地 by
# ownership) among the 窗口单位 because people meet them at a counter.
LAW_CODES = frozenset({"ZY", "JCY", "GAJ", "SFJ"})
COUNTER_RESIDENT_CODES = frozenset({"GD", "DX", "YZ", "TL"})
UTILITY_CODES = frozenset({"ZLS", "RQ", "GD", "DX"})
BY_ORG_CATEGORY = {
    "fajian": LAW,
    "government": GOVERNMENT,
    "window": WINDOW,
    "party": PARTY,
    "resident": PARTY,
}

#: Published satisfaction rate (满意+比较满意) of the finished campaigns, oldest first: the first
#: two figures of seed 004 (95.2% → 98.7%); this year's campaign continues towards 99.0%.
TARGET_RATES = (0.952, 0.987)
OPEN_TARGET = 0.990
#: Share of each stratum in the quotas (seed 004: about 1,000 from ten strata).
STRATUM_SHARES = (0.10, 0.10, 0.06, 0.08, 0.12, 0.12, 0.10, 0.10, 0.12, 0.10)
#: How many take part on paper, per stratum: villages and townships mostly, leaders seldom.
PAPER_SHARES = (0.15, 0.25, 0.05, 0.15, 0.10, 0.15, 0.30, 0.50, 0.30, 0.75)
#: Leniency of each stratum on the latent scale (leaders rate their peers kindly, residents and
#: businesses are the harshest).
STRATUM_LENIENCY = (0.15, 0.10, 0.45, 0.35, 0.20, -0.25, 0.0, 0.15, -0.30, -0.10)
#: How well each stratum knows each category (法检, 政府, 窗口, 党政/驻地): 不了解 follows it.
FAMILIARITY = (
    (0.95, 0.95, 0.92, 0.90),
    (0.80, 0.82, 0.88, 0.70),
    (0.95, 0.98, 0.92, 0.95),
    (0.85, 0.90, 0.88, 0.80),
    (0.72, 0.82, 0.85, 0.70),
    (0.60, 0.78, 0.96, 0.45),
    (0.62, 0.66, 0.92, 0.50),
    (0.55, 0.76, 0.78, 0.50),
    (0.45, 0.50, 0.92, 0.30),
    (0.35, 0.45, 0.72, 0.25),
)
CATEGORY_QUALITY = {LAW: 0.20, GOVERNMENT: 0.0, WINDOW: -0.10, PARTY: 0.25}
DIMENSION_EFFECT = (0.0, 0.05, -0.10, 0.05, 0.0, 0.05)  # 行政效能 is what people feel most
OPINION_SHARE = 0.15
REPLACEMENT_REASONS = (
    "因病住院，无法参加评议",
    "工作调动，已离开本市",
    "长期在外地务工，无法联系",
    "本人因家庭原因申请不参加",
    "联系电话已停机，经社区核实已迁居外地",
    "已调入被评议单位工作，按规定回避",
)

# ---- the opinion phrase bank ------------------------------------------------------------------
# Per theme: problems, then suggestions. Each theme's phrases share its key words (排队、电话、
# 收费…) so that grouping opinions by theme finds them together.
THEMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "服务态度": (
        (
            "个别工作人员服务态度生硬，群众多问几句就不耐烦",
            "窗口人员服务态度有待改进，对老年人讲解不够耐心",
            "接待群众时脸难看、话难听的现象仍然存在，态度需要改进",
            "有的工作人员说话冲、态度差，服务意识不强",
            "工作人员对外地来办事的群众态度冷淡",
            "办事时工作人员一边玩手机一边接待，态度敷衍",
        ),
        (
            "建议加强服务礼仪和文明用语培训",
            "希望工作人员多一些耐心和热情",
            "建议把服务态度纳入窗口人员考核",
            "希望换位思考，多为群众着想",
        ),
    ),
    "办事效率": (
        (
            "办事效率不高，一件事跑了好几趟才办成",
            "审批环节多、时间长，承诺时限形同虚设",
            "超过承诺时限没有办结，也没有人主动告知办理进度",
            "内部流转慢，一个签字要等好几天，效率太低",
            "办事推诿扯皮，几个科室之间来回踢皮球",
            "项目审批效率偏低，影响企业按期开工",
        ),
        (
            "建议进一步压缩办理时限",
            "希望推行并联审批、限时办结",
            "建议公开办理进度，超时要有说法",
            "希望真正做到“最多跑一次”",
        ),
    ),
    "材料手续": (
        (
            "要求提交的材料太多，有的证明明显可以通过部门共享获取",
            "一次性告知不到位，补材料来回跑了三趟",
            "办事指南上写的材料和窗口实际要求的不一致",
            "同一份证明材料要重复提交好几次，手续繁琐",
            "手续繁琐，简单的事情也要层层盖章",
            "要求开具的证明材料群众根本开不出来",
        ),
        (
            "建议清理不必要的证明材料",
            "希望落实一次性告知制度",
            "建议办事指南和窗口要求保持一致",
            "希望推行材料共享、减少重复提交",
        ),
    ),
    "收费": (
        (
            "收费项目和收费标准不够公开透明",
            "收费标准没有公示，不知道钱收得对不对",
            "维修和安装收费偏高，收费依据说不清楚",
            "存在搭车收费的现象",
            "收费后不给正规票据",
        ),
        (
            "建议在显著位置公示收费依据和收费标准",
            "希望杜绝乱收费、搭车收费",
            "建议收费后主动开具票据",
        ),
    ),
    "廉洁": (
        (
            "个别工作人员存在吃拿卡要现象，廉洁方面有问题",
            "有工作人员暗示找熟人、托关系才能快办",
            "窗口有推荐中介代办的情况，廉洁方面存在隐患",
            "个别干部廉洁自律意识不强，接受服务对象吃请",
        ),
        (
            "希望加强廉洁自律教育和监督",
            "建议公开监督举报电话，严肃查处",
            "希望对中介代办问题开展专项整治",
        ),
    ),
    "政务公开": (
        (
            "政务公开不够及时，网站信息更新慢",
            "政策文件在网站上查不到，政务公开内容不全",
            "办事依据和办理结果公开不够，群众不知情",
            "政务公开栏内容陈旧，好几个月没有更新",
        ),
        (
            "建议及时公开政策文件和办事结果",
            "希望通过网站和公众号及时公开信息",
            "建议公开的内容要让群众看得懂",
        ),
    ),
    "窗口排队": (
        (
            "高峰期排队时间太长，窗口开得太少",
            "取号后排队等了一个多小时，叫号系统经常出问题",
            "排队等候时间长，部分窗口有人却不办理业务",
            "中午和下班前排队的人多，窗口却提前停止取号",
        ),
        (
            "建议高峰期增开窗口、推行预约办理，减少排队",
            "希望实行弹性工作制，中午不打烊",
            "建议增加自助办理设备，减少排队等候",
        ),
    ),
    "电话难打": (
        (
            "咨询电话经常打不通，打通了也没人接",
            "服务热线电话长期占线，想问个事很难",
            "公布的办公电话无人接听，只能跑现场问",
            "电话咨询答复不一致，不同的人说法不一样",
        ),
        (
            "建议增加咨询电话接听人员",
            "希望公布的电话有人接、能答复",
            "建议建立统一的电话咨询答复口径",
        ),
    ),
    "工作纪律": (
        (
            "上班时间有人玩手机、闲聊，窗口经常空岗",
            "工作人员迟到早退，到了上班时间窗口还没人",
            "个别人员上班时间干私事，群众等候无人理",
        ),
        ("建议加强考勤和明查暗访", "希望严格落实首问负责和AB岗制度"),
    ),
    "网上办理": (
        (
            "网上办事系统不好用，经常登录不上",
            "网上能办的事项太少，最后还是要跑现场",
            "网上提交申请后迟迟没人审核，也没有提醒",
        ),
        (
            "建议优化网上办事系统",
            "希望扩大网上可办事项范围",
            "建议网上申请及时审核并短信告知",
        ),
    ),
    "联系群众": (
        (
            "深入基层调研少，对群众实际困难了解不够",
            "政策宣传不到位，群众不了解相关政策",
            "听取群众意见的渠道少，群众反映的问题没有回音",
        ),
        (
            "希望多深入基层、多听群众意见",
            "建议加强政策宣传和解读",
            "希望对群众反映的问题及时回应",
        ),
    ),
    "基层负担": (
        (
            "会议多、文件多，基层负担重",
            "督查检查考核过多，基层疲于应付",
            "要求基层填报的表格太多，同样的数据重复报送",
        ),
        ("希望切实为基层减负", "建议精简会议文件和督查检查"),
    ),
}
POSITIVE = (
    "服务热情周到，办事效率明显提高，希望继续保持。",
    "近年来机关作风明显好转，为你们点赞。",
    "工作人员耐心细致，一次性告知清楚，值得表扬。",
    "比去年有明显进步，希望再接再厉。",
    "办事流程清楚，很多事网上就能办，很方便。",
)
# Theme weights by the kind of unit: what people meet there.
THEME_WEIGHTS = {
    "counter": {
        "窗口排队": 3,
        "服务态度": 3,
        "材料手续": 3,
        "办事效率": 2,
        "电话难打": 2,
        "网上办理": 2,
        "工作纪律": 1,
        "收费": 0.5,
        "廉洁": 0.5,
    },
    "utility": {"收费": 4, "电话难打": 3, "服务态度": 2, "办事效率": 2, "窗口排队": 1},
    "law": {"办事效率": 3, "服务态度": 2, "廉洁": 2, "政务公开": 1, "电话难打": 1, "工作纪律": 1},
    "government": {
        "办事效率": 3,
        "材料手续": 2,
        "政务公开": 2,
        "电话难打": 2,
        "联系群众": 2,
        "基层负担": 1,
        "服务态度": 1,
        "廉洁": 1,
        "网上办理": 1,
    },
    "party": {
        "联系群众": 3,
        "基层负担": 2,
        "政务公开": 2,
        "服务态度": 1,
        "工作纪律": 1,
        "办事效率": 1,
    },
}
#: What people complain about at the year's clearly worse unit, by the kind of unit.
PROBLEM_THEMES = {
    "counter": ("窗口排队", "材料手续"),
    "utility": ("收费", "电话难打"),
    "government": ("办事效率", "电话难打"),
}
#: Categories in which one unit is made clearly worse each year (the two large ones).
PROBLEM_CATEGORIES = (WINDOW, GOVERNMENT)

# ---- evaluator organisations -----------------------------------------------------------------
# Word lists read best one line each; the formatter would put every word on a line of its own.
# fmt: off
SECTORS = ("经济", "教育", "医药卫生", "农业和农村", "工商联", "科学技术", "文化艺术", "社会福利")
COUNTY_OFFICES = (
    "人民政府办公室", "财政局", "教育局", "民政局", "住房和城乡建设局", "农业农村局", "卫生健康局",
    "人力资源和社会保障局", "市场监督管理局", "自然资源局",
)
SECTIONS = ("办公室", "政策法规科", "行政审批科", "综合科", "监督检查科", "规划财务科")
BRANDS = (
    "恒达", "兴业", "华源", "润丰", "鑫盛", "宏图", "瑞祥", "众诚", "金桥", "远航", "聚力", "天成",
    "嘉禾", "博远", "安泰", "新航",
)
INDUSTRIES = (
    "建材", "物流", "食品", "机械制造", "电子科技", "商贸", "农业开发", "建筑工程", "医药",
    "餐饮管理", "物业服务", "新能源",
)
STREETS = ("东门", "西关", "南湖", "北街", "滨江", "城南", "文昌", "丰乐")
COMMUNITIES = ("幸福", "和平", "光明", "友谊", "阳光", "绿园", "春晖", "惠民")
TOWNS = ("清水", "柳林", "石桥", "河口", "青山", "杨店", "新集", "大营", "沙河")
VILLAGES = ("前进", "红星", "三合", "新河", "杨柳", "东湾", "西坡", "李家", "张庄", "五里铺")
ESTATES = ("锦绣", "翠苑", "书香", "滨湖", "怡景", "康乐")
# fmt: on


# ---- what the build reports ------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignFigures:
    name: str
    year: int
    status: str  # Chinese label
    units: int
    evaluators: int  # selected (after replacements)
    sheets: int
    online: int
    paper: int
    excluded: int
    opinions: int
    replacements: int
    paper_pending: int  # forms awaiting their second entry or a resolution
    headline: float | None  # published satisfaction rate


@dataclass(frozen=True)
class EvaluationSummary:
    campaigns: tuple[CampaignFigures, ...] = ()
    try_codes: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def finished(self) -> list[CampaignFigures]:
        return [c for c in self.campaigns if c.headline is not None]


# ---- units -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvaluatedUnit:
    unit_id: int
    code: str  # the unit's code without the city prefix (RSJ, ZWZX-03, DH…)
    name: str
    short_name: str
    kind: str
    category: str
    duty: str
    profile: str  # a THEME_WEIGHTS key


def _category(unit: Unit, code: str) -> str:
    if unit.kind in (Unit.Kind.CENTRE, Unit.Kind.WINDOW):
        return WINDOW
    if unit.kind == Unit.Kind.DISTRICT:
        return GOVERNMENT
    if code in LAW_CODES:
        return LAW
    if code in COUNTER_RESIDENT_CODES:
        return WINDOW
    return BY_ORG_CATEGORY.get(unit.category.code if unit.category else "", GOVERNMENT)


def _profile(category: str, code: str) -> str:
    if code in UTILITY_CODES:
        return "utility"
    return {LAW: "law", GOVERNMENT: "government", WINDOW: "counter", PARTY: "party"}[category]


def evaluated_units() -> list[EvaluatedUnit]:
    """The demo city's units a 千人评议 would evaluate: every department-level unit, the service
    centre and its windows, the district governments — not the 效能办, which runs the campaign.
    Ordered by category, then as the city lists them."""
    office = f"{data.CITY_CODE}-{data.OFFICE[0]}"
    kinds = {
        Unit.Kind.CENTRE: 0,
        Unit.Kind.WINDOW: 1,
        Unit.Kind.DEPARTMENT: 2,
        Unit.Kind.DISTRICT: 3,
    }
    found = []
    for unit in (
        Unit.objects.filter(is_active=True, kind__in=list(kinds))
        .exclude(code=office)
        .select_related("category")
    ):
        code = unit.code.removeprefix(f"{data.CITY_CODE}-")
        category = _category(unit, code)
        duty = unit.duty_summary or f"负责{unit.name}职责范围内的各项工作。"
        found.append(
            (
                (CATEGORIES.index(category), kinds[unit.kind], unit.sort_order, unit.code),
                EvaluatedUnit(
                    unit.pk,
                    code,
                    unit.name,
                    unit.short_name or unit.name,
                    unit.kind,
                    category,
                    duty,
                    _profile(category, code),
                ),
            )
        )
    return [u for _, u in sorted(found, key=lambda x: x[0])]


# ---- people ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Person:
    name: str
    stratum: int
    phone: str
    id_number: str
    organisation: str


def quotas_for(total: int) -> list[int]:
    """``total`` split over the ten strata by ``STRATUM_SHARES`` (largest remainder)."""
    raw = [total * s for s in STRATUM_SHARES]
    quotas = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: quotas[i] - raw[i])[: total - sum(quotas)]:
        quotas[i] += 1
    return quotas


def _id_number(rng: random.Random) -> str:
    # Region 99xxxx is assigned to no place: valid in form (and check digit), nobody's number.
    born = date(1955, 1, 1) + timedelta(days=rng.randint(0, 45 * 365))
    body = f"99{rng.randint(1000, 9999)}{born:%Y%m%d}{rng.randint(0, 999):03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]
    return body + check


def _organisation(rng: random.Random, stratum: int, departments: list[str]) -> str:
    district = rng.choice(data.DISTRICTS[:4])[1]
    match stratum:
        case 0:
            return rng.choice(
                (
                    f"市人大代表（{district}代表团）",
                    f"市政协委员（{rng.choice(SECTORS)}界别）",
                    f"市党代会代表（{district}）",
                )
            )
        case 1:
            return f"{district}{rng.choice(('人大代表', '政协委员', '党代会代表'))}"
        case 2:
            return rng.choice(departments)
        case 3:
            return f"{district}{rng.choice(COUNTY_OFFICES)}"
        case 4:
            return rng.choice(
                (
                    f"{rng.choice(departments)}{rng.choice(SECTIONS)}",
                    f"{district}{rng.choice(COUNTY_OFFICES)}",
                )
            )
        case 5:
            return f"示范市{rng.choice(BRANDS)}{rng.choice(INDUSTRIES)}有限公司"
        case 6:
            return f"{district}{rng.choice(STREETS)}街道{rng.choice(COMMUNITIES)}社区"
        case 7:
            return f"{district}{rng.choice(TOWNS)}镇人民政府"
        case 8:
            return (
                f"{district}{rng.choice(data.ROADS)}{rng.randint(1, 300)}号"
                f"{rng.choice(ESTATES)}小区"
            )
        case _:
            return f"{district}{rng.choice(TOWNS)}镇{rng.choice(VILLAGES)}村"


def _population(seed: int, quotas: list[int], departments: list[str]) -> list[list[_Person]]:
    """The people each year's pool is nominated from: about twice the quota per stratum, so
    that pools of consecutive years overlap as they do in practice."""
    rng = random.Random(f"xiaoneng-demo:{seed}:evaluation-people")
    taken: set[str] = set()
    phones: set[str] = set()
    out: list[list[_Person]] = []
    for stratum, quota in enumerate(quotas):
        people = []
        for _ in range(int(quota * 2.2) + 3):
            while True:
                phone = f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}"
                if phone not in phones:
                    phones.add(phone)
                    break
            people.append(
                _Person(
                    name=unique_person_name(rng, taken),
                    stratum=stratum,
                    phone=phone,
                    id_number=_id_number(rng) if rng.random() < 0.6 else "",
                    organisation=_organisation(rng, stratum, departments),
                )
            )
        out.append(people)
    return out


def pool_workbook(people: list[_Person]) -> bytes:
    """The pool file as the office would upload it (columns of ``pool.COLUMNS``)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "评议人库"
    ws.append(list(pool.COLUMNS.values()))
    for p in people:
        ws.append([p.name, DEFAULT_STRATA[p.stratum], p.phone, p.id_number, p.organisation])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---- dates -------------------------------------------------------------------------------------


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def _workday_from(day: date) -> date:
    calendar = get_calendar()
    while not calendar.is_workday(day):
        day += timedelta(days=1)
    return day


def _add_workdays(day: date, n: int) -> date:
    calendar = get_calendar()
    while n > 0:
        day += timedelta(days=1)
        if calendar.is_workday(day):
            n -= 1
    return day


def _lottery_day(after: date) -> date:
    """The first 双色球 draw (Tuesday, Thursday, Sunday) on or after ``after``."""
    while after.weekday() not in (1, 3, 6):
        after += timedelta(days=1)
    return after


@dataclass(frozen=True)
class Timeline:
    created: date
    frozen: date
    announced: date
    lottery: date
    drawn: date
    issued: date
    opened: date
    last_answer: date  # the last day sheets arrive (the close, or today for an open campaign)
    closed: date | None
    tallied: date | None
    published: date | None
    milestones: MilestoneDates


def _start(created: date) -> tuple[date, date, date, date, date, date, date]:
    created = _workday_from(created)
    frozen = _workday_from(created + timedelta(days=9))
    announced = _add_workdays(frozen, 1)
    lottery = _lottery_day(announced + timedelta(days=3))
    drawn = _workday_from(lottery + timedelta(days=1))
    issued = _add_workdays(drawn, 2)
    opened = _add_workdays(issued, 1)
    return created, frozen, announced, lottery, drawn, issued, opened


def finished_timeline(year: int) -> Timeline:
    """A campaign of ``year``: set up in September, answered until the end of October,
    published in November."""
    created, frozen, announced, lottery, drawn, issued, opened = _start(date(year, 9, 1))
    closed = _workday_from(opened + timedelta(days=35))
    tallied = _add_workdays(closed, 6)
    published = _add_workdays(tallied, 6)
    return Timeline(
        created,
        frozen,
        announced,
        lottery,
        drawn,
        issued,
        opened,
        closed,
        closed,
        tallied,
        published,
        MilestoneDates(
            draw=drawn + timedelta(days=2),
            distribution=opened + timedelta(days=2),
            collection=closed,
            tally=tallied + timedelta(days=3),
            publication=published + timedelta(days=3),
        ),
    )


def open_timeline(today: date) -> Timeline:
    """This year's campaign: drawn and distributed about three weeks ago, answers due in about
    two weeks."""
    created, frozen, announced, lottery, drawn, issued, opened = _start(today - timedelta(days=40))
    collection = _workday_from(today + timedelta(days=14))
    tally = _workday_from(collection + timedelta(days=14))
    return Timeline(
        created,
        frozen,
        announced,
        lottery,
        drawn,
        issued,
        opened,
        today,
        None,
        None,
        None,
        MilestoneDates(
            draw=drawn + timedelta(days=2),
            distribution=opened + timedelta(days=2),
            collection=collection,
            tally=tally,
            publication=_workday_from(tally + timedelta(days=14)),
        ),
    )


def lottery_seed(rng: random.Random, day: date) -> tuple[str, str]:
    """(announcement, drawn numbers) of a 双色球 draw: six red balls of 1–33, one blue of 1–16."""
    reds = sorted(rng.sample(range(1, 34), 6))
    numbers = " ".join(f"{r:02d}" for r in reds) + f" / {rng.randint(1, 16):02d}"
    # 双色球 draws three times a week; the issue number counts the draws of the year.
    issue = sum(
        1
        for n in range((day - date(day.year, 1, 1)).days + 1)
        if (date(day.year, 1, 1) + timedelta(days=n)).weekday() in (1, 3, 6)
    )
    source = (
        f"以{day.year}年{day.month}月{day.day}日开奖的中国福利彩票“双色球”第{day.year}{issue:03d}期"
        "开奖号码为随机种子：6个红球号码按开奖公告顺序录入，其后录入蓝球号码，红球与蓝球之间以“/”分隔。"
        "开奖次日由效能办在纪检监察干部和评议人代表见证下录入种子并当场抽取。"
    )
    return source, numbers


# ---- answers -----------------------------------------------------------------------------------


def _stable_rng(*parts: object) -> np.random.Generator:
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


@dataclass(frozen=True)
class UnitModel:
    quality: np.ndarray  # (U,)
    visibility: np.ndarray  # (U,)
    dimension: np.ndarray  # (U, D)
    problems: frozenset[int]  # unit indexes clearly worse this year


def unit_model(seed: int, units: list[EvaluatedUnit], year_index: int) -> UnitModel:
    """Each unit's quality and visibility are its own (stable across years, from the seed and
    its code), with a little noise per year; one clearly worse unit in each large category, a
    different one each year (last year's worst has rectified)."""
    quality, visibility, dims = [], [], []
    for u in units:
        g = _stable_rng(seed, "evaluation-unit", u.code)
        quality.append(CATEGORY_QUALITY[u.category] + g.normal(0, 0.25))
        base = {"counter": 0.95, "utility": 0.95, "law": 0.85, "government": 0.6, "party": 0.5}
        vis = base[u.profile] + (0.3 * g.random() if u.profile in ("government", "party") else 0)
        visibility.append(min(vis, 0.97) if u.kind != Unit.Kind.DISTRICT else 0.8)
        dims.append(np.array(DIMENSION_EFFECT) + g.normal(0, 0.12, len(DIMENSION_EFFECT)))
    year = _stable_rng(seed, "evaluation-year", year_index)
    q = np.array(quality) + year.normal(0, 0.08, len(units))
    problems = set()
    for category in PROBLEM_CATEGORIES:
        members = [i for i, u in enumerate(units) if u.category == category and u.kind != "centre"]
        if len(members) >= 3:
            order = list(_stable_rng(seed, "evaluation-problems", category).permutation(members))
            problems.add(int(order[year_index % len(order)]))
    for i in problems:
        q[i] -= 1.1
    return UnitModel(q, np.array(visibility), np.array(dims), frozenset(problems))


def generate_answers(
    rng: np.random.Generator,
    units: list[EvaluatedUnit],
    model: UnitModel,
    strata: np.ndarray,
    target: float,
) -> np.ndarray:
    """(respondents, units, dimensions) of 0 满意 / 1 比较满意 / 2 基本满意 / 3 不满意 / 4 不了解.

    The thresholds between the options are quantiles of the latent values actually drawn, so
    the share of 满意+比较满意 among the known answers is ``target`` whatever the mix of
    strata."""
    n, n_units, n_dims = len(strata), len(units), model.dimension.shape[1]
    cat = np.array([CATEGORIES.index(u.category) for u in units])
    familiarity = np.array(FAMILIARITY)[strata][:, cat]  # (R, U)
    known_unit = rng.random((n, n_units)) < familiarity * model.visibility[None, :]
    known = known_unit[:, :, None] & (rng.random((n, n_units, n_dims)) > 0.03)
    leniency = np.array(STRATUM_LENIENCY)[strata] + rng.normal(0, 0.45, n)
    latent = (
        model.quality[None, :, None]
        + model.dimension[None, :, :]
        + leniency[:, None, None]
        + rng.normal(0, 0.4, (n, n_units, 1))  # how the evaluator sees this unit overall
        + rng.normal(0, 0.5, (n, n_units, n_dims))
    )
    values = latent[known]
    out = np.full((n, n_units, n_dims), 4, dtype=np.int8)
    if values.size:
        top_one = 0.45 + 2.5 * (target - 0.9)  # 满意 alone: ~58% in a 95% year, ~67% in a 99% one
        t1, t2, t3 = np.quantile(
            values, [1 - top_one, 1 - target, (1 - target) * 0.3], method="linear"
        )
        coded = np.where(latent > t1, 0, np.where(latent > t2, 1, np.where(latent > t3, 2, 3)))
        out[known] = coded[known]
    return out


def sheet_text(codes: np.ndarray, positions: list[int]) -> str:
    """One respondent's (U, D) codes as the stored answer string (option positions, '-')."""
    lut = np.array([ord(str(p)) for p in positions] + [ord(sheets.BLANK)], dtype=np.uint8)
    return lut[codes.ravel()].tobytes().decode("ascii")


def opinions_for(
    rng: random.Random,
    units: list[EvaluatedUnit],
    model: UnitModel,
    codes: np.ndarray,
) -> list[tuple[int, str]]:
    """1–3 opinions (unit index, text) about units this evaluator knows, likelier about units
    they rated low and about the year's clearly worse units."""
    known = [i for i in range(len(units)) if (codes[i] < 4).any()]
    if not known:
        return []
    weights = [
        1
        + 4 * int((codes[i] == 2).sum() + (codes[i] == 3).sum())
        + (4 if i in model.problems else 0)
        + (1 if units[i].category == WINDOW else 0)
        for i in known
    ]
    count = min(len(known), rng.choices((1, 2, 3), weights=(60, 30, 10))[0])
    chosen: list[int] = []
    while len(chosen) < count:
        i = rng.choices(known, weights=weights)[0]
        if i not in chosen:
            chosen.append(i)
    out = []
    for i in chosen:
        unit, low = units[i], bool((codes[i] >= 2).any() and (codes[i] < 4).any())
        if not low and i not in model.problems and rng.random() < 0.35:
            out.append((i, rng.choice(POSITIVE)))
            continue
        themes = dict(THEME_WEIGHTS[unit.profile])
        if i in model.problems:
            for theme in PROBLEM_THEMES.get(unit.profile, ()):
                themes[theme] = themes.get(theme, 1) * 6
        theme = rng.choices(list(themes), weights=list(themes.values()))[0]
        problems, suggestions = THEMES[theme]
        text = rng.choice(problems)
        if rng.random() < 0.2 and unit.profile in ("counter", "utility"):
            text = f"到{unit.short_name}办事，{text}"
        if rng.random() < 0.6:
            text += "，" + rng.choice(suggestions)
        out.append((i, text + "。"))
    return out


# ---- one campaign ------------------------------------------------------------------------------


@dataclass
class _Response:
    evaluator: Evaluator
    day: date
    codes: np.ndarray  # (U, D)
    opinions: list[tuple[int, str]] = field(default_factory=list)


class _CampaignBuild:
    """Builds one campaign through the services, then moves its dates. ``finished`` campaigns
    are closed, tallied and published; the open one is left collecting."""

    def __init__(
        self,
        *,
        seed: int,
        year: int,
        index: int,
        today: date,
        quota_total: int,
        units: list[EvaluatedUnit],
        population: list[list[_Person]],
        office,
        second_clerk,
        timeline: Timeline,
        target: float,
        finished: bool,
    ) -> None:
        self.seed, self.year, self.index, self.today = seed, year, index, today
        self.quotas = quotas_for(quota_total)
        self.units, self.population = units, population
        self.office, self.second_clerk = office, second_clerk
        self.timeline, self.target, self.finished = timeline, target, finished
        self.rng = random.Random(f"xiaoneng-demo:{seed}:evaluation:{year}")
        self.np_rng = _stable_rng(seed, "evaluation-answers", year)
        self.now = timezone.now()
        self.late_codes: set[int] = set()
        self.paper_times: dict[str, tuple[datetime, datetime | None]] = {}
        self.replacements = 0

    def moment(self, day: date, hour: int, minute: int = 0) -> datetime:
        # Never in the future: with ``today`` = the real today, an afternoon entry planned for
        # today may not have happened yet when the demo is built in the morning.
        return min(_at(day, hour, minute), self.now)

    # -- set-up, pool, draw --

    def set_up(self) -> Campaign:
        office = self.office
        campaign = services.create_campaign(
            office,
            name=TITLE.format(year=self.year),
            year=self.year,
            dates=self.timeline.milestones,
            description=DESCRIPTION.format(
                year=self.year, evaluators=sum(self.quotas), units=len(self.units)
            ),
        )
        services.set_units(
            office,
            campaign,
            [UnitRow(u.unit_id, u.category, u.duty) for u in self.units],
        )
        people = []
        for stratum, quota in enumerate(self.quotas):
            candidates = self.population[stratum]
            size = min(
                len(candidates), round(quota * 1.5) + self.rng.randint(0, max(1, quota // 8))
            )
            people += self.rng.sample(candidates, size)
        pool.import_pool(office, campaign, pool_workbook(people))
        services.set_strata(
            office,
            campaign,
            [StratumRow(name, q, 1) for name, q in zip(DEFAULT_STRATA, self.quotas, strict=True)],
        )
        services.freeze_roster(office, campaign)
        source, numbers = lottery_seed(self.rng, self.timeline.lottery)
        services.announce_seed_source(office, campaign, source)
        services.enter_seed_and_draw(office, campaign, numbers)
        campaign.refresh_from_db()
        return campaign

    def selected(self, campaign: Campaign) -> list[Evaluator]:
        return list(
            campaign.evaluators.filter(status=Evaluator.Status.SELECTED)
            .select_related("stratum")
            .order_by("number")
        )

    def replace(self, evaluators: list[Evaluator], count: int) -> list[Evaluator]:
        reserves = []
        for evaluator in self.rng.sample(evaluators, min(count, len(evaluators))):
            reason = self.rng.choice(REPLACEMENT_REASONS)
            reserves.append(services.replace_evaluator(self.office, evaluator, reason))
            self.replacements += 1
        return reserves

    def distribute(self, campaign: Campaign) -> None:
        """Replacements before the letters go out, the paper/online choice, the codes, the start
        of collection, and a replacement or two after it (their codes are revoked)."""
        total = sum(self.quotas)
        self.replace(self.selected(campaign), max(1, round(total * 0.006)))
        for evaluator in self.selected(campaign):
            if self.rng.random() < PAPER_SHARES[evaluator.stratum.sort_order]:
                services.set_mode(self.office, evaluator, Evaluator.Mode.PAPER)
        services.issue_codes(self.office, campaign)
        services.open_collection(self.office, campaign)
        online = [e for e in self.selected(campaign) if e.mode == Evaluator.Mode.ONLINE]
        late = self.replace(online, 2 if total >= 200 else 1)
        services.issue_codes(self.office, campaign)
        self.late_codes = {r.pk for r in late}

    # -- answers --

    def responses(self, campaign: Campaign) -> list[_Response]:
        evaluators = self.selected(campaign)
        t = self.timeline
        # Keyed by the plain values: a Choices member hashes by its name, not its value.
        if self.finished:
            share = {"online": 0.955, "paper": 0.975}
        else:
            share = {"online": 0.5, "paper": 0.55}
        answering = [e for e in evaluators if self.rng.random() < share[str(e.mode)]]
        strata = np.array([e.stratum.sort_order for e in answering], dtype=np.intp)
        model = unit_model(self.seed, self.units, self.index)
        codes = generate_answers(self.np_rng, self.units, model, strata, self.target)
        span = max((t.last_answer - t.opened).days, 0)
        out = []
        for k, evaluator in enumerate(answering):
            # Most answers come in the first two weeks, then reminders bring in the rest (an
            # exponential cut off at the last day, so that no spike builds up on it).
            offset = int(self.rng.expovariate(1 / 9))
            while offset > span:
                offset = int(self.rng.expovariate(1 / 9))
            day = t.opened + timedelta(days=offset)
            if evaluator.mode == Evaluator.Mode.PAPER:
                day = _workday_from(day)  # forms reach the office on working days
                if day > t.last_answer:
                    day = t.opened
            response = _Response(evaluator, day, codes[k])
            if evaluator.mode == Evaluator.Mode.PAPER:
                # On paper a unit one does not know is often just left blank.
                unknown = (response.codes == 4).all(axis=1)
                blank = unknown & (self.np_rng.random(len(self.units)) < 0.3)
                response.codes = response.codes.copy()
                response.codes[blank] = -1
            if self.rng.random() < OPINION_SHARE:
                response.opinions = opinions_for(self.rng, self.units, model, codes[k])
            out.append(response)
        if self.finished:
            self.plant_careless([r for r in out if r.evaluator.mode == Evaluator.Mode.ONLINE])
        return out

    def plant_careless(self, online: list[_Response]) -> None:
        """Straight-lined sheets (all 满意, one all 比较满意) and a pair of identical ones, for the
        review before the tally — which excludes them by rule, all alike."""
        if len(online) < 10:
            return
        picks = self.rng.sample(online, 5)
        for n, response in enumerate(picks[:-2]):
            response.codes = np.full_like(response.codes, 1 if n == 2 else 0)
            response.opinions = []
        original, copy = picks[-2:]
        copy.codes = original.codes.copy()
        copy.opinions = []

    # -- online, in bulk --

    def write_online(
        self, campaign: Campaign, layout: sheets.Layout, items: list[_Response]
    ) -> None:
        """The codes marked used; the sheets, in the order they arrive, through the anonymity
        pool's rule (released batches written, the rest waiting sealed)."""
        positions = self.positions(layout)
        codes = dict(
            AccessCode.objects.filter(campaign=campaign, revoked=False).values_list(
                "evaluator_id", "pk"
            )
        )
        AccessCode.objects.filter(pk__in=[codes[r.evaluator.pk] for r in items]).update(used=True)
        arrivals = sorted(items, key=lambda r: (r.day, self.rng.random()))
        waiting = mixing.admit_many(
            campaign,
            [
                mixing.Submission(
                    r.evaluator.stratum_id,
                    sheet_text(r.codes, positions),
                    tuple((layout.units[i].pk, text) for i, text in r.opinions),
                )
                for r in arrivals
            ],
            sheets.pending_length(layout),
            self.rng,
            closing=self.finished,  # a finished campaign closes next: its pool is emptied
        )
        audit.record(
            ACTOR,
            audit.Action.CREATE,
            campaign,
            summary=f"演示数据：网上评议表 {len(items)} 份经匿名缓冲池批量写入"
            f"（评议码已标记为已使用，{waiting} 份仍在缓冲池中）",
            after={"online_sheets": len(items), "waiting": waiting},
        )

    @staticmethod
    def positions(layout: sheets.Layout) -> list[int]:
        labels = [o.label for o in layout.options]
        return [labels.index(x) for x in ("满意", "比较满意", "基本满意", "不满意", "不了解")]

    # -- paper, through the double entry --

    def write_paper(
        self, campaign: Campaign, layout: sheets.Layout, items: list[_Response]
    ) -> None:
        """Every form typed by two accounts; a few second entries differ by one digit (the
        resolution against the paper follows). In the open campaign the latest forms wait for
        their second entry and one mismatch waits for its resolution."""
        positions = self.positions(layout)
        items = sorted(items, key=lambda r: (r.day, r.evaluator.number))
        n = len(items)
        awaiting = set() if self.finished else set(range(max(0, n - max(1, n // 12)), n))
        mismatched = {self.rng.randrange(n) for _ in range(max(1, n // 40))} if n else set()
        pending_mismatch = (
            None if self.finished or n < 3 else max(i for i in range(n) if i not in awaiting)
        )
        if pending_mismatch is not None:
            mismatched.add(pending_mismatch)
        mismatched -= awaiting
        for k, r in enumerate(items):
            serial = f"{self.year}-{k + 1:04d}"
            rows = sheets.paper_digits(layout, sheet_text(r.codes, positions))
            opinions = [(layout.units[i].pk, text) for i, text in r.opinions]
            stratum = r.evaluator.stratum_id
            first, second = (
                (self.office, self.second_clerk)
                if self.rng.random() < 0.5
                else (self.second_clerk, self.office)
            )
            entered = _add_workdays(r.day, self.rng.choice((0, 1, 1, 2)))
            entered = min(entered, self.timeline.last_answer)
            t1 = self.moment(entered, self.rng.randint(9, 11), self.rng.randint(0, 59))
            sheets.enter_paper(first, campaign, serial, stratum, rows, opinions, layout=layout)
            if k in awaiting:
                self.paper_times[serial] = (t1, None)
                continue
            typed = dict(rows)
            if k in mismatched:
                # One digit mistyped: a unit's first item read as the next option (a blank as 1).
                unit_pk = layout.units[self.rng.randrange(len(layout.units))].pk
                digits = list(typed[unit_pk])
                digits[0] = str(int(digits[0]) % len(layout.options) + 1)
                typed[unit_pk] = "".join(digits)
            sheets.enter_paper(second, campaign, serial, stratum, typed, opinions, layout=layout)
            t2 = self.moment(entered, self.rng.randint(14, 16), self.rng.randint(0, 59))
            self.paper_times[serial] = (t1, t2)
            if k in mismatched and k != pending_mismatch:
                form = PaperForm.objects.get(campaign=campaign, serial=serial)
                sheets.resolve_paper(self.office, form, stratum, rows, opinions)

    # -- the end of a finished campaign --

    def finish(self, campaign: Campaign) -> None:
        services.close_collection(self.office, campaign)
        for rule, reason in (
            (
                scoring.FlagKind.STRAIGHT_LINING,
                "所有题目勾选同一选项（包括绝大多数评议人不了解的单位），按规则认定为敷衍作答",
            ),
            (
                scoring.FlagKind.IDENTICAL_ANSWERS,
                "两份评议表全部答案完全相同，按规则认定为重复提交，保留一份",
            ),
        ):
            sheets.adopt_rule(self.office, campaign, rule, reason)
        results.finalize(self.office, campaign, flags_reviewed=True)
        results.publish(self.office, campaign)

    # -- moving the dates --

    def move_dates(self, campaign: Campaign) -> None:
        t = self.timeline
        moments = {
            "created_at": self.moment(t.created, 9, 30),
            "frozen_at": self.moment(t.frozen, 10, 0),
            "seed_announced_at": self.moment(t.announced, 15, 0),
            "drawn_at": self.moment(t.drawn, 10, 0),
            "collection_opened_at": self.moment(t.opened, 9, 0),
        }
        if self.finished:
            moments |= {
                "collection_closed_at": self.moment(t.closed, 17, 30),
                "flags_reviewed_at": self.moment(t.tallied, 15, 0),
                "tallied_at": self.moment(t.tallied, 16, 0),
                "published_at": self.moment(t.published, 10, 0),
            }
        Campaign.objects.filter(pk=campaign.pk).update(**moments)
        done = {
            Milestone.Kind.DRAW: moments["drawn_at"],
            Milestone.Kind.DISTRIBUTION: moments["collection_opened_at"],
        }
        if self.finished:
            done |= {
                Milestone.Kind.COLLECTION: moments["collection_closed_at"],
                Milestone.Kind.TALLY: moments["tallied_at"],
                Milestone.Kind.PUBLICATION: moments["published_at"],
            }
        for kind, at in done.items():
            Milestone.objects.filter(campaign=campaign, kind=kind).update(done_at=at)
        late = _add_workdays(t.opened, 5)
        AccessCode.objects.filter(campaign=campaign).exclude(evaluator__in=self.late_codes).update(
            issued_at=self.moment(t.issued, 11, 0)
        )
        AccessCode.objects.filter(campaign=campaign, evaluator__in=self.late_codes).update(
            issued_at=self.moment(late, 10, 0)
        )
        entries = list(
            PaperEntry.objects.filter(form__campaign=campaign)
            .select_related("form")
            .order_by("form_id", "pk")
        )
        seen: set[int] = set()
        for entry in entries:
            t1, t2 = self.paper_times[entry.form.serial]
            entry.entered_at = t1 if entry.form_id not in seen else (t2 or t1)
            seen.add(entry.form_id)
        PaperEntry.objects.bulk_update(entries, ["entered_at"], batch_size=500)

    # -- all of it --

    def run(self) -> tuple[Campaign, int]:
        campaign = self.set_up()
        self.distribute(campaign)
        campaign.refresh_from_db()
        layout = sheets.layout_of(campaign)
        answered = self.responses(campaign)
        self.write_online(
            campaign, layout, [r for r in answered if r.evaluator.mode == Evaluator.Mode.ONLINE]
        )
        self.write_paper(
            campaign, layout, [r for r in answered if r.evaluator.mode == Evaluator.Mode.PAPER]
        )
        if self.finished:
            self.finish(campaign)
        self.move_dates(campaign)
        campaign.refresh_from_db()
        return campaign, self.replacements


def _figures(campaign: Campaign, replacements: int) -> CampaignFigures:
    sheets_qs = campaign.sheets.all()
    waiting = campaign.pending.count()  # online sheets still in the anonymity pool
    headline = ((campaign.summary or {}).get("headline") or {}).get("value")
    return CampaignFigures(
        name=campaign.name,
        year=campaign.year,
        status=campaign.get_status_display(),
        units=campaign.units.count(),
        evaluators=campaign.evaluators.filter(status=Evaluator.Status.SELECTED).count(),
        sheets=sheets_qs.count() + waiting,
        online=sheets_qs.filter(channel=AnswerSheet.Channel.ONLINE).count() + waiting,
        paper=sheets_qs.filter(channel=AnswerSheet.Channel.PAPER).count(),
        excluded=sheets_qs.filter(excluded=True).count(),
        opinions=Opinion.objects.filter(sheet__campaign=campaign).count(),
        replacements=replacements,
        paper_pending=campaign.paper_forms.exclude(status=PaperForm.Status.ACCEPTED).count(),
        headline=headline if campaign.is_published else None,
    )


def write_campaigns(seed: int, today: date, size: DemoSize | str) -> EvaluationSummary:
    """Last years' campaigns (finished, published) and this year's (collecting), as described in
    the module docstring. Needs the demo city (units, the ``office`` and ``admin`` accounts)."""
    from .builder import get_size

    size = get_size(size)
    if size.evaluators <= 0:
        return EvaluationSummary()
    started = perf_counter()
    User = get_user_model()
    office = User.objects.get(username="office")
    # The second pair of hands for the double entry: the demo has one office clerk account
    # besides the administrator, who belongs to the same office.
    second_clerk = User.objects.get(username="admin")
    units = evaluated_units()
    departments = [u.name for u in units if u.kind == Unit.Kind.DEPARTMENT]
    population = _population(seed, quotas_for(size.evaluators), departments)
    made: list[tuple[Campaign, int]] = []
    with transaction.atomic():
        years = len(TARGET_RATES)
        for index, target in enumerate(TARGET_RATES):
            year = today.year - years + index
            made.append(
                _CampaignBuild(
                    seed=seed,
                    year=year,
                    index=index,
                    today=today,
                    quota_total=size.evaluators,
                    units=units,
                    population=population,
                    office=office,
                    second_clerk=second_clerk,
                    timeline=finished_timeline(year),
                    target=target,
                    finished=True,
                ).run()
            )
        current, replaced = _CampaignBuild(
            seed=seed,
            year=today.year,
            index=years,
            today=today,
            quota_total=size.evaluators,
            units=units,
            population=population,
            office=office,
            second_clerk=second_clerk,
            timeline=open_timeline(today),
            target=OPEN_TARGET,
            finished=False,
        ).run()
        made.append((current, replaced))
        try_codes = unused_codes(current)
    return EvaluationSummary(
        campaigns=tuple(_figures(c, r) for c, r in made),
        try_codes=try_codes,
        seconds=perf_counter() - started,
    )


def unused_codes(campaign: Campaign | None = None, count: int = 3) -> tuple[str, ...]:
    """Evaluation codes nobody has used yet, to try at /evaluations/answer/: of ``campaign``, or
    of the latest campaign still collecting answers (none when there is no such campaign)."""
    if campaign is None:
        campaign = (
            Campaign.objects.filter(status=Campaign.Status.COLLECTING).order_by("-year").first()
        )
        if campaign is None:
            return ()
    unused = (
        AccessCode.objects.filter(campaign=campaign, used=False, revoked=False)
        .select_related("evaluator")
        .order_by("evaluator__number")[:count]
    )
    return tuple(services.code_of(a) for a in unused)


def delete_campaigns() -> int:
    """Remove every evaluation campaign and what hangs off it, for ``xiaoneng demo --reset``.

    Bottom up: strata are protected by the evaluators and sheets that point at them, and a
    replaced evaluator by their replacement, so a campaign cannot simply cascade."""
    count = Campaign.objects.count()
    Opinion.objects.all().delete()
    PaperEntry.objects.all().delete()
    PaperForm.objects.all().delete()
    AnswerSheet.objects.all().delete()
    AccessCode.objects.all().delete()
    Evaluator.objects.exclude(replaced_by=None).update(replaced_by=None)
    Evaluator.objects.all().delete()
    Campaign.objects.all().delete()
    return count
