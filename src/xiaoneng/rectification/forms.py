"""Forms of the rectification pages; the rules themselves live in the services."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from xiaoneng.accounts.models import User
from xiaoneng.accounts.roles import Role
from xiaoneng.org.models import Staff, Unit
from xiaoneng.org.widgets import StaffChoiceField, UnitTreeChoiceField
from xiaoneng.web.forms import MultipleFileField

from . import services
from .models import Measure, Problem, Task
from .sources import SourceKind

DATE = forms.DateInput(attrs={"type": "date"})
TEXT = forms.Textarea(attrs={"rows": 3})
EVIDENCE_HELP = _("可选：PNG、JPG、GIF 图片或 PDF，最多5个，每个不超过5MB")


def _files() -> MultipleFileField:
    return MultipleFileField(label=_("佐证材料"), help_text=EVIDENCE_HELP)


class VerifyForm(forms.Form):
    finding = forms.ChoiceField(
        label=_("核实结果"), choices=Task.Finding.choices, widget=forms.RadioSelect
    )
    verification = forms.CharField(label=_("核实情况"), widget=TEXT)
    measures = forms.CharField(
        label=_("整改措施"), required=False, widget=TEXT, help_text=_("差评属实的必填")
    )


class VisitForm(forms.Form):
    satisfied = forms.ChoiceField(
        label=_("回访结果"),
        choices=[("1", _("满意")), ("0", _("不满意"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("回访情况"), widget=TEXT)


class RequirePlanForm(forms.Form):
    complete_by = forms.DateField(label=_("整改时限"), widget=DATE)
    reason = forms.CharField(
        label=_("理由"), widget=TEXT, help_text=_("为什么已采取的措施不够，需要制定整改方案")
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), widget=TEXT)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("意见"), widget=TEXT, required=False)


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("不通过的理由"), widget=TEXT)
    new_date = forms.DateField(label=_("新的整改时限"), widget=DATE)


class ProgressForm(forms.Form):
    text = forms.CharField(label=_("进展情况"), widget=TEXT)
    files = _files()


class MeasureDoneForm(forms.Form):
    measure = forms.ModelChoiceField(label=_("整改措施"), queryset=Measure.objects.none())
    note = forms.CharField(label=_("完成情况"), widget=TEXT)
    files = _files()

    def __init__(self, *args, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["measure"]
        field.queryset = plan.measures.all() if plan is not None else Measure.objects.none()
        field.label_from_instance = lambda m: f"{m.order}. {m.action[:40]}"


class CompletionForm(forms.Form):
    summary = forms.CharField(
        label=_("整改情况"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("逐项说明问题是否整改到位、建立了哪些制度"),
    )
    files = _files()


class ExtensionForm(forms.Form):
    until = forms.DateField(label=_("申请延至"), widget=DATE)
    reason = forms.CharField(label=_("延期理由"), widget=TEXT)


class DecideExtensionForm(forms.Form):
    reason = forms.CharField(
        label=_("审批意见"), widget=TEXT, required=False, help_text=_("不批准的须写明理由")
    )


# ---- 督查督办: a task the office or a leader opens by hand ---------------------------------------

_DATES = re.compile(r"[\s,，、;；]+")


class ManualTaskForm(forms.Form):
    unit = UnitTreeChoiceField(label=_("责任单位"), queryset=Unit.objects.filter(is_active=True))
    title = forms.CharField(label=_("督办事项"), max_length=200)
    description = forms.CharField(label=_("具体情况"), widget=TEXT, required=False)
    problems = forms.CharField(
        label=_("存在问题"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("每行一个问题；不填则以督办事项为唯一问题"),
    )
    level = forms.ChoiceField(label=_("督办级别"), choices=Task.Level.choices)
    complete_by = forms.DateField(label=_("整改时限"), widget=DATE)
    leader = forms.ModelChoiceField(
        label=_("督办领导"),
        queryset=User.objects.filter(role=Role.LEADER, is_active=True).order_by("id"),
        required=False,
    )
    progress_every_days = forms.IntegerField(
        label=_("每隔几天报告一次进展"), min_value=1, max_value=366, required=False
    )
    progress_dates = forms.CharField(
        label=_("或在以下日期报告进展"),
        required=False,
        help_text=_("如 2026-05-15, 2026-06-30；两项都不填则不定期报告"),
    )

    def clean_progress_dates(self) -> tuple[date, ...]:
        text = (self.cleaned_data.get("progress_dates") or "").strip()
        days = []
        for part in _DATES.split(text) if text else []:
            try:
                days.append(date.fromisoformat(part))
            except ValueError:
                raise forms.ValidationError(
                    _("日期“%(d)s”的格式不对，应为 2026-05-15") % {"d": part}
                ) from None
        return tuple(sorted(set(days)))

    def request(self) -> services.OpenTask:
        d = self.cleaned_data
        lines = [line.strip() for line in (d["problems"] or "").splitlines() if line.strip()]
        return services.OpenTask(
            source=services.SourceRef(SourceKind.MANUAL, None, str(_("督查督办"))),
            unit=d["unit"],
            title=d["title"],
            problems=tuple(services.ProblemIn(line[:200]) for line in lines),
            description=d["description"],
            level=d["level"],
            complete_by=d["complete_by"],
            leader=d["leader"],
            progress_every_days=d["progress_every_days"],
            progress_dates=d["progress_dates"],
        )


# ---- the plan ------------------------------------------------------------------------------------


class MeasureForm(forms.Form):
    """One line of a 整改方案."""

    problem = forms.ModelChoiceField(
        label=_("针对问题"), queryset=Problem.objects.none(), required=False
    )
    cause_kind = forms.ChoiceField(
        label=_("问题性质"),
        choices=[("", "—"), *Measure.CauseKind.choices],
        required=False,
    )
    cause = forms.CharField(label=_("原因分析"), widget=TEXT, required=False)
    action = forms.CharField(label=_("整改措施"), widget=TEXT, required=False)
    responsible_unit = forms.ModelChoiceField(
        label=_("责任部门"), queryset=Unit.objects.none(), required=False
    )
    leader = StaffChoiceField(label=_("责任领导"), queryset=Staff.objects.none(), required=False)
    person = StaffChoiceField(label=_("责任人"), queryset=Staff.objects.none(), required=False)
    due_date = forms.DateField(label=_("完成时限"), widget=DATE, required=False)
    standard = forms.CharField(label=_("验收标准"), widget=TEXT, required=False)

    def __init__(self, *args, task: Task, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["problem"].queryset = task.problems.all()
        self.fields["problem"].label_from_instance = lambda p: f"{p.order}. {p.title[:40]}"
        self.fields["responsible_unit"].queryset = Unit.objects.filter(
            path__startswith=task.unit.path, is_active=True
        )
        staff = Staff.objects.filter(unit__path__startswith=task.unit.path, is_active=True)
        self.fields["leader"].queryset = staff.select_related("unit")
        self.fields["person"].queryset = staff.select_related("unit")

    def has_content(self) -> bool:
        """A line left entirely blank is no line (the form offers spare ones)."""
        d = getattr(self, "cleaned_data", {})
        return any(d.get(k) for k in self.fields)

    def measure_in(self) -> services.MeasureIn:
        d = self.cleaned_data
        return services.MeasureIn(
            problem_id=d["problem"].pk if d.get("problem") else 0,
            cause_kind=d.get("cause_kind") or "",
            cause=d.get("cause") or "",
            action=d.get("action") or "",
            responsible_unit_id=d["responsible_unit"].pk if d.get("responsible_unit") else None,
            leader_id=d["leader"].pk if d.get("leader") else None,
            person_id=d["person"].pk if d.get("person") else None,
            due_date=d.get("due_date"),
            standard=d.get("standard") or "",
        )


class BaseMeasureFormSet(forms.BaseFormSet):
    def __init__(self, *args, task: Task, **kwargs):
        self.task = task
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "task": self.task}


MeasureFormSet = forms.formset_factory(
    MeasureForm, formset=BaseMeasureFormSet, extra=0, max_num=60, validate_max=True
)


class PlanSummaryForm(forms.Form):
    summary = forms.CharField(
        label=_("总体安排"),
        widget=TEXT,
        required=False,
        help_text=_("整改工作的总体安排（可选）：组织领导、步骤、制度建设"),
    )


# ---- 专项活动 ------------------------------------------------------------------------------------


class DriveForm(forms.Form):
    name = forms.CharField(label=_("活动名称"), max_length=100)
    description = forms.CharField(label=_("活动说明"), widget=TEXT, required=False)
    units = forms.ModelMultipleChoiceField(
        label=_("参加单位"),
        queryset=Unit.objects.filter(
            is_active=True,
            kind__in=[Unit.Kind.DEPARTMENT, Unit.Kind.DISTRICT, Unit.Kind.CENTRE],
        ).order_by("path"),
        widget=forms.SelectMultiple(attrs={"size": 12}),
        help_text=_("按住 Ctrl 多选；默认全部部门、区县和政务服务中心"),
    )


class PhaseForm(forms.Form):
    name = forms.CharField(label=_("阶段"), max_length=50, required=False)
    tasks = forms.CharField(label=_("主要任务"), max_length=500, required=False)
    report_name = forms.CharField(label=_("报送材料"), max_length=100, required=False)
    report_due = forms.DateField(label=_("报送期限"), widget=DATE, required=False)


PhaseFormSet = forms.formset_factory(PhaseForm, extra=0, max_num=12, validate_max=True)


class DriveReportForm(forms.Form):
    text = forms.CharField(
        label=_("材料内容"), widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    file = forms.FileField(
        label=_("材料文件"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".docx,.pdf,.png,.jpg,.jpeg"}),
        help_text=_("可选：Word（.docx）、PDF 或图片，不超过10MB"),
    )


class ReviewForm(forms.Form):
    note = forms.CharField(
        label=_("审阅意见"), widget=TEXT, required=False, help_text=_("退回补充的须写明")
    )
