"""The default checklist (检查项目), drawn from the source documents: 三卡三制 (seed 001: every
member of staff wears a 胸卡, places a 台卡 and hangs a 去向卡 during working hours;
首问责任制、限时办结制、服务承诺制), 一次性告知, the 四难 (门难进、脸难看、话难听、事难办), 三乱
(乱收费、乱摊派、乱罚款) and 吃拿卡要 bans, and the discipline points of 六查六看 (seed 003: late
arrival and early leave, 脱岗串岗, chatting, playing games or shopping online in office hours).
Deductions are our own choice (docs/inspections.md): one point for a missing card, two for a
breach of a rule of service, three for discipline, five for integrity; pass/fail where a
window either complies or not.
"""

from __future__ import annotations

from decimal import Decimal

from xiaoneng.workflow import Actor

from .models import CheckItem
from .services import ItemIn

C, K = CheckItem.Category, CheckItem.Kind
D = K.DEDUCTION

DEFAULT_ITEMS: tuple[ItemIn, ...] = (
    ItemIn(C.CARDS, "佩戴胸卡", D, Decimal(1), "上班时间工作人员是否佩戴胸卡", 10),
    ItemIn(C.CARDS, "台卡摆放", D, Decimal(1), "窗口、办公桌是否摆放台卡（姓名、职务、职责）", 11),
    ItemIn(C.CARDS, "去向卡", D, Decimal(1), "离开岗位时是否挂出去向卡，去向是否属实", 12),
    ItemIn(C.RULES, "首问负责落实", D, Decimal(2), "首问人员是否接待、登记并引导办理，不推诿", 20),
    ItemIn(C.RULES, "一次性告知", D, Decimal(2), "是否一次性告知办事所需全部材料和程序", 21),
    ItemIn(C.RULES, "限时办结", D, Decimal(2), "是否在承诺时限内办结，超时是否说明", 22),
    ItemIn(C.RULES, "服务承诺公开", K.PASS_FAIL, Decimal(0), "服务承诺、办事指南是否公开上墙", 23),
    ItemIn(C.DISCIPLINE, "准时到岗", D, Decimal(3), "是否迟到早退", 30),
    ItemIn(C.DISCIPLINE, "在岗在位", D, Decimal(3), "是否脱岗、串岗", 31),
    ItemIn(
        C.DISCIPLINE,
        "上班时间玩游戏/网购",
        D,
        Decimal(3),
        "上班时间上网炒股、聊天、玩游戏、网购",
        32,
    ),
    ItemIn(C.DISCIPLINE, "工作秩序", D, Decimal(2), "是否聊天嬉闹、打瞌睡、办公场所吃零食", 33),
    ItemIn(C.ATTITUDE, "窗口服务态度", D, Decimal(2), "门难进、脸难看、话难听、事难办", 40),
    ItemIn(C.ATTITUDE, "文明用语", K.PASS_FAIL, Decimal(0), "接待群众是否使用文明用语", 41),
    ItemIn(C.INTEGRITY, "三乱", D, Decimal(5), "乱收费、乱摊派、乱罚款", 50),
    ItemIn(C.INTEGRITY, "吃拿卡要", D, Decimal(5), "吃、拿、卡、要，刁难服务对象", 51),
)


def install(actor: Actor) -> int:
    """Add the default items when the checklist is empty (returns how many were added)."""
    from django.db import transaction

    from .services import save_item

    with transaction.atomic():
        if CheckItem.objects.exists():
            return 0
        for item in DEFAULT_ITEMS:
            save_item(actor, None, item)
    return len(DEFAULT_ITEMS)
