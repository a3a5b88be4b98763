"""转办建议: training from the installation's own routings, the routing page, duplicates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from xiaoneng.accounts.roles import Role
from xiaoneng.complaints import routing_eval, services, suggestions
from xiaoneng.complaints.models import Category, Complaint
from xiaoneng.routing import store

A_TEXTS = ["不动产登记拖了两个月", "房产证办理超期", "不动产权证书迟迟不发", "抵押登记一直不办"]
B_TEXTS = ["社保卡补办要跑三次", "养老保险转移办不了", "医保报销材料反复要", "社保缴费记录查不到"]


@pytest.fixture
def category(db):
    return Category.objects.get(code="ban_delay")


def _routed(users, category, unit, text, days_ago=10):
    now = timezone.now() - timedelta(days=days_ago)
    complaint, _ = services.submit_complaint(
        users[Role.OFFICE],
        channel=Complaint.Channel.HOTLINE,
        category=category,
        title=text,
        content=f"{text}，请督促解决。",
        anonymous=True,
        now=now,
    )
    services.accept(users[Role.OFFICE], complaint, unit=unit)
    return complaint


@pytest.fixture
def history(users, org, category):
    for text in A_TEXTS:
        _routed(users, category, org.dept_a, text)
    for text in B_TEXTS:
        _routed(users, category, org.dept_b, text)


def _new(users, category, text, **kw):
    complaint, _ = services.submit_complaint(
        users[Role.OFFICE],
        channel=Complaint.Channel.HOTLINE,
        category=category,
        title=text,
        content=f"{text}，请督促解决。",
        anonymous=True,
        **kw,
    )
    return complaint


def test_retrain_learns_from_routed_complaints(history, users, org, category):
    result = suggestions.retrain_routing()
    assert result.trained and result.samples == 8 and result.units == 2
    assert store.info()["routed"] == 8
    new = _new(users, category, "不动产登记证书超期不发")
    [best, *_] = suggestions.suggest_units(new, store.current())
    assert best.unit == org.dept_a and 0 < best.percent <= 100
    assert not suggestions.is_stale()


def test_routing_page_trains_a_small_history_inline_and_shows_suggestions(
    client, history, users, org, category
):
    new = _new(users, category, "社保卡补办跑了好几次")
    client.force_login(users[Role.OFFICE])
    response = client.get(reverse("complaints:route", args=[new.pk]))
    assert response.status_code == 200
    shown = response.context["suggestions"]
    assert shown[0].unit == org.dept_b
    assert f'data-unit="{org.dept_b.pk}"' in response.content.decode()
    assert store.current() is not None


def test_routing_page_without_history_says_so(client, users, category):
    new = _new(users, category, "办事拖拉")
    client.force_login(users[Role.OFFICE])
    response = client.get(reverse("complaints:route", args=[new.pk]))
    body = response.content.decode()
    assert response.context["routing_state"] == "too_few"
    assert 'data-testid="no-routing-model"' in body and "train-routing" in body


def test_a_large_history_is_never_trained_inside_the_request(
    client, history, users, category, settings, monkeypatch
):
    settings.XIAONENG_ROUTING_INLINE_LIMIT = 3
    settings.XIAONENG_ROUTING_BACKGROUND = True
    started = []
    monkeypatch.setattr(suggestions, "_train_in_background", lambda: started.append(1) or True)
    monkeypatch.setattr(
        suggestions, "retrain_routing", lambda: pytest.fail("trained in the request")
    )
    new = _new(users, category, "不动产登记拖了很久")
    client.force_login(users[Role.OFFICE])
    response = client.get(reverse("complaints:route", args=[new.pk]))
    assert response.context["routing_state"] == "background" and started == [1]
    assert "正在后台训练" in response.content.decode()


def test_the_model_is_stale_after_n_new_routings(history, users, org, category, settings):
    suggestions.retrain_routing()
    settings.XIAONENG_ROUTING_RETRAIN_EVERY = 2
    _routed(users, category, org.dept_a, "不动产登记又超期")
    assert not suggestions.is_stale()
    _routed(users, category, org.dept_b, "社保卡又办不了")
    assert suggestions.is_stale()


def test_duplicates_link_earlier_complaints_of_the_last_year(client, users, org, category):
    text = "市甲局办理营业执照变更超过承诺时限十天仍未办结，多次询问无果"
    old = _new(users, category, text, named_unit=org.dept_a)
    Complaint.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=30))
    ancient = _new(users, category, text, named_unit=org.dept_a)
    Complaint.objects.filter(pk=ancient.pk).update(
        submitted_at=timezone.now() - timedelta(days=400)
    )
    _new(users, category, "窗口工作人员态度恶劣，问两句就不耐烦", named_unit=org.dept_a)
    new = _new(users, category, text + "。", named_unit=org.dept_a)
    found = suggestions.likely_duplicates(new)
    assert [d.complaint for d in found] == [old]
    client.force_login(users[Role.OFFICE])
    body = client.get(reverse("complaints:route", args=[new.pk])).content.decode()
    assert reverse("complaints:detail", args=[old.pk]) in body
    assert reverse("complaints:detail", args=[ancient.pk]) not in body


def test_train_routing_command(history, capsys):
    call_command("complaints", "train-routing")
    assert "已用8件投诉训练" in capsys.readouterr().out
    call_command("complaints", "train-routing", "--if-stale")
    assert "无需训练" in capsys.readouterr().out


def test_train_routing_command_refuses_without_history(db):
    with pytest.raises(CommandError, match="不足两个承办单位"):
        call_command("complaints", "train-routing")


def test_accuracy_on_held_out_demo_complaints():
    # The full figures (5,000 complaints) are in bench/RESULTS.md; this is a small guard.
    result = routing_eval.evaluate(count=800, seed=2026, masked=True)
    assert result.test > 100 and result.top3 >= 0.8 and result.top1 <= result.top3


def test_a_web_process_loads_the_dictionary_and_model_before_its_first_page(
    history, monkeypatch, settings
):
    from xiaoneng.web import warmup

    suggestions.retrain_routing()
    store._cache.clear()
    prepared = []
    monkeypatch.setattr(suggestions, "prepare", lambda: prepared.append(True))
    warmup.warm_up()
    assert prepared == [True] and settings.XIAONENG_ROUTING_MODEL in store._cache
    # A damaged model file does not stop the process from starting; the page reports it.
    store._cache.clear()
    with open(settings.XIAONENG_ROUTING_MODEL, "wb") as handle:
        handle.write(b"not a model")
    warmup.warm_up()
    assert store._cache == {}
