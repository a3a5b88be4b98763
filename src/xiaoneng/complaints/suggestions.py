"""转办建议 (routing suggestions) and 疑似重复投诉 (likely duplicates) for the routing page.

The suggester (``xiaoneng.routing``) learns from this installation's own routing decisions:
(title + text, handling unit) of every complaint the office accepted and routed. The model lives
under the data directory (``routing.store``) with a small JSON record of how many routings it
learned from, so staleness is one ``COUNT`` away, without loading the model.

Training happens
- with ``xiaoneng complaints train-routing`` (cron it nightly; ``--if-stale`` trains only when
  needed);
- on the routing page, inline, only while the history is small (``INLINE_TRAIN_LIMIT``): a few
  hundred texts train in well under a second;
- otherwise, when the page finds the model missing or ``RETRAIN_EVERY`` routings behind, in a
  background thread of that process (one at a time), never in the request itself; until it is
  done the page uses the old model or says that none exists yet, with the command as a hint.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from xiaoneng.org.models import Unit
from xiaoneng.routing import RoutingModel, duplicates, prepare, store

from .models import Complaint

log = logging.getLogger(__name__)

#: Retrain once this many complaints were routed after the model was trained.
RETRAIN_EVERY = 200
#: Up to this many routed complaints the page may train inline (well under a second).
INLINE_TRAIN_LIMIT = 300
#: The most recent routings learned from: older ones add little and cost training time.
MAX_TRAINING = 50_000
#: Duplicates are looked for among this window of earlier complaints, at most this many.
DUPLICATE_WINDOW = timedelta(days=365)
DUPLICATE_CANDIDATES = 2000
DUPLICATE_THRESHOLD = 0.6
TOP_K = 3

_training = threading.Lock()


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def routed() -> Any:
    """Complaints the office accepted and routed: their unit is a confirmed routing decision."""
    return Complaint.objects.filter(handling_unit__isnull=False, routed_at__isnull=False)


def training_pairs(limit: int = MAX_TRAINING) -> list[tuple[str, int]]:
    rows = routed().order_by("-routed_at", "-pk").values_list("title", "content", "handling_unit")
    return [(f"{title}\n{content}", unit) for title, content, unit in rows[:limit]]


def routed_count() -> int:
    return routed().count()


@dataclass(frozen=True)
class TrainResult:
    samples: int
    units: int
    trained: bool
    message: str


def retrain_routing() -> TrainResult:
    """Train the suggester from the database and save it under the data directory."""
    count = routed_count()
    pairs = training_pairs()
    units = len({unit for _, unit in pairs})
    if units < 2:
        return TrainResult(len(pairs), units, False, "已转办的投诉不足两个承办单位，暂不能训练")
    store.retrain(
        pairs,
        info={"routed": count, "samples": len(pairs), "trained_at": timezone.now().isoformat()},
    )
    return TrainResult(len(pairs), units, True, f"已用{len(pairs)}件投诉训练（{units}个单位）")


def is_stale(count: int | None = None) -> bool:
    """No model yet, or ``RETRAIN_EVERY`` more routings than the model learned from."""
    info = store.info()
    if info is None or store.current() is None:
        return True
    count = routed_count() if count is None else count
    return count - int(info.get("routed", 0)) >= _setting(
        "XIAONENG_ROUTING_RETRAIN_EVERY", RETRAIN_EVERY
    )


def _train_in_background() -> bool:
    if not _training.acquire(blocking=False):
        return False  # this process is already training

    def run() -> None:
        try:
            retrain_routing()
        except Exception:  # a failed training must not take the web process down
            log.exception("分办模型后台训练失败")
        finally:
            connection.close()  # this thread's own connection
            _training.release()

    threading.Thread(target=run, name="routing-retrain", daemon=True).start()
    return True


def refresh_if_needed() -> str:
    """Keep the model fresh without slowing the page: '' (fresh or trained inline now),
    'background' (training started or running elsewhere in this process) or 'too_few'."""
    count = routed_count()
    if not is_stale(count):
        return ""
    if count <= _setting("XIAONENG_ROUTING_INLINE_LIMIT", INLINE_TRAIN_LIMIT):
        return "" if retrain_routing().trained else "too_few"
    if getattr(settings, "XIAONENG_ROUTING_BACKGROUND", True):
        _train_in_background()
    return "background"


def warm_up() -> None:
    """Load jieba's dictionary and the saved model (if any) now: a web process calls this in a
    thread when it starts, so that its first routing page does not wait for them."""
    try:
        prepare()
        store.current()
    except Exception:  # a broken model file is reported by the page itself, not at start
        log.exception("分办模型预加载失败")


@dataclass(frozen=True)
class Suggestion:
    unit: Unit
    score: float

    @property
    def percent(self) -> int:
        return round(self.score * 100)


@dataclass(frozen=True)
class Duplicate:
    complaint: Complaint
    similarity: float

    @property
    def percent(self) -> int:
        return round(self.similarity * 100)


def _text(complaint: Complaint) -> str:
    return f"{complaint.title}\n{complaint.content}"


def suggest_units(complaint: Complaint, model: RoutingModel | None) -> list[Suggestion]:
    if model is None:
        return []
    ranked = model.suggest(_text(complaint), k=TOP_K)
    units = Unit.objects.in_bulk([unit for unit, _ in ranked])
    # A unit deactivated since training is not offered.
    return [Suggestion(units[u], score) for u, score in ranked if u in units and units[u].is_active]


def likely_duplicates(complaint: Complaint) -> list[Duplicate]:
    """Earlier complaints (last 12 months) about the same named unit or in the same category,
    newest first, at most ``DUPLICATE_CANDIDATES``, at least 60% similar."""
    same = Q(category_id=complaint.category_id)
    if complaint.named_unit_id:
        same |= Q(named_unit_id=complaint.named_unit_id)
    earlier = (
        Complaint.objects.filter(
            same,
            submitted_at__gte=complaint.submitted_at - DUPLICATE_WINDOW,
            submitted_at__lte=complaint.submitted_at,
        )
        .exclude(pk=complaint.pk)
        .order_by("-submitted_at", "-pk")
        .values_list("pk", "title", "content")[:DUPLICATE_CANDIDATES]
    )
    found = duplicates(
        _text(complaint), [(pk, f"{t}\n{c}") for pk, t, c in earlier], DUPLICATE_THRESHOLD
    )
    by_pk = Complaint.objects.in_bulk([pk for pk, _ in found])
    return [Duplicate(by_pk[pk], sim) for pk, sim in found if pk in by_pk]


def routing_context(complaint: Complaint) -> dict[str, Any]:
    """What the routing page shows: suggestions, duplicates, and the model's state."""
    state = refresh_if_needed()
    model = store.current()
    return {
        "suggestions": suggest_units(complaint, model),
        "duplicates": likely_duplicates(complaint),
        "routing_state": "" if model is not None else (state or "missing"),
    }
