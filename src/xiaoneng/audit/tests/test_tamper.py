"""The twelve ways of tampering with the audit chain that an independent probe tried, each done
behind the ORM's back as someone with write access to the database would: every one is found
when the chain key (outside the database) or an archived anchor is at hand.

Also: key rotation, chains begun before the key existed (the upgrade), and the anchor command.
"""

from __future__ import annotations

import importlib
import json

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection

from xiaoneng.audit import services as audit
from xiaoneng.audit.models import GENESIS_HASH, AuditEntry, AuditHead

ATTACKER_KEY = audit.ChainKey("0badc0ffee00", b"the attacker's own key")


def _raw(sql: str, params: list | tuple = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))


def _write(n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        audit.record(
            "系统",
            audit.Action.EVENT,
            object_type="test.thing",
            object_id=str(i),
            summary=f"第{i}件",
        )


@pytest.fixture
def chain(db):
    _write(5)
    assert audit.verify().ok
    return {e.seq: e for e in AuditEntry.objects.all()}


def _rewrite_from(seq: int, seal, *, change=None) -> None:
    """Rewrite entries ``seq``… with ``seal(entry) -> (key_id, hash)`` (re-linking them) and
    point the head at the new end, as an attacker rebuilding the chain would."""
    entries = list(AuditEntry.objects.order_by("seq"))
    prev = entries[seq - 2].hash if seq > 1 else GENESIS_HASH
    for entry in entries[seq - 1 :]:
        if change is not None:
            change(entry)
        entry.prev_hash = prev
        entry.key_id, entry.hash = seal(entry)
        _raw(
            "UPDATE audit_auditentry SET summary = %s, prev_hash = %s, key_id = %s, hash = %s "
            "WHERE seq = %s",
            [entry.summary, entry.prev_hash, entry.key_id, entry.hash, entry.seq],
        )
        prev = entry.hash
    _raw("UPDATE audit_audithead SET seq = %s, hash = %s", [entries[-1].seq, prev])


def _broken_at(seq: int, *anchors: audit.Anchor) -> str:
    report = audit.verify(anchors)
    assert not report.ok, "the tampering went unnoticed"
    assert report.first_broken_seq == seq, report
    return report.problem


# ---- the twelve ------------------------------------------------------------------------------


def test_1_altered_field(chain):
    _raw("UPDATE audit_auditentry SET summary = %s WHERE seq = 3", ["改过的说明"])
    assert "内容" in _broken_at(3)


def test_2_deleted_entry(chain):
    _raw("DELETE FROM audit_auditentry WHERE seq = 2")
    assert "缺少序号 2" in _broken_at(2)


def test_3_reordered_entries(chain):
    _raw("UPDATE audit_auditentry SET seq = 1000 WHERE seq = 2")
    _raw("UPDATE audit_auditentry SET seq = 2 WHERE seq = 3")
    _raw("UPDATE audit_auditentry SET seq = 3 WHERE seq = 1000")
    _broken_at(2)


def test_4_rehashed_with_the_public_function(chain):
    """The probe's finding: with an unkeyed hash, whoever can write to the database rebuilt the
    chain with the product's own function and verify passed. Neither the keyed seal nor the
    unkeyed one of the pre-key era can be rebuilt without the key."""

    def change(entry):
        entry.summary = "改过的说明"

    _rewrite_from(3, lambda e: (e.key_id, audit._legacy_digest(e)), change=change)
    assert "内容" in _broken_at(3)
    # Passing the rewritten entries off as written before the chain had a key fails as well.
    _rewrite_from(3, lambda e: ("", audit._legacy_digest(e)), change=change)
    assert "更旧的密钥" in _broken_at(3)
    # ...even when the whole chain is rewritten that way: the head's seal pins its end.
    _rewrite_from(1, lambda e: ("", audit._legacy_digest(e)), change=change)
    assert "链头" in _broken_at(5)


def test_5_truncated_tail(chain):
    _raw("DELETE FROM audit_auditentry WHERE seq >= 4")
    assert "末尾" in _broken_at(4)


def test_6_truncated_tail_with_forged_head(chain):
    """The probe's finding: a tail cut off with the head moved back to the new end passed."""
    _raw("DELETE FROM audit_auditentry WHERE seq >= 4")
    _raw("UPDATE audit_audithead SET seq = 3, hash = %s", [chain[3].hash])
    assert "链头" in _broken_at(3)


def test_6b_truncated_tail_with_a_replayed_head_needs_an_anchor(db):
    """Someone who kept a copy of an earlier head row can put it back over a truncated tail:
    the seals all hold, so only an anchor archived meanwhile (the bulletin prints one) tells."""
    _write(3)
    saved = AuditHead.objects.values_list("seq", "hash", "key_id", "mac").get(pk=1)
    _write(2, start=3)
    archived = audit.anchor()
    assert archived.seq == 5
    _raw("DELETE FROM audit_auditentry WHERE seq >= 4")
    _raw("UPDATE audit_audithead SET seq = %s, hash = %s, key_id = %s, mac = %s", saved)
    assert audit.verify().ok  # the limit of what the key alone can tell
    assert "锚点" in _broken_at(5, archived)


def test_7_missing_head_row(chain):
    """The probe's finding: without the head row verify skipped the tail check."""
    _raw("DELETE FROM audit_audithead")
    assert "链头记录缺失" in _broken_at(5)
    _raw("DELETE FROM audit_auditentry WHERE seq = 5")
    _broken_at(4)


def test_8_inserted_entry(chain):
    for seq in (5, 4, 3):  # from the top, so the unique index never sees two equal seqs
        _raw("UPDATE audit_auditentry SET seq = seq + 1 WHERE seq = %s", [seq])
    forged = AuditEntry(
        seq=3,
        at=chain[3].at,
        actor_name="系统",
        action="event",
        object_type="test.thing",
        summary="插入的记录",
        prev_hash=chain[2].hash,
        key_id=chain[2].key_id,
    )
    forged.hash = audit._digest(forged, ATTACKER_KEY)
    _raw(
        "INSERT INTO audit_auditentry (seq, at, actor_name, action, object_type, object_id, "
        "object_repr, summary, prev_hash, hash, key_id) "
        "VALUES (%s, %s, %s, %s, %s, '', '', %s, %s, %s, %s)",
        [
            forged.seq,
            forged.at,
            forged.actor_name,
            forged.action,
            forged.object_type,
            forged.summary,
            forged.prev_hash,
            forged.hash,
            forged.key_id,
        ],
    )
    _broken_at(3)


def test_9_altered_prev_hash(chain):
    _raw("UPDATE audit_auditentry SET prev_hash = %s WHERE seq = 3", [chain[1].hash])
    assert "前序哈希" in _broken_at(3)
    # Also when the whole chain from there is re-linked consistently: the seals break.
    _raw("UPDATE audit_auditentry SET prev_hash = %s WHERE seq = 3", [chain[2].hash])
    _raw("UPDATE audit_auditentry SET prev_hash = %s WHERE seq = 1", ["f" * 64])
    _broken_at(1)


def test_10_altered_timestamp(chain):
    _raw("UPDATE audit_auditentry SET at = %s WHERE seq = 2", [chain[1].at])
    assert "内容" in _broken_at(2)


@pytest.mark.django_db(transaction=True)
def test_11_duplicated_seq():
    """Copying an entry under a seq already used needs the unique index dropped first (it
    refuses the copy); verify finds it either way."""
    _write(4)
    field = AuditEntry._meta.get_field("seq")
    loose = field.clone()
    loose.set_attributes_from_name("seq")
    loose._unique = False
    with connection.schema_editor() as editor:
        editor.alter_field(AuditEntry, field, loose)
    try:
        copy = AuditEntry.objects.get(seq=2)
        _raw(
            "INSERT INTO audit_auditentry (seq, at, actor_name, action, object_type, object_id, "
            "object_repr, summary, prev_hash, hash, key_id) "
            "SELECT seq, at, actor_name, action, object_type, object_id, object_repr, %s, "
            "prev_hash, %s, key_id FROM audit_auditentry WHERE seq = 2",
            ["复制的记录", "e" * 64],
        )
        assert AuditEntry.objects.filter(seq=copy.seq).count() == 2
        assert "出现了两次" in _broken_at(2)
    finally:
        _raw("DELETE FROM audit_auditentry WHERE summary = %s", ["复制的记录"])
        with connection.schema_editor() as editor:
            editor.alter_field(AuditEntry, loose, field)


def test_12_swapped_key(chain):
    """A chain rebuilt whole with another key: its id is unknown; under ours, the seals fail."""
    _rewrite_from(1, lambda e: (ATTACKER_KEY.id, audit._digest(e, ATTACKER_KEY)))
    mac = audit._head_mac(5, AuditEntry.objects.get(seq=5).hash, ATTACKER_KEY)
    _raw("UPDATE audit_audithead SET key_id = %s, mac = %s", [ATTACKER_KEY.id, mac])
    assert "未知的密钥" in _broken_at(1)
    ours = audit.chain_keys()[0].id
    _rewrite_from(1, lambda e: (ours, audit._digest(e, ATTACKER_KEY)))
    assert "内容" in _broken_at(1)


# ---- keys: rotation and the chains written before the key ------------------------------------


def test_rotation_keeps_old_entries_verifiable(db, settings):
    settings.XIAONENG_AUDIT_KEY = "old-key"
    _write(2)
    settings.XIAONENG_AUDIT_KEY = "new-key,old-key"
    _write(2, start=2)
    ids = list(AuditEntry.objects.order_by("seq").values_list("key_id", flat=True))
    assert ids[0] == ids[1] != ids[2] == ids[3]
    assert audit.verify().ok
    settings.XIAONENG_AUDIT_KEY = "new-key"
    assert "未知的密钥" in _broken_at(1)


def test_a_leaked_old_key_cannot_seal_after_the_new_one(db, settings):
    settings.XIAONENG_AUDIT_KEY = "old-key"
    _write(2)
    settings.XIAONENG_AUDIT_KEY = "new-key,old-key"
    _write(2, start=2)
    old = audit.chain_keys()[1]
    _rewrite_from(4, lambda e: (old.id, audit._digest(e, old)))
    _raw(
        "UPDATE audit_audithead SET key_id = %s, mac = %s",
        [old.id, audit._head_mac(4, AuditEntry.objects.get(seq=4).hash, old)],
    )
    assert "更旧的密钥" in _broken_at(4)


def test_a_chain_begun_before_the_key_is_pinned_by_the_upgrade(db):
    """Entries written by the previous version (plain SHA-256, no key id) stay valid: the
    upgrade's migration seals the head, so they cannot be rewritten afterwards."""
    for i in range(3):
        prev = AuditEntry.objects.order_by("-seq").values_list("hash", flat=True).first()
        entry = AuditEntry(
            seq=i + 1,
            at=audit.timezone.now(),
            actor_name="系统",
            action="event",
            object_type="test.thing",
            summary=f"旧版本写的第{i}件",
            prev_hash=prev or GENESIS_HASH,
        )
        entry.hash = audit._legacy_digest(entry)
        entry.save()
    AuditHead.objects.create(pk=1, seq=3, hash=entry.hash)
    migration = importlib.import_module("xiaoneng.audit.migrations.0002_chain_key")
    migration.seal_head(apps, None)
    assert audit.verify().ok
    _write(2)  # the new version goes on with keyed entries
    assert audit.verify().ok and audit.verify().checked == 5
    _rewrite_from(
        2,
        lambda e: (
            (e.key_id, audit._legacy_digest(e))
            if not e.key_id
            else (e.key_id, audit._digest(e, ATTACKER_KEY))
        ),
        change=lambda e: setattr(e, "summary", "改过的说明"),
    )
    _broken_at(4)  # the first keyed entry after the rewritten old ones


# ---- anchors ---------------------------------------------------------------------------------


def test_anchor_command_and_verify_against_archived_anchors(chain, tmp_path, capsys):
    archive = tmp_path / "anchors.jsonl"
    call_command("audit", "anchor", "--output", str(archive))
    printed = json.loads(capsys.readouterr().out)
    assert printed["seq"] == 5 and printed["hash"] == chain[5].hash and printed["at"]
    assert json.loads(archive.read_text()) == printed

    call_command("audit", "verify", "--anchor", str(archive), "--expect", f"2:{chain[2].hash}")
    assert "核对锚点 2 个" in capsys.readouterr().out
    with pytest.raises(CommandError, match="第 2 条的哈希与存档的锚点不符"):
        call_command("audit", "verify", "--expect", f"2:{chain[3].hash}")
    with pytest.raises(CommandError, match="锚点格式不对"):
        call_command("audit", "verify", "--expect", "not-an-anchor")
    with pytest.raises(CommandError, match="无法读取锚点文件"):
        call_command("audit", "verify", "--anchor", str(tmp_path / "missing"))

    # Cut back to 3 entries under a head that seals correctly, as a head row copied when the
    # chain stood at 3 would (the case the key alone cannot tell):
    _raw("DELETE FROM audit_auditentry WHERE seq >= 4")
    key = audit.chain_keys()[0]
    _raw(
        "UPDATE audit_audithead SET seq = 3, hash = %s, mac = %s",
        [chain[3].hash, audit._head_mac(3, chain[3].hash, key)],
    )
    call_command("audit", "verify")
    with pytest.raises(CommandError, match="只有 3 条：末尾的记录被删除"):
        call_command("audit", "verify", "--anchor", str(archive))


def test_anchor_of_an_empty_chain(db):
    point = audit.anchor()
    assert (point.seq, point.hash) == (0, GENESIS_HASH)
    assert audit.verify([point]).ok
    assert audit.parse_anchor(str(point)) == audit.Anchor(0, GENESIS_HASH)
