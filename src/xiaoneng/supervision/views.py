"""Cards pages: list and filter, contest (unit liaison), withdraw or uphold (office)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from xiaoneng.accounts.roles import Role
from xiaoneng.accounts.scoping import can_edit
from xiaoneng.web.decorators import office_required

from . import services
from .models import Card

CARD_ROLES = (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.LIAISON, Role.WINDOW, Role.SUPERVISOR)


@office_required(*CARD_ROLES)
def card_list(request):
    cards = Card.objects.visible_to(request.user).select_related("unit", "staff")
    params = request.GET
    for name in ("color", "cause", "status"):
        if value := params.get(name):
            cards = cards.filter(**{name: value})
    page = Paginator(cards, 50).get_page(params.get("page"))
    return render(
        request,
        "supervision/card_list.html",
        {
            "page": page,
            "f": params,
            "colors": Card.Color.choices,
            "causes": Card.Cause.choices,
            "statuses": Card.Status.choices,
        },
    )


@office_required(*CARD_ROLES)
def card_detail(request, pk: int):
    user = request.user
    card = get_object_or_404(Card.objects.visible_to(user).select_related("unit", "staff"), pk=pk)
    subject_url = f"/office/cases/{card.subject_id}/" if card.subject_type == "cases.case" else ""
    return render(
        request,
        "supervision/card_detail.html",
        {
            "card": card,
            "subject_url": subject_url,
            "may_contest": can_edit(user, card) and card.status == Card.Status.ACTIVE,
            "may_decide": user.effective_role in (Role.ADMIN, Role.OFFICE)
            and card.status != Card.Status.WITHDRAWN,
        },
    )


@office_required(Role.ADMIN, Role.OFFICE, Role.LIAISON)
@require_POST
def card_action(request, pk: int):
    user = request.user
    card = get_object_or_404(Card.objects.visible_to(user), pk=pk)
    action = request.POST.get("action")
    reason = request.POST.get("reason", "")
    try:
        if action == "contest":
            services.contest_card(user, card, reason)
            messages.success(request, "已提出申诉，等待效能办处理")
        elif action in ("withdraw", "uphold"):
            services.decide_card(user, card, withdraw=action == "withdraw", reason=reason)
            messages.success(request, "已撤销该牌" if action == "withdraw" else "已维持该牌")
        else:
            messages.error(request, "未知的操作")
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    except PermissionDenied as denied:
        messages.error(request, str(denied))
    return redirect("supervision:card_detail", pk)
