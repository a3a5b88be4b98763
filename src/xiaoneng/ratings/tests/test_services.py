"""Rating rules: finished cases only, once per case, 差评 → 核实整改 (a rectification task of
source 差评) with a watched limit."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from xiaoneng.accounts.roles import Role
from xiaoneng.audit.models import AuditEntry
from xiaoneng.notifications.models import Notification
from xiaoneng.ratings import services
from xiaoneng.ratings.models import Rating
from xiaoneng.rectification import services as rectification
from xiaoneng.rectification.models import Task
from xiaoneng.supervision import watches
from xiaoneng.supervision.models import Card
from xiaoneng.testing.factories import UserFactory

from .conftest import at, query_code

pytestmark = pytest.mark.django_db
RATED = at("2026-03-05 10:00")  # a Thursday


def rate(case, level=5, comment=""):
    with time_machine.travel(RATED, tick=False):
        return services.rate_online(case.number, query_code(case), level, comment)


def test_good_online_rating_is_recorded_once(make_case):
    case = make_case()
    rating = rate(case, 4, "窗口人员很耐心")
    assert (rating.level, rating.channel, rating.unit, rating.item) == (
        4,
        "online",
        case.unit,
        case.item,
    )
    assert not Task.objects.exists()
    assert AuditEntry.objects.filter(object_type="ratings.rating").count() == 1
    with pytest.raises(ValidationError) as second:
        rate(case, 1)
    assert "已经有网上及其他非现场评价" in second.value.messages[0]
    # The database holds the line too, whatever a race does.
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(
            case=case, level=1, channel="online", unit=case.unit, item=case.item, rated_at=RATED
        )


def test_denied_case_can_be_rated(make_case):
    assert rate(make_case(result="denied"), 3).level == 3


def test_wrong_code_reads_like_an_unknown_number(make_case):
    case = make_case()
    with pytest.raises(ValidationError) as wrong:
        services.rate_online(case.number, "XXXXXX", 5)
    with pytest.raises(ValidationError) as unknown:
        services.rate_online("NO-SUCH", "XXXXXX", 5)
    assert wrong.value.messages == unknown.value.messages == [services.NOT_FOUND]


def test_unfinished_case_is_refused(make_case):
    case = make_case(finished=False)
    with pytest.raises(ValidationError) as refused:
        rate(case)
    assert refused.value.messages == [services.NOT_FINISHED]
    assert not Rating.objects.exists()


def test_level_and_comment_are_checked(make_case):
    case = make_case()
    with pytest.raises(ValidationError):
        rate(case, 6)
    with pytest.raises(ValidationError):
        rate(case, 5, "长" * 501)
    assert rate(case, 5, "好" * 500).comment == "好" * 500


def test_bad_rating_opens_rectification_for_the_window(make_case, window_unit, window_liaison):
    case = make_case(window=window_unit)
    rating = rate(case, 2, "等了两个小时，态度生硬")
    rect = rating.task
    assert rect.unit == window_unit and rect.limit_days == 15
    # 15 working days after Thu 5 March 2026 (the day itself not counted): Thu 26 March.
    assert rect.due_at == at("2026-03-26 23:59:59")
    assert rect.warn_at == at("2026-03-20 23:59:59")
    assert not rect.deadline_provisional and rect.status == "verifying"
    told = Notification.objects.get(recipient=window_liaison)
    assert "核实整改" in told.title


def test_bad_rating_without_window_goes_to_the_case_unit(make_case, org, settings):
    settings.XIAONENG_RATING_RECTIFY_DAYS = 5
    rect = rate(make_case(), 1).task
    assert rect.unit == org.dept_a and rect.limit_days == 5
    assert rect.due_at == at("2026-03-12 23:59:59")


def test_sweeper_warns_then_cards_once(make_case, org, liaison, users):
    rect = rate(make_case(), 1).task
    assert watches.sweep(now=at("2026-03-20 12:00"), watches=["rectification.task"]).total == 0
    report = watches.sweep(now=at("2026-03-21 08:00"), watches=["rectification.task"])
    assert report.warned == {"rectification.task": 1}
    assert Notification.objects.filter(kind="warning", recipient=liaison).count() == 1
    report = watches.sweep(now=at("2026-03-27 08:00"), watches=["rectification.task"])
    assert report.overdue == {"rectification.task": 1}
    overdue = Notification.objects.filter(kind="overdue")
    assert {n.recipient for n in overdue} == {users[Role.OFFICE], users[Role.LIAISON], liaison}
    card = Card.objects.get()
    assert (card.color, card.cause, card.unit, card.raised_at) == (
        "yellow",
        Card.Cause.RATING_RECTIFY_OVERDUE,
        org.dept_a,
        rect.due_at,
    )
    assert watches.sweep(now=at("2026-03-28 08:00"), watches=["rectification.task"]).total == 0
    # Answering late afterwards does not raise a second card.
    rectification.verify(
        liaison, rect, finding="true", verification="经核实属实", measures="加强培训"
    )
    assert Card.objects.count() == 1


def test_late_answer_before_the_sweeper_still_gets_its_card(make_case, liaison):
    rect = rate(make_case(), 2).task
    with time_machine.travel(at("2026-03-30 09:00"), tick=False):
        rectification.verify(
            liaison, rect, finding="false", verification="经调阅录像不属实", measures=""
        )
    card = Card.objects.get()
    assert card.cause == Card.Cause.RATING_RECTIFY_OVERDUE and card.raised_at == rect.due_at
    rect.refresh_from_db()
    assert rect.late(at("2026-04-30 09:00"))


@time_machine.travel(at("2026-03-10 09:00"), tick=False)
def test_verify_and_visit_permissions_and_flow(make_case, org, liaison, users):
    rect = rate(make_case(), 1).task
    other = UserFactory(role=Role.LIAISON, unit=org.dept_b)
    with pytest.raises(PermissionDenied):
        rectification.verify(other, rect, finding="true", verification="x", measures="y")
    with pytest.raises(PermissionDenied):
        rectification.verify(
            users[Role.LEADER], rect, finding="true", verification="x", measures="y"
        )
    with pytest.raises(ValidationError) as no_measures:
        rectification.verify(liaison, rect, finding="true", verification="属实", measures="")
    assert "measures" in no_measures.value.message_dict
    with pytest.raises(ValidationError):
        rectification.record_visit(users[Role.OFFICE], rect, satisfied=True, note="过早")
    rect = rectification.verify(
        liaison, rect, finding="true", verification="属实", measures="对窗口人员批评教育"
    )
    assert rect.status == "visit" and not rect.deadline_open and rect.verified_by == liaison
    with pytest.raises(PermissionDenied):
        rectification.record_visit(liaison, rect, satisfied=True, note="满意")
    rect = rectification.record_visit(
        users[Role.OFFICE], rect, satisfied=False, note="申请人仍不满意，已解释"
    )
    assert rect.status == "closed" and rect.visit_satisfied is False
    assert not Card.objects.exists()
    with pytest.raises(ValidationError):
        rectification.record_visit(users[Role.OFFICE], rect, satisfied=True, note="再次")


def test_window_entry_permissions(make_case, org, window_unit, users):
    case = make_case("C1")
    other = make_case("C2", window=window_unit)
    code = query_code(case)
    rating = services.rate_at_window(users[Role.WINDOW], case.number, code, 5, "")
    assert rating.channel == "window" and rating.entered_by == users[Role.WINDOW]
    assert rating.mode == "onsite"
    other_code = query_code(other)
    with pytest.raises(ValidationError):  # leaders look, they do not enter
        services.rate_at_window(users[Role.LEADER], other.number, other_code, 5)
    outsider = UserFactory(role=Role.WINDOW, unit=org.dept_b)
    with pytest.raises(ValidationError):
        services.rate_at_window(outsider, other.number, other_code, 5)
    # Staff of the window the case was registered at may enter it.
    at_window = UserFactory(role=Role.WINDOW, unit=window_unit)
    assert services.rate_at_window(at_window, other.number, other_code, 3).mode == "onsite"


def test_window_entry_needs_the_applicants_query_code(make_case, users):
    """Staff cannot rate for an absent applicant: without the receipt's code nothing is stored,
    and the answer does not say whether the number exists."""
    case = make_case()
    clerk = users[Role.WINDOW]
    for code in ("", "ZZZZZZ"):
        with pytest.raises(ValidationError) as refused:
            services.rate_at_window(clerk, case.number, code, 1)
        assert refused.value.message_dict == {"code": [services.WINDOW_NOT_FOUND]}
    with pytest.raises(ValidationError) as unknown:
        services.rate_at_window(clerk, "NOPE", "ZZZZZZ", 1)
    assert unknown.value.message_dict == {"code": [services.WINDOW_NOT_FOUND]}
    assert not Rating.objects.exists()


def test_one_rating_per_case_on_site_and_one_remote(make_case, users):
    """一次一评 on site, 一事一评 remotely: a case takes one of each, never two of one mode."""
    case = make_case()
    clerk = users[Role.WINDOW]
    with time_machine.travel(RATED, tick=False):
        services.rate_at_window(clerk, case.number, query_code(case), 5)
        with pytest.raises(ValidationError) as again:
            services.rate_at_window(clerk, case.number, query_code(case), 1)
        assert "已经有现场评价" in again.value.messages[0]
    rate(case, 4)
    assert sorted(case.ratings.values_list("mode", "level")) == [("onsite", 5), ("remote", 4)]
    with pytest.raises(ValidationError):
        rate(case, 1)
    assert services.mode_of("kiosk") == "onsite" and services.mode_of("platform") == "remote"


def test_statistics_and_unit_summary(make_case, org, window_unit):
    levels = [5, 5, 4, 3, 2, 1]
    for n, level in enumerate(levels):
        case = make_case(f"C{n}", window=window_unit if n % 2 else None)
        rate(case, level)
    rows = services.statistics(Rating.objects.all(), "unit", now=at("2026-03-27 08:00"))
    [row] = rows
    assert row.name == str(org.dept_a) and row.total == 6
    assert row.levels == {5: 2, 4: 1, 3: 1, 2: 1, 1: 1}
    assert (row.good, row.bad, row.open, row.overdue) == (4, 2, 2, 2)
    assert row.rate == pytest.approx(4 / 6) and row.rate_text == "66.7%"
    by_window = {r.name: r.total for r in services.statistics(Rating.objects.all(), "window")}
    assert by_window == {str(window_unit): 3, "（无窗口）": 3}
    [month] = services.statistics(Rating.objects.all(), "month")
    assert month.name == "2026-03" and month.bad == 2
    [item_row] = services.statistics(Rating.objects.all(), "item")
    assert item_row.total == 6
    empty = Rating.objects.filter(services.period_bounds(date(2026, 3, 6), None))
    assert services.statistics(empty) == []
    summary = services.unit_rating_summary(org.dept_a, date(2026, 3, 1))
    assert (summary.total, summary.good, summary.bad) == (6, 4, 2)
    # Of the two 差评, the one on a window case is the window's to rectify.
    assert summary.open_rectifications == 1
    assert services.unit_rating_summary(org.root).open_rectifications == 2
