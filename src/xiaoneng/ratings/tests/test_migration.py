"""The move of 差评核实整改 onto rectification tasks, run forwards on a few rows: every row becomes
a task with its dates, deadline marks, finding and visit; the card keys still match."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from xiaoneng.cases.models import Case
from xiaoneng.rectification.models import Task

from .conftest import at

BEFORE = [("ratings", "0001_initial"), ("rectification", "0001_initial")]
AFTER = [("ratings", "0003_remove_rectification")]


@pytest.fixture
def old_state(transactional_db):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield executor.loader.project_state(BEFORE).apps
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_rectifications_move_onto_tasks(old_state, make_case, window_unit, users):
    Rating = old_state.get_model("ratings", "Rating")
    Rectification = old_state.get_model("ratings", "Rectification")
    cases = [make_case("M1"), make_case("M2", window=window_unit), make_case("M3")]
    ratings = []
    for n, case in enumerate(cases):
        ratings.append(
            Rating.objects.create(
                case_id=case.pk,
                level=1 + n % 2,
                comment=f"差评{n}",
                channel="online",
                unit_id=case.unit_id,
                window_id=case.window_id,
                item_id=case.item_id,
                rated_at=at("2026-03-05 10:00"),
            )
        )
    common = dict(
        opened_at=at("2026-03-05 10:00"),
        limit_days=15,
        due_at=at("2026-03-26 23:59"),
        warn_at=at("2026-03-20 23:59"),
    )
    verifying = Rectification.objects.create(
        rating_id=ratings[0].pk,
        unit_id=cases[0].unit_id,
        status="verifying",
        warned_at=at("2026-03-21 08:00"),
        overdue_at=at("2026-03-27 08:00"),
        **common,
    )
    visited = Rectification.objects.create(
        rating_id=ratings[1].pk,
        unit_id=window_unit.pk,
        status="closed",
        finding="true",
        verification="属实",
        measures="批评教育",
        verified_at=at("2026-03-10 09:00"),
        verified_by_id=users["liaison"].pk,
        visit_satisfied=True,
        visit_note="满意",
        visited_at=at("2026-03-12 09:00"),
        visited_by_id=users["office"].pk,
        deadline_open=False,
        **common,
    )
    Rectification.objects.create(
        rating_id=ratings[2].pk,
        unit_id=cases[2].unit_id,
        status="visit",
        finding="false",
        verification="不属实",
        verified_at=at("2026-03-30 09:00"),
        deadline_open=False,
        **common,
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)

    tasks = {t.source_id: t for t in Task.objects.filter(source_kind="rating")}
    assert len(tasks) == 3
    first = tasks[ratings[0].pk]
    assert (first.status, first.flow, first.unit_id, first.limit_days) == (
        "verifying",
        "verify",
        cases[0].unit_id,
        15,
    )
    assert (first.due_at, first.warn_at, first.complete_by) == (
        at("2026-03-26 23:59"),
        at("2026-03-20 23:59"),
        at("2026-03-26 23:59"),
    )
    assert first.deadline_open and first.warned_at and first.overdue_at
    assert first.legacy_ref == f"ratings.rectification:{verifying.pk}"
    assert first.source_label == f"办件{cases[0].number}的差评" and first.description == "差评0"
    closed = tasks[ratings[1].pk]
    assert (closed.status, closed.window_id, closed.finding, closed.measures) == (
        "closed",
        window_unit.pk,
        "true",
        "批评教育",
    )
    assert closed.completed_at == at("2026-03-10 09:00") and closed.closed_at == at(
        "2026-03-12 09:00"
    )
    assert closed.verified_by_id == users["liaison"].pk and closed.visit_satisfied is True
    assert closed.legacy_ref == f"ratings.rectification:{visited.pk}"
    assert list(closed.events.values_list("kind", flat=True)) == [
        "open",
        "verify",
        "visit",
        "migrated",
    ]
    late = tasks[ratings[2].pk]
    assert late.late(at("2026-04-30 09:00")) and late.status == "visit"
    assert all(t.problems.count() == 1 for t in tasks.values())
    # The sweeper's card key for a 差评 is the one the old watch used.
    from xiaoneng.rectification.services import card_intent

    assert card_intent(first).cause_key == f"rating:{ratings[0].pk}:rectify-overdue"
    assert Case.objects.count() == 3
