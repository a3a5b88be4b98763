"""Forms of the evaluation pages. They only parse what was typed; the rules live in services."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django import forms

from xiaoneng.org.models import Unit

from . import pool, services
from .models import Campaign, CategoryWeight, Evaluator

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

    def person(self) -> pool.Person:
        """The person as a row of the import file would give them."""
        d = self.cleaned_data
        return pool.Person(
            0,
            d["name"].strip(),
            d["stratum"],
            pool.normalise_phone(d["phone"]),
            d["id_number"].strip().upper(),
            d["organisation"].strip(),
        )


class PoolFilterForm(forms.Form):
    """The pool list's search (GET): text, stratum, status; an unknown status shows everyone."""

    q = forms.CharField(required=False)
    stratum = forms.CharField(required=False)
    status = forms.ChoiceField(required=False, choices=[("", ""), *Evaluator.Status.choices])

    def value(self, name: str) -> str:
        self.is_valid()
        return self.cleaned_data.get(name) or ""


class UnitsForm(forms.Form):
    """被评议单位 as the page posts them: the ticked units (``unit``, in the page's order) and the
    category and duty summary typed beside each unit (``category_<id>``, ``duty_<id>``)."""

    unit = forms.TypedMultipleChoiceField(coerce=int, required=False)

    def __init__(self, *args, units: Sequence[Unit], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.name) for u in units]
        for u in units:
            self.fields[f"category_{u.pk}"] = forms.CharField(required=False)
            self.fields[f"duty_{u.pk}"] = forms.CharField(required=False)

    def rows(self) -> list[services.UnitRow]:
        d = self.cleaned_data
        return [services.UnitRow(pk, d[f"category_{pk}"], d[f"duty_{pk}"]) for pk in d["unit"]]


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


class EvaluatorForm(forms.Form):
    """A step about one evaluator of the campaign, named by a hidden ``evaluator`` id."""

    evaluator = forms.ModelChoiceField(queryset=Evaluator.objects.none())

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evaluator"].queryset = campaign.evaluators.all()

    @property
    def unknown_evaluator(self) -> bool:
        """Was an evaluator posted that this campaign does not have (as a stale link would)?"""
        return self.is_bound and self.has_error("evaluator")


class ReplaceForm(EvaluatorForm, ReasonForm):
    """替补 one selected evaluator, with the reason they cannot take part."""


class ModeForm(EvaluatorForm):
    mode = forms.ChoiceField(label="参评方式", choices=Evaluator.Mode.choices)


class RuleForm(forms.Form):
    """采用 or 撤销 a careless-response rule; the service words what is missing."""

    rule = forms.CharField(required=False)
    reason = forms.CharField(required=False)


class CodeForm(forms.Form):
    code = forms.CharField(
        label="评议码",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
        help_text="评议邀请函或短信中的10位评议码，如 K7M2Q-9XP3T，不区分大小写",
    )


class FinalizeForm(forms.Form):
    flags_reviewed = forms.BooleanField(
        label="我已核对可疑问卷，并逐条决定了是否采用剔除规则", required=False
    )


# ---- editable tables: the pages post one value per row under each column's name ----------------


class ColumnField(forms.Field):
    """Every value posted under the field's name, in the page's order: one column of a table.
    The values are passed on as typed; the services say what is wrong with them."""

    widget = forms.MultipleHiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value) -> list[str]:
        return [str(v) for v in value or []]


def _typed(**kwargs) -> forms.CharField:
    """A box whose text goes to the service as typed (it words the refusal)."""
    return forms.CharField(required=False, strip=False, **kwargs)


class DimensionsForm(forms.Form):
    """评议内容 and their weights; blank rows are left out by the service."""

    dim_name = ColumnField()
    dim_weight = ColumnField()

    def rows(self) -> list[tuple[str, str]]:
        d = self.cleaned_data
        return list(zip(d["dim_name"], d["dim_weight"], strict=False))


