"""The demo's ratings: a share of finished cases rated, 差评 with real deadlines and states."""

from __future__ import annotations

import time_machine

from xiaoneng.demo.ratings_data import write_ratings
from xiaoneng.ratings import services
from xiaoneng.ratings.models import Rating
from xiaoneng.rectification.models import Task

from .conftest import at


@time_machine.travel(at("2026-06-30 12:00"), tick=False)
def test_write_ratings(make_case, org, users):
    for n in range(120):
        make_case(f"D{n}")
    summary = write_ratings(7, at("2026-06-30 12:00").date())
    assert 15 <= summary.ratings <= 60 and summary.ratings == Rating.objects.count()
    assert summary.bad == Task.objects.count()
    for rect in Task.objects.all():
        assert rect.due_at == services.deadline(rect.opened_at, 15).due_at
        assert Rating.objects.get(pk=rect.source_id).comment
    # 实名差评 carry an encrypted contact and a return-visit limit; reviews name their unit.
    from xiaoneng.ratings.models import ReturnVisit, Review

    named = Rating.objects.filter(named=True)
    assert named.count() == ReturnVisit.objects.count() >= 1
    assert all(r.identity_token and r.level <= 2 for r in named)
    for review in Review.objects.select_related("rating"):
        assert review.rating.level <= 2 and review.asked_at > review.rating.rated_at
        assert review.rating.excluded == (review.status == "upheld")
    # A second run rates only cases still unrated: never two ratings for one case.
    again = write_ratings(8, at("2026-06-30 12:00").date())
    assert Rating.objects.count() == summary.ratings + again.ratings <= 120
