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
    card = get_object_or_404(
        Card.objects.visible_to(user).select_related("unit", "staff", "decided_by", "contested_by"),
        pk=pk,
    )
    subject_url = f"/office/cases/{card.subject_id}/" if card.subject_type == "cases.case" else ""
    # 黄牌累计 both ways: the yellow cards a red card holds, the red cards a yellow card went into.
    # A linked card may lie outside the viewer's scope (a person's cards from several units):
    # it is listed, but linked only when it opens.
    held = list(
        card.accumulated.select_related("yellow", "yellow__unit").order_by(
            "yellow__raised_at", "yellow_id"
        )
    )
    counted_in = list(card.accumulations.select_related("red").order_by("red__raised_at"))
    linked = {h.yellow_id for h in held} | {h.red_id for h in counted_in}
    openable = set(Card.objects.visible_to(user).filter(pk__in=linked).values_list("pk", flat=True))
    return render(
        request,
        "supervision/card_detail.html",
        {
            "card": card,
            "subject_url": subject_url,
            "holder": card.staff.name if card.staff_id else card.unit,
            "held": held,
            "held_contested": sum(h.yellow.status == Card.Status.CONTESTED for h in held),
            "counted_in": counted_in,
            "openable": openable,
            "system_actor": services.SYSTEM_ACTOR,
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