class OptionsForm(forms.Form):
    """The answer scale: label, value (blank: not scored), whether it counts towards the
    top-two and top-three rates (``opt_top2``/``opt_top3`` hold the rows' indexes), and which
    rate is published."""

    opt_label = ColumnField()
    opt_value = ColumnField()
    opt_top2 = ColumnField()
    opt_top3 = ColumnField()
    headline = _typed()

    def typed(self) -> list[tuple[str, str, bool, bool]]:
        d = self.cleaned_data
        top2, top3 = set(d["opt_top2"]), set(d["opt_top3"])
        pairs = zip(d["opt_label"], d["opt_value"], strict=False)
        return [(lab, val, str(i) in top2, str(i) in top3) for i, (lab, val) in enumerate(pairs)]

    def rows(self) -> list[services.OptionRow]:
        rows = []
        for label, value, top2, top3 in self.typed():
            if not label.strip():
                continue
            try:
                number = float(value) if value.strip() else None
            except ValueError:
                raise forms.ValidationError(f"选项“{label}”的分值“{value}”不是数字") from None
            rows.append(services.OptionRow(label, number, top2, top3))
        return rows


class StrataForm(forms.Form):
    """层面 with their quotas and weights, one row each."""

    name = ColumnField()
    quota = ColumnField()
    weight = ColumnField()

    def rows(self) -> list[tuple[str, str, str]]:
        d = self.cleaned_data
        return list(zip(d["name"], d["quota"], d["weight"], strict=False))


class CategoryWeightsForm(forms.Form):
    """One category's weights of its strata or of its dimensions: ``w_<i>`` for the i-th
    stratum or dimension of the campaign."""

    category = _typed()
    kind = _typed()

    def __init__(self, *args, strata: Sequence[str], dimensions: Sequence[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.keys = {
            CategoryWeight.Kind.STRATUM: list(strata),
            CategoryWeight.Kind.DIMENSION: list(dimensions),
        }
        for i in range(max(len(strata), len(dimensions))):
            self.fields[f"w_{i}"] = _typed()

    def weights(self) -> dict[str, str]:
        d = self.cleaned_data
        stratum = d["kind"] == CategoryWeight.Kind.STRATUM
        keys = self.keys[CategoryWeight.Kind.STRATUM if stratum else CategoryWeight.Kind.DIMENSION]
        return {k: d[f"w_{i}"] for i, k in enumerate(keys)}


class AssessmentForm(forms.Form):
    """与工作考核结合: the two weights and each unit's assessment score (``a_<id>``)."""

    questionnaire_weight = _typed(label="问卷得分权重")
    assessment_weight = _typed(label="工作考核得分权重")

    def __init__(self, *args, units: Sequence, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit_ids = [cu.pk for cu in units]
        for pk in self.unit_ids:
            self.fields[f"a_{pk}"] = _typed()

    def scores(self) -> dict[int, str]:
        return {pk: self.cleaned_data[f"a_{pk}"] for pk in self.unit_ids}


#: Lines for opinions (意见建议) on a paper form.
PAPER_OPINIONS = 3


class PaperEntryForm(forms.Form):
    """One paper form as typed: serial, stratum, a row of digits per unit (``d_<id>``) and up
    to three opinions, each with the unit it is about (``op_unit_<i>``, ``op_text_<i>``)."""

    serial = _typed()
    stratum = _typed()

    def __init__(self, *args, layout, **kwargs):
        super().__init__(*args, **kwargs)
        self.layout = layout
        for cu in layout.units:
            self.fields[f"d_{cu.pk}"] = _typed()
        for i in range(PAPER_OPINIONS):
            self.fields[f"op_unit_{i}"] = _typed()
            self.fields[f"op_text_{i}"] = _typed()

    def stratum_id(self) -> int:
        stratum = self.cleaned_data["stratum"]
        return int(stratum) if stratum.isdigit() else 0

    def answer_rows(self) -> dict[int, str]:
        return {cu.pk: self.cleaned_data[f"d_{cu.pk}"] for cu in self.layout.units}

    def opinions(self) -> list[tuple[int, str]]:
        out = []
        for i in range(PAPER_OPINIONS):
            unit, text = self.cleaned_data[f"op_unit_{i}"], self.cleaned_data[f"op_text_{i}"]
            if unit.isdigit() and text.strip():
                out.append((int(unit), text))
            elif text.strip():
                raise forms.ValidationError("请为每条意见建议选择所指的单位")
        return out

    def typed(self, name: str) -> str:
        """What is in a box now (as posted, or empty)."""
        return (self[name].value() or "") if self.is_bound else ""
