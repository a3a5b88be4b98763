"""Property-based tests generated from our own OpenAPI document (schemathesis), run in-process
against the Django WSGI application with a valid key: no input may cause a server error, and
every answer must be one the document declares, in the declared shape."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from xiaoneng.cases.tests.conftest import accept

from .conftest import ApiClient

#: Per operation. Deterministic and fast in the suite; raise it for a deeper local hunt, e.g.
#: XIAONENG_SCHEMATHESIS_EXAMPLES=1000 (the suite passed 1,000 per operation on PostgreSQL).
EXAMPLES = int(os.environ.get("XIAONENG_SCHEMATHESIS_EXAMPLES", "30"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# Loaded at collection: the OpenAPI document needs no database. (schemathesis.pytest.from_fixture
# would load it per test, but its lazy loader does not run under pytest 9 yet.)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def key_headers(db, api: ApiClient, item) -> dict[str, str]:
    # A case to read back, so that generated requests sometimes reach the 200 paths too.
    assert api.post("/cases/events", accept("C1")).status_code == 201
    # Requests now reach the WSGI handler directly, not through Django's test client, and its
    # request signals would close the test's database connection mid-transaction (PostgreSQL;
    # SQLite's in-memory database ignores it). Disconnect them as the test client does, after
    # the last test-client request (which connects them again when it finishes).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield api.headers
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_never_fails_on_generated_input(case, key_headers):
    case.call_and_validate(headers=key_headers, checks=CHECKS)
