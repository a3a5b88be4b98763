"""API key pages (接口密钥) under /office/api-keys/. Thin: parse, act through ``services``, show.

The office issues keys for any unit; a unit liaison sees and revokes the keys of their own unit
subtree. A new key's plaintext travels to the next page in the server-side session (never in a
cookie or a URL) and is removed from it as soon as it has been shown.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from xiaoneng.accounts.roles import Role
from xiaoneng.accounts.scoping import can_edit
from xiaoneng.web.decorators import office_required

from . import services
from .forms import ApiKeyForm, RevokeForm
from .models import ISSUER_ROLES, MANAGER_ROLES, ApiKey

PLAINTEXT_SESSION_KEY = "xn_new_api_key"


@office_required(*MANAGER_ROLES)
def key_list(request):
    user = request.user
    show = request.GET.get("show", "active")
    keys = ApiKey.objects.visible_to(user).select_related("unit", "created_by", "revoked_by")
    if show == "active":
        keys = keys.active()
    elif show == "revoked":
        keys = keys.filter(revoked_at__isnull=False)
    else:
        show = "all"
    return render(
        request,
        "api/key_list.html",
        {
            "page": Paginator(keys, 50).get_page(request.GET.get("page")),
            "show": show,
            "may_issue": user.effective_role in ISSUER_ROLES,
        },
    )


@office_required(*ISSUER_ROLES)
def key_new(request):
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            key, plaintext = services.create_key(
                request.user, form.cleaned_data["name"], form.cleaned_data["unit"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            request.session[PLAINTEXT_SESSION_KEY] = {"pk": key.pk, "plaintext": plaintext}
            return redirect("apikeys:key_detail", key.pk)
    return render(request, "api/key_form.html", {"form": form})


@never_cache
@office_required(*MANAGER_ROLES)
def key_detail(request, pk: int):
    key = get_object_or_404(
        ApiKey.objects.visible_to(request.user).select_related("unit", "created_by", "revoked_by"),
        pk=pk,
    )
    plaintext = None
    flashed = request.session.get(PLAINTEXT_SESSION_KEY)
    if flashed and flashed.get("pk") == key.pk:
        plaintext = request.session.pop(PLAINTEXT_SESSION_KEY)["plaintext"]
    return render(
        request,
        "api/key_detail.html",
        {
            "key": key,
            "plaintext": plaintext,
            "may_revoke": key.is_active and can_edit(request.user, key),
            "revoke_form": RevokeForm(),
        },
    )


@office_required(*MANAGER_ROLES)
@require_POST
def key_revoke(request, pk: int):
    key = get_object_or_404(ApiKey.objects.visible_to(request.user), pk=pk)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写吊销原因"))
        return redirect("apikeys:key_detail", key.pk)
    try:
        services.revoke_key(request.user, key, form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("已吊销密钥“%(name)s”，使用它的请求将立即被拒绝") % {"name": key.name}
        )
    return redirect("apikeys:key_detail", key.pk)


@login_required
def client_home(request):
    """接口客户端: what a department system's account sees when someone signs in with it.

    The account exists for the system (its keys belong to its unit), not for a person at the
    staff pages; the page says what it is for and where the API is described.
    """
    user = request.user
    if user.effective_role != Role.API_CLIENT:
        raise PermissionDenied("此页面仅供接口客户端账号使用")
    keys = ApiKey.objects.filter(unit=user.unit).active() if user.unit_id else ApiKey.objects.none()
    return render(request, "api/client_home.html", {"keys": keys})
