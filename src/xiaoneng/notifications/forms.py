"""Forms only parse and show input; rules are checked again in ``services``."""

from __future__ import annotations

from django import forms

from .models import Kind, WebhookEndpoint


class EndpointForm(forms.ModelForm):
    url = forms.URLField(
        label="地址",
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://gateway.example.gov.cn/hook"}),
        help_text="接收通知的地址（http:// 或 https://），系统以 POST 发送签名的 JSON",
    )
    kinds = forms.MultipleChoiceField(
        label="订阅类型",
        choices=Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="不选表示接收全部类型（包括以后新增的类型）",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "kinds", "is_active"]
