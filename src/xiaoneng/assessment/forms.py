"""Forms of the assessment pages: they read the requests; the services decide."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.forms import formset_factory

from xiaoneng.org.models import Unit
from xiaoneng.scoring.assessment import GRADES

from . import components
from .models import Entry, Period, Scheme


class PeriodForm(forms.Form):
    kind = forms.ChoiceField(label="考评周期", choices=Period.Kind.choices)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    index = forms.IntegerField(
        label="序号", min_value=1, max_value=12, initial=1, help_text="半年、季度、月度的第几个"
    )
    objection_days = forms.IntegerField(
        label="异议期（工作日）", min_value=1, max_value=30, initial=5
    )


class SettingsForm(forms.ModelForm):
    class Meta:
        model = Scheme
        fields = [
            "weight_total",
            "excellent_at",
            "good_at",
            "fair_at",
            "excellent_quota",
            "bonus_cap",
            "deduction_cap",
            "rank_bonus_top",
            "rank_deduction_bottom",
            "consecutive_last_points",
            "consecutive_last_cap",
            "last_count",
            "last_yellow_card",
            "last_pay_deduction",
            "pay_excellent",
            "pay_good",
            "pay_fair",
            "pay_poor",
            "min_records",
        ]


class ComponentForm(forms.Form):
    source = forms.ChoiceField(label="数据来源", choices=())
    label = forms.CharField(label="指标名称", max_length=60)
    weight = forms.FloatField(label="权重")
    zero_at = forms.FloatField(label="计0分的值")
    full_at = forms.FloatField(label="计满分的值")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        source = self.fields["source"]
        assert isinstance(source, forms.ChoiceField)
        source.choices = components.choices()


class AdjustmentForm(forms.Form):
    key = forms.SlugField(label="代码", max_length=30)
    label = forms.CharField(label="名称", max_length=60)
    points = forms.FloatField(label="每次分值", help_text="扣分填负数")
    cap = forms.FloatField(label="上限", required=False)


class VetoForm(forms.Form):
    key = forms.SlugField(label="代码", max_length=30)
    label = forms.CharField(label="名称", max_length=60)
    rule = forms.CharField(label="认定规则", max_length=200, required=False)
    cap_grade = forms.ChoiceField(label="等次封顶", choices=[(g, g) for g in GRADES[1:]])


ComponentFormSet = formset_factory(ComponentForm, extra=1, can_delete=True)
AdjustmentFormSet = formset_factory(AdjustmentForm, extra=1, can_delete=True)
VetoFormSet = formset_factory(VetoForm, extra=1, can_delete=True)


class PresetForm(forms.Form):
    preset = forms.ChoiceField(label="套用预设", choices=Scheme.Preset.choices)


class EntryForm(forms.Form):
    unit = forms.ModelChoiceField(label="单位", queryset=Unit.objects.none())
    kind = forms.ChoiceField(label="类型", choices=Entry.Kind.choices)
    key = forms.CharField(
        label="项目代码", max_length=30, required=False, help_text="加减分项或否决项的代码"
    )
    value = forms.FloatField(label="得分或次数", initial=1)
    basis = forms.CharField(label="依据", max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = self.fields["unit"]
        assert isinstance(unit, forms.ModelChoiceField)
        unit.queryset = Unit.objects.filter(category__isnull=False, is_active=True).order_by(
            "category__sort_order", "sort_order"
        )


class ObjectionForm(forms.Form):
    component = forms.ChoiceField(label="对哪一项有异议", choices=(), required=False)
    reason = forms.CharField(label="异议理由", widget=forms.Textarea(attrs={"rows": 3}))
    evidence = forms.CharField(
        label="证据材料说明",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="如办件编号、文件名称",
    )

    def __init__(self, *args: Any, labels: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["component"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "总体")] + [(x, x) for x in labels]


class DecisionForm(forms.Form):
    decision = forms.CharField(label="答复意见", widget=forms.Textarea(attrs={"rows": 2}))


class PublishForm(forms.Form):
    document_number = forms.CharField(label="通报文号", max_length=60)
