"""查询码: kept only as a keyed digest, shown once, reissued (not reprinted), looked up by POST."""

from __future__ import annotations

import json

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from xiaoneng.accounts.roles import Role
from xiaoneng.audit.models import AuditEntry
from xiaoneng.cases import services
from xiaoneng.cases.models import Case
from xiaoneng.testing.factories import UserFactory

from .conftest import accept, at, make_item
from .test_views import printed_code

NOW = at("2026-03-02 09:30")


@pytest.fixture
def window(org, client, item):
    user = UserFactory(role=Role.WINDOW, unit=org.dept_a)
    client.force_login(user)
    return user


def register(client) -> tuple[Case, str]:
    """Register at the window's page and follow to the receipt: the case and its printed code."""
    response = client.post(
        reverse("cases:register"),
        {"item_code": "ITEM1", "applicant_name": "王五", "applicant_kind": "person"},
        follow=True,
    )
    return Case.objects.get(), printed_code(response.content.decode())


def every_stored_value() -> str:
    """Every value of every table, as text: what someone with a copy of the database reads."""
    out = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            out.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(out)


@time_machine.travel(NOW, tick=False)
def test_the_database_never_holds_the_code(client, window):
    case, code = register(client)
    assert len(code) == 6 and services.lookup_public(case.number, code) == case
    assert code not in every_stored_value()
    # Between the registration and the receipt the code went through the session sealed, and
    # the receipt took it out.
    assert code not in json.dumps(dict(client.session))
    assert len(case.code_digest) == 64 and code not in case.code_digest


@time_machine.travel(NOW, tick=False)
def test_the_receipt_shows_the_code_once_and_a_reprint_issues_a_new_one(client, window, org):
    case, first = register(client)
    url = reverse("cases:receipt", args=[case.pk])
    again = client.get(url).content.decode()
    assert printed_code(again) == "" and 'data-testid="no-code"' in again
    assert 'data-testid="reissue"' in again

    reprint = client.post(url, follow=True)
    second = printed_code(reprint.content.decode())
    assert reprint.redirect_chain == [(url, 302)] and reprint["Cache-Control"] == "no-store"
    assert len(second) == 6 and second != first and "原查询码已作废" in reprint.content.decode()
    assert services.lookup_public(case.number, first) is None
    assert services.lookup_public(case.number, second) == case
    assert printed_code(client.get(url).content.decode()) == ""
    entry = AuditEntry.objects.get(summary__startswith="重新签发查询码")
    assert entry.actor_id == window.pk and entry.object_id == str(case.pk)
    assert second not in every_stored_value()


@time_machine.travel(NOW, tick=False)
def test_only_those_who_may_move_the_case_can_reissue(client, window, org):
    case, code = register(client)
    url = reverse("cases:receipt", args=[case.pk])
    client.force_login(UserFactory(role=Role.WINDOW, unit=org.dept_b))
    assert client.post(url).status_code == 404
    client.force_login(UserFactory(role=Role.LEADER, unit=org.dept_a))
    assert client.post(url).status_code == 403
    client.force_login(UserFactory(role=Role.SUPERVISOR, unit=org.root))
    assert client.post(url).status_code == 403
    assert services.lookup_public(case.number, code) == case
    assert not AuditEntry.objects.filter(summary__startswith="重新签发查询码").exists()


@time_machine.travel(NOW, tick=False)
def test_a_lookup_by_get_reads_no_code_and_fills_in_the_number(client, window):
    case, code = register(client)
    client.logout()
    url = reverse("cases:lookup")
    page = client.get(url, {"number": case.number, "code": code}, follow=True)
    html = page.content.decode()
    assert page.redirect_chain == [(f"{url}?number={case.number}", 302)]
    assert page.status_code == 200 and 'data-testid="lookup-result"' not in html
    assert f'value="{case.number}"' in html and code not in html
    assert 'method="post"' in html and "csrfmiddlewaretoken" in html

    found = client.post(reverse("cases:lookup"), {"number": case.number, "code": code})
    html = found.content.decode()
    assert 'data-testid="lookup-result"' in html and found["Cache-Control"] == "no-store"
    share = f"http://testserver/progress/?number={case.number}"
    assert share in html and code not in html.replace(f'value="{code}"', "")


def test_the_lookup_form_needs_its_csrf_token(db):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("cases:lookup"), {"number": "N", "code": "ABCDEF"})
    assert response.status_code == 403


def test_home_page_looks_up_by_post(client, db):
    html = client.get(reverse("web:home")).content.decode()
    form = html[html.index(f'action="{reverse("cases:lookup")}"') - 60 :]
    assert 'method="post"' in form[:120] and "csrfmiddlewaretoken" in form[:400]


@time_machine.travel(NOW, tick=False)
def test_codes_printed_before_a_key_rotation_still_work(client, window, settings):
    case, code = register(client)
    settings.XIAONENG_IDENTITY_KEY = f"a-new-key,{settings.XIAONENG_IDENTITY_KEY}"
    assert services.lookup_public(case.number, code) == case
    fresh = services.reissue_query_code(window, case)
    case.refresh_from_db()
    settings.XIAONENG_IDENTITY_KEY = "a-new-key"
    assert services.lookup_public(case.number, fresh) == case
    assert services.lookup_public(case.number, code) is None


def test_a_code_fits_only_its_own_case(org, item):
    report = services.ingest(
        [accept("C1"), accept("C2")], source="api:t", actor="t", now=at("2026-03-02 10:00")
    )
    one, two = (r.query_code for r in report.results)
    assert services.lookup_public("C1", one).number == "C1"
    assert services.lookup_public("C2", one) is None and services.lookup_public("C1", two) is None
    assert services.lookup_public("C1", one.lower()) is not None  # typed in lower case
    assert services.lookup_public("C1", "") is None and services.lookup_public("", "") is None


# ---- the migration ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_hashes_existing_codes(org):
    before, after = [("cases", "0001_initial")], [("cases", "0002_query_code_digest")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("cases", "Case")
    item = make_item(org.dept_a)
    version = item.versions.get()
    for number, code in (("OLD-1", "ABC234"), ("OLD-2", "XYZ789"), ("OLD-3", "")):
        old.objects.create(
            number=number,
            query_code=code,
            item_id=item.pk,
            item_version_id=version.pk,
            unit_id=org.dept_a.pk,
            applicant_name="甲",
            accepted_at=at("2026-03-02 09:00"),
        )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    assert services.lookup_public("OLD-1", "abc234").number == "OLD-1"
    assert services.lookup_public("OLD-2", "XYZ789").number == "OLD-2"
    assert services.lookup_public("OLD-1", "XYZ789") is None
    # A case that had no code gets none (an empty digest matches nothing).
    assert Case.objects.get(number="OLD-3").code_digest == ""
    assert services.lookup_public("OLD-3", "") is None
    assert "ABC234" not in every_stored_value() and "XYZ789" not in every_stored_value()
    # Back to the whole graph: going back to cases 0001 also unapplied the migrations of other
    # apps that depend on cases 0002 (ratings 0004), which the tests after this one need.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
