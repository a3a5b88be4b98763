"""评议人库: importing the evaluator pool from Excel, and adding or removing one person.

A service module of ``evaluation`` (with ``services``, ``sheets`` and ``results``): its writes
begin with the campaign's table of stages (``services.STAGES``), run in a transaction and are
audited.

The workbook's first sheet has a header row with 姓名、层面、手机号码、身份证号、工作单位或住址 (any
order; 手机号码 or 身份证号 at least one per row — they identify the same person twice). The
import is all or nothing: every problem is listed with its row, and nothing is saved until the
whole file is clean. Each person gets the opaque number 年度-序号 (never derived from their
data); the ID card number is kept only masked, with a keyed hash for finding duplicates.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from xiaoneng import crypto, draw
from xiaoneng.accounts.actors import Actor
from xiaoneng.audit import services as audit

from . import services
from .models import Campaign, Evaluator, Stratum

COLUMNS = {
    "name": "姓名",
    "stratum": "层面",
    "phone": "手机号码",
    "id_number": "身份证号",
    "organisation": "工作单位或住址",
}
REQUIRED = ("name", "stratum")
MAX_ROWS = 100_000
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


class PoolError(ValidationError):
    """The file cannot be imported; ``messages`` lists every problem (第N行：…)."""


@dataclass(frozen=True)
class Person:
    row: int
    name: str
    stratum: str
    phone: str
    id_number: str
    organisation: str


def normalise_phone(value: str) -> str:
    return re.sub(r"[\s\-()（）]", "", value or "").removeprefix("+86")


def valid_id_number(value: str) -> bool:
    """居民身份证号码 (GB 11643-1999): 17 digits and the ISO 7064 MOD 11-2 check character."""
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return False
    total = sum(int(c) * w for c, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17]


def mask_id(value: str) -> str:
    return f"{value[:3]}***********{value[-4:]}" if value else ""


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel turns a typed phone number into a float
    return str(value).strip()


def template_workbook() -> bytes:
    """An empty pool file with the header and one example row, for the office to fill in."""
    wb = Workbook()
    ws = wb.active
    ws.title = "评议人库"
    ws.append(list(COLUMNS.values()))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.append(["张三（示例，导入前请删除）", "工商企业界", "13800000000", "", "示范市某某公司"])
    for col, width in zip("ABCDE", (20, 18, 16, 22, 30), strict=True):
        ws.column_dimensions[col].width = width
        ws[f"{col}2"].number_format = "@"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def read_people(data: bytes) -> list[Person]:
    """Read the rows; raise PoolError listing every problem of form (not yet of content)."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise PoolError(["文件不是有效的 Excel 工作簿（.xlsx）"]) from None
    ws = book.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise PoolError(["工作表是空的"])
    names = [_text(h).replace(" ", "") for h in header]
    index: dict[str, int] = {}
    for key, label in COLUMNS.items():
        if label in names:
            index[key] = names.index(label)
    missing = [COLUMNS[k] for k in REQUIRED if k not in index]
    if missing:
        raise PoolError([f"第1行（表头）缺少列：{'、'.join(missing)}"])
    people: list[Person] = []
    for number, row in enumerate(rows, start=2):
        values = {k: _text(row[i]) if i < len(row) else "" for k, i in index.items()}
        if not any(values.values()):
            continue
        if len(people) >= MAX_ROWS:
            raise PoolError([f"一次最多导入 {MAX_ROWS} 人"])
        people.append(
            Person(
                row=number,
                name=values.get("name", ""),
                stratum=draw.normalise_stratum(values.get("stratum", "")),
                phone=normalise_phone(values.get("phone", "")),
                id_number=values.get("id_number", "").upper(),
                organisation=values.get("organisation", ""),
            )
        )
    book.close()
    if not people:
        raise PoolError(["文件中没有评议人"])
    return people


def sealed_identity(person: Person) -> str:
    """What the pool keeps of a person, encrypted: name, phone, masked ID number, organisation
    (``Evaluator.contact`` reads it back)."""
    return crypto.encrypt_identity(
        {
            "name": person.name,
            "phone": person.phone,
            "id_masked": mask_id(person.id_number),
            "organisation": person.organisation,
        }
    )


def matching(people: QuerySet[Evaluator], text: str) -> QuerySet[Evaluator]:
    """The people whose number, name, phone or organisation contains ``text``. Names and phones
    are encrypted, so they are decrypted and compared here (a pool of a few thousand people
    takes a fraction of a second), never searched by the database."""
    text = text.strip()
    if not text:
        return people
    found = [
        pk
        for pk, number, token in people.values_list("pk", "number", "identity_token")
        if text in number or _contains(token, text)
    ]
    return people.filter(pk__in=found)


def _contains(token: str, text: str) -> bool:
    contact = crypto.decrypt_identity(token)
    phone = normalise_phone(text)
    return (
        text in contact.get("name", "")
        or text in contact.get("organisation", "")
        or bool(phone and phone.isdigit() and phone in contact.get("phone", ""))
    )


def _digest(kind: str, value: str) -> list[str]:
    return crypto.keyed_digests(f"evaluator-{kind}", value) if value else []


