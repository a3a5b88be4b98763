"""The role walk: every demo account, every link it is shown, on the small demo city.

Each role signs in as a newcomer would and follows every same-site link its pages show (GET
only, a few pages of each shape). A server error, a shown link that answers 403/404, or a page
that prints "None", a model repr or an internal id fails the walk. The public walks the portal
without signing in. New pages are covered without touching this test: a page a role can reach
by links is walked.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client

from xiaoneng.demo.builder import DEMO_USERNAMES
from xiaoneng.testing.walk import walk

# A Wednesday; the small city's year of history ends here.
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

# Enough for every shape of page a role reaches on the small demo, with room for later issues.
MAX_PAGES = 400


@pytest.fixture(scope="module")
def demo_city(django_db_setup, django_db_blocker):
    """The small demo, built once for the module inside a transaction that is rolled back."""
    with (
        time_machine.travel(NOW, tick=True),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        call_command("demo", "--size", "small", stdout=_Sink())
        yield
        transaction.set_rollback(True)


class _Sink:
    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass


def _report(problems) -> str:
    return "\n".join(str(p) for p in problems)


@pytest.mark.parametrize("username", DEMO_USERNAMES)
def test_every_link_a_role_is_shown_opens(demo_city, db, username):
    client = Client(raise_request_exception=False)
    user = get_user_model().objects.get(username=username)
    client.force_login(user)
    # Where the login form sends this role.
    landing = client.get(resolve_url(settings.LOGIN_REDIRECT_URL), follow=True)
    start = landing.request["PATH_INFO"]
    assert landing.status_code == 200, f"{username} 登录后的首页打不开（{start}）"
    result = walk(client.get, [start], max_pages=MAX_PAGES)
    assert not result.problems, f"{username}：\n{_report(result.problems)}"
    assert len(result.visited) > 1 or username == "api"


def test_every_public_link_opens(demo_city, db):
    client = Client(raise_request_exception=False)
    result = walk(client.get, ["/"], max_pages=MAX_PAGES)
    assert not result.problems, _report(result.problems)
    assert len(result.visited) > 10
