from datetime import date

from xiaoneng.complaints.models import Complaint
from xiaoneng.demo.complaints_data import write_complaints


def test_demo_writes_complaints(org):
    summary = write_complaints(seed=1, count=40, today=date(2026, 3, 2))
    assert summary.complaints == 40 == Complaint.objects.count()
    assert summary.closed > 0
    assert Complaint.objects.filter(anonymous=True).exists()
