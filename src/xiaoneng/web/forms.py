"""Helpers shared by the apps' views."""

from __future__ import annotations

import secrets

from django import forms
from django.core.exceptions import ValidationError


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's refusal back on the form: field errors on their fields (the rest on the
    form as a whole), so the page shows them beside what the user typed."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            target = field if field in form.fields else None
            for message in messages:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


class ArithmeticCaptcha(forms.Form):
    """A small addition question kept in the session: a captcha that works on an offline
    intranet, with no image library or outside service. Subclasses name their session key; the
    view passes ``session=request.session``. Each display draws a new question."""

    captcha_session_key = "captcha"
    captcha = forms.CharField(label="验证码", max_length=6)

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        self.expected = session.get(self.captcha_session_key)
        self.new_question()

    def new_question(self) -> None:
        a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
        self.session[self.captcha_session_key] = str(a + b)
        self.fields["captcha"].label = f"验证码：{a} 加 {b} 等于几？"

    def clean_captcha(self) -> str:
        answer = self.cleaned_data["captcha"].strip()
        if not self.expected or answer != self.expected:
            raise forms.ValidationError("验证码答案不正确，请重新计算")
        return answer


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; ``clean`` gives a list (the services check each file)."""

    def __init__(self, *args, accept: str = ".png,.jpg,.jpeg,.gif,.pdf", **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        single = super().clean  # a comprehension has no zero-argument super()
        return [single(f, initial) for f in files]
