"""What a reader of the database can learn about who answered what (docs/evaluation.md §5): no
time of answering anywhere, no path from a code to a sheet, sheets entering the answer table in
shuffled batches per stratum through a sealed pool — so that every used code is consistent with
at least k sheets even for someone who saw every code's use and every batch as it happened —, no
audit entry per submission, drafts and pending rows of one length, and the migration that takes
the linking data out of existing campaigns."""

from __future__ import annotations

import base64

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from xiaoneng import crypto
from xiaoneng.audit.models import AuditEntry
from xiaoneng.evaluation import drafts, mixing, services, sheets
from xiaoneng.evaluation.models import (
    AccessCode,
    AnswerDraft,
    AnswerSheet,
    Campaign,
    Opinion,
    PendingSheet,
)

from .conftest import make_collecting

pytestmark = pytest.mark.django_db

TIME_TYPES = {"DateField", "DateTimeField", "TimeField"}


def codes_by_stratum(campaign: Campaign) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for access in AccessCode.objects.filter(campaign=campaign).select_related("evaluator__stratum"):
        out.setdefault(access.evaluator.stratum.name, []).append(services.code_of(access))
    return out


def everything(campaign: Campaign, option: int = 0) -> dict:
    layout = sheets.layout_of(campaign)
    return {(u.pk, d.pk): option for u in layout.units for d in layout.dimensions}


# ---- the schema ---------------------------------------------------------------------------------


def test_no_time_of_answering_on_codes_sheets_opinions_drafts_or_pending_rows():
    for name in ("AnswerSheet", "Opinion", "AnswerDraft", "PendingSheet"):
        model = apps.get_model("evaluation", name)
        kinds = {f.name: f.get_internal_type() for f in model._meta.concrete_fields}
        assert not TIME_TYPES & set(kinds.values()), (name, kinds)
        assert model._meta.pk.get_internal_type() == "UUIDField", name
    code_fields = {f.name: f.get_internal_type() for f in AccessCode._meta.concrete_fields}
    # When the office issued the code, not when it was used; used or not, nothing more.
    assert {n for n, t in code_fields.items() if t in TIME_TYPES} == {"issued_at"}
    assert code_fields["used"] == "BooleanField"


def test_no_path_in_the_schema_from_a_code_to_an_answer():
    """Starting from AccessCode (or Evaluator), following every relation of the schema, one
    never reaches a sheet, an opinion or a pending sheet, except through the campaign or the
    stratum, which every sheet shares with many others."""
    shared = {apps.get_model("evaluation", "Campaign"), apps.get_model("evaluation", "Stratum")}
    secret = {AnswerSheet, Opinion, PendingSheet, AnswerDraft}
    seen, todo = {AccessCode}, [AccessCode]
    while todo:
        model = todo.pop()
        for field in model._meta.get_fields():
            target = field.related_model
            if target is None or target in seen or target in shared:
                continue
            assert target not in secret, f"{model.__name__}.{field.name} leads to {target}"
            seen.add(target)
            todo.append(target)
    sheet_fields = {f.name for f in AnswerSheet._meta.get_fields()}
    assert not {"evaluator", "code", "access_code", "created_at", "received_on"} & sheet_fields


# ---- submission and the pool --------------------------------------------------------------------


def test_a_submission_writes_no_sheet_and_no_audit_entry(collecting):
    code = codes_by_stratum(collecting)["企业"][0]
    entries = AuditEntry.objects.count()
    sheets.submit_online(code, everything(collecting), [(collecting.units.first().pk, "意见")])
    assert not AnswerSheet.objects.exists() and not Opinion.objects.exists()
    assert collecting.pending.count() == 1
    assert AuditEntry.objects.count() == entries  # its time would be the code's time of use
    assert AccessCode.objects.filter(campaign=collecting, used=True).count() == 1


def test_pending_rows_are_sealed_timeless_and_all_of_one_length(collecting):
    企业 = codes_by_stratum(collecting)["企业"]
    layout = sheets.layout_of(collecting)
    long = "窗口排队时间太长，" * 55  # 495 characters
    sheets.submit_online(企业[0], everything(collecting))
    sheets.submit_online(企业[1], everything(collecting, 1), [(u.pk, long) for u in layout.units])
    short_row, long_row = sorted(PendingSheet.objects.all(), key=lambda p: "窗口" in p.sealed)
    for row in (short_row, long_row):
        assert "窗口" not in row.sealed and "000000" not in row.sealed
        raw = base64.b64decode(row.sealed)
        assert raw[0] != 0x80  # not a Fernet token: no time stamp inside
    assert len(short_row.sealed) == len(long_row.sealed)
    opened = {mixing.unseal(collecting.pk, p.stratum_id, p.sealed) for p in (short_row, long_row)}
    assert {len(s.opinions) for s in opened} == {0, 3}


