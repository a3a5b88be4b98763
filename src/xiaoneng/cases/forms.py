"""Forms for the window's actions. They only parse; the rules live in ``services``."""

from __future__ import annotations

from django import forms

from xiaoneng.catalog.models import ServiceItem
from xiaoneng.org.models import Staff, Unit

from .timeline import SPECIAL_KINDS

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class RegisterForm(forms.Form):
    item_code = forms.CharField(
        label="事项",
        max_length=40,
        widget=forms.TextInput(attrs={"list": "item-options", "autocomplete": "off"}),
        help_text="输入事项编码或名称后从列表中选择",
    )
    applicant_name = forms.CharField(label="申请人（个人姓名或企业名称）", max_length=100)
    applicant_kind = forms.ChoiceField(
        label="申请人类型", choices=[("person", "个人"), ("company", "企业")]
    )
    window = forms.ModelChoiceField(label="受理窗口", queryset=Unit.objects.none(), required=False)
    handler = forms.ModelChoiceField(label="经办人", queryset=Staff.objects.none(), required=False)
    accepted_at = forms.DateTimeField(
        label="受理时间", widget=DATETIME_INPUT, required=False, help_text="留空为现在"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["window"].queryset = Unit.objects.visible_to(user).filter(
            kind=Unit.Kind.WINDOW, is_active=True
        )
        self.fields["handler"].queryset = Staff.objects.visible_to(user).filter(is_active=True)

    def clean_item_code(self):
        raw = self.cleaned_data["item_code"].strip()
        code = raw.split(" ", 1)[0]
        item = ServiceItem.objects.filter(code=code).select_related("unit").first()
        if item is None:
            raise forms.ValidationError(f"没有编码为“{code}”的事项，请从列表中选择")
        self.item = item
        return code


class EventForm(forms.Form):
    """One form for every action on a case page; which fields matter depends on ``kind``."""

    KINDS = [
        ("correction_notice", "补正告知"),
        ("correction_received", "补正材料到达"),
        ("step_start", "环节开始"),
        ("step_finish", "环节完成"),
        ("special_start", "特别程序开始"),
        ("special_end", "特别程序结束"),
        ("extension", "延期批准"),
        ("fee", "收费"),
        ("finish", "办结"),
        ("reject", "不予受理"),
        ("return", "退回"),
        ("deliver", "送达"),
        ("veto_filed", "否决事项报告备案"),
    ]
    kind = forms.ChoiceField(choices=KINDS, widget=forms.HiddenInput)
    at = forms.DateTimeField(
        label="发生时间", widget=DATETIME_INPUT, required=False, help_text="留空为现在"
    )
    materials = forms.CharField(
        label="需补正的全部材料（每行一项）",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    step_code = forms.CharField(label="环节", required=False)
    special_kind = forms.ChoiceField(
        label="特别程序", choices=list(SPECIAL_KINDS.items()), required=False
    )
    days = forms.IntegerField(label="延期（工作日）", min_value=1, max_value=60, required=False)
    result = forms.ChoiceField(
        label="办理结果",
        choices=[("approved", "准予许可/办结"), ("denied", "不予许可")],
        required=False,
    )
    reason = forms.CharField(
        label="理由", widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )
    fee_name = forms.CharField(label="收费项目", required=False, max_length=200)
    fee_amount = forms.DecimalField(
        label="金额（元）", required=False, min_value=0, decimal_places=2, max_digits=12
    )
    filing_no = forms.CharField(label="备案号", required=False, max_length=60)

    def event_fields(self) -> dict:
        d = self.cleaned_data
        fields: dict = {}
        kind = d["kind"]
        if kind == "correction_notice":
            fields["materials"] = [
                line.strip() for line in d["materials"].splitlines() if line.strip()
            ]
        if kind in ("step_start", "step_finish"):
            fields["step_code"] = d["step_code"]
        if kind == "special_start":
            fields["special_kind"] = d["special_kind"]
        if kind == "extension":
            fields["days"] = d["days"]
        if kind == "finish":
            fields["result"] = d["result"]
        if kind in ("finish", "reject", "return"):
            fields["reason"] = d["reason"]
        if kind == "fee":
            fields["fees"] = [
                {
                    "name": d["fee_name"],
                    "amount": str(d["fee_amount"] if d["fee_amount"] is not None else ""),
                }
            ]
        if kind == "veto_filed":
            fields["filing_no"] = d["filing_no"]
        return fields


class LookupForm(forms.Form):
    number = forms.CharField(label="申请号", max_length=60)
    code = forms.CharField(label="查询码", max_length=12, help_text="印在受理回执上的6位查询码")
