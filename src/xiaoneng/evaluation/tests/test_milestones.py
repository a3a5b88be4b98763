"""Campaign milestones on the deadline engine: the office is reminded, then told it is late;
a step done in time raises nothing."""

from __future__ import annotations

from datetime import datetime

import pytest

from xiaoneng.evaluation import services
from xiaoneng.notifications.models import Notification
from xiaoneng.supervision.watches import sweep
from xiaoneng.workdays import SHANGHAI

from .conftest import SEED, dates

pytestmark = pytest.mark.django_db


def titles(user) -> list[str]:
    return sorted(Notification.objects.filter(recipient=user).values_list("title", flat=True))


def test_milestones_warn_then_go_overdue(office_user):
    services.create_campaign(office_user, name="2026年千人评议", year=2026, dates=dates())
    # Draw due Mon 16 March 2026, warned from Wed 11 March.
    sweep(now=datetime(2026, 3, 10, 12, tzinfo=SHANGHAI), watches=["evaluation.milestone"])
    assert titles(office_user) == []
    sweep(now=datetime(2026, 3, 11, 9, tzinfo=SHANGHAI), watches=["evaluation.milestone"])
    assert titles(office_user) == ["评议工作节点即将到期：2026年千人评议·抽取评议人"]
    sweep(now=datetime(2026, 3, 17, 9, tzinfo=SHANGHAI), watches=["evaluation.milestone"])
    assert "评议工作节点已超期：2026年千人评议·抽取评议人" in titles(office_user)


def test_a_step_done_in_time_is_not_reported(office_user, draft):
    services.freeze_roster(office_user, draft)
    services.announce_seed_source(office_user, draft, "2026年第030期双色球开奖号码")
    services.enter_seed_and_draw(office_user, draft, SEED)
    milestone = draft.milestones.get(kind="draw")
    assert milestone.done_at is not None and not milestone.deadline_open
    sweep(now=datetime(2026, 3, 17, 9, tzinfo=SHANGHAI), watches=["evaluation.milestone"])
    assert not any("抽取评议人" in t for t in titles(office_user))
