from datetime import date, datetime

import time_machine
from django.utils import timezone

from xiaoneng.complaints import suggestions
from xiaoneng.complaints.models import Complaint, ComplaintEvent
from xiaoneng.demo.complaints_data import write_complaints
from xiaoneng.routing import store
from xiaoneng.supervision.models import Card

NOW = timezone.make_aware(datetime(2026, 12, 3, 15, 30))


def test_demo_writes_complaints(org):
    summary = write_complaints(seed=1, count=40, today=date(2026, 3, 2))
    assert summary.complaints == 40 == Complaint.objects.count()
    assert summary.closed > 0
    assert Complaint.objects.filter(anonymous=True).exists()


#: The status a complaint rests in after its last timeline step.
AFTER = {
    "submit": Complaint.Status.SUBMITTED,
    "decline": Complaint.Status.DECLINED,
    "accept": Complaint.Status.HANDLING,
    "reopen": Complaint.Status.HANDLING,
    "finding": Complaint.Status.REVIEW,
    "approve": Complaint.Status.APPROVED,
    "visit": Complaint.Status.CLOSED,
}


@time_machine.travel(NOW, tick=False)
def test_demo_writes_nothing_in_the_future(org):
    """The demo once wrote findings and visits dated after the day it was built, which put
    not-yet-due steps into the bulletin's overdue table."""
    write_complaints(seed=3, count=400, today=NOW.date())
    assert not ComplaintEvent.objects.filter(at__gt=NOW).exists()
    assert not Card.objects.filter(raised_at__gt=NOW).exists()
    for field in ("routed_at", "finding_at", "approved_at", "replied_at", "closed_at"):
        assert not Complaint.objects.filter(**{f"{field}__gt": NOW}).exists(), field
    # Each complaint rests in the state its last step left it in, its clock running if open.
    for c in Complaint.objects.prefetch_related("events"):
        last = [e.kind for e in c.events.all() if e.kind not in ("warn", "escalate")][-1]
        assert c.status == AFTER[last], (c.number, last, c.status)
        assert c.deadline_open == (c.status not in ("declined", "closed")), c.number
    statuses = set(Complaint.objects.values_list("status", flat=True))
    assert {"submitted", "handling", "closed"} <= statuses


@time_machine.travel(NOW, tick=False)
def test_demo_trains_the_routing_suggester(org):
    summary = write_complaints(seed=3, count=60, today=NOW.date())
    routed = suggestions.routed_count()
    assert summary.routing_samples == routed > 0
    assert store.current() is not None and not suggestions.is_stale()
