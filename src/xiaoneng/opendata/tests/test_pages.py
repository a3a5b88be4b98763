"""The open data pages on an empty installation, and the registry's own checks."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from xiaoneng.opendata import package, registry
from xiaoneng.opendata.registry import Dataset, Field

ATOM = "{http://www.w3.org/2005/Atom}"


def test_nothing_to_publish_yet(db, client):
    assert package.published_periods() == []
    page = client.get("/open/")
    assert page.status_code == 200
    assert "还没有可以发布的月份" in page.content.decode()
    assert client.get("/open/2026-10/").status_code == 404
    assert client.get("/open/2026-10/cases.csv").status_code == 404
    feed = client.get("/open/feed.atom")
    root = ET.fromstring(feed.content)
    assert root.tag == f"{ATOM}feed" and root.findall(f"{ATOM}entry") == []


def test_the_portal_links_open_data(db, client):
    home = client.get("/").content.decode()
    assert 'href="/open/"' in home


def test_registry_refuses_a_malformed_dataset():
    def rows(snapshot):
        return []

    with pytest.raises(ValueError):
        Field("x", "money", "金额")
    with pytest.raises(ValueError):
        Dataset("bad", "重复", "", (Field("a", "string", "甲"), Field("a", "integer", "乙")), rows)
    with pytest.raises(ValueError):
        Dataset("bad", "人口", "", (Field("a", "string", "甲"),), rows, population="n")
    with pytest.raises(ValueError):
        registry.register(Dataset("cases", "另一个", "", (Field("a", "string", "甲"),), rows))


def test_every_registered_dataset_is_described():
    names = [d.name for d in registry.datasets()]
    assert names[:2] == ["cases", "cases-items"]
    for d in registry.datasets():
        assert d.title and d.description and d.same_as
        assert d.fields[0].name == "month" and d.fields[0].type == "yearmonth"
        assert all(f.title for f in d.fields)
