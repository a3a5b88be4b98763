"""Fixtures for API tests: the promised item of department A, a key per department, a client."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.test import Client

from xiaoneng.accounts.roles import Role
from xiaoneng.api import services
from xiaoneng.cases.tests.conftest import make_item


@dataclass
class Key:
    obj: object
    plaintext: str


@pytest.fixture
def item(org):
    return make_item(org.dept_a)


@pytest.fixture
def key_a(users, org) -> Key:
    return Key(*services.create_key(users[Role.OFFICE], "甲局审批系统", org.dept_a))


@pytest.fixture
def key_b(users, org) -> Key:
    return Key(*services.create_key(users[Role.OFFICE], "乙局审批系统", org.dept_b))


class ApiClient:
    """The Django test client with a key header and JSON bodies."""

    def __init__(self, key: Key | None):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {key.plaintext}"} if key else {}

    def get(self, path: str, params: dict | None = None, headers: dict | None = None):
        return self.client.get(
            f"/api/v1{path}", params or {}, headers={**self.headers, **(headers or {})}
        )

    def post(self, path: str, body, headers: dict | None = None):
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return self.client.post(
            f"/api/v1{path}",
            data,
            content_type="application/json",
            headers={**self.headers, **(headers or {})},
        )


@pytest.fixture
def api(key_a) -> ApiClient:
    return ApiClient(key_a)


@pytest.fixture
def api_b(key_b) -> ApiClient:
    return ApiClient(key_b)


@pytest.fixture
def anonymous(db) -> ApiClient:
    return ApiClient(None)
