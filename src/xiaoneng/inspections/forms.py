"""Forms of the 明查暗访 pages: each reads the request and hands the service a typed request."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model

from xiaoneng.accounts.roles import Role
from xiaoneng.org.models import Unit
from xiaoneng.web.forms import MultipleFileField

from . import services
from .models import CheckItem, Plan

PHOTO_ACCEPT = "image/jpeg,image/png,.jpg,.jpeg,.png"


class ItemForm(forms.Form):
    category = forms.ChoiceField(label="类别", choices=CheckItem.Category.choices)
    name = forms.CharField(label="检查项目", max_length=100)
    description = forms.CharField(
        label="检查要点", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    kind = forms.ChoiceField(label="计分方式", choices=CheckItem.Kind.choices)
    deduction = forms.DecimalField(
        label="每处扣分", required=False, min_value=0, max_digits=5, decimal_places=2
    )
    sort_order = forms.IntegerField(label="排序", required=False, min_value=0)

    @classmethod
    def for_item(cls, item: CheckItem, data=None) -> ItemForm:
        return cls(
            data,
            initial={
                "category": item.category,
                "name": item.name,
                "description": item.description,
                "kind": item.kind,
                "deduction": item.deduction,
                "sort_order": item.sort_order,
            },
        )

    def request(self) -> services.ItemIn:
        d = self.cleaned_data
        return services.ItemIn(
            category=d["category"],
            name=d["name"],
            kind=d["kind"],
            deduction=d["deduction"] if d["deduction"] is not None else Decimal(0),
            description=d["description"],
            sort_order=d["sort_order"] or 0,
        )


def _choices(form: forms.Form, name: str) -> forms.ModelChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)  # the form declares it so
    return field


def _units():
    return Unit.objects.filter(is_active=True, depth__gte=1).order_by("path")


class UnitChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{'　' * max(obj.depth - 1, 0)}{obj.name}"


class MemberChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.get_full_name() or obj.username}（{obj.get_role_display()}）"


class PlanForm(forms.Form):
    title = forms.CharField(label="计划名称", max_length=120)
    kind = forms.ChoiceField(label="方式", choices=Plan.Kind.choices)
    start = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="结束日期", widget=forms.DateInput(attrs={"type": "date"}))
    focus = forms.CharField(
        label="检查重点", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    team = MemberChoice(
        label="检查组成员",
        queryset=get_user_model().objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="效能办工作人员和效能监督员",
    )
    units = UnitChoice(
        label="指定检查对象",
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="指定要检查的单位或窗口；或者改为在下面选择备选单位随机抽取",
    )
    pool = UnitChoice(
        label="备选单位（随机抽取）",
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    draw_count = forms.IntegerField(label="抽取数量", required=False, min_value=1)
    draw_seed = forms.CharField(
        label="随机种子",
        required=False,
        max_length=200,
        help_text="公开可查的数字（如当期彩票开奖号码），抽取后记入计划，任何人可据此复核",
    )
    name_people = forms.BooleanField(label="通报中点名当事人", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _choices(self, "team").queryset = (
            get_user_model()
            .objects.filter(is_active=True, role__in=[Role.OFFICE, Role.SUPERVISOR])
            .order_by("role", "username")
        )
        _choices(self, "units").queryset = _units()
        _choices(self, "pool").queryset = _units()

    def request(self) -> services.PlanIn:
        d = self.cleaned_data
        return services.PlanIn(
            title=d["title"],
            kind=d["kind"],
            start=d["start"],
            end=d["end"],
            focus=d["focus"],
            team=tuple(d["team"]),
            units=tuple(d["units"]),
            pool=tuple(d["pool"]),
            draw_count=d["draw_count"],
            draw_seed=d["draw_seed"],
            name_people=d["name_people"],
        )


class StartVisitForm(forms.Form):
    unit = forms.ModelChoiceField(label="被检查单位", queryset=Unit.objects.none())
    visited_on = forms.DateField(label="检查日期", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        _choices(self, "unit").queryset = Unit.objects.filter(
            pk__in=plan.targets.values("unit")
        ).order_by("path")


class FindingForm(forms.Form):
    """One finding on the recording page; the page's script sends the same fields."""

    item = forms.ModelChoiceField(
        label="检查项目", queryset=CheckItem.objects.none(), required=False
    )
    person = forms.TypedChoiceField(
        label="当事人", required=False, coerce=int, empty_value=None, choices=()
    )
    note = forms.CharField(
        label="问题描述", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = MultipleFileField(label="现场照片", accept=PHOTO_ACCEPT)
    client_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, on_duty: list[services.OnDuty], **kwargs):
        super().__init__(*args, **kwargs)
        _choices(self, "item").queryset = CheckItem.objects.all()
        person = self.fields["person"]
        assert isinstance(person, forms.TypedChoiceField)  # declared above
        person.choices = [("", "（不明或不点名）")] + [
            (
                p.staff_id,
                f"{p.name}{'，' + p.title if p.title else ''}（{p.unit_name}）"
                + (f" {p.note}" if p.note else ""),
            )
            for p in on_duty
        ]

    def request(self) -> services.FindingIn:
        d = self.cleaned_data
        return services.FindingIn(
            item_id=d["item"].pk if d["item"] else None,
            note=d["note"],
            person_id=d["person"],
            photos=tuple(d["photos"] or ()),
            client_key=d["client_key"],
        )


class SubmitVisitForm(forms.Form):
    note = forms.CharField(
        label="检查情况", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ObservationForm(FindingForm):
    unit = forms.ModelChoiceField(label="被检查单位", queryset=Unit.objects.none())
    visited_on = forms.DateField(label="检查日期", widget=forms.DateInput(attrs={"type": "date"}))
    field_order = ["unit", "visited_on", "item", "note", "photos"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, on_duty=[], **kwargs)
        _choices(self, "unit").queryset = _units()
        del self.fields["person"]

    def request(self) -> services.FindingIn:
        d = self.cleaned_data
        return services.FindingIn(
            item_id=d["item"].pk if d["item"] else None,
            note=d["note"],
            photos=tuple(d["photos"] or ()),
        )


class ConfirmForm(forms.Form):
    reason = forms.CharField(
        label="审核意见", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    card = forms.BooleanField(label="亮黄牌", required=False)
    rectify_by = forms.DateField(
        label="立整改任务，整改时限",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="留空则不立整改任务",
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 2}))


class ContestForm(forms.Form):
    reason = forms.CharField(label="申辩理由", widget=forms.Textarea(attrs={"rows": 3}))
    photos = MultipleFileField(label="佐证照片", accept=PHOTO_ACCEPT)


class RectifyForm(forms.Form):
    rectify_by = forms.DateField(label="整改时限", widget=forms.DateInput(attrs={"type": "date"}))
