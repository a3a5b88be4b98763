from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.db import transaction
from django.shortcuts import render
from django.urls import reverse_lazy

from xiaoneng.audit import services as audit


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确。连续多次失败后，该账号将在此地址被暂时锁定。",
        "inactive": "该账号已停用，请联系系统管理员。",
    }


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        # Django's LoginView names the site after the request's host ("127.0.0.1:8000"); the
        # header and title use the installation's own name, as on every other page.
        context = super().get_context_data(**kwargs)
        context["site_name"] = settings.XIAONENG_SITE_NAME
        return context


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's own password; the change is audited (never the password itself)."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("web:landing")

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            audit.record(
                self.request.user,
                audit.Action.EVENT,
                self.request.user,
                summary="修改本人密码",
            )
        messages.success(self.request, "密码已修改")
        return response


def lockout(request, credentials, *args, **kwargs):
    """Shown instead of the login form after too many failures (django-axes)."""
    form = LoginForm(request)
    return render(
        request,
        "accounts/login.html",
        {"form": form, "locked_out": True},
        status=429,
    )
