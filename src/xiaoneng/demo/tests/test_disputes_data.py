from xiaoneng.accounts.roles import Role
from xiaoneng.complaints import services
from xiaoneng.complaints.models import Category, Complaint, Dispute
from xiaoneng.demo.disputes_data import write_disputes


def test_demo_disputes_and_merges_go_through_the_services(users, org):
    main, _ = services.submit_complaint(
        users[Role.OFFICE],
        channel=Complaint.Channel.HOTLINE,
        category=Category.objects.get(code="other"),
        title="路灯不亮",
        content="路灯坏了一个月。",
        anonymous=True,
    )
    services.accept(users[Role.OFFICE], main, unit=org.dept_b)
    summary = write_disputes()
    assert (summary.disputes, summary.rerouted, summary.insisted, summary.merged) == (3, 1, 1, 2)
    decisions = sorted(Dispute.objects.values_list("decision", flat=True))
    assert decisions == ["", "insist", "reroute"]
    assert Complaint.objects.filter(status=Complaint.Status.OBJECTED).count() == 1
    assert Complaint.objects.filter(merged_into=main).count() == 2
