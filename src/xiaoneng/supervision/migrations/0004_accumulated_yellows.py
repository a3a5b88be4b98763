"""黄牌累计 red cards hold the yellow cards they stand on, and are numbered per holder.

Every standing 黄牌累计 red card raised before this change is linked to the yellow cards it stands
on: per holder (the person named, else the unit), red cards in time order each take the earliest
3 yellow cards that count, that no earlier red card took, raised at or before it and within the
12 months before it (3 in 12 months was the only rule ever applied). Linked red cards are numbered
(第n张累计红牌) and get a summary naming their period. A red card for which no such 3 yellow cards
remain was raised twice for the same cards (the old count raised several at once over the same
window): it is withdrawn with that reason, never deleted. Red cards the office had already
withdrawn hold nothing. One audit entry records what was linked and withdrawn.
"""

from collections import defaultdict

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone

PER_RED = 3
MONTHS = 12
WITHDRAW_REASON = (
    "系统更正：按“每张黄牌只计入一张累计红牌”重新核对，本红牌与此前的累计红牌重复计算了相同的黄牌，"
    "没有另外3张黄牌与之对应，予以撤销"
)


def _holder(card):
    return ("staff", card.staff_id) if card.staff_id else ("unit", card.unit_id)


def link_accumulations(apps, schema_editor):
    from xiaoneng.supervision.accumulation import within

    Card = apps.get_model("supervision", "Card")
    AccumulatedYellow = apps.get_model("supervision", "AccumulatedYellow")
    reds = list(
        Card.objects.filter(cause="yellow_accumulation", sequence__isnull=True)
        .exclude(status="withdrawn")
        .select_related("unit", "staff")
        .order_by("raised_at", "pk")
    )
    if not reds:
        return
    holders = {_holder(red) for red in reds}
    yellows = defaultdict(list)
    for card in (
        Card.objects.filter(color="yellow")
        .exclude(status="withdrawn")
        .filter(
            models.Q(staff_id__in=[i for kind, i in holders if kind == "staff"])
            | models.Q(
                staff__isnull=True, unit_id__in=[i for kind, i in holders if kind == "unit"]
            )
        )
        .order_by("raised_at", "pk")
    ):
        yellows[_holder(card)].append(card)
    taken = set(AccumulatedYellow.objects.values_list("yellow_id", flat=True))
    numbers = defaultdict(int)
    linked, withdrawn = [], []
    now = timezone.now()
    for red in reds:
        holder = _holder(red)
        red_at = timezone.localtime(red.raised_at)
        group = [
            y
            for y in yellows[holder]
            if y.pk not in taken
            and y.raised_at <= red.raised_at
            and within(timezone.localtime(y.raised_at), red_at, MONTHS)
        ][:PER_RED]
        if len(group) < PER_RED:
            red.status = "withdrawn"
            red.decision_reason = WITHDRAW_REASON
            red.decided_at = now
            red.save(update_fields=["status", "decision_reason", "decided_at"])
            withdrawn.append(red.pk)
            continue
        numbers[holder] += 1
        number = numbers[holder]
        who = red.staff.name if red.staff_id else red.unit.name
        first_day = timezone.localtime(group[0].raised_at).date()
        last_day = timezone.localtime(group[-1].raised_at).date()
        red.sequence = number
        red.cause_key = f"{holder[0]}:{holder[1]}:accumulation:{number}"
        red.summary = (
            f"{who}在{MONTHS}个月内累计{PER_RED}张黄牌（{first_day:%Y-%m-%d}至{last_day:%Y-%m-%d}），"
            f"第{number}张累计红牌"
        )
        red.save(update_fields=["sequence", "cause_key", "summary"])
        AccumulatedYellow.objects.bulk_create(
            [AccumulatedYellow(red_id=red.pk, yellow_id=y.pk) for y in group]
        )
        taken.update(y.pk for y in group)
        linked.append([red.pk, number, [y.pk for y in group]])

    from xiaoneng.audit import services as audit

    audit.record(
        "电子监察",
        audit.Action.UPDATE,
        object_type="supervision.card",
        object_id=f"{reds[0].pk}…{reds[-1].pk}",
        object_repr="黄牌累计红牌",
        summary=f"黄牌累计红牌重新核对：{len(linked)} 张关联到所累计的黄牌，"
        f"{len(withdrawn)} 张重复计算的予以撤销",
        after={"linked": linked, "withdrawn": withdrawn},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("supervision", "0003_card_window"),
    ]

    operations = [
        migrations.AddField(
            model_name="card",
            name="sequence",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="黄牌累计红牌：该责任人（未指明责任人时为该单位）的第几张，编号不重复使用",
                null=True,
                verbose_name="累计红牌序号",
            ),
        ),
        migrations.CreateModel(
            name="AccumulatedYellow",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("released_at", models.DateTimeField(blank=True, null=True, verbose_name="释放时间")),
                (
                    "red",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="accumulated",
                        to="supervision.card",
                        verbose_name="累计红牌",
                    ),
                ),
                (
                    "yellow",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.RESTRICT,
                        related_name="accumulations",
                        to="supervision.card",
                        verbose_name="黄牌",
                    ),
                ),
            ],
            options={
                "verbose_name": "累计黄牌",
                "verbose_name_plural": "累计黄牌",
                "ordering": ["red", "yellow__raised_at", "yellow"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("released_at__isnull", True)),
                        fields=("yellow",),
                        name="yellow_counts_towards_one_red",
                    ),
                    models.UniqueConstraint(
                        fields=("red", "yellow"), name="accumulated_yellow_once"
                    ),
                ],
            },
        ),
        migrations.RunPython(link_accumulations, migrations.RunPython.noop),
    ]