def test_a_pending_sheet_survives_a_key_rotation(settings, office_user, collecting):
    code = codes_by_stratum(collecting)["居民"][0]
    sheets.submit_online(code, everything(collecting))
    settings.XIAONENG_IDENTITY_KEY = f"a-new-key-for-the-test,{settings.XIAONENG_IDENTITY_KEY}"
    services.close_collection(office_user, collecting)
    assert AnswerSheet.objects.get().answers == "0" * 6


def test_sheets_enter_in_shuffled_batches_and_each_code_hides_among_k(settings, office_user, units):
    """k = 3. Someone who watched the database the whole time — every code's use, every
    pending row, every sheet's arrival, in order — still cannot tie a code to fewer than k
    sheets: for each used code, count the sheets it could have written, i.e. those of its
    stratum for which some assignment of all sheets to all used codes respects what was seen
    (a sheet appears only after its code's use)."""
    settings.XIAONENG_EVALUATION_BATCH = 3
    k = 3
    campaign = make_collecting(office_user, units, strata={"企业": (13, 12), "居民": (7, 6)})
    layout = sheets.layout_of(campaign)
    order = [("企业", i) for i in range(12)] + [("居民", i) for i in range(6)]
    order = order[::2] + order[1::2]  # the strata interleaved
    available = codes_by_stratum(campaign)
    seen_sheets: dict[str, int] = {}  # sheet id → step it appeared
    used: list[tuple[str, int]] = []  # (stratum, step)
    truth: dict[int, str] = {}  # step → its sheet (known here by the opinion, not to the reader)
    for step, (stratum, i) in enumerate(order):
        note = f"第{step}份"
        sheets.submit_online(
            available[stratum][i], everything(campaign), [(layout.units[0].pk, note)]
        )
        used.append((stratum, step))
        new = AnswerSheet.objects.exclude(pk__in=list(seen_sheets))
        # Nothing, or one batch of k sheets of one stratum.
        assert new.count() in (0, k) and new.values("stratum").distinct().count() <= 1
        seen_sheets.update({str(pk): step for pk in new.values_list("pk", flat=True)})
    services.close_collection(office_user, campaign)
    last = len(order)
    new = AnswerSheet.objects.exclude(pk__in=list(seen_sheets))
    seen_sheets.update({str(pk): last for pk in new.values_list("pk", flat=True)})
    assert not PendingSheet.objects.exists()
    assert not set(seen_sheets) & set(map(str, PendingSheet.objects.values_list("pk", flat=True)))
    for opinion in Opinion.objects.select_related("sheet"):
        truth[int(opinion.text[1:-1])] = str(opinion.sheet_id)

    strata = dict(AnswerSheet.objects.values_list("pk", "stratum__name"))
    sheet_list = [(str(pk), strata[pk], seen_sheets[str(pk)]) for pk in strata]

    def allowed(code: tuple[str, int], sheet: tuple[str, str, int]) -> bool:
        return code[0] == sheet[1] and code[1] <= sheet[2]

    for c, code in enumerate(used):
        consistent = [
            s
            for s, sheet in enumerate(sheet_list)
            if allowed(code, sheet) and _matching_with(used, sheet_list, allowed, c, s)
        ]
        in_stratum = sum(1 for s in sheet_list if s[1] == code[0])
        assert len(consistent) >= min(k, in_stratum), (code, len(consistent))
        assert truth[code[1]] in {sheet_list[s][0] for s in consistent}


def _matching_with(codes, sheets_, allowed, fixed_code: int, fixed_sheet: int) -> bool:
    """Is there a one-to-one assignment of every other code to every other sheet (Kuhn)?"""
    rest_codes = [c for c in range(len(codes)) if c != fixed_code]
    rest_sheets = [s for s in range(len(sheets_)) if s != fixed_sheet]
    owner: dict[int, int] = {}

    def place(c: int, visited: set[int]) -> bool:
        for s in rest_sheets:
            if s in visited or not allowed(codes[c], sheets_[s]):
                continue
            visited.add(s)
            if s not in owner or place(owner[s], visited):
                owner[s] = c
                return True
        return False

    return all(place(c, set()) for c in rest_codes)


def test_closing_releases_the_pool_and_records_only_counts(office_user, collecting):
    by_stratum = codes_by_stratum(collecting)
    for code in by_stratum["企业"] + by_stratum["居民"][:1]:
        sheets.submit_online(code, everything(collecting))
    assert not AnswerSheet.objects.exists() and collecting.pending.count() == 3
    services.close_collection(office_user, collecting)
    assert AnswerSheet.objects.filter(channel="online").count() == 3
    assert not collecting.pending.exists()
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.summary == "结束回收评议表：网上 3 份，纸质 0 份"


