"""Forms only parse and show input; the catalog rules are checked in ``services``.

A version's materials, fees and steps are edited as formsets laid out as tables: one row per
entry, Tab moves through the cells, and 增加空行 adds rows without any script.
"""

from __future__ import annotations

from typing import Any

from django import forms

from xiaoneng.org.models import Unit

from . import services
from .models import HandlingType, Material, ServiceItemVersion

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Inline widths: the row tables need narrow number cells and roomy name cells (the site
# stylesheet sizes inputs for one-column forms).
SMALL_NUMBER = forms.NumberInput(attrs={"style": "width:5em", "min": 0})
WIDE_TEXT = forms.TextInput(attrs={"style": "min-width:14em"})


def _label(name: str) -> str:
    return str(ServiceItemVersion._meta.get_field(name).verbose_name)


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.name}（{obj.code}）"


class ItemForm(forms.Form):
    """The item's identity when it is registered (事项编码 and 办件类型 never change later)."""

    code = forms.CharField(label="事项编码", max_length=40)
    name = forms.CharField(label="事项名称", max_length=200)
    unit = UnitChoiceField(label="实施单位", queryset=Unit.objects.none())
    handling_type = forms.ChoiceField(label="办件类型", choices=HandlingType.choices)
    category = forms.CharField(
        label="事项类别",
        max_length=30,
        required=False,
        help_text="如：行政许可、行政确认、公共服务",
    )
    keywords = forms.CharField(
        label="检索关键词",
        max_length=200,
        required=False,
        help_text="群众可能用来搜索的词，空格分隔",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = services.editable_units(user)


class ItemEditForm(ItemForm):
    """Name, unit, category and keywords: changed in place, not versioned."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["code"]
        del self.fields["handling_type"]


class VersionForm(forms.Form):
    effective_from = forms.DateField(
        label="生效日期",
        widget=DATE_INPUT,
        help_text="新版本从这一天起适用于新受理的办件；不能早于今天",
    )
    legal_basis = forms.CharField(
        label=_label("legal_basis"), widget=forms.Textarea(attrs={"rows": 3})
    )
    conditions = forms.CharField(
        label=_label("conditions"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    legal_limit_days = forms.IntegerField(label=_label("legal_limit_days"), min_value=0)
    committed_limit_days = forms.IntegerField(
        label=_label("committed_limit_days"),
        min_value=0,
        help_text="不超过法定时限；即办件填 0（当场办结）",
    )
    warn_days = forms.IntegerField(
        label=_label("warn_days"), min_value=0, initial=2, help_text="剩余工作日不超过此数时亮黄灯"
    )
    extension_days = forms.IntegerField(
        label=_label("extension_days"),
        min_value=0,
        required=False,
        help_text="依法经批准可延长的最长期限（如政府信息公开条例：20）；不填按电子监察规则",
    )
    correction_mode = forms.ChoiceField(
        label="补正后计时",
        required=False,
        choices=[
            ("", "按电子监察规则"),
            ("restart", "补正材料到达后重新计算时限"),
            ("resume", "补正材料到达后继续计算时限"),
        ],
    )
    count_rule = forms.ChoiceField(
        label="计时规则",
        choices=[("next_day", "次日起算"), ("inclusive", "含本数（当日起算）")],
        initial="next_day",
        required=False,  # not sent: 次日起算 (the service's default)
        help_text="承诺时限从受理次日起算，或受理当日（工作日）即计为第1日；以本事项所依法规为准",
    )
    fee_free = forms.BooleanField(label="不收费", required=False, initial=True)
    result_document = forms.CharField(
        label=_label("result_document"), max_length=200, required=False
    )
    where_to_apply = forms.CharField(label=_label("where_to_apply"), max_length=300, required=False)
    office_hours = forms.CharField(label=_label("office_hours"), max_length=200, required=False)
    contact_phone = forms.CharField(label=_label("contact_phone"), max_length=60, required=False)
    supervision_phone = forms.CharField(
        label=_label("supervision_phone"), max_length=60, required=False
    )
    online_available = forms.BooleanField(label="可网上办理", required=False)
    note = forms.CharField(label="备注", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class RowForm(forms.Form):
    """One row of a content table. ``order`` may be left empty: rows keep their place."""

    order = forms.IntegerField(label="序号", min_value=1, required=False, widget=SMALL_NUMBER)


class MaterialForm(RowForm):
    name = forms.CharField(label="材料名称", max_length=200, widget=WIDE_TEXT)
    form = forms.ChoiceField(label="形式", choices=Material.Form.choices, initial="original")
    copies = forms.IntegerField(label="份数", min_value=1, initial=1, widget=SMALL_NUMBER)
    mandatory = forms.BooleanField(label="必需", required=False, initial=True)
    note = forms.CharField(label="说明", max_length=300, required=False)


class FeeForm(forms.Form):
    name = forms.CharField(label="收费项目", max_length=200)
    standard = forms.CharField(label="收费标准", max_length=200)
    amount = forms.DecimalField(
        label="金额（元）", min_value=0, decimal_places=2, max_digits=12, required=False
    )
    basis = forms.CharField(label="收费依据", max_length=300, widget=WIDE_TEXT)


class StepForm(RowForm):
    code = forms.CharField(
        label="环节代码", max_length=30, required=False, help_text="留空则自动编为 step序号"
    )
    name = forms.CharField(label="环节名称", max_length=100, widget=WIDE_TEXT)
    limit_days = forms.IntegerField(label="时限（工作日）", min_value=0, widget=SMALL_NUMBER)
    unit = UnitChoiceField(
        label="承办单位",
        queryset=Unit.objects.filter(is_active=True),
        required=False,
        empty_label="（实施单位）",
    )
    parallel_group = forms.IntegerField(
        label="并联组", min_value=1, required=False, widget=SMALL_NUMBER
    )


MaterialFormSet = forms.formset_factory(MaterialForm, extra=2, can_delete=True)
FeeFormSet = forms.formset_factory(FeeForm, extra=1, can_delete=True)
StepFormSet = forms.formset_factory(StepForm, extra=2, can_delete=True)

FORMSETS = (
    ("materials", "m", MaterialFormSet),
    ("fees", "f", FeeFormSet),
    ("steps", "s", StepFormSet),
)


def content_formsets(data=None, initial: dict[str, list[dict]] | None = None, grow: str = ""):
    """The three row tables, bound to ``data`` when given. ``grow`` names a prefix whose table
    gets two more empty rows (the 增加空行 button)."""
    if data is not None and grow:
        data = data.copy()
        key = f"{grow}-TOTAL_FORMS"
        if data.get(key, "").isdigit():
            data[key] = str(int(data[key]) + 2)
    initial = initial or {}
    return {
        part: cls(data, prefix=prefix, initial=initial.get(part) or None)
        for part, prefix, cls in FORMSETS
    }


def rows_of(formset) -> list[tuple[forms.Form, dict[str, Any]]]:
    """The kept rows of a valid formset in their final order, numbered 1, 2, 3…"""
    kept = []
    for position, form in enumerate(formset.forms):
        if formset.can_delete and formset._should_delete_form(form):
            continue
        if not form.has_changed() and position >= formset.initial_form_count():
            continue
        data = {k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
        kept.append((data.get("order") or position + 1, position, form, data))
    kept.sort(key=lambda row: (row[0], row[1]))
    rows = []
    for number, (_, _, form, data) in enumerate(kept, start=1):
        if "order" in form.fields:
            data["order"] = number
        if "code" in form.fields and not data.get("code"):
            data["code"] = f"step{number}"
        rows.append((form, data))
    return rows


class ImportForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）")
    dry_run = forms.BooleanField(label="只检查，不导入", required=False)
