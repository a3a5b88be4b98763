"""The thin Django adapter: where the installation's routing model lives, and a cached loader.

The model file is ``<DATA_DIR>/routing/model.pkl`` (setting ``XIAONENG_ROUTING_MODEL`` overrides).
The complaints app trains it (e.g. nightly, from complaints whose unit the office confirmed) with
:func:`retrain` and reads it with :func:`current`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings

from .suggest import RoutingModel

_cache: dict[str, tuple[float, RoutingModel]] = {}


def model_path() -> Path:
    explicit = getattr(settings, "XIAONENG_ROUTING_MODEL", None)
    return Path(explicit) if explicit else Path(settings.DATA_DIR) / "routing" / "model.pkl"


def current() -> RoutingModel | None:
    """The saved model, or None before the first training; reloaded when the file changes."""
    path = model_path()
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return None
    cached = _cache.get(str(path))
    if cached is None or cached[0] != mtime:
        cached = (mtime, RoutingModel.load(path))
        _cache[str(path)] = cached
    return cached[1]


def retrain(pairs: Iterable[tuple[str, Any]]) -> RoutingModel:
    """Train on (text, unit id) pairs and replace the saved model."""
    model = RoutingModel.train(pairs)
    model.save(model_path())
    return model
