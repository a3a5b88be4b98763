"""Inbox and notification-settings pages. Thin: parse, act through ``services``, show."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xiaoneng.web.decorators import office_required
from xiaoneng.web.forms import apply_errors

from . import services
from .forms import EndpointForm
from .models import Delivery, Kind, Notification, WebhookEndpoint

# The secret of a new or re-keyed endpoint travels to the next page in the server-side session
# (never in a message cookie) and is removed as soon as it has been shown.
SECRET_SESSION_KEY = "xn_webhook_secret"


# ---- inbox -----------------------------------------------------------------------------------


@office_required()
def inbox(request):
    user = request.user
    show = "unread" if request.GET.get("show") == "unread" else "all"
    kind = request.GET.get("kind", "")
    notifications = Notification.objects.for_user(user)
    if show == "unread":
        notifications = notifications.unread()
    if kind in Kind.values:
        notifications = notifications.filter(kind=kind)
    else:
        kind = ""
    page = Paginator(notifications, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "show": show, "kind": kind, "kinds": Kind.choices},
    )


@office_required()
def open_notification(request, pk: int):
    notification = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
    services.mark_read(request.user, notification)
    link = notification.link
    if link and url_has_allowed_host_and_scheme(
        link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(link)
    return render(request, "notifications/detail.html", {"notification": notification})


@office_required()
@require_POST
def mark_all_read(request):
    count = services.mark_all_read(request.user)
    messages.success(request, _("已将 %(n)s 条通知标为已读") % {"n": count})
    return redirect("notifications:inbox")


# ---- settings: webhook endpoints and deliveries ----------------------------------------------


@office_required(*services.MANAGER_ROLES)
def settings_page(request):
    status = request.GET.get("status", "")
    deliveries = Delivery.objects.select_related("endpoint", "notification__recipient")
    if status in Delivery.Status.values:
        deliveries = deliveries.filter(status=status)
    else:
        status = ""
    counts = {
        row["status"]: row["n"]
        for row in Delivery.objects.order_by().values("status").annotate(n=Count("id"))
    }
    return render(
        request,
        "notifications/settings.html",
        {
            "endpoints": WebhookEndpoint.objects.all(),
            "page": Paginator(deliveries, 50).get_page(request.GET.get("page")),
            "status": status,
            "statuses": [(v, label, counts.get(v, 0)) for v, label in Delivery.Status.choices],
            "max_attempts": services.max_attempts(),
        },
    )


@office_required(*services.MANAGER_ROLES)
def endpoint_edit(request, pk: int | None = None):
    user = request.user
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk) if pk else None
    form = EndpointForm(request.POST or None, instance=endpoint)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in EndpointForm.Meta.fields}
        try:
            if endpoint is None:
                saved = services.create_endpoint(user, **data)
                request.session[SECRET_SESSION_KEY] = {"pk": saved.pk, "secret": saved.secret}
            else:
                saved = services.update_endpoint(user, endpoint, **data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已保存接收端“%(name)s”") % {"name": saved.name})
            return redirect("notifications:endpoint_edit", saved.pk)
    secret = None
    flashed = request.session.get(SECRET_SESSION_KEY)
    if endpoint is not None and flashed and flashed.get("pk") == endpoint.pk:
        secret = request.session.pop(SECRET_SESSION_KEY)["secret"]
    return render(
        request,
        "notifications/endpoint_form.html",
        {"form": form, "endpoint": endpoint, "secret": secret},
    )


@office_required(*services.MANAGER_ROLES)
@require_POST
def endpoint_deactivate(request, pk: int):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    services.deactivate_endpoint(request.user, endpoint)
    messages.success(request, _("已停用接收端“%(name)s”") % {"name": endpoint.name})
    return redirect("notifications:settings")


@office_required(*services.MANAGER_ROLES)
@require_POST
def endpoint_rotate(request, pk: int):
    endpoint = services.rotate_secret(request.user, get_object_or_404(WebhookEndpoint, pk=pk))
    request.session[SECRET_SESSION_KEY] = {"pk": endpoint.pk, "secret": endpoint.secret}
    messages.warning(request, _("已生成新的签名密钥，旧密钥立即失效"))
    return redirect("notifications:endpoint_edit", endpoint.pk)


@office_required(*services.MANAGER_ROLES)
@require_POST
def delivery_retry(request, pk: int):
    delivery = get_object_or_404(Delivery, pk=pk)
    try:
        services.retry_delivery(request.user, delivery)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已重新排入发送队列，稍后由后台任务发送"))
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("notifications:settings")
