"""The thin Django adapter: where the installation's routing model lives, and a cached loader.

The model file is ``<DATA_DIR>/routing/model.pkl`` (setting ``XIAONENG_ROUTING_MODEL`` overrides).
The complaints app trains it (e.g. nightly, from complaints whose unit the office confirmed) with
:func:`retrain` and reads it with :func:`current`.
"""

from __future__ import annotations

import json
import os
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


def info_path() -> Path:
    return model_path().with_suffix(".json")


def info() -> dict[str, Any] | None:
    """What the caller recorded about the saved model (e.g. how many routings it learned from),
    or None when there is no model or no record of it."""
    if not model_path().exists():
        return None
    try:
        recorded: dict[str, Any] = json.loads(info_path().read_text(encoding="utf-8"))
        return recorded
    except (FileNotFoundError, ValueError):
        return None


def retrain(pairs: Iterable[tuple[str, Any]], info: dict[str, Any] | None = None) -> RoutingModel:
    """Train on (text, unit id) pairs and replace the saved model; ``info`` (JSON) is kept
    beside it, so that callers can tell how stale the model is without loading it."""
    model = RoutingModel.train(pairs)
    if info is not None:
        # Written first and atomically: a model never appears with an older model's record.
        path = info_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    model.save(model_path())
    return model
