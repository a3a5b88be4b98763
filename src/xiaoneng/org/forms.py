"""Forms only parse and show input; rules are checked again in ``services``."""

from __future__ import annotations

from django import forms

from .models import Absence, FirstInquiry, Post, Staff, Unit

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ScopedForm(forms.ModelForm):
    """Limits every choice of unit or person to what the user may see."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                model = field.queryset.model
                if model in (Unit, Staff):
                    field.queryset = model.objects.visible_to(user)
                    if model is Unit:
                        field.queryset = field.queryset.filter(is_active=True)


class UnitForm(ScopedForm):
    class Meta:
        model = Unit
        fields = [
            "name",
            "short_name",
            "code",
            "kind",
            "category",
            "parent",
            "sort_order",
            "duty_summary",
            "address",
            "phone",
            "is_active",
        ]


class StaffForm(ScopedForm):
    class Meta:
        model = Staff
        fields = ["name", "staff_no", "unit", "title", "phone", "is_active"]


class PostForm(ScopedForm):
    class Meta:
        model = Post
        fields = ["unit", "name", "duties", "a_holder", "b_holder"]

    def clean(self):
        data = super().clean()
        a, b = data.get("a_holder"), data.get("b_holder")
        if a and b and a == b:
            self.add_error("b_holder", "A岗和B岗不能是同一人")
        return data


class AbsenceForm(forms.ModelForm):
    class Meta:
        model = Absence
        fields = ["start_date", "end_date", "reason", "note"]
        widgets = {"start_date": DATE_INPUT, "end_date": DATE_INPUT}

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "结束日期不能早于开始日期")
        return data


class WhoHandlesForm(forms.Form):
    day = forms.DateField(label="日期", widget=DATE_INPUT)


class InquiryForm(ScopedForm):
    class Meta:
        model = FirstInquiry
        fields = [
            "unit",
            "received_by",
            "received_at",
            "channel",
            "inquirer_name",
            "inquirer_contact",
            "subject",
            "detail",
        ]
        widgets = {"received_at": DATETIME_INPUT}


class RouteForm(forms.Form):
    to_unit = forms.ModelChoiceField(label="转交单位", queryset=Unit.objects.filter(is_active=True))
    to_staff = forms.ModelChoiceField(
        label="转交人员（可选）", queryset=Staff.objects.all(), required=False
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(label="答复内容", widget=forms.Textarea, max_length=4000)
