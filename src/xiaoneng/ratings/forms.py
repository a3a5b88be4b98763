"""Forms of the rating pages; the rules themselves live in services."""

from __future__ import annotations

from django import forms

from xiaoneng.web.forms import ArithmeticCaptcha

from .models import Level, Rating
from .services import COMMENT_MAX, GROUPS

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


class OnlineRatingForm(ArithmeticCaptcha, _LevelComment):
    captcha_session_key = "rating_captcha"
    number = forms.CharField(label="申请号", max_length=60)
    code = forms.CharField(label="查询码", max_length=12, help_text="印在受理回执上的6位查询码")
    field_order = ["number", "code", "level", "comment", "captcha"]


class WindowRatingForm(_LevelComment):
    number = forms.CharField(label="申请号", max_length=60)
    channel = forms.ChoiceField(
        label="评价渠道",
        choices=[
            (Rating.Channel.WINDOW, Rating.Channel.WINDOW.label),
            (Rating.Channel.OTHER, Rating.Channel.OTHER.label),
        ],
    )
    field_order = ["number", "channel", "level", "comment"]


class StatsForm(forms.Form):
    by = forms.ChoiceField(label="统计维度", choices=list(GROUPS.items()), required=False)
    start = forms.DateField(
        label="开始日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="结束日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