# ---- drafts -------------------------------------------------------------------------------------


def test_a_draft_is_one_length_whatever_was_picked_or_written(collecting):
    """The draft disappears in the transaction that uses its code: its length must not tell
    how many units were picked or whether (or how much) was written."""
    code = codes_by_stratum(collecting)["企业"][0]
    layout = sheets.layout_of(collecting)
    access = sheets.find_code(code)
    drafts.save(access, code, drafts.Draft())
    empty = len(AnswerDraft.objects.get().sealed)
    everything_ = {(u.pk, d.pk): 1 for u in layout.units for d in layout.dimensions}
    full = drafts.Draft(
        picked=frozenset(u.pk for u in layout.units),
        answers=everything_,
        opinions={u.pk: "办事效率不高，" * 71 for u in layout.units},  # 497 characters each
    )
    drafts.save(access, code, full)
    assert len(AnswerDraft.objects.get().sealed) == empty
    assert drafts.load(code, collecting, layout) == full


# ---- the migration ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_takes_the_linking_data_out_and_encrypts_the_pool():
    before = [("evaluation", "0002_answer_draft")]
    after = [("evaluation", "0003_anonymity_pool_sealed_evaluators")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps

    def model(name: str):
        return old.get_model("evaluation", name)

    org = old.get_model("org", "Unit").objects.create(name="市甲局", code="JIA", kind="department")
    published = model("Campaign").objects.create(name="2025", year=2025, status="published")
    closed = model("Campaign").objects.create(name="2026", year=2026, status="closed")
    rows = []
    for campaign in (published, closed):
        stratum = model("Stratum").objects.create(campaign=campaign, name="企业")
        unit = model("CampaignUnit").objects.create(campaign=campaign, unit=org, category="政府")
        person = model("Evaluator").objects.create(
            campaign=campaign,
            number=f"{campaign.year}-00001",
            stratum=stratum,
            name="王小明",
            phone="13912345678",
            id_masked="110***********002X",
            organisation="示范市某某公司",
        )
        model("AccessCode").objects.create(
            campaign=campaign,
            evaluator=person,
            digest=f"d{campaign.year}",
            sealed="x",
            issued_at="2026-03-02T09:00:00+08:00",
            used_on="2026-03-05",
        )
        for n in range(4):
            sheet = model("AnswerSheet").objects.create(
                campaign=campaign,
                stratum=stratum,
                channel="online",
                received_on="2026-03-05",
                answers="0" * 6,
                excluded=n == 0,
                exclusion_reason="与另一份同日提交的评议表完全相同" if n == 0 else "",
            )
            model("Opinion").objects.create(sheet=sheet, unit=unit, text=f"意见{n}")
            rows.append(str(sheet.pk))
    paper = model("AnswerSheet").objects.create(
        campaign=closed, stratum=stratum, channel="paper", serial="P-1", received_on="2026-03-06",
        answers="1" * 6,
    )  # fmt: skip
    model("PaperForm").objects.create(campaign=closed, serial="P-1", status="accepted", sheet=paper)

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    sheet_model = new.get_model("evaluation", "AnswerSheet")
    online = sheet_model.objects.exclude(channel="paper").values_list("pk", flat=True)
    assert sorted(map(str, online)) == sorted(rows)  # the same ids, rewritten in a new order
    assert new.get_model("evaluation", "Opinion").objects.count() == 8
    assert new.get_model("evaluation", "PaperForm").objects.get().sheet_id == paper.pk
    # Published results keep their exclusion (as the old way's); the rest are decided anew.
    excluded = sheet_model.objects.filter(excluded=True)
    assert list(excluded.values_list("campaign_id", "exclusion_rule")) == [(published.pk, "legacy")]
    codes = new.get_model("evaluation", "AccessCode").objects.all()
    assert [c.used for c in codes] == [True, True]
    for person in new.get_model("evaluation", "Evaluator").objects.all():
        assert crypto.decrypt_identity(person.identity_token) == {
            "name": "王小明",
            "phone": "13912345678",
            "id_masked": "110***********002X",
            "organisation": "示范市某某公司",
        }
    with connection.cursor() as cursor:
        for table in ("evaluation_evaluator", "evaluation_answersheet", "evaluation_accesscode"):
            cursor.execute(f"SELECT * FROM {table}")
            stored = str(cursor.fetchall())
            assert "王小明" not in stored and "2026-03-05" not in stored and "同日" not in stored
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
