"""The sweeper (监察扫描) on its own: batches, the ``watches=`` filter, the two phases, and what a
failing handler leaves behind. Each test registers a throwaway watch on complaints (a model with
``DeadlineFields``) and names it, so the apps' own watches stay out of the way."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from xiaoneng.complaints.models import Category, Complaint
from xiaoneng.supervision import watches
from xiaoneng.workdays import SHANGHAI

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)


class Recorder:
    """A handler that remembers the batches it was given (as lists of primary keys)."""

    def __init__(self, fail_on_call: int | None = None) -> None:
        self.calls: list[list[int]] = []
        self.fail_on_call = fail_on_call

    def __call__(self, rows: list, now: datetime) -> None:
        self.calls.append([r.pk for r in rows])
        # What a real handler does inside the batch's transaction: write something.
        Complaint.objects.filter(pk__in=[r.pk for r in rows]).update(escalated=True)
        if len(self.calls) == self.fail_on_call:
            raise RuntimeError("handler failed")

    @property
    def sizes(self) -> list[int]:
        return [len(c) for c in self.calls]


@pytest.fixture
def register():
    """Register throwaway watches for one test; they are removed afterwards."""
    names = []

    def add(name: str, **handlers) -> watches.Watch:
        names.append(name)
        return watches.register(watches.Watch(name, Complaint, **handlers))

    yield add
    for name in names:
        watches.REGISTRY.pop(name, None)


def complaints(
    n: int, *, warn_ago: timedelta | None, due_ago: timedelta | None, prefix="A", **fields
) -> list[Complaint]:
    """``n`` open complaints whose warn/due instants lie that long before NOW (None: ahead)."""
    category = Category.objects.first()
    ahead = timedelta(days=-30)
    rows = [
        Complaint(
            number=f"TS-{prefix}-{i:03d}",
            code_digest="0" * 64,
            channel=Complaint.Channel.WEB,
            category=category,
            title="扫描测试",
            content="扫描测试",
            submitted_at=NOW - timedelta(days=20),
            # Spread by minutes, earliest last, so that the claim's order is visible.
            warn_at=NOW - (warn_ago or ahead) - timedelta(minutes=n - i),
            due_at=NOW - (due_ago or ahead) - timedelta(minutes=n - i),
            **fields,
        )
        for i in range(n)
    ]
    return Complaint.objects.bulk_create(rows)


@pytest.mark.django_db
def test_a_batch_of_exactly_batch_rows_is_handled_once_and_nothing_is_left(register):
    recorder = Recorder()
    register("probe", on_warn=recorder)
    rows = complaints(6, warn_ago=timedelta(hours=1), due_ago=None)
    report = watches.sweep(now=NOW, batch=3, watches=["probe"])
    # Two full batches, then one more look that finds nothing: no empty call to the handler.
    assert recorder.sizes == [3, 3]
    assert report.warned == {"probe": 6} and report.overdue == {} and report.total == 6
    # The earliest warn instants first.
    assert recorder.calls[0] == [r.pk for r in rows[:3]]
    assert set(Complaint.objects.values_list("warned_at", flat=True)) == {NOW}
    assert watches.sweep(now=NOW, batch=3, watches=["probe"]).total == 0
    assert recorder.sizes == [3, 3]


@pytest.mark.django_db
def test_a_short_last_batch_ends_the_phase(register):
    recorder = Recorder()
    register("probe", on_warn=recorder)
    complaints(7, warn_ago=timedelta(hours=1), due_ago=None)
    assert watches.sweep(now=NOW, batch=3, watches=["probe"]).warned == {"probe": 7}
    assert recorder.sizes == [3, 3, 1]


@pytest.mark.django_db
def test_only_the_named_watches_run(register):
    named, other = Recorder(), Recorder()
    register("probe", on_warn=named)
    register("other", on_warn=other)
    complaints(2, warn_ago=timedelta(hours=1), due_ago=None)
    report = watches.sweep(now=NOW, watches=["probe"])
    assert report.warned == {"probe": 2}
    assert named.sizes == [2] and other.calls == []
    # Neither the other throwaway watch nor the complaints app's own watch touched them.
    assert not Complaint.objects.filter(events__isnull=False).exists()
    assert watches.sweep(now=NOW, watches=[]).total == 0


@pytest.mark.django_db
def test_warn_then_due_each_once_and_a_phase_without_handler_is_still_marked(register):
    due = Recorder()
    register("probe", on_due=due)
    complaints(2, warn_ago=timedelta(days=2), due_ago=timedelta(hours=1))
    report = watches.sweep(now=NOW, watches=["probe"])
    assert report.warned == {"probe": 2} and report.overdue == {"probe": 2}
    assert due.sizes == [2]
    assert list(Complaint.objects.values_list("warned_at", "overdue_at")) == [(NOW, NOW)] * 2
    assert watches.sweep(now=NOW + timedelta(days=1), watches=["probe"]).total == 0


@pytest.mark.django_db
def test_closed_handled_and_future_records_are_not_claimed(register):
    recorder = Recorder()
    register("probe", on_warn=recorder)
    passed = dict(warn_ago=timedelta(hours=1), due_ago=None)
    complaints(1, prefix="CLOSED", deadline_open=False, **passed)
    complaints(1, prefix="WARNED", warned_at=NOW - timedelta(hours=1), **passed)
    complaints(1, prefix="LATER", warn_ago=timedelta(hours=-1), due_ago=None)  # in an hour
    assert watches.sweep(now=NOW, watches=["probe"]).total == 0
    assert recorder.calls == []


@pytest.mark.django_db
def test_a_failing_handler_rolls_back_its_batch_and_a_rerun_finishes_exactly_once(register):
    failing = Recorder(fail_on_call=2)
    register("probe", on_warn=failing)
    rows = complaints(5, warn_ago=timedelta(hours=1), due_ago=None)
    with pytest.raises(RuntimeError, match="handler failed"):
        watches.sweep(now=NOW, batch=2, watches=["probe"])
    assert failing.sizes == [2, 2]
    first, second = failing.calls
    # The first batch committed both halves: the handler's writes and the handled mark.
    done = Complaint.objects.filter(pk__in=first)
    assert all(c.warned_at == NOW and c.escalated for c in done)
    # The failing batch left nothing: neither its mark nor what its handler wrote.
    undone = Complaint.objects.filter(pk__in=[r.pk for r in rows if r.pk not in first])
    assert all(c.warned_at is None and not c.escalated for c in undone)

    watches.REGISTRY.pop("probe")
    again = Recorder()
    register("probe", on_warn=again)
    later = NOW + timedelta(minutes=5)
    assert watches.sweep(now=later, batch=2, watches=["probe"]).warned == {"probe": 3}
    assert sorted(pk for call in again.calls for pk in call) == sorted(
        r.pk for r in rows if r.pk not in first
    )
    assert second[0] == again.calls[0][0]  # the same order as before the failure
    assert Complaint.objects.filter(warned_at=NOW).count() == 2
    assert Complaint.objects.filter(warned_at=later).count() == 3
