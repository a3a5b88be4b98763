"""Rating pages: the public form, the office statistics, the rectification flow, the links."""

from __future__ import annotations

import time_machine
from django.urls import reverse

from xiaoneng.accounts.roles import Role
from xiaoneng.ratings.models import Rating
from xiaoneng.ratings.services import NOT_FOUND
from xiaoneng.rectification.models import Task

from .conftest import at, query_code

NOW = at("2026-03-05 10:00")


@time_machine.travel(NOW, tick=False)
def test_public_rating_page(client, make_case):
    case = make_case()
    code = query_code(case)
    lookup = client.post(reverse("cases:lookup"), {"number": case.number, "code": code})
    assert f"/ratings/new/?number={case.number}" in lookup.content.decode()
    page = client.get(reverse("ratings:new"), {"number": case.number}).content.decode()
    assert f'value="{case.number}"' in page and "非常不满意" in page and "加" in page

    def post(**data):
        # The captcha's answer is what the page just put in the session.
        data["captcha"] = client.session["rating_captcha"]
        response = client.post(reverse("ratings:new"), data)
        return response

    wrong_answer = client.post(
        reverse("ratings:new"),
        {"number": case.number, "code": code, "level": "5", "captcha": "99"},
    ).content.decode()
    assert "验证码答案不正确" in wrong_answer and not Rating.objects.exists()
    wrong = post(number=case.number, code="ZZZZZZ", level="5").content.decode()
    unknown = post(number="NOPE", code="ZZZZZZ", level="5").content.decode()
    assert NOT_FOUND in wrong and NOT_FOUND in unknown
    done = post(number=case.number, code=code, level="1", comment="<b>差</b>")
    assert done.status_code == 200 and "感谢您的评价" in done.content.decode()
    assert Rating.objects.get().level == 1 and Task.objects.count() == 1


def test_public_rating_is_throttled(client, db):
    for _ in range(20):
        client.post(reverse("ratings:new"), {"number": "X", "code": "Y", "level": "5"})
    response = client.post(reverse("ratings:new"), {"number": "X", "code": "Y", "level": "5"})
    assert response.status_code == 429


@time_machine.travel(NOW, tick=False)
def test_office_page_escapes_comments_and_scopes(client, make_case, users, org):
    from xiaoneng.ratings import services

    case = make_case()
    services.rate_online(case.number, query_code(case), 2, "<script>alert(1)</script>")
    client.force_login(users[Role.OFFICE])
    page = client.get(reverse("ratings:office")).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert 'data-chart="rating-chart"' in page and 'id="rating-chart"' in page
    assert "好差评" in page  # the navigation item
    for by in ("unit", "window", "item", "month"):
        assert client.get(reverse("ratings:office"), {"by": by}).status_code == 200
    client.force_login(users[Role.SUPERVISOR])
    assert client.get(reverse("ratings:office")).status_code == 403
    client.force_login(users[Role.WINDOW])
    assert client.get(reverse("ratings:office")).status_code == 200


@time_machine.travel(NOW, tick=False)
def test_rectification_flow_through_pages(client, make_case, users):
    from xiaoneng.ratings import services

    case = make_case()
    rect = services.rate_online(case.number, query_code(case), 1, "态度差").task
    url = reverse("rectification:detail", args=[rect.pk])
    client.force_login(users[Role.LIAISON])
    listed = client.get(reverse("rectification:board"), {"source": "rating"}).content.decode()
    assert "task-table" in listed
    page = client.get(url).content.decode()
    assert 'data-testid="verify-form"' in page
    verify = reverse("rectification:act", args=[rect.pk, "verify"])
    missing = client.post(verify, {"verify-finding": "true", "verify-verification": "属实"})
    assert "整改措施" in missing.content.decode() and missing.status_code == 400
    client.post(
        verify,
        {"verify-finding": "true", "verify-verification": "属实", "verify-measures": "培训"},
    )
    rect.refresh_from_db()
    assert rect.status == "visit"
    client.force_login(users[Role.OFFICE])
    visit = reverse("rectification:act", args=[rect.pk, "visit"])
    client.post(visit, {"visit-satisfied": "1", "visit-note": "满意"})
    rect.refresh_from_db()
    assert rect.status == "closed" and rect.visit_satisfied


@time_machine.travel(NOW, tick=False)
def test_window_entry_page(client, make_case, users):
    case = make_case()
    client.force_login(users[Role.WINDOW])
    code = query_code(case)
    absent = client.post(reverse("ratings:enter"), {"number": case.number, "level": "4"})
    assert absent.status_code == 200 and "请填写查询码" in absent.content.decode()
    wrong = client.post(
        reverse("ratings:enter"), {"number": case.number, "code": "ZZZZZZ", "level": "4"}
    )
    assert "申请号与查询码不符" in wrong.content.decode()
    response = client.post(
        reverse("ratings:enter"),
        {"number": case.number, "code": code, "level": "4", "comment": ""},
    )
    assert response.status_code == 302
    again = client.post(
        reverse("ratings:enter"), {"number": case.number, "code": code, "level": "4"}
    )
    assert "已经有现场评价" in again.content.decode()


@time_machine.travel(NOW, tick=False)
def test_recent_bad_ratings_link_only_rectifications_the_liaison_may_open(
    client, make_case, window_unit, liaison
):
    """A bad rating of the department's case taken at a window is the window's to rectify: the
    department's liaison sees the rating and its status, without a link that would answer 404."""
    from xiaoneng.ratings import services

    case = make_case(window=window_unit)
    services.rate_online(case.number, query_code(case), 1, "窗口态度差")
    rect = Task.objects.get()
    assert rect.unit == window_unit
    client.force_login(liaison)
    page = client.get(reverse("ratings:office")).content.decode()
    assert "窗口态度差" in page and rect.get_status_display() in page
    assert reverse("rectification:detail", args=[rect.pk]) not in page
    assert client.get(reverse("rectification:detail", args=[rect.pk])).status_code == 404


@time_machine.travel(NOW, tick=False)
def test_rectification_filed_without_a_person_names_the_unit(client, make_case, users):
    """Verifications filed by a department system (or the demo) have no signed-in user."""
    from xiaoneng.ratings import services

    case = make_case()
    services.rate_online(case.number, query_code(case), 2, "慢")
    rect = Task.objects.get()
    Task.objects.filter(pk=rect.pk).update(
        finding="true", verification="核实属实", verified_at=NOW, status="visit"
    )
    client.force_login(users[Role.OFFICE])
    page = client.get(reverse("rectification:detail", args=[rect.pk])).content.decode()
    assert "None" not in page and f"{rect.unit} ·" in page


@time_machine.travel(NOW, tick=False)
def test_old_rectification_links_lead_to_the_task(client, make_case, users):
    """Notifications sent before the move link /office/ratings/rectifications/<old id>/."""
    from xiaoneng.ratings import services

    case = make_case()
    task = services.rate_online(case.number, query_code(case), 1, "慢").task
    Task.objects.filter(pk=task.pk).update(legacy_ref="ratings.rectification:77")
    client.force_login(users[Role.OFFICE])
    old = client.get(reverse("ratings:rectification", args=[77]))
    assert old.status_code == 302 and old["Location"] == reverse(
        "rectification:detail", args=[task.pk]
    )
    assert client.get(reverse("ratings:rectification", args=[78])).status_code == 404
    listing = client.get(reverse("ratings:rectifications"))
    assert listing["Location"] == f"{reverse('rectification:board')}?source=rating"
