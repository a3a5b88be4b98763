"""Forms of the accountability pages: each reads one action's input."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from xiaoneng.accounts.models import User
from xiaoneng.accounts.roles import Role
from xiaoneng.org.models import Staff, Unit

from .models import Appeal, Cause, Sanction

TEXT = forms.Textarea(attrs={"rows": 3})
SANCTIONS = [("", "—"), *Sanction.choices]


class AssignForm(forms.Form):
    investigator = forms.ModelChoiceField(
        label=_("调查人"),
        queryset=User.objects.filter(is_active=True, role__in=[Role.OFFICE, Role.LEADER]).order_by(
            "role", "username"
        ),
    )


class StaffField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Staff) -> str:
        return f"{obj.name}（{obj.unit.name}）"


class FindingsForm(forms.Form):
    findings = forms.CharField(label=_("调查情况"), widget=TEXT)
    person = StaffField(
        label=_("责任人"),
        queryset=Staff.objects.none(),
        required=False,
        help_text=_("来源未指明或需更正责任人时选择；不选则保持原样"),
    )

    def __init__(self, *args, unit: Unit | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if unit is not None:
            field = self.fields["person"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = Staff.objects.filter(
                unit__path__startswith=unit.path, is_active=True
            ).select_related("unit")


class AddPersonForm(forms.Form):
    staff = StaffField(
        label=_("共同责任人"),
        queryset=Staff.objects.none(),
        help_text=_("同一问题有多名责任人时逐一增加；每人单独陈述申辩、单独处理"),
    )

    def __init__(self, *args, unit: Unit | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if unit is not None:
            field = self.fields["staff"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = Staff.objects.filter(
                unit__path__startswith=unit.path, is_active=True
            ).select_related("unit")


class StatementForm(forms.Form):
    statement = forms.CharField(label=_("陈述申辩意见"), widget=TEXT)


class ProposeForm(forms.Form):
    sanction = forms.ChoiceField(label=_("处理意见"), choices=SANCTIONS)
    reason = forms.CharField(label=_("理由"), widget=TEXT)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), widget=TEXT)


class DecideForm(forms.Form):
    sanction = forms.ChoiceField(label=_("处理决定"), choices=SANCTIONS)
    text = forms.CharField(label=_("决定内容"), widget=forms.Textarea(attrs={"rows": 5}))


class DeliverForm(forms.Form):
    note = forms.CharField(label=_("送达情况"), max_length=200)


class AppealForm(forms.Form):
    reason = forms.CharField(label=_("申诉理由"), widget=TEXT)


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(label=_("复核结果"), choices=[("", "—"), *Appeal.Outcome.choices])
    new_sanction = forms.ChoiceField(label=_("变更后的处理方式"), choices=SANCTIONS, required=False)
    decision = forms.CharField(label=_("复核意见"), widget=TEXT)


class PublishForm(forms.Form):
    text = forms.CharField(
        label=_("公开内容"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("只公开这里填写的内容，按决定的表述，不写决定以外的个人信息"),
    )


class RuleForm(forms.Form):
    """追究规则: cause × count in a period → proposed sanction (the services check the rest)."""

    cause = forms.ChoiceField(
        label=_("线索来源"), choices=[(v, label) for v, label in Cause.choices if v != Cause.MANUAL]
    )
    category = forms.CharField(
        label=_("类别包含"),
        required=False,
        max_length=50,
        help_text=_("只适用于说明中含此词的线索，如“吃拿卡要”；不填则适用于该来源的所有线索"),
    )
    count = forms.IntegerField(label=_("第几次起"), initial=1)
    months = forms.IntegerField(label=_("期间（月）"), initial=12)
    sanction = forms.ChoiceField(label=_("建议处理方式"), choices=SANCTIONS)
    auto_open = forms.BooleanField(label=_("自动立案"), required=False)
    active = forms.BooleanField(label=_("在用"), required=False, initial=True)
    note = forms.CharField(label=_("说明"), required=False, max_length=200)


class LeadershipForm(forms.Form):
    levels = forms.MultipleChoiceField(
        label=_("须由领导决定的处理方式"),
        choices=Sanction.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("选中的处理方式只能由领导决定；选中某一级时，比它更重的各级也须选中"),
    )


class PeriodForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)

    def year_or(self, default: int) -> int:
        if self.is_valid() and self.cleaned_data.get("year"):
            return int(self.cleaned_data["year"])
        return default

    def span(self, today: date) -> tuple[date, date]:
        year = self.year_or(today.year)
        return date(year, 1, 1), date(year, 12, 31)


class BoardFilter(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False)
    cause = forms.ChoiceField(
        label=_("来源"), choices=[("", _("全部")), *Cause.choices], required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import Violation

        self.fields["status"].choices = [("", _("全部")), *Violation.Status.choices]
