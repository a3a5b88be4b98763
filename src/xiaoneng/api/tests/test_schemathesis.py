"""Property-based tests generated from our own OpenAPI document (schemathesis, all its checks),
run in-process against the Django WSGI application with a valid key.

For every operation, data the document calls valid and data it calls invalid: no input may
cause a server error, every answer must be one the document declares, in the declared shape,
invalid data must be refused, and valid data must not be refused as invalid. Then the
stateful run follows the document's links (an accepted event to its case, a filed complaint to
its status). Derandomized and bounded: the same examples every run, a minute or two in all.

"Valid data must not be refused as invalid": schemathesis's own check takes every 422 for a
schema-valid request as a failure. Ours draws the line the document draws: a 422 whose code
is ``invalid`` (the request does not match the document) is a failure; any other code is a
rule of the platform the document names (an unknown case, a time in the future, events out of
order…) and is the right answer to some well-formed requests.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis.stateful import run_state_machine_as_test
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from xiaoneng.accounts.roles import Role
from xiaoneng.api import services
from xiaoneng.cases.tests.conftest import accept

from .conftest import ApiClient, Key

#: Examples per operation and mode. Raise it for a deeper local hunt, e.g.
#: XIAONENG_SCHEMATHESIS_EXAMPLES=500.
EXAMPLES = int(os.environ.get("XIAONENG_SCHEMATHESIS_EXAMPLES", "100"))
STATEFUL_RUNS = int(os.environ.get("XIAONENG_SCHEMATHESIS_STATEFUL_RUNS", "40"))
#: Answers to a document-valid request that mean "this does not match the document".
NOT_MATCHING = {400, 411, 413, 415}

SETTINGS = settings(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


class DocumentMismatch(AssertionError):
    pass


def valid_data_is_not_refused_as_invalid(ctx, response, case) -> None:
    """The document and the behaviour agree about what is well formed."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return
    status = response.status_code
    code = response.json().get("code") if status == 422 else None
    if status in NOT_MATCHING or code == "invalid":
        raise DocumentMismatch(
            f"{case.operation.label}: the document calls the request valid, the API answered "
            f"{status} {response.text[:300]}"
        )


@pytest.fixture
def fuzz(db, org, users, item):
    """The document (loaded now: it lists the category codes in the database) and the key of
    the top-level unit, which may file complaints and reaches every case."""
    key = Key(*services.create_key(users[Role.OFFICE], "市级平台", org.root))
    client = ApiClient(key)
    # A case to read back, so that generated requests sometimes reach the 200 paths too.
    assert client.post("/cases/events", accept("C1")).status_code == 201
    # Requests now reach the WSGI handler directly, not through Django's test client, and its
    # request signals would close the test's database connection mid-transaction (PostgreSQL;
    # SQLite's in-memory database ignores it). Disconnect them as the test client does, after
    # the last test-client request (which connects them again when it finishes).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    # More events than a bulk request may carry are refused with 413 (too_many), as documented.
    rejection = schema.config.checks.negative_data_rejection
    rejection.expected_statuses = [*rejection.expected_statuses, "413"]
    yield schema, client.headers
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _validate(case, headers) -> None:
    case.call_and_validate(
        headers=headers,
        excluded_checks=[positive_data_acceptance],
        additional_checks=[valid_data_is_not_refused_as_invalid],
    )


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_keeps_to_its_document(fuzz, mode):
    schema, headers = fuzz
    operations = [result.ok() for result in schema.get_all_operations()]
    # cases 5 (query-code reissue too), complaints 2 + 5 steps (退单, 改派, 维持原派, 并单,
    # 撤销并单), tasks 3, ratings 1, assessment 3
    assert len(operations) == 20
    for operation in operations:

        @settings(SETTINGS, max_examples=EXAMPLES)
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case):
            _validate(case, headers)

        run()


def test_stateful_links_keep_to_the_document(fuzz):
    schema, headers = fuzz
    machine = schema.as_state_machine()

    class Machine(machine):
        # Each scenario starts from the same database: hypothesis replays scenarios and needs
        # the same answers to the same requests (else the rules it may draw would change).
        def setup(self):
            self.savepoint = transaction.savepoint()

        def teardown(self):
            transaction.savepoint_rollback(self.savepoint)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response,
                headers=headers,
                excluded_checks=[positive_data_acceptance],
                additional_checks=[
                    valid_data_is_not_refused_as_invalid,
                    *(additional_checks or []),
                ],
                transport_kwargs=kwargs or None,
            )

        def get_call_kwargs(self, case):
            return {"headers": headers}

    run_state_machine_as_test(
        Machine, settings=settings(SETTINGS, max_examples=STATEFUL_RUNS, stateful_step_count=8)
    )
