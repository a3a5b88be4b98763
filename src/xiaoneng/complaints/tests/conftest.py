"""Every complaints test gets its own routing model file: a model left in the shared data
directory by another run must not change what the routing page shows."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _routing_model(settings, tmp_path):
    settings.XIAONENG_ROUTING_MODEL = str(tmp_path / "routing" / "model.pkl")
    settings.XIAONENG_ROUTING_BACKGROUND = False
