"""Forms of the evaluation pages. They only parse what was typed; the rules live in services."""

from __future__ import annotations

from datetime import date

from django import forms

from . import services
from .models import Campaign, Evaluator

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CampaignForm(forms.Form):
    name = forms.CharField(label="活动名称", max_length=100)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    description = forms.CharField(
        label="实施方案摘要",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="评议的范围、方式和结果运用，公开在活动页上",
    )
    draw = forms.DateField(label="抽取评议人", widget=DATE)
    distribution = forms.DateField(label="发放评议表和评议码", widget=DATE)
    collection = forms.DateField(label="回收评议表", widget=DATE)
    tally = forms.DateField(label="统计计分", widget=DATE)
    publication = forms.DateField(label="公布结果", widget=DATE)

    def dates(self) -> services.MilestoneDates:
        d = self.cleaned_data
        return services.MilestoneDates(
            d["draw"], d["distribution"], d["collection"], d["tally"], d["publication"]
        )

    @classmethod
    def initial_for(cls, campaign: Campaign | None, today: date) -> dict:
        if campaign is None:
            dates = services.suggested_dates(today).as_dict()
            return {
                "year": today.year,
                "name": f"{today.year}年度“千人评议”机关作风评议活动",
                **dates,
            }
        dates = {m.kind: m.due_date for m in campaign.milestones.all()}
        return {
            "name": campaign.name,
            "year": campaign.year,
            "description": campaign.description,
            **dates,
        }


class NewCampaignForm(CampaignForm):
    preset = forms.ChoiceField(
        label="计分方案",
        choices=list(services.PRESET_LABELS.items()),
        initial="default",
        help_text="决定答案选项和分值、公布哪个满意率及权重；创建后仍可逐项修改",
    )


class PresetForm(forms.Form):
    preset = forms.ChoiceField(label="套用计分方案", choices=list(services.PRESET_LABELS.items()))


class PersonForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    stratum = forms.ChoiceField(label="层面")
    phone = forms.CharField(label="手机号码", max_length=20, required=False)
    id_number = forms.CharField(label="身份证号", max_length=18, required=False)
    organisation = forms.CharField(label="工作单位或住址", max_length=100, required=False)

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stratum"].choices = [(s.name, s.name) for s in campaign.strata.all()]


class PoolImportForm(forms.Form):
    file = forms.FileField(label="评议人库 Excel 文件（.xlsx）")

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > 20 * 1024 * 1024:
            raise forms.ValidationError("文件不能超过 20 MB")
        return f


class SeedSourceForm(forms.Form):
    seed_source = forms.CharField(
        label="种子来源公告",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="写明取自哪一期公开开奖（如：2025年第125期双色球开奖号码，6个红球为一组、蓝球为一组），"
        "在开奖之前公告",
    )


class SeedForm(forms.Form):
    seed = forms.CharField(
        label="开奖号码",
        max_length=1000,
        help_text="只写数字，用空格分隔；不同的组（如红球、蓝球）之间用 / 分隔，"
        "如：03 09 14 21 26 33 / 07",
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=200)


class ModeForm(forms.Form):
    mode = forms.ChoiceField(label="参评方式", choices=Evaluator.Mode.choices)


class CodeForm(forms.Form):
    code = forms.CharField(
        label="评议码",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
        help_text="评议邀请函或短信中的10位评议码，如 K7M2Q-9XP3T，不区分大小写",
    )


class ExcludeForm(forms.Form):
    sheet = forms.UUIDField()
    excluded = forms.BooleanField(required=False)
    reason = forms.CharField(required=False, max_length=200)


class FinalizeForm(forms.Form):
    flags_reviewed = forms.BooleanField(
        label="我已核对可疑问卷，并逐条决定了是否采用剔除规则", required=False
    )


class AssessmentWeightsForm(forms.Form):
    questionnaire_weight = forms.CharField(label="问卷得分权重", required=False, max_length=10)
    assessment_weight = forms.CharField(label="工作考核得分权重", required=False, max_length=10)
