"""The demo's year of cases: all of it accepted by the real ingest, with every situation present."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command

from xiaoneng.cases.models import Case, CaseEvent, CaseMonthStat
from xiaoneng.cases.services import lookup_public
from xiaoneng.demo.cases_data import write_cases


@pytest.mark.django_db
def test_small_demo_has_a_year_of_cases():
    out = StringIO()
    call_command("demo", "--size", "small", stdout=out)
    assert "办件" in out.getvalue()
    # The printed case and code open the public lookup (the platform keeps only digests).
    number, code = re.search(r"申请号 (\S+)，查询码 (\w+)", out.getvalue()).groups()
    assert lookup_public(number, code).status == "approved"
    cases = Case.objects.all()
    assert cases.count() >= 250
    assert cases.filter(status="approved").count() > cases.count() // 2
    assert cases.open().exists()
    assert CaseEvent.objects.filter(kind="correction_notice").exists()
    assert CaseMonthStat.objects.count() > 0
    accepted = cases.order_by("accepted_at").values_list("accepted_at", flat=True)
    assert (accepted.last() - accepted.first()).days > 300


@pytest.mark.django_db
def test_every_generated_event_is_accepted():
    call_command("demo", "--size", "small", stdout=StringIO())
    from django.utils import timezone

    result = write_cases(99, 200, timezone.localdate())
    assert result.rejected_events == 0


@pytest.mark.django_db
def test_reset_also_clears_api_keys():
    from xiaoneng.api.services import create_key
    from xiaoneng.org.models import Unit

    call_command("demo", "--size", "small", stdout=StringIO())
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.get(username="admin")
    create_key(admin, "测试系统", Unit.objects.filter(kind="department").first())
    out = StringIO()
    call_command("demo", "--size", "small", "--reset", stdout=out)
    assert Case.objects.exists() and "已删除原有数据" in out.getvalue()
