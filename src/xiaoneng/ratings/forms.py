"""Forms of the rating pages; the rules themselves live in services."""

from __future__ import annotations

from django import forms

from xiaoneng.web.forms import ArithmeticCaptcha

from .models import Level, Review
from .reviews import DECISION_LIMIT, REASON_LIMIT, TEXT_LIMIT
from .services import COMMENT_MAX, GROUPS, NAME_MAX

LEVEL_CHOICES = [(str(v), label) for v, label in Level.choices]


class _LevelComment(forms.Form):
    level = forms.ChoiceField(label="评价等级", choices=LEVEL_CHOICES, widget=forms.RadioSelect)
    comment = forms.CharField(
        label="评价内容",
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": COMMENT_MAX}),
        help_text=f"选填，不超过{COMMENT_MAX}字；不满意的请说明原因，便于核实整改",
    )


class _Contact(forms.Form):
    """实名评价 (optional): kept, encrypted, only with a 差评, so that the office can call back."""

    contact_name = forms.CharField(
        label="姓名（实名评价，选填）",
        required=False,
        max_length=NAME_MAX,
        help_text="不满意时留下姓名和电话，效能办将在时限内回访；满意的评价不保存联系方式",
    )
    contact_phone = forms.CharField(label="联系电话（选填）", required=False, max_length=20)


class OnlineRatingForm(ArithmeticCaptcha, _LevelComment, _Contact):
    captcha_session_key = "rating_captcha"
    number = forms.CharField(label="申请号", max_length=60)
    code = forms.CharField(label="查询码", max_length=12, help_text="印在受理回执上的6位查询码")
    field_order = ["number", "code", "level", "comment", "contact_name", "contact_phone", "captcha"]


class WindowRatingForm(_LevelComment, _Contact):
    number = forms.CharField(label="申请号", max_length=60)
    code = forms.CharField(
        label="查询码",
        max_length=12,
        help_text="申请人出示的受理回执上的查询码：申请人不在场时不能代为评价",
        error_messages={"required": "请填写查询码（申请人出示受理回执）"},
    )
    field_order = ["number", "code", "level", "comment", "contact_name", "contact_phone"]


class StatsForm(forms.Form):
    by = forms.ChoiceField(label="统计维度", choices=list(GROUPS.items()), required=False)
    start = forms.DateField(
        label="开始日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="结束日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class AskReviewForm(forms.Form):
    """申请复核: the responsible unit contests a 差评."""

    ground = forms.ChoiceField(
        label="申诉事由",
        choices=Review.Ground.choices,
        widget=forms.RadioSelect,
        help_text="误评：评错办件、误触按键、评价的是其他单位的服务等；恶意差评：与服务无关的刁难、报复等",
    )
    statement = forms.CharField(
        label="申诉理由",
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": TEXT_LIMIT}),
    )
    evidence = forms.CharField(
        label="证据",
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_LIMIT}),
        help_text="能够核对的证据：办件记录、监控录像的时间段、评价器日志、证人等",
    )


class DecideForm(forms.Form):
    decision = forms.CharField(
        label="复核意见",
        max_length=DECISION_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": DECISION_LIMIT}),
    )


class RevealForm(forms.Form):
    reason = forms.CharField(
        label="查看理由",
        max_length=REASON_LIMIT,
        help_text="记入审计日志，例如“实名差评回访”",
    )


class ReviewFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="状态", choices=[("", "全部"), *Review.Status.choices], required=False
    )


class FiguresForm(forms.Form):
    year = forms.IntegerField(label="年份", min_value=2000, max_value=2100, required=False)
