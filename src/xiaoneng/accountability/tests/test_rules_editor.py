"""The office edits the rules and the leadership list on its page, through the services,
audited; bad input is refused in Chinese on its field and nothing valid is lost; leaders read
the page, nobody else edits it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xiaoneng.accountability import services
from xiaoneng.accountability.models import Cause, Rule, Sanction
from xiaoneng.accounts.roles import Role
from xiaoneng.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def rule(**changes) -> services.RuleIn:
    values = {
        "cause": Cause.RATING,
        "category": "",
        "count": 2,
        "months": 6,
        "sanction": Sanction.ADMONITION,
        "auto_open": False,
    }
    return services.RuleIn(**{**values, **changes})


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"sanction": "warning"}, "sanction", "处理方式序列"),
        ({"count": 0}, "count", "次数至少为1"),
        ({"months": 0}, "months", "期间须为1至120个月"),
        ({"cause": Cause.MANUAL}, "cause", "效能办立案不适用规则"),
        ({"count": 3, "sanction": Sanction.EDUCATION}, "count", "重叠"),  # 差评 3rd exists
    ],
)
def test_bad_rules_are_refused_on_their_field(users, changes, field, text):
    before = Rule.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.save_rule(users[Role.OFFICE], None, rule(**changes))
    assert text in " ".join(caught.value.message_dict[field])
    assert Rule.objects.count() == before


def test_an_inactive_rule_does_not_overlap_and_an_edit_keeps_its_own_place(users):
    office = users[Role.OFFICE]
    third = Rule.objects.get(cause=Cause.RATING, count=3)
    services.save_rule(office, None, rule(count=3, sanction=Sanction.CRITICISM, active=False))
    changed = services.save_rule(office, third, rule(count=3, sanction=Sanction.ADMONITION))
    assert changed.pk == third.pk and changed.sanction == Sanction.ADMONITION
    entry = AuditEntry.objects.filter(object_id=str(third.pk), summary="修改追究规则").get()
    assert entry.before["sanction"] == "education" and entry.after["sanction"] == "admonition"


@pytest.mark.parametrize("role", [Role.LEADER, Role.LIAISON, Role.WINDOW, Role.SUPERVISOR])
def test_only_the_office_changes_rules(users, role):
    with pytest.raises(PermissionDenied):
        services.save_rule(users[role], None, rule())
    with pytest.raises(PermissionDenied):
        services.delete_rule(users[role], Rule.objects.first())
    with pytest.raises(PermissionDenied):
        services.set_leadership(users[role], [])


def test_a_new_rule_changes_the_suggestion(users, red_card):
    office = users[Role.OFFICE]
    strict = rule(
        cause=Cause.RED_CARD, count=1, category="超过承诺时限", sanction=Sanction.CRITICISM
    )
    services.save_rule(office, None, strict)
    v = services.open_from_source(office, Cause.RED_CARD, red_card().pk)
    assert v.suggested == Sanction.CRITICISM and "超过承诺时限" in v.suggested_by


def test_the_leadership_list_is_closed_upwards_and_audited(users):
    office = users[Role.OFFICE]
    with pytest.raises(ValidationError, match="比它更重的处理方式也须由领导决定"):
        services.set_leadership(office, [Sanction.CRITICISM, Sanction.DISMISSAL])
    with pytest.raises(ValidationError, match="处理方式序列"):
        services.set_leadership(office, ["nonsense"])
    assert services.requires_leader(Sanction.TALK)
    services.set_leadership(office, [Sanction.DISMISSAL, Sanction.DEMOTION])
    assert services.policy().leadership_levels == [Sanction.DEMOTION, Sanction.DISMISSAL]
    assert not services.requires_leader(Sanction.TALK)
    assert AuditEntry.objects.filter(summary="修改须由领导决定的处理方式").count() == 1
    services.set_leadership(office, [])
    assert services.leadership_labels() == []


def test_the_office_edits_on_the_page(client, users):
    client.force_login(users[Role.OFFICE])
    page = client.get("/office/accountability/rules/").content.decode()
    assert 'data-testid="rule-form"' in page and "/office/accountability/rules/" in page
    bad = client.post(
        "/office/accountability/rules/add/",
        {
            "rule-cause": "rating",
            "rule-count": "0",
            "rule-months": "6",
            "rule-sanction": "reminder",
            "rule-category": "态度",
            "rule-active": "on",
        },
    )
    text = bad.content.decode()
    assert bad.status_code == 400 and "次数至少为1" in text and 'value="态度"' in text
    good = client.post(
        "/office/accountability/rules/add/",
        {
            "rule-cause": "rating",
            "rule-count": "2",
            "rule-months": "6",
            "rule-sanction": "reminder",
            "rule-category": "态度",
            "rule-active": "on",
        },
    )
    assert good.status_code == 302
    made = Rule.objects.get(category="态度")
    assert client.get(f"/office/accountability/rules/{made.pk}/").status_code == 200
    edited = client.post(
        f"/office/accountability/rules/{made.pk}/",
        {
            "rule-cause": "rating",
            "rule-count": "2",
            "rule-months": "12",
            "rule-sanction": "education",
            "rule-category": "态度",
        },
    )
    made.refresh_from_db()
    assert edited.status_code == 302 and (made.months, made.active) == (12, False)
    lead = client.post("/office/accountability/rules/leadership/", {"lead-levels": ["criticism"]})
    assert lead.status_code == 400 and "更重的处理方式" in lead.content.decode()
    assert client.post(f"/office/accountability/rules/{made.pk}/delete/").status_code == 302
    assert not Rule.objects.filter(pk=made.pk).exists()


def test_a_leader_reads_the_rules_without_the_forms(client, users):
    client.force_login(users[Role.LEADER])
    page = client.get("/office/accountability/rules/")
    text = page.content.decode()
    assert page.status_code == 200 and "rule-form" not in text and "/rules/add/" not in text
    assert client.post("/office/accountability/rules/add/", {}).status_code == 403
    first = Rule.objects.first()
    assert client.get(f"/office/accountability/rules/{first.pk}/").status_code == 403