def check_people(campaign: Campaign, people: list[Person]) -> list[str]:
    """Every content problem: missing or unknown stratum, bad phone or ID, the same person twice
    in the file or already in the pool."""
    strata = set(campaign.strata.values_list("name", flat=True))
    errors: list[str] = []
    first_phone: dict[str, int] = {}
    first_id: dict[str, int] = {}
    for p in people:
        where = f"第{p.row}行"
        if not p.name:
            errors.append(f"{where}：缺少姓名")
        elif len(p.name) > 50:
            errors.append(f"{where}：姓名超过50字")
        if not p.stratum:
            errors.append(f"{where}：缺少层面")
        elif p.stratum not in strata:
            errors.append(
                f"{where}：层面“{p.stratum}”不是本活动的层面（{'、'.join(sorted(strata))}）"
            )
        if not p.phone and not p.id_number:
            errors.append(f"{where}：手机号码和身份证号至少要填一项（用于识别重复人员）")
        if p.phone and not (_MOBILE.fullmatch(p.phone) or _LANDLINE.fullmatch(p.phone)):
            errors.append(f"{where}：手机号码“{p.phone}”格式不正确")
        if p.id_number and not valid_id_number(p.id_number):
            errors.append(f"{where}：身份证号“{mask_id(p.id_number)}”不正确（位数或校验码不对）")
        if len(p.organisation) > 100:
            errors.append(f"{where}：工作单位或住址超过100字")
        for value, first, what in (
            (p.phone, first_phone, "手机号码"),
            (p.id_number, first_id, "身份证号"),
        ):
            if value and value in first:
                errors.append(
                    f"{where}：与第{first[value]}行是同一人（{what}相同），同一人只能入库一次"
                )
            elif value:
                first[value] = p.row
    # Against the pool already there (keyed hashes, under every configured key).
    phone_keys = {d: p for p in people for d in _digest("phone", p.phone)}
    id_keys = {d: p for p in people for d in _digest("id", p.id_number)}
    if phone_keys or id_keys:
        clash = campaign.evaluators.filter(
            Q(phone_key__in=list(phone_keys)) | Q(id_key__in=list(id_keys))
        ).values_list("number", "phone_key", "id_key")
        for number, phone_key, id_key in clash:
            p = phone_keys.get(phone_key) or id_keys.get(id_key)
            if p is not None:
                errors.append(f"第{p.row}行：与评议人库中已有的 {number} 是同一人")
    return errors


@transaction.atomic
def import_pool(actor: Actor, campaign: Campaign, data: bytes) -> int:
    """导入评议人库: all rows or none. Returns how many people were added."""
    campaign = services.STAGES.begin(actor, campaign, "edit_pool").record
    people = read_people(data)
    errors = check_people(campaign, people)
    if errors:
        raise PoolError(errors)
    strata = {s.name: s for s in campaign.strata.all()}
    seq = services.next_number(campaign)
    rows = []
    for i, p in enumerate(people):
        rows.append(
            Evaluator(
                campaign=campaign,
                number=services.evaluator_number(campaign, seq + i),
                stratum=strata[p.stratum],
                identity_token=sealed_identity(p),
                phone_key=(_digest("phone", p.phone) or [""])[0],
                id_key=(_digest("id", p.id_number) or [""])[0],
            )
        )
    Evaluator.objects.bulk_create(rows, batch_size=1000)
    audit.record(
        actor,
        audit.Action.EVENT,
        campaign,
        after={"added": len(rows), "first": rows[0].number, "last": rows[-1].number},
        summary=f"导入评议人 {len(rows)} 人（{rows[0].number}—{rows[-1].number}）",
    )
    return len(rows)


def add_person(actor: Actor, campaign: Campaign, person: Person) -> Evaluator:
    """One person typed in on the pool page: the same checks as a file of one row."""
    with transaction.atomic():
        campaign = services.STAGES.begin(actor, campaign, "edit_pool").record
        errors = [e.split("：", 1)[-1] for e in check_people(campaign, [person])]
        if errors:
            raise ValidationError(errors)
        evaluator = Evaluator.objects.create(
            campaign=campaign,
            number=services.evaluator_number(campaign, services.next_number(campaign)),
            stratum=Stratum.objects.get(campaign=campaign, name=person.stratum),
            identity_token=sealed_identity(person),
            phone_key=(_digest("phone", person.phone) or [""])[0],
            id_key=(_digest("id", person.id_number) or [""])[0],
        )
        audit.record(
            actor,
            audit.Action.CREATE,
            evaluator,
            after=audit.snapshot(evaluator, ["number", "stratum", "campaign"]),
            summary=f"评议人库新增 {evaluator.number}",
        )
        return evaluator


@transaction.atomic
def remove_person(actor: Actor, evaluator: Evaluator) -> None:
    services.STAGES.begin(actor, evaluator.campaign, "edit_pool")
    audit.record(
        actor,
        audit.Action.DELETE,
        evaluator,
        before=audit.snapshot(evaluator, ["number", "stratum", "campaign"]),
        summary=f"评议人库删除 {evaluator.number}",
    )
    evaluator.delete()
