"""Word documents of a decision in the 公文 layout (``xiaoneng.web.worddoc``):
效能告诫书 (告诫), 通报批评决定 (通报批评), 问责决定书 (every other sanction)."""

from __future__ import annotations

from django.utils import timezone

from xiaoneng.i18n import chinese_display, in_source_language
from xiaoneng.web.worddoc import heading, issuer, masthead, new_document, para, signature, to_bytes

from . import services
from .models import Sanction, Violation

TITLES = {Sanction.ADMONITION: "效能告诫书", Sanction.CRITICISM: "通报批评决定"}
PREFIX = {Sanction.ADMONITION: "效告", Sanction.CRITICISM: "效通"}


def title(v: Violation) -> str:
    return TITLES.get(Sanction(v.sanction), "问责决定书") if v.sanction else "问责决定书"


def filename(v: Violation) -> str:
    return f"{title(v)}-{v.number}.docx"


@in_source_language
def decision(v: Violation) -> bytes:
    """The decision (.docx): who, what was found, the statement, the sanction, the appeal."""
    assert v.sanction and v.decided_at is not None  # the view's
    office = issuer(v.unit)
    decided = timezone.localtime(v.decided_at).date()
    person = services.person_of(v)
    addressee = f"{v.unit.name}{person.name}同志" if person else v.unit.name
    doc = new_document()
    prefix = PREFIX.get(Sanction(v.sanction), "效问")
    masthead(doc, office, f"{prefix}〔{decided.year}〕{v.pk}号", title(v))
    para(doc, f"{addressee}：", indent=False)
    para(doc, f"经调查，{v.summary}。（线索来源：{chinese_display(v, 'cause')}，{v.source_label}）")
    heading(doc, 1, "调查认定的事实")
    para(doc, v.findings or "—")
    heading(doc, 2, "陈述申辩")
    if v.statement:
        para(doc, f"当事人陈述申辩称：{v.statement}")
    elif v.statement_lapsed:
        para(doc, "已依法告知陈述申辩的权利，当事人在规定期限内未提出陈述申辩。")
    else:
        para(doc, "已依法告知陈述申辩的权利。")
    heading(doc, 3, "处理决定")
    para(doc, f"根据机关效能建设有关规定，决定给予{chinese_display(v, 'sanction')}。")
    para(doc, v.decision_text)
    heading(doc, 4, "申诉")
    days = services.policy().appeal_days
    para(doc, f"如对本决定不服，可在送达之日起{days}个工作日内向{office}申请复核。")
    signature(doc, office, decided)
    return to_bytes(doc)
