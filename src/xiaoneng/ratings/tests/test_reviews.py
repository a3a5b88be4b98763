"""申诉复核 of a 差评 (误评/恶意差评), exclusion from the statistics, 实名差评 and their return
visits, and the published figures."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from xiaoneng.accounts.roles import Role
from xiaoneng.audit.models import AuditEntry
from xiaoneng.notifications.models import Notification
from xiaoneng.ratings import reviews, services
from xiaoneng.ratings.models import Rating, ReturnVisit
from xiaoneng.rectification import services as rectification
from xiaoneng.rectification.models import Task
from xiaoneng.supervision import watches
from xiaoneng.testing.factories import UserFactory

from .conftest import at, query_code

pytestmark = pytest.mark.django_db
RATED = at("2026-03-05 10:00")  # a Thursday


def rate(case, level=1, comment="态度差", contact=None, when=RATED):
    with time_machine.travel(when, tick=False):
        return services.rate_online(case.number, query_code(case), level, comment, contact)


def ask(actor, rating, when="2026-03-09 09:00", ground="mistaken"):
    with time_machine.travel(at(when), tick=False):
        return reviews.ask_review(
            actor, rating, ground=ground, statement="评价的是另一办件", evidence="监控录像10:02"
        )


def test_the_unit_asks_within_the_limit_and_the_office_upholds(make_case, liaison, users):
    case = make_case()
    rating = rate(case)
    office = users[Role.OFFICE]
    with pytest.raises(PermissionDenied):  # the office decides; it does not ask
        ask(office, rating)
    review = ask(liaison, rating)
    assert review.status == "pending" and review.unit == case.unit and review.deadline_open
    # Five working days from Monday 9 March: due at the end of Monday 16 March.
    assert review.due_at == at("2026-03-16 23:59:59")
    assert Notification.objects.filter(recipient=office, title__contains="差评申诉").exists()
    with pytest.raises(ValidationError, match="只能申请一次"):
        ask(liaison, rating)
    with pytest.raises(PermissionDenied):  # the unit never decides its own request
        reviews.decide(liaison, review, uphold=True, decision="同意")
    with pytest.raises(ValidationError):
        reviews.decide(office, review, uphold=True, decision="  ")
    review = reviews.decide(office, review, uphold=True, decision="经调取录像，属误评")
    rating.refresh_from_db()
    assert review.status == "upheld" and rating.excluded and not review.deadline_open
    # The rating stays, with its history; it leaves every statistic.
    assert Rating.objects.filter(pk=rating.pk).exists()
    summaries = set(
        AuditEntry.objects.filter(
            object_type="ratings.rating", object_id=str(rating.pk)
        ).values_list("summary", flat=True)
    )
    assert any("剔除" in s for s in summaries) and any("好差评" in s for s in summaries)
    assert services.statistics(Rating.objects.all()) == []
    assert services.unit_rating_summary(case.unit).total == 0
    with pytest.raises(ValidationError):  # decided once
        reviews.decide(office, review, uphold=False, decision="再议")


def test_refused_review_keeps_the_rating_counted(make_case, liaison, users):
    rating = rate(make_case())
    review = ask(liaison, rating, ground="malicious")
    reviews.decide(users[Role.OFFICE], review, uphold=False, decision="证据不足")
    rating.refresh_from_db()
    assert not rating.excluded
    [row] = services.statistics(Rating.objects.all())
    assert row.bad == 1


def test_review_limits_and_who_may_ask(make_case, liaison, org, users):
    case = make_case()
    good = rate(case, 5, "")
    with pytest.raises(ValidationError, match="只有差评"):
        ask(liaison, good)
    bad_case = make_case("C2")
    bad = rate(bad_case)
    # Thursday 5 March + 5 working days = Thursday 12 March, end of day.
    with pytest.raises(ValidationError, match="申诉期限已过"):
        ask(liaison, bad, when="2026-03-13 09:00")
    other = UserFactory(role=Role.LIAISON, unit=org.dept_b)
    with pytest.raises(PermissionDenied):
        ask(other, bad, when="2026-03-12 20:00")
    assert ask(liaison, bad, when="2026-03-12 20:00").status == "pending"
    third = rate(make_case("C3"))
    with pytest.raises(ValidationError) as missing, time_machine.travel(at("2026-03-06 09:00")):
        reviews.ask_review(liaison, third, ground="other", statement="x", evidence="y")
    assert "ground" in missing.value.message_dict


def test_window_case_is_the_windows_to_contest(make_case, window_unit, window_liaison, liaison):
    rating = rate(make_case(window=window_unit))
    with pytest.raises(PermissionDenied):  # the department's liaison does not answer for it
        ask(liaison, rating)
    review = ask(window_liaison, rating)
    assert review.unit == window_unit


def test_overdue_decision_is_told_to_the_office(make_case, liaison, users):
    review = ask(liaison, rate(make_case()))
    with time_machine.travel(at("2026-03-17 08:00"), tick=False):
        report = watches.sweep(watches=["ratings.review"])
    assert report.warned["ratings.review"] == 1 and report.overdue["ratings.review"] == 1
    titles = set(
        Notification.objects.filter(recipient=users[Role.OFFICE]).values_list("title", flat=True)
    )
    assert any("复核超期" in t for t in titles) and any("即将到" in t for t in titles)
    review.refresh_from_db()
    assert review.status == "pending" and review.overdue_at is not None


def test_named_bad_rating_gets_a_watched_return_visit(make_case, liaison, users):
    contact = services.Contact("张三", "13800000000")
    good = rate(make_case("C9"), 5, "", contact)
    assert not good.named and not good.identity_token  # not kept for a good rating
    rating = rate(make_case(), 1, "等了很久", contact)
    assert rating.named and "13800000000" not in rating.identity_token
    visit = ReturnVisit.objects.get(rating=rating)
    assert visit.due_at == at("2026-03-26 23:59:59")  # 15 working days
    # Nothing personal in the audit log.
    for entry in AuditEntry.objects.all():
        assert "13800000000" not in str(entry.after) and "张三" not in str(entry.after)
    office = users[Role.OFFICE]
    with pytest.raises(PermissionDenied):
        reviews.reveal_contact(liaison, rating, "回访")
    with pytest.raises(ValidationError):
        reviews.reveal_contact(office, rating, "")
    shown = reviews.reveal_contact(office, rating, "实名差评回访")
    assert shown == reviews.RevealedContact("张三", "13800000000")
    assert AuditEntry.objects.filter(summary="查看实名评价人联系方式").count() == 1
    with pytest.raises(ValidationError):
        reviews.reveal_contact(office, rate(make_case("C8"), 2, "慢"), "回访")
    with time_machine.travel(at("2026-03-27 08:00"), tick=False):
        report = watches.sweep(watches=["ratings.visit"])
    assert report.overdue["ratings.visit"] == 1
    assert Notification.objects.filter(title__contains="实名差评回访超期").exists()


def test_contact_is_checked():
    assert services.clean_contact("", " ") is None
    with pytest.raises(ValidationError) as no_name:
        services.clean_contact("", "13800000000")
    assert "contact_name" in no_name.value.message_dict
    for phone in ("", "abc", "1", "++++++"):
        with pytest.raises(ValidationError):
            services.clean_contact("张三", phone)


def test_figures_publish_exclusion_and_visit_rates_with_n(make_case, liaison, users):
    contact = services.Contact("李四", "13900000000")
    office = users[Role.OFFICE]
    ratings = [rate(make_case(f"C{n}"), 1, "差", contact) for n in range(4)]
    rate(make_case("C9"), 5, "")
    reviews.decide(office, ask(liaison, ratings[0]), uphold=True, decision="误评")
    reviews.decide(office, ask(liaison, ratings[1]), uphold=False, decision="不成立")
    early = reviews.figures(Rating.objects.all(), now=at("2026-03-06 08:00"))[0]
    assert early.visits.n == 0 and early.visits.text == "—"
    # One named 差评 called back in time, one late, one never.
    for rating, when in ((ratings[1], "2026-03-10 10:00"), (ratings[2], "2026-03-30 10:00")):
        task = Task.objects.get(source_kind="rating", source_id=rating.pk)
        with time_machine.travel(at(when), tick=False):
            rectification.verify(liaison, task, finding="false", verification="已核实", measures="")
            rectification.record_visit(office, task, satisfied=True, note="已回访")
    [row] = reviews.figures(Rating.objects.all(), now=at("2026-03-31 08:00"))
    assert (row.bad, row.asked) == (4, 2)
    assert (row.exclusion.hits, row.exclusion.n, row.exclusion.text) == (1, 4, "25.0%")
    # Counted: the three 实名差评 not excluded, all past their limit by 31 March.
    assert (row.visits.hits, row.visits.n) == (1, 3)
    assert row.exclusion.interval is not None and row.exclusion.interval_text.endswith("%")
    assert reviews.total([row]).bad == 4
