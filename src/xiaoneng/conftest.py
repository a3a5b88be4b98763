"""Fixtures every app's tests share: a small organisation and one user per role."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from xiaoneng.accounts.roles import Role
from xiaoneng.testing.browser import browser, page  # noqa: F401  (fixtures)
from xiaoneng.testing.factories import UnitFactory, UserFactory

#: The Redis the production machines run beside the app servers; tests marked ``redis`` use it
#: (with a key prefix of their own) when it answers.
REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_answers() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(7) == b"+PONG\r\n"
    except OSError:
        return False


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests (concurrent workers with SKIP LOCKED) run in CI's PostgreSQL leg;
    in the SQLite run they are deselected, and pytest's summary says how many. Tests of the
    Redis cache are deselected the same way where no Redis answers."""
    from django.conf import settings

    unavailable = set()
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        unavailable.add("postgresql")
    if any(item.get_closest_marker("redis") for item in items) and not _redis_answers():
        unavailable.add("redis")
    kept, deselected = [], []
    for item in items:
        gone = any(item.get_closest_marker(marker) for marker in unavailable)
        (deselected if gone else kept).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttles and counters live in the cache; no test may inherit another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@dataclass
class Org:
    root: object
    dept_a: object
    section_a: object
    dept_b: object


@pytest.fixture
def org(db) -> Org:
    root = UnitFactory(name="示范市", code="ROOT", kind="region")
    dept_a = UnitFactory(name="市甲局", code="A", parent=root)
    section_a = UnitFactory(name="甲局审批科", code="A1", parent=dept_a, kind="section")
    dept_b = UnitFactory(name="市乙局", code="B", parent=root)
    return Org(root, dept_a, section_a, dept_b)


@pytest.fixture
def users(org) -> dict[str, object]:
    """One user per role. Liaison and window staff belong to department A; the API client too."""
    return {
        Role.ADMIN: UserFactory(
            username="admin", role=Role.ADMIN, unit=org.root, is_superuser=True, is_staff=True
        ),
        Role.OFFICE: UserFactory(username="office", role=Role.OFFICE, unit=org.root),
        Role.LEADER: UserFactory(username="leader", role=Role.LEADER, unit=org.root),
        Role.LIAISON: UserFactory(username="liaison", role=Role.LIAISON, unit=org.dept_a),
        Role.WINDOW: UserFactory(username="window", role=Role.WINDOW, unit=org.dept_a),
        Role.SUPERVISOR: UserFactory(username="supervisor", role=Role.SUPERVISOR, unit=None),
        Role.API_CLIENT: UserFactory(username="api", role=Role.API_CLIENT, unit=org.dept_a),
    }


@pytest.fixture
def office_user(users):
    return users[Role.OFFICE]


@pytest.fixture(autouse=True)
def _routing_model(settings, tmp_path):
    """Each test has its own complaint routing model file (the demo trains one): a model left in
    the shared data directory by another test must not change what a routing page shows."""
    settings.XIAONENG_ROUTING_MODEL = str(tmp_path / "routing" / "model.pkl")
    settings.XIAONENG_ROUTING_BACKGROUND = False
