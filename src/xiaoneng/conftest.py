"""Fixtures every app's tests share: a small organisation and one user per role."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from xiaoneng.accounts.roles import Role
from xiaoneng.testing.browser import browser, page  # noqa: F401  (fixtures)
from xiaoneng.testing.factories import UnitFactory, UserFactory


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests (concurrent workers with SKIP LOCKED) run in CI's PostgreSQL leg;
    in the SQLite run they are deselected, and pytest's summary says how many."""
    from django.conf import settings

    if not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        return
    deselected = [item for item in items if item.get_closest_marker("postgresql")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("postgresql")]


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
