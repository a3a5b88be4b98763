"""The audit pages read as words: the kind of record, and its data as field：value lines (an
empty value “—”), never ``app.model #id`` or a Python repr."""

from __future__ import annotations

from django.urls import reverse

from xiaoneng.accounts.roles import Role
from xiaoneng.audit import services
from xiaoneng.org.models import Unit
from xiaoneng.testing.walk import leaks, page_links_and_text


def test_entries_read_as_words(client, users, org):
    entry = services.record(
        users[Role.OFFICE],
        services.Action.UPDATE,
        org.dept_a,
        before={"parent_id": None, "name": "旧名"},
        after={"cards": [[1, "yellow", None]], "rule": {"days": 3, "on": True}},
        summary="测试",
    )
    client.force_login(users[Role.OFFICE])
    html = client.get(reverse("audit:list")).content.decode()
    _links, text = page_links_and_text(html)
    assert leaks(text) == []
    assert str(Unit._meta.verbose_name) in text and "org.unit #" not in text
    # The data is on the entry's own page.
    html = client.get(reverse("audit:detail", args=[entry.seq])).content.decode()
    _links, text = page_links_and_text(html)
    assert leaks(text) == []
    # (jsonb on PostgreSQL keeps keys in its own order)
    for part in ("cards", "（1、yellow、—）", "days：3", "on：是", "parent_id"):
        assert part in text, part
