"""API keys: issuing (plaintext once, hash only), revoking, the office pages, who may use them."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xiaoneng.accounts.roles import Role
from xiaoneng.api import services
from xiaoneng.api.models import ApiKey
from xiaoneng.audit.models import AuditEntry
from xiaoneng.testing.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = "/office/api-keys/"
NEW = "/office/api-keys/new/"


def _everything_stored(key: ApiKey) -> str:
    """Every value in the key's row and in every audit entry, as one string."""
    row = " ".join(str(v) for v in ApiKey.objects.filter(pk=key.pk).values().get().values())
    audit = " ".join(
        f"{e.summary} {e.before} {e.after} {e.object_repr}" for e in AuditEntry.objects.all()
    )
    return row + audit


# ---- services ----------------------------------------------------------------------------------


def test_create_key_returns_the_plaintext_once_and_stores_only_its_hash(users, org):
    key, plaintext = services.create_key(users[Role.OFFICE], " 甲局审批系统 ", org.dept_a)
    assert re.fullmatch(r"xn_[a-z2-9]{8}_[A-Za-z0-9_-]{43}", plaintext)
    prefix, secret = services.split_key(plaintext)
    assert key.prefix == prefix and key.name == "甲局审批系统"
    assert key.key_hash == services.hash_secret(secret) != secret
    stored = _everything_stored(key)
    assert secret not in stored and plaintext not in stored
    assert services.authenticate(plaintext) == key
    entry = AuditEntry.objects.get(object_type="api.apikey")
    assert entry.action == "create" and entry.actor_id == users[Role.OFFICE].pk


@pytest.mark.parametrize("role", [Role.LIAISON, Role.LEADER, Role.WINDOW, Role.SUPERVISOR])
def test_only_the_office_issues_keys(users, org, role):
    with pytest.raises(PermissionDenied):
        services.create_key(users[role], "系统", org.dept_a)
    assert not ApiKey.objects.exists()


def test_create_key_needs_a_name(users, org):
    with pytest.raises(ValidationError):
        services.create_key(users[Role.ADMIN], "  ", org.dept_a)


def test_revoke_needs_a_reason_and_happens_once(users, org):
    key, plaintext = services.create_key(users[Role.OFFICE], "系统", org.dept_a)
    with pytest.raises(ValidationError):
        services.revoke_key(users[Role.OFFICE], key, " ")
    services.revoke_key(users[Role.OFFICE], key, "系统下线")
    key.refresh_from_db()
    assert key.revoked_at and key.revoked_by == users[Role.OFFICE]
    assert key.revoke_reason == "系统下线"
    with pytest.raises(ValidationError):
        services.revoke_key(users[Role.OFFICE], key, "再次")
    with pytest.raises(services.AuthFailure) as failure:
        services.authenticate(plaintext)
    assert failure.value.reason == "revoked"
    assert AuditEntry.objects.filter(object_type="api.apikey", action="update").count() == 1


def test_liaison_revokes_keys_of_their_own_subtree_only(users, org):
    own, _ = services.create_key(users[Role.OFFICE], "甲局系统", org.section_a)
    other, _ = services.create_key(users[Role.OFFICE], "乙局系统", org.dept_b)
    services.revoke_key(users[Role.LIAISON], own, "密钥泄露")
    with pytest.raises(PermissionDenied):
        services.revoke_key(users[Role.LIAISON], other, "不是我的")
    other.refresh_from_db()
    assert other.is_active


@pytest.mark.parametrize(
    ("plaintext", "reason"),
    [
        ("", "missing"),
        ("abc", "malformed"),
        ("xn_short_secret", "malformed"),
        ("yy_abcdefgh_secret", "malformed"),
        ("xn_abcdefgh_secret", "unknown"),
    ],
)
def test_authenticate_says_why(db, plaintext, reason):
    with pytest.raises(services.AuthFailure) as failure:
        services.authenticate(plaintext)
    assert failure.value.reason == reason


# ---- pages -------------------------------------------------------------------------------------


