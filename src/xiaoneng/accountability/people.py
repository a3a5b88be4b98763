"""The sanctioned person, kept unlinked: an encrypted name and a keyed digest of the staff id.

``Violation`` has no foreign key to ``org.Staff``. It stores ``person_token`` (the staff id and
name, Fernet-encrypted under ``XIAONENG_IDENTITY_KEY``) and ``person_digest`` (an HMAC of the
staff id under the same secrets), so that a person's file (效能档案) is found by computing the
digest, and a copy of the database alone says which unit was sanctioned but not who.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from xiaoneng.crypto import decrypt_identity, encrypt_identity, keyed_digests

if TYPE_CHECKING:
    from xiaoneng.accounts.models import User
    from xiaoneng.org.models import Staff

PURPOSE = "accountability-person"


@dataclass(frozen=True)
class Person:
    """A person a source names as responsible (staff id where known, and the name)."""

    staff_id: int | None
    name: str


def seal(person: Person | None) -> tuple[str, str]:
    """(token, digest) to store for ``person``; ("", "") for none."""
    if person is None or not person.name.strip():
        return "", ""
    token = encrypt_identity(
        {"staff_id": str(person.staff_id) if person.staff_id else "", "name": person.name}
    )
    digest = keyed_digests(PURPOSE, str(person.staff_id))[0] if person.staff_id else ""
    return token, digest


def unseal(token: str) -> Person | None:
    data = decrypt_identity(token)
    if not data:
        return None
    staff_id = data.get("staff_id", "")
    return Person(int(staff_id) if staff_id.isdigit() else None, data.get("name", ""))


def digests_for_staff(staff: Staff | int) -> list[str]:
    """Every digest the person may be stored under (one per configured key)."""
    staff_id = staff if isinstance(staff, int) else staff.pk
    return keyed_digests(PURPOSE, str(staff_id))


def digests_for_user(user: User) -> list[str]:
    """The digests of the staff record linked to this login, if any."""
    staff = getattr(user, "staff", None)
    if staff is None:
        return []
    return digests_for_staff(staff)


def from_staff(staff: Staff | None) -> Person | None:
    return Person(staff.pk, staff.name) if staff is not None else None
