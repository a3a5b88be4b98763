"""The pages of 申诉复核 and 回访: a liaison asks, the office decides and reveals a contact, the
public figures page shows rates with n and no personal data."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from xiaoneng.accounts.roles import Role
from xiaoneng.ratings import services
from xiaoneng.ratings.models import Rating, Review

from .conftest import at, query_code

pytestmark = pytest.mark.django_db
NOW = at("2026-03-06 10:00")


@time_machine.travel(NOW, tick=False)
def test_ask_decide_and_reveal_on_the_rating_page(client, make_case, liaison, users):
    case = make_case()
    contact = services.Contact("王五", "13700000000")
    rating = services.rate_online(case.number, query_code(case), 1, "态度差", contact)
    page = reverse("ratings:detail", args=[rating.pk])
    client.force_login(liaison)
    shown = client.get(page).content.decode()
    assert "申请复核" in shown and "13700000000" not in shown and "查看联系方式" not in shown
    empty = client.post(page, {"action": "ask", "ask-ground": "mistaken"})
    assert empty.status_code == 200 and "errorlist" in empty.content.decode()
    assert not Review.objects.exists()
    done = client.post(
        page,
        {
            "action": "ask",
            "ask-ground": "malicious",
            "ask-statement": "评价人与本案无关",
            "ask-evidence": "办件记录",
        },
    )
    assert done.status_code == 302 and Review.objects.get().status == "pending"
    assert client.post(page, {"action": "uphold", "decide-decision": "x"}).status_code == 403
    listing = client.get(reverse("ratings:reviews")).content.decode()
    assert page in listing

    client.force_login(users[Role.OFFICE])
    office_page = client.get(page).content.decode()
    assert "申诉成立" in office_page and "查看联系方式" in office_page
    no_reason = client.post(page, {"action": "reveal", "reveal-reason": ""})
    assert "13700000000" not in no_reason.content.decode()
    revealed = client.post(page, {"action": "reveal", "reveal-reason": "回访"})
    assert "13700000000" in revealed.content.decode()
    assert revealed["Cache-Control"] == "no-store"
    decided = client.post(page, {"action": "uphold", "decide-decision": "经核实属恶意差评"})
    assert decided.status_code == 302
    assert Rating.objects.get().excluded
    after = client.get(page).content.decode()
    assert "已剔除" in after and "经核实属恶意差评" in after


@time_machine.travel(NOW, tick=False)
def test_public_figures_page(client, make_case, users):
    case = make_case()
    services.rate_online(
        case.number, query_code(case), 2, "太慢", services.Contact("赵六", "13600000000")
    )
    page = client.get(reverse("ratings:figures")).content.decode()
    assert "2026年" in page and str(case.unit.name) in page
    assert "赵六" not in page and "13600000000" not in page and "太慢" not in page
    assert client.get(reverse("ratings:figures"), {"year": "abc"}).status_code == 200
    client.force_login(users[Role.OFFICE])
    office = client.get(reverse("ratings:office")).content.decode()
    assert "差评申诉剔除与实名差评回访" in office


@time_machine.travel(NOW, tick=False)
def test_public_rating_with_contact(client, make_case):
    case = make_case()
    client.get(reverse("ratings:new"))
    form = {
        "number": case.number,
        "code": query_code(case),
        "level": "1",
        "comment": "",
        "contact_name": "钱七",
        "contact_phone": "12",
        "captcha": client.session["rating_captcha"],
    }
    bad = client.post(reverse("ratings:new"), form)
    assert "实名评价请填写联系电话" in bad.content.decode() and not Rating.objects.exists()
    form.update(contact_phone="13500000000", captcha=client.session["rating_captcha"])
    done = client.post(reverse("ratings:new"), form).content.decode()
    assert "按您留下的电话回访" in done and Rating.objects.get().named
