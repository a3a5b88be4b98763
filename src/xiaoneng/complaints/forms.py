"""Forms for complaint pages. They only parse; the rules and their messages live in ``services``."""

from __future__ import annotations

from django import forms

from xiaoneng.org.models import Staff, Unit
from xiaoneng.org.widgets import StaffChoiceField, UnitTreeChoiceField
from xiaoneng.web.forms import ArithmeticCaptcha

from .models import Category, Complaint

TEXTAREA = forms.Textarea(attrs={"rows": 6})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ".png,.jpg,.jpeg,.gif,.pdf"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class ComplaintFields(forms.Form):
    category = forms.ModelChoiceField(
        label="投诉类别", queryset=Category.objects.filter(is_active=True), empty_label="请选择"
    )
    title = forms.CharField(label="标题", help_text="一句话概括（100字以内）")
    content = forms.CharField(
        label="投诉内容", widget=TEXTAREA, help_text="时间、地点、经过、诉求（5000字以内）"
    )
    named_unit = forms.ModelChoiceField(
        label="被投诉单位", queryset=Unit.objects.none(), required=False, empty_label="不清楚"
    )
    accused_name = forms.CharField(label="被投诉人（姓名或工号，可不填）", required=False)
    case_number = forms.CharField(label="相关办件申请号（可不填）", required=False, max_length=60)
    anonymous = forms.BooleanField(
        label="匿名投诉（不留姓名和联系方式，将无法回访）", required=False
    )
    name = forms.CharField(label="姓名", required=False)
    phone = forms.CharField(label="联系电话", required=False)
    email = forms.EmailField(label="电子邮箱", required=False)
    address = forms.CharField(label="联系地址", required=False)
    attachments = MultipleFileField(
        label="附件", required=False, help_text="图片（PNG/JPG/GIF）或 PDF，每个不超过5MB，最多5个"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["named_unit"].queryset = Unit.objects.filter(
            is_active=True, kind__in=[Unit.Kind.DEPARTMENT, Unit.Kind.DISTRICT, Unit.Kind.CENTRE]
        ).order_by("path")


class PublicComplaintForm(ArithmeticCaptcha, ComplaintFields):
    """网上投诉 with an arithmetic captcha (works offline, no image library)."""

    captcha_session_key = "complaint_captcha"


class OfficeComplaintForm(ComplaintFields):
    channel = forms.ChoiceField(label="渠道", choices=Complaint.Channel.choices)
    caller_line = forms.CharField(
        label="热线号码", required=False, max_length=20, help_text="如 12345、96150"
    )
    kind = forms.ChoiceField(
        label="诉求类型",
        choices=Complaint.Kind.choices,
        initial=Complaint.Kind.COMPLAINT,
        required=False,
        help_text="不选按投诉",
    )
    field_order = ["channel", "caller_line", "kind"]


PUSH_DOWN_LABEL = "确认交由乡镇（街道）办理（本件涉及部门职责时须效能办确认）"


class AcceptForm(forms.Form):
    unit = UnitTreeChoiceField(label="承办单位", queryset=Unit.objects.filter(is_active=True))
    accused_staff = StaffChoiceField(
        label="被投诉人（可不填）",
        queryset=Staff.objects.filter(is_active=True),
        required=False,
        within="id_unit",
    )
    share_attachments = forms.BooleanField(
        label="将附件转交承办单位（请先确认附件中没有投诉人身份信息）", required=False
    )
    kind = forms.ChoiceField(label="诉求类型", choices=Complaint.Kind.choices, required=False)
    confirm_push_down = forms.BooleanField(label=PUSH_DOWN_LABEL, required=False)
    note = forms.CharField(
        label="转办意见", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class ObjectForm(forms.Form):
    """退单 by the handling unit."""

    reason = forms.CharField(
        label="退单理由",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="说明为何不属于本单位职责，及依据",
    )
    suggested_unit = forms.ModelChoiceField(
        label="建议承办单位（可不填）",
        queryset=Unit.objects.filter(is_active=True).order_by("path"),
        required=False,
        empty_label="不清楚",
    )


class RerouteForm(forms.Form):
    """改派 after a 退单."""

    unit = forms.ModelChoiceField(
        label="改派至",
        queryset=Unit.objects.filter(is_active=True).order_by("path"),
        empty_label="请选择",
    )
    confirm_push_down = forms.BooleanField(label=PUSH_DOWN_LABEL, required=False)
    note = forms.CharField(
        label="改派意见", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class MergeForm(forms.Form):
    """并单: the number of the complaint this one repeats."""

    main = forms.CharField(label="主件投诉编号", max_length=30, help_text="如 TS20261203000123")
    note = forms.CharField(
        label="并单说明", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 3}))


class FindingForm(forms.Form):
    finding = forms.ChoiceField(label="调查结论", choices=Complaint.Finding.choices)
    text = forms.CharField(
        label="调查情况及依据", widget=TEXTAREA, required=False, help_text="必填：查明的事实和证据"
    )
    accused_staff = forms.ModelChoiceField(
        label="责任人（可不填）", queryset=Staff.objects.none(), required=False
    )

    def __init__(self, *args, unit=None, **kwargs):
        super().__init__(*args, **kwargs)
        if unit is not None:
            self.fields["accused_staff"].queryset = Staff.objects.filter(
                is_active=True, unit__path__startswith=unit.path
            )


class ReplyForm(forms.Form):
    text = forms.CharField(label="答复内容", widget=TEXTAREA, required=False)


class VisitForm(forms.Form):
    result = forms.ChoiceField(label="回访结果", choices=Complaint.Visit.choices)
    note = forms.CharField(
        label="回访记录", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class RectifyForm(forms.Form):
    """立整改任务 for a 属实/部分属实 complaint."""

    problem = forms.CharField(
        label="需整改的问题",
        max_length=200,
        help_text="将在整改情况公示中公开：写明问题，不要写姓名、电话等个人信息",
    )
    complete_by = forms.DateField(label="整改时限", widget=forms.DateInput(attrs={"type": "date"}))
    level = forms.ChoiceField(
        label="督办级别",
        choices=[("normal", "一般督办"), ("key", "重点督办"), ("listed", "挂牌督办")],
    )
    needs_visit = forms.BooleanField(label="整改验收后回访投诉人", required=False)


class LookupForm(forms.Form):
    number = forms.CharField(label="投诉编号", max_length=30)
    code = forms.CharField(label="查询码", max_length=12, help_text="提交投诉后显示的8位查询码")


class PublicVisitForm(LookupForm):
    result = forms.ChoiceField(
        label="您对办理结果是否满意",
        choices=[("satisfied", "满意"), ("dissatisfied", "不满意")],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="意见（可选）", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class PublicReopenForm(LookupForm):
    reason = forms.CharField(label="不满意的理由", widget=forms.Textarea(attrs={"rows": 3}))