def test_office_creates_a_key_and_sees_the_plaintext_exactly_once(client, users, org):
    client.force_login(users[Role.OFFICE])
    form = client.get(NEW).content.decode()
    assert "市乙局" in form and "甲局审批科" in form
    response = client.post(NEW, {"name": "甲局审批系统", "unit": org.dept_a.pk})
    key = ApiKey.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{LIST}{key.pk}/"
    page = client.get(response["Location"]).content.decode()
    [plaintext] = re.findall(r'<code id="new-key">([^<]+)</code>', page)
    assert plaintext.startswith(f"xn_{key.prefix}_")
    assert "只显示这一次" in page and 'data-copy="#new-key"' in page
    assert services.authenticate(plaintext) == key
    # Shown once: reloading the page does not show it again, nor does the list.
    again = client.get(response["Location"]).content.decode()
    assert plaintext not in again and 'id="new-key"' not in again
    listing = client.get(LIST).content.decode()
    assert f"xn_{key.prefix}_…" in listing and plaintext not in listing
    assert plaintext.split("_", 2)[2] not in _everything_stored(key)


def test_create_form_errors(client, users):
    client.force_login(users[Role.OFFICE])
    response = client.post(NEW, {"name": "", "unit": ""})
    assert response.status_code == 200 and not ApiKey.objects.exists()
    assert "errorlist" in response.content.decode()


def test_revoke_from_the_page(client, users, org):
    key, _plaintext = services.create_key(users[Role.OFFICE], "甲局审批系统", org.dept_a)
    client.force_login(users[Role.OFFICE])
    detail = f"{LIST}{key.pk}/"
    assert "吊销密钥" in client.get(detail).content.decode()
    response = client.post(f"{detail}revoke/", {"reason": ""}, follow=True)
    assert "请填写吊销原因" in response.content.decode()
    response = client.post(f"{detail}revoke/", {"reason": "系统下线"}, follow=True)
    page = response.content.decode()
    assert "已吊销" in page and "系统下线" in page and "吊销密钥</h2>" not in page
    key.refresh_from_db()
    assert not key.is_active
    assert client.get(f"{detail}revoke/").status_code == 405
    # The list shows active keys by default; the revoked one under 已吊销.
    assert "甲局审批系统" not in client.get(LIST).content.decode()
    assert "甲局审批系统" in client.get(LIST, {"show": "revoked"}).content.decode()


def test_liaison_sees_and_revokes_own_subtree_but_cannot_issue(client, users, org):
    own, _ = services.create_key(users[Role.OFFICE], "甲局科室系统", org.section_a)
    other, _ = services.create_key(users[Role.OFFICE], "乙局系统", org.dept_b)
    client.force_login(users[Role.LIAISON])
    listing = client.get(LIST).content.decode()
    assert "甲局科室系统" in listing and "乙局系统" not in listing
    assert "发放密钥" not in listing
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, {"name": "x", "unit": org.dept_a.pk}).status_code == 403
    assert client.get(f"{LIST}{other.pk}/").status_code == 404
    assert client.post(f"{LIST}{other.pk}/revoke/", {"reason": "x"}).status_code == 404
    client.post(f"{LIST}{own.pk}/revoke/", {"reason": "密钥泄露"})
    own.refresh_from_db()
    assert not own.is_active


@pytest.mark.parametrize("role", [Role.LEADER, Role.WINDOW, Role.SUPERVISOR, Role.API_CLIENT])
def test_other_roles_are_forbidden(client, users, org, role):
    key, _ = services.create_key(users[Role.OFFICE], "系统", org.dept_a)
    client.force_login(users[role])
    for url in (LIST, NEW, f"{LIST}{key.pk}/"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"{LIST}{key.pk}/revoke/", {"reason": "x"}).status_code == 403
    key.refresh_from_db()
    assert key.is_active


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(LIST)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("role", "shown"),
    [(Role.ADMIN, True), (Role.OFFICE, True), (Role.LIAISON, False), (Role.WINDOW, False)],
)
def test_navigation_item(client, users, role, shown):
    # The menu entry is for the office; a liaison reaches the page by its address (docs/api.md).
    client.force_login(users[role])
    page = client.get("/office/").content.decode()
    assert ("接口密钥" in page) is shown


def test_superuser_without_role_may_issue(client, org):
    admin = UserFactory(username="root", role=Role.WINDOW, is_superuser=True, unit=None)
    client.force_login(admin)
    client.post(NEW, {"name": "市级平台", "unit": org.root.pk})
    assert ApiKey.objects.get().created_by == admin
