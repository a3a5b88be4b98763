from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xiaoneng.org.models import Unit


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        # Indent by depth so the select reads like the tree.
        depth = max(obj.path.count("/") - 1, 0)
        return f"{'　' * depth}{obj.name}（{obj.code}）"


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("系统名称"),
        max_length=100,
        help_text=_("使用该密钥的部门业务系统，例如“市市场监管局审批系统”"),
    )
    unit = UnitChoiceField(
        label=_("所属单位"),
        queryset=Unit.objects.none(),
        help_text=_("密钥只能读写该单位及其下级单位的办件"),
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.all()


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("吊销原因"),
        max_length=300,
        help_text=_("例如：系统下线、密钥泄露、人员变动"),
    )
