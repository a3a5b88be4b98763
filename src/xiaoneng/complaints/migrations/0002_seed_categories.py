"""Seed the complaint categories: the four bans (四条禁令) first, then the usual other kinds."""

from django.db import migrations

CATEGORIES = [
    ("ban_orders", "有令不行", "有令不行、有禁不止，不执行上级决定和规定"),
    ("ban_delay", "办事拖拉", "办事拖拉、推诿，超过时限不办结"),
    ("ban_exaction", "吃拿卡要", "吃拿卡要、索取或收受财物，故意刁难"),
    ("ban_attitude", "态度刁蛮", "态度生硬、刁蛮，对群众冷硬横推"),
    ("fees", "乱收费", "目录外收费、超标准收费、搭车收费"),
    ("buckpassing", "推诿扯皮", "部门之间、人员之间推诿扯皮"),
    ("first_inquiry", "违反首问负责", "首问人员不接待、不引导、不答复"),
    ("one_notice", "违反一次性告知", "补正材料不一次性告知，让群众多次往返"),
    ("discipline", "违反工作纪律", "上班迟到早退、脱岗、办私事"),
    ("other", "其他", "其他损害机关效能的行为"),
]


def seed(apps, schema_editor):
    Category = apps.get_model("complaints", "Category")
    for order, (code, name, description) in enumerate(CATEGORIES, start=1):
        Category.objects.update_or_create(
            code=code, defaults={"name": name, "description": description, "sort_order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
