"""Catalog rules (事项目录, 办事指南). Every change goes through here: checked, inside a
transaction, audited with the whole content of the version it creates.

Versioning: a version that is in force (``effective_from`` on or before today) is never changed or
deleted, because cases accepted under it keep pointing at it. A change is a new version effective
from today or a later date. A version that has not taken effect yet (``effective_from`` after
today) may be replaced or withdrawn: a new version effective on or before its date replaces it.

Actors are users; an actor given as a string (``"命令行导入"``) is a trusted system process such as
a management command, and is recorded in the audit log under that name.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import OuterRef, Prefetch, Subquery
from django.utils import timezone

from xiaoneng.accounts.actors import Actor
from xiaoneng.accounts.roles import Reach
from xiaoneng.accounts.scoping import can_create_in
from xiaoneng.audit import services as audit
from xiaoneng.i18n import chinese_display, chinese_labels
from xiaoneng.org.models import Unit
from xiaoneng.workdays import CountRule

from .models import (
    Fee,
    HandlingType,
    Material,
    ServiceItem,
    ServiceItemQuerySet,
    ServiceItemVersion,
    Step,
)

ITEM_FIELDS = ("code", "name", "unit", "handling_type", "category", "keywords")
VERSION_FIELDS = (
    "legal_basis",
    "conditions",
    "fee_free",
    "legal_limit_days",
    "committed_limit_days",
    "warn_days",
    "result_document",
    "where_to_apply",
    "office_hours",
    "contact_phone",
    "supervision_phone",
    "online_available",
    "note",
    "extension_days",
    "correction_mode",
    "count_rule",
)
#: 补正后计时 as a version may set it ("": the supervision rule decides).
CORRECTION_MODES = ("", "restart", "resume")
#: 计时规则 as a version may set it (blank: 次日起算), and how a change reads.
COUNT_RULES = {rule.value: rule.label for rule in CountRule}
MATERIAL_FIELDS = ("order", "name", "form", "copies", "mandatory", "note")
FEE_FIELDS = ("name", "standard", "amount", "basis")
STEP_FIELDS = ("order", "code", "name", "limit_days", "unit", "parallel_group")

PART_LABELS = {
    "item": "事项",
    "version": "事项",
    "materials": "申请材料",
    "fees": "收费项目",
    "steps": "办理环节",
}
STEP_CODE = re.compile(r"^[-a-zA-Z0-9_]+$")
CENT = Decimal("0.01")


# ---- problems --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input. ``part`` is ``item``/``version`` (the item's own fields)
    or ``materials``/``fees``/``steps``; ``index`` is the position in that list as given (None
    for the list as a whole); ``field`` names the field when there is one."""

    part: str
    message: str
    index: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        if self.index is None:
            return self.message
        return f"{PART_LABELS[self.part]}第{self.index + 1}行：{self.message}"


class CatalogError(ValidationError):
    """The input breaks catalog rules; ``problems`` lists each with where it is."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__([str(p) for p in self.problems])


def _system(actor: Actor) -> bool:
    return isinstance(actor, str)


def may_create_in(actor: Actor, unit: Unit | None) -> bool:
    """May ``actor`` register an item owned by ``unit``? (office: anywhere; liaison: subtree)."""
    return _system(actor) or can_create_in(actor, ServiceItemQuerySet, unit)


def may_edit(actor: Actor, item: ServiceItem) -> bool:
    if _system(actor):
        return True
    return ServiceItem.objects.editable_by(actor).filter(pk=item.pk).exists()


def editable_units(actor: Actor | None):
    """Active units ``actor`` may register items for (the unit choice on forms)."""
    units = Unit.objects.filter(is_active=True)
    if _system(actor):
        return units
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return units.none()
    reach = ServiceItemQuerySet.edit_reach.get(actor.effective_role, Reach.NONE)
    if reach is Reach.ALL:
        return units
    if reach is Reach.SUBTREE and actor.unit_id:
        return units.filter(path__startswith=actor.unit.path)
    return units.none()


# ---- content: normalising and checking -------------------------------------------------------


@dataclass
class Content:
    """What one version says, normalised: typed values, lists in their final order."""

    version: dict[str, Any]
    materials: list[dict[str, Any]]
    fees: list[dict[str, Any]]
    steps: list[dict[str, Any]]

    def data(self) -> dict[str, Any]:
        """Plain JSON-able data (units by code): for the audit log, diffs and comparison."""
        return {
            **{k: self.version[k] for k in VERSION_FIELDS},
            "materials": [dict(m) for m in self.materials],
            "fees": [{**f, "amount": _amount_text(f["amount"])} for f in self.fees],
            "steps": [{**s, "unit": s["unit"].code if s["unit"] else None} for s in self.steps],
        }

    def key(self) -> str:
        return json.dumps(self.data(), ensure_ascii=False, sort_keys=True)


def _amount_text(amount: Decimal | None) -> str | None:
    return None if amount is None else str(amount.quantize(CENT))


def _label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _int(value: Any) -> int | bool | None:
    """An int; None when blank; False when it is not a whole number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        return int(value) if value == int(value) else False
    text = str(value).strip()
    return int(text) if re.fullmatch(r"-?\d+", text) else False


def parse_bool(value: Any, default: bool) -> bool | None:
    """是/否 (or true/false, 1/0) as a bool; ``default`` when blank; None when unreadable."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("是", "true", "1", "yes", "y", "on"):
        return True
    if text in ("否", "false", "0", "no", "n", "off"):
        return False
    return None


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _check_length(problems, part, index, model, name: str, value: str) -> None:
    max_length = getattr(model._meta.get_field(name), "max_length", None)
    if max_length and len(value) > max_length:
        problems.append(
            Problem(part, f"{_label(model, name)}不能超过{max_length}个字", index, name)
        )


def _whole(problems, part, index, model, name, value, *, minimum: int, required=True):
    number = _int(value)
    label = _label(model, name).split("（")[0]
    if number is None:
        if required:
            problems.append(Problem(part, f"请填写{label}", index, name))
        return None
    if number is False or number < minimum:
        kind = "正整数" if minimum >= 1 else "不小于0的整数"
        problems.append(Problem(part, f"{label}必须是{kind}", index, name))
        return None
    return number


def serial_days(steps: Sequence[dict[str, Any]]) -> int:
    """Working days the steps take end to end: serial steps add up; the steps of one parallel
    group (并联) run at the same time and count once, by the longest of them."""
    total = 0
    group: int | None = None
    longest = 0
    for step in sorted(steps, key=lambda s: s["order"]):
        if step["parallel_group"] is not None and step["parallel_group"] == group:
            longest = max(longest, step["limit_days"])
            continue
        total += longest
        group, longest = step["parallel_group"], step["limit_days"]
    return total + longest


def prepare_content(
    handling_type: str,
    unit: Unit | None,
    version: dict[str, Any],
    materials: Sequence[dict[str, Any]],
    fees: Sequence[dict[str, Any]],
    steps: Sequence[dict[str, Any]],
) -> tuple[Content, list[Problem]]:
    """Normalise one version's content and check it against the catalog rules.

    Returns the content and every problem found (an empty list when it may be saved). Input
    values may be typed (forms) or raw spreadsheet cells (``"5"``, ``5.0``, ``"是"``). Problems
    name the position of a row as given, so a caller can point at the row it came from.
    """
    problems: list[Problem] = []
    instant = handling_type == HandlingType.INSTANT
    v = _check_version(version, instant, problems)
    mats = _check_materials(materials, instant, problems)
    fee_rows = _check_fees(fees, v["fee_free"], problems)
    step_rows = _check_steps(steps, handling_type, unit, v["committed_limit_days"], problems)
    content = Content(
        version=v,
        materials=[m for _, m in sorted(enumerate(mats), key=lambda x: (x[1]["order"] or 0, x[0]))],
        fees=fee_rows,
        steps=[
            s for _, s in sorted(enumerate(step_rows), key=lambda x: (x[1]["order"] or 0, x[0]))
        ],
    )
    return content, problems


def _check_version(version: dict[str, Any], instant: bool, problems: list[Problem]) -> dict:
    V = ServiceItemVersion
    unknown = set(version) - set(VERSION_FIELDS)
    if unknown:
        problems.append(Problem("version", f"未知的字段：{'、'.join(sorted(unknown))}"))
    v: dict[str, Any] = {}
    for name in VERSION_FIELDS:
        raw = version.get(name)
        if name in ("fee_free", "online_available"):
            flag = parse_bool(raw, default=name == "fee_free")
            if flag is None:
                message = f"{_label(V, name)}只能填“是”或“否”"
                problems.append(Problem("version", message, None, name))
            v[name] = bool(flag)
        elif name == "extension_days":
            v[name] = _whole(problems, "version", None, V, name, raw, minimum=0, required=False)
        elif name == "correction_mode":
            v[name] = _text(raw)
            if v[name] not in CORRECTION_MODES:
                problems.append(
                    Problem("version", "补正后计时只能为 restart、resume 或不填", None, name)
                )
        elif name == "count_rule":
            v[name] = _text(raw) or CountRule.NEXT_DAY.value
            if v[name] not in COUNT_RULES:
                problems.append(
                    Problem(
                        "version",
                        "计时规则只能为次日起算（next_day）、含本数（inclusive）或不填",
                        None,
                        name,
                    )
                )
        elif name.endswith("_days"):
            v[name] = _whole(problems, "version", None, V, name, raw, minimum=0)
        else:
            v[name] = _text(raw)
            _check_length(problems, "version", None, V, name, v[name])
    if not v["legal_basis"]:
        problems.append(Problem("version", "请填写设定依据", None, "legal_basis"))

    def refuse(field_name: str, message: str) -> None:
        problems.append(Problem("version", message, None, field_name))

    legal, committed, warn = v["legal_limit_days"], v["committed_limit_days"], v["warn_days"]
    if committed is None:
        return v
    if instant and committed != 0:
        refuse("committed_limit_days", "即办件当场办结，承诺时限必须为0")
    elif not instant and committed == 0:
        refuse("committed_limit_days", "承诺时限至少为1个工作日；当场办结的事项请登记为即办件")
    if legal is not None and committed > legal:
        refuse(
            "committed_limit_days",
            f"承诺时限（{committed}个工作日）不能超过法定时限（{legal}个工作日）",
        )
    if warn is not None:
        if instant and warn != 0:
            refuse("warn_days", "即办件的预警提前量必须为0")
        elif not instant and committed and warn >= committed:
            refuse(
                "warn_days",
                f"预警提前量（{warn}）必须小于承诺时限（{committed}个工作日），否则一受理就亮黄灯",
            )
    return v


def _unique(problems, part, index, key, value, seen: dict, what: str) -> None:
    """Report ``value`` when an earlier row already used it."""
    if value in (None, ""):
        return
    if value in seen:
        problems.append(Problem(part, f"{what}“{value}”与第{seen[value] + 1}行重复", index, key))
    seen.setdefault(value, index)


def _check_materials(materials, instant: bool, problems: list[Problem]) -> list[dict]:
    rows: list[dict[str, Any]] = []
    orders: dict[int, int] = {}
    names: dict[str, int] = {}
    forms = chinese_labels(Material.Form)
    for index, raw in enumerate(materials):
        m: dict[str, Any] = {}
        m["order"] = _whole(
            problems, "materials", index, Material, "order", raw.get("order"), minimum=1
        )
        m["name"] = _text(raw.get("name"))
        if not m["name"]:
            problems.append(Problem("materials", "请填写材料名称", index, "name"))
        _check_length(problems, "materials", index, Material, "name", m["name"])
        m["form"] = _text(raw.get("form")) or Material.Form.ORIGINAL
        if m["form"] not in forms:
            message = f"材料形式“{m['form']}”无效，可选：{'、'.join(forms.values())}"
            problems.append(Problem("materials", message, index, "form"))
        copies = raw.get("copies")
        m["copies"] = (
            1
            if copies in (None, "")
            else _whole(problems, "materials", index, Material, "copies", copies, minimum=1)
        )
        flag = parse_bool(raw.get("mandatory"), default=True)
        if flag is None:
            problems.append(Problem("materials", "“必需”只能填“是”或“否”", index, "mandatory"))
        m["mandatory"] = bool(flag)
        m["note"] = _text(raw.get("note"))
        _check_length(problems, "materials", index, Material, "note", m["note"])
        _unique(problems, "materials", index, "order", m["order"], orders, "序号")
        _unique(problems, "materials", index, "name", m["name"], names, "材料")
        rows.append(m)
    if not materials and not instant:
        problems.append(Problem("materials", "请至少列出一项申请材料（只有即办件可以不列材料）"))
    return rows


def _check_fees(fees, fee_free: bool, problems: list[Problem]) -> list[dict]:
    rows: list[dict[str, Any]] = []
    for index, raw in enumerate(fees):
        f: dict[str, Any] = {k: _text(raw.get(k)) for k in ("name", "standard", "basis")}
        for name, message in (
            ("name", "请填写收费项目名称"),
            ("standard", "请填写收费标准"),
            ("basis", "每个收费项目都必须写明收费依据"),
        ):
            if not f[name]:
                problems.append(Problem("fees", message, index, name))
            _check_length(problems, "fees", index, Fee, name, f[name])
        f["amount"] = None
        amount = raw.get("amount")
        if amount not in (None, ""):
            try:
                value = Decimal(str(amount).strip())
                if not value.is_finite():
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                problems.append(Problem("fees", "金额必须是数字", index, "amount"))
            else:
                if value < 0:
                    problems.append(Problem("fees", "金额不能为负数", index, "amount"))
                elif value >= Decimal("1e10"):
                    problems.append(Problem("fees", "金额过大", index, "amount"))
                else:
                    f["amount"] = value.quantize(CENT)
        rows.append(f)
    if fee_free and fees:
        problems.append(Problem("fees", "事项已标为不收费，不能再列收费项目"))
    if not fee_free and not fees:
        problems.append(Problem("fees", "收费事项必须列出收费项目、标准和依据"))
    return rows


def _check_step_unit(s, step_unit, handling_type, unit, index, problems) -> None:
    if step_unit is None:
        return
    if not step_unit.is_active:
        problems.append(Problem("steps", f"承办单位“{step_unit.name}”已撤销", index, "unit"))
    if handling_type != HandlingType.JOINT and unit is not None and not step_unit.is_within(unit):
        message = f"只有联办件的环节可以由其他单位（{step_unit.name}）承办"
        problems.append(Problem("steps", message, index, "unit"))
    if unit is not None and step_unit.pk == unit.pk:
        # Stored as empty, meaning "the item's own unit", which stays right if the item moves.
        s["unit"] = None


def _check_steps(steps, handling_type, unit, committed, problems: list[Problem]) -> list[dict]:
    instant = handling_type == HandlingType.INSTANT
    rows: list[dict[str, Any]] = []
    orders: dict[int, int] = {}
    codes: dict[str, int] = {}
    before = len(problems)
    for index, raw in enumerate(steps):
        s: dict[str, Any] = {}
        s["order"] = _whole(problems, "steps", index, Step, "order", raw.get("order"), minimum=1)
        s["code"] = _text(raw.get("code"))
        s["name"] = _text(raw.get("name"))
        if not s["code"]:
            problems.append(Problem("steps", "请填写环节代码", index, "code"))
        elif not STEP_CODE.match(s["code"]):
            message = "环节代码只能由字母、数字、下划线和连字符组成"
            problems.append(Problem("steps", message, index, "code"))
        _check_length(problems, "steps", index, Step, "code", s["code"])
        if not s["name"]:
            problems.append(Problem("steps", "请填写环节名称", index, "name"))
        _check_length(problems, "steps", index, Step, "name", s["name"])
        limit = _int(raw.get("limit_days"))
        s["limit_days"] = None
        if instant:
            if limit is None or limit is False or limit != 0:
                message = "即办件当场办结，环节时限必须为0"
                problems.append(Problem("steps", message, index, "limit_days"))
            else:
                s["limit_days"] = 0
        elif limit is None or limit is False or limit < 1:
            problems.append(Problem("steps", "环节时限必须是正整数", index, "limit_days"))
        else:
            s["limit_days"] = limit
        s["unit"] = raw.get("unit") or None
        _check_step_unit(s, s["unit"], handling_type, unit, index, problems)
        group = raw.get("parallel_group")
        s["parallel_group"] = (
            None
            if group in (None, "")
            else _whole(problems, "steps", index, Step, "parallel_group", group, minimum=1)
        )
        _unique(problems, "steps", index, "order", s["order"], orders, "序号")
        _unique(problems, "steps", index, "code", s["code"], codes, "环节代码")
        rows.append(s)
    if not steps:
        problems.append(Problem("steps", "请至少列出一个办理环节"))
    if rows and len(problems) == before:
        # The whole-procedure rules only make sense once every row is sound.
        _check_procedure(rows, handling_type, unit, committed, problems)
    return rows


def _check_procedure(rows, handling_type, unit, committed, problems: list[Problem]) -> None:
    ordered = sorted(rows, key=lambda s: s["order"])
    ended: set[int] = set()
    previous: int | None = None
    for s in ordered:
        group = s["parallel_group"]
        if group is not None and group in ended and group != previous:
            problems.append(Problem("steps", f"并联组{group}的环节必须前后相邻（按序号排列）"))
            break
        if previous is not None and previous != group:
            ended.add(previous)
        previous = group
    joint_units = {(s["unit"] or unit).pk for s in ordered} if unit is not None else set()
    if handling_type == HandlingType.JOINT and unit is not None and len(joint_units) < 2:
        message = "联办件须由至少两个单位承办：请为相关环节指定承办单位"
        problems.append(Problem("steps", message))
    total = serial_days(ordered)
    if committed is not None and handling_type != HandlingType.INSTANT and total > committed:
        problems.append(
            Problem(
                "steps",
                f"各环节时限合计{total}个工作日（并联组按其中最长的计），"
                f"超过承诺时限{committed}个工作日",
            )
        )


def _check_item_fields(
    *,
    code: Any,
    name: Any,
    unit: Unit | None,
    handling_type: Any,
    category: Any,
    keywords: Any,
    existing: bool = False,
) -> tuple[dict[str, Any], list[Problem]]:
    problems: list[Problem] = []
    S = ServiceItem
    fields = {
        "code": _text(code),
        "name": _text(name),
        "unit": unit,
        "handling_type": _text(handling_type),
        "category": _text(category),
        "keywords": _text(keywords),
    }
    if not fields["code"]:
        problems.append(Problem("item", "请填写事项编码", None, "code"))
    elif re.search(r"\s", fields["code"]):
        problems.append(Problem("item", "事项编码不能含空格", None, "code"))
    elif not existing and ServiceItem.objects.filter(code=fields["code"]).exists():
        problems.append(Problem("item", f"事项编码“{fields['code']}”已被使用", None, "code"))
    if not fields["name"]:
        problems.append(Problem("item", "请填写事项名称", None, "name"))
    if unit is None:
        problems.append(Problem("item", "请选择实施单位", None, "unit"))
    elif not unit.is_active:
        problems.append(Problem("item", f"实施单位“{unit.name}”已撤销", None, "unit"))
    if fields["handling_type"] not in HandlingType.values:
        labels = "、".join(chinese_labels(HandlingType).values())
        problems.append(Problem("item", f"办件类型无效，可选：{labels}", None, "handling_type"))
    for key in ("code", "name", "category", "keywords"):
        _check_length(problems, "item", None, S, key, fields[key])
    return fields, problems


def _effective_date(value: Any, problems: list[Problem]) -> date | None:
    if value in (None, ""):
        return timezone.localdate()
    day = _date(value)
    if day is None:
        problems.append(
            Problem("version", "生效日期格式不对，应为 YYYY-MM-DD", None, "effective_from")
        )
    return day


# ---- reading versions back -------------------------------------------------------------------


def versions_with_content():
    """Versions with materials, fees and steps (and the steps' units) loaded in 4 queries."""
    return ServiceItemVersion.objects.prefetch_related(
        "materials", "fees", Prefetch("steps", queryset=Step.objects.select_related("unit"))
    )


def content_of(version: ServiceItemVersion) -> Content:
    return Content(
        version={k: getattr(version, k) for k in VERSION_FIELDS},
        materials=[{k: getattr(m, k) for k in MATERIAL_FIELDS} for m in version.materials.all()],
        fees=[{k: getattr(f, k) for k in FEE_FIELDS} for f in version.fees.all()],
        steps=[{k: getattr(s, k) for k in STEP_FIELDS} for s in version.steps.all()],
    )


def version_snapshot(version: ServiceItemVersion) -> dict[str, Any]:
    """The whole content of a version as plain data (the audit log keeps this)."""
    return {
        "item": version.item.code,
        "number": version.number,
        "effective_from": version.effective_from.isoformat(),
        **content_of(version).data(),
    }


def latest_version(item: ServiceItem) -> ServiceItemVersion | None:
    """The newest version, whether in force or still pending."""
    return item.versions.order_by("-effective_from", "-number").first()


def pending_versions(item: ServiceItem, today: date | None = None):
    return item.versions.filter(effective_from__gt=today or timezone.localdate())


def is_pending(version: ServiceItemVersion, today: date | None = None) -> bool:
    return version.effective_from > (today or timezone.localdate())


# ---- writing ---------------------------------------------------------------------------------


def _write_versions(entries: Sequence[tuple[ServiceItem, int, date, Content]]):
    """Insert versions and their rows in a handful of statements, whatever their number.

    Items not yet saved are inserted first. The order of ``entries`` is kept throughout.
    """
    # An item with several versions appears several times; insert it once.
    unique_new = list({id(item): item for item, *_ in entries if item.pk is None}.values())
    if unique_new:
        ServiceItem.objects.bulk_create(unique_new, batch_size=1000)
    versions = [
        ServiceItemVersion(item=item, number=number, effective_from=day, **content.version)
        for item, number, day, content in entries
    ]
    ServiceItemVersion.objects.bulk_create(versions, batch_size=1000)
    materials, fees, steps = [], [], []
    for version, (*_, content) in zip(versions, entries, strict=True):
        materials += [Material(version=version, **m) for m in content.materials]
        fees += [Fee(version=version, **f) for f in content.fees]
        steps += [Step(version=version, **s) for s in content.steps]
    Material.objects.bulk_create(materials, batch_size=2000)
    Fee.objects.bulk_create(fees, batch_size=2000)
    Step.objects.bulk_create(steps, batch_size=2000)
    return versions


def _snapshot_from(item: ServiceItem, version: ServiceItemVersion, content: Content) -> dict:
    return {
        "item": item.code,
        "number": version.number,
        "effective_from": version.effective_from.isoformat(),
        **content.data(),
    }


def _audit_item_created(actor: Actor, item, version, content, summary="新增事项") -> None:
    after = {
        **audit.snapshot(item),
        "unit_code": item.unit.code,
        "version": _snapshot_from(item, version, content),
    }
    audit.record(actor, audit.Action.CREATE, item, after=after, summary=summary)


def _audit_version_created(actor: Actor, item, version, content, before, summary="") -> None:
    after = _snapshot_from(item, version, content)
    summary = summary or f"发布第{version.number}版，{version.effective_from}起生效"
    audit.record(
        actor,
        audit.Action.CREATE,
        version,
        before=before,
        after=after,
        summary=summary,
        object_repr=f"{item.name}（{item.code}）第{version.number}版",
    )


@transaction.atomic
def create_item(
    actor: Actor,
    *,
    code: str,
    name: str,
    unit: Unit,
    handling_type: str,
    category: str = "",
    keywords: str = "",
    version: dict[str, Any],
    materials: Sequence[dict[str, Any]],
    fees: Sequence[dict[str, Any]],
    steps: Sequence[dict[str, Any]],
) -> ServiceItem:
    """Register a new item (事项) with its first version.

    ``version`` holds the version fields and ``effective_from`` (default today). The first
    version may take effect in the past: the catalog often records items long after they began.
    """
    if not may_create_in(actor, unit):
        raise PermissionDenied("您无权为该单位登记事项")
    version = dict(version)
    problems: list[Problem] = []
    effective_from = _effective_date(version.pop("effective_from", None), problems)
    fields, more = _check_item_fields(
        code=code,
        name=name,
        unit=unit,
        handling_type=handling_type,
        category=category,
        keywords=keywords,
    )
    content, rest = prepare_content(fields["handling_type"], unit, version, materials, fees, steps)
    problems = more + problems + rest
    if problems:
        raise CatalogError(problems)
    item = ServiceItem(**fields)
    [created] = _write_versions([(item, 1, effective_from, content)])
    _audit_item_created(actor, item, created, content)
    return item


def _plan_publish(
    item: ServiceItem, effective_from: date | None, content: Content, today: date
) -> tuple[list[ServiceItemVersion], ServiceItemVersion | None, list[Problem]]:
    """What publishing ``content`` from ``effective_from`` would replace, and what it follows."""
    problems: list[Problem] = []
    if effective_from is None:
        return [], None, problems
    if effective_from < today:
        problems.append(
            Problem(
                "version",
                f"新版本的生效日期不能早于今天（{today:%Y-%m-%d}）：已生效的版本不能修改",
                None,
                "effective_from",
            )
        )
        return [], None, problems
    versions = list(versions_with_content().filter(item=item).order_by("effective_from", "number"))
    replaced = [
        v for v in versions if v.effective_from > today and v.effective_from >= effective_from
    ]
    kept = [v for v in versions if v not in replaced]
    previous = kept[-1] if kept else None
    if previous is not None and content_of(previous).key() == content.key():
        problems.append(
            Problem(
                "version",
                f"内容与第{previous.number}版（{previous.effective_from:%Y-%m-%d}起）相同，"
                "无需发布新版本",
            )
        )
    return replaced, previous, problems


def _publish(actor: Actor, item, effective_from, content, replaced, previous, summary=""):
    for old in replaced:
        audit.record(
            actor,
            audit.Action.DELETE,
            old,
            before=version_snapshot(old),
            summary=f"第{old.number}版尚未生效，被新版本取代",
            object_repr=f"{item.name}（{item.code}）第{old.number}版",
        )
    number = (item.versions.aggregate(n=models.Max("number"))["n"] or 0) + 1
    if replaced:
        ServiceItemVersion.objects.filter(pk__in=[v.pk for v in replaced]).delete()
    [created] = _write_versions([(item, number, effective_from, content)])
    before = version_snapshot(previous) if previous is not None else None
    _audit_version_created(actor, item, created, content, before, summary)
    return created


@transaction.atomic
def publish_version(
    actor: Actor,
    item: ServiceItem,
    *,
    effective_from: date,
    version: dict[str, Any],
    materials: Sequence[dict[str, Any]],
    fees: Sequence[dict[str, Any]],
    steps: Sequence[dict[str, Any]],
) -> ServiceItemVersion:
    """Publish a new version of ``item`` effective from ``effective_from`` (today or later).

    Versions in force are never touched. Pending versions (not yet in force) that would take
    effect on or after ``effective_from`` are replaced — withdrawn in favour of this one — so the
    versions' dates and numbers always rise together. Content identical to the version it
    follows is refused.
    """
    item = ServiceItem.objects.select_for_update().select_related("unit").get(pk=item.pk)
    if not may_edit(actor, item):
        raise PermissionDenied("您无权修改该事项")
    problems: list[Problem] = []
    day = _effective_date(effective_from, problems) if effective_from else None
    if effective_from in (None, ""):
        problems.append(Problem("version", "请填写生效日期", None, "effective_from"))
    version = {k: v for k, v in version.items() if k != "effective_from"}
    content, more = prepare_content(item.handling_type, item.unit, version, materials, fees, steps)
    problems += more
    today = timezone.localdate()
    replaced, previous, rest = _plan_publish(item, day, content, today)
    problems += rest
    if problems:
        raise CatalogError(problems)
    return _publish(actor, item, day, content, replaced, previous)


@transaction.atomic
def withdraw_version(actor: Actor, version: ServiceItemVersion) -> None:
    """Withdraw a version that has not taken effect yet (撤回待生效版本)."""
    version = (
        ServiceItemVersion.objects.select_for_update().select_related("item").get(pk=version.pk)
    )
    item = version.item
    if not may_edit(actor, item):
        raise PermissionDenied("您无权修改该事项")
    if not is_pending(version):
        raise ValidationError("该版本已生效，不能撤回；如需修改请发布新版本")
    if item.versions.count() == 1:
        raise ValidationError("这是该事项唯一的版本，不能撤回；可以停用该事项")
    audit.record(
        actor,
        audit.Action.DELETE,
        version,
        before=version_snapshot(version),
        summary=f"撤回尚未生效的第{version.number}版",
        object_repr=f"{item.name}（{item.code}）第{version.number}版",
    )
    version.delete()


@transaction.atomic
def set_item_active(actor: Actor, item: ServiceItem, active: bool) -> ServiceItem:
    """Put an item in use or withdraw it (停用) from the public guide. Versions stay as they are."""
    item = ServiceItem.objects.select_for_update().get(pk=item.pk)
    if not may_edit(actor, item):
        raise PermissionDenied("您无权修改该事项")
    if item.is_active == bool(active):
        return item
    before = audit.snapshot(item)
    item.is_active = bool(active)
    item.save(update_fields=["is_active"])
    audit.record(
        actor,
        audit.Action.UPDATE,
        item,
        before=before,
        after=audit.snapshot(item),
        summary="启用事项" if active else "停用事项",
    )
    return item


@transaction.atomic
def update_item(
    actor: Actor,
    item: ServiceItem,
    *,
    name: str,
    unit: Unit,
    category: str = "",
    keywords: str = "",
) -> ServiceItem:
    """Change what identifies an item (name, owning unit, category, keywords) in place.

    These are not versioned: they do not change what a case must do. The handling type cannot
    change (it decides how the cases' clocks run); code and type stay for the item's life.
    """
    item = ServiceItem.objects.select_for_update().select_related("unit").get(pk=item.pk)
    if not may_edit(actor, item):
        raise PermissionDenied("您无权修改该事项")
    if unit is not None and unit.pk != item.unit_id and not may_create_in(actor, unit):
        raise CatalogError([Problem("item", "您无权把事项划给该单位", None, "unit")])
    fields, problems = _check_item_fields(
        code=item.code,
        name=name,
        unit=unit,
        handling_type=item.handling_type,
        category=category,
        keywords=keywords,
        existing=True,
    )
    if unit is not None and unit.pk != item.unit_id:
        own_steps = Step.objects.filter(version__item=item, unit__isnull=False)
        for step in own_steps.select_related("unit"):
            if item.handling_type != HandlingType.JOINT and not step.unit.is_within(unit):
                problems.append(
                    Problem("item", "事项的环节由原单位的下级承办，不能改变实施单位", None, "unit")
                )
                break
    if problems:
        raise CatalogError(problems)
    before = audit.snapshot(item)
    for key in ("name", "unit", "category", "keywords"):
        setattr(item, key, fields[key])
    item.save()
    after = audit.snapshot(item)
    changed = audit.changed_fields(before, after)
    if changed:
        audit.record(
            actor,
            audit.Action.UPDATE,
            item,
            before=before,
            after=after,
            summary="修改：" + "、".join(changed),
        )
    return item


# ---- many items at once: spreadsheet import and the demo -------------------------------------


@dataclass
class ItemInput:
    """One item as a spreadsheet row gives it (values may still be raw cell values)."""

    code: str
    name: str
    unit: Unit | None
    handling_type: str
    category: str = ""
    keywords: str = ""
    is_active: bool = True
    effective_from: Any = None
    version: dict[str, Any] = field(default_factory=dict)
    materials: list[dict[str, Any]] = field(default_factory=list)
    fees: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"新增事项{len(self.created)}项，发布新版本{len(self.new_versions)}项，"
            f"修改事项信息{len(self.updated)}项，内容相同未变{len(self.unchanged)}项"
        )


class ImportRejected(Exception):
    """Nothing was imported; ``problems`` lists (input position, problem) pairs."""

    def __init__(self, problems: list[tuple[int, Problem]]):
        super().__init__(f"{len(problems)} 处错误")
        self.problems = problems


@dataclass
class _Action:
    index: int
    spec: ItemInput
    fields: dict[str, Any]
    content: Content
    effective_from: date | None
    item: ServiceItem | None = None
    replaced: list[ServiceItemVersion] = field(default_factory=list)
    previous: ServiceItemVersion | None = None
    new_version: bool = False
    update_fields: dict[str, Any] = field(default_factory=dict)


def import_items(
    actor: Actor, inputs: Sequence[ItemInput], *, source: str = "", dry_run: bool = False
) -> ImportResult:
    """Import many items, all or nothing (批量导入).

    A new code creates the item with its first version. A known code creates a new version
    only when the content differs from the item's latest version (effective from the row's
    date, which then must not be in the past); identical content changes nothing. Name, unit,
    category, keywords and 在用 are updated in place when they differ. Raises
    :class:`ImportRejected` listing every problem; then nothing was written.
    """
    today = timezone.localdate()
    problems: list[tuple[int, Problem]] = []
    codes = [_text(i.code) for i in inputs]
    existing = {
        i.code: i for i in ServiceItem.objects.filter(code__in=codes).select_related("unit")
    }
    latest: dict[int, ServiceItemVersion] = {}
    if existing:
        newest = Subquery(
            ServiceItemVersion.objects.filter(item=OuterRef("item"))
            .order_by("-effective_from", "-number")
            .values("pk")[:1]
        )
        for v in (
            versions_with_content()
            .filter(item__in=existing.values(), pk=newest)
            .select_related("item")
        ):
            latest[v.item_id] = v
    editable = (
        {i.pk for i in existing.values()}
        if _system(actor)
        else set(
            ServiceItem.objects.editable_by(actor)
            .filter(pk__in=[i.pk for i in existing.values()])
            .values_list("pk", flat=True)
        )
    )
    seen: dict[str, int] = {}
    actions: list[_Action] = []
    for index, spec in enumerate(inputs):
        found: list[Problem] = []
        code = codes[index]
        if code in seen:
            found.append(Problem("item", f"事项编码“{code}”重复", None, "code"))
        seen.setdefault(code, index)
        item = existing.get(code)
        fields, more = _check_item_fields(
            code=code,
            name=spec.name,
            unit=spec.unit,
            handling_type=spec.handling_type,
            category=spec.category,
            keywords=spec.keywords,
            existing=item is not None,
        )
        found += more
        day = _effective_date(spec.effective_from, found)
        content, more = prepare_content(
            fields["handling_type"], spec.unit, spec.version, spec.materials, spec.fees, spec.steps
        )
        found += more
        action = _Action(index, spec, fields, content, day, item)
        if item is None:
            if spec.unit is not None and not may_create_in(actor, spec.unit):
                found.append(
                    Problem("item", f"您无权为单位“{spec.unit.name}”登记事项", None, "unit")
                )
        else:
            kind = fields["handling_type"]
            if kind in HandlingType.values and kind != item.handling_type:
                found.append(
                    Problem(
                        "item",
                        "事项已存在，办件类型（"
                        f"{chinese_display(item, 'handling_type')}）不能修改；"
                        "如需改变请停用原事项并用新编码登记",
                        None,
                        "handling_type",
                    )
                )
            changes = {
                k: fields[k]
                for k in ("name", "unit", "category", "keywords")
                if fields[k] != getattr(item, k)
            }
            if bool(spec.is_active) != item.is_active:
                changes["is_active"] = bool(spec.is_active)
            action.update_fields = changes
            current = latest.get(item.pk)
            differs = current is None or content_of(current).key() != content.key()
            if differs and not found:
                replaced, previous, more = _plan_publish(item, day, content, today)
                found += more
                action.new_version, action.replaced, action.previous = True, replaced, previous
            # Rows that change nothing need no permission: re-importing a full export is fine.
            if (action.new_version or changes) and item.pk not in editable:
                found.append(Problem("item", f"您无权修改事项“{code}”", None, "code"))
            if "unit" in changes and changes["unit"] and not may_create_in(actor, changes["unit"]):
                found.append(Problem("item", "您无权把事项划给该单位", None, "unit"))
        problems += [(index, p) for p in found]
        actions.append(action)
    if problems:
        raise ImportRejected(problems)
    result = ImportResult()
    if dry_run:
        for a in actions:
            if a.item is None:
                result.created.append(a.fields["code"])
            else:
                if a.new_version:
                    result.new_versions.append(a.item.code)
                if a.update_fields:
                    result.updated.append(a.item.code)
                if not (a.new_version or a.update_fields):
                    result.unchanged.append(a.item.code)
        return result
    with transaction.atomic():
        _apply_import(actor, actions, result, source)
    return result


def _apply_import(actor: Actor, actions: list[_Action], result: ImportResult, source: str) -> None:
    creations = [a for a in actions if a.item is None]
    entries = []
    for a in creations:
        a.item = ServiceItem(**a.fields, is_active=bool(a.spec.is_active))
        entries.append((a.item, 1, a.effective_from, a.content))
    versions = _write_versions(entries)
    created_ids = {a.item.pk for a in creations}
    label = f"导入新增事项（{source}）" if source else "导入新增事项"
    for a, version in zip(creations, versions, strict=True):
        _audit_item_created(actor, a.item, version, a.content, summary=label[:255])
        result.created.append(a.item.code)
    for a in actions:
        if a.item.pk in created_ids:
            continue
        if not (a.update_fields or a.new_version):
            result.unchanged.append(a.item.code)
            continue
        item = ServiceItem.objects.select_for_update().get(pk=a.item.pk)
        if a.update_fields:
            before = audit.snapshot(item)
            for key, value in a.update_fields.items():
                setattr(item, key, value)
            item.save()
            after = audit.snapshot(item)
            audit.record(
                actor,
                audit.Action.UPDATE,
                item,
                before=before,
                after=after,
                summary="导入修改：" + "、".join(audit.changed_fields(before, after)),
            )
            result.updated.append(item.code)
        if a.new_version:
            _publish(
                actor,
                item,
                a.effective_from,
                a.content,
                a.replaced,
                a.previous,
                summary=f"导入发布新版本，{a.effective_from}起生效",
            )
            result.new_versions.append(item.code)
    audit.record(
        actor,
        audit.Action.EVENT,
        object_type="catalog.import",
        object_id="",
        object_repr=f"事项目录导入{('：' + source) if source else ''}"[:255],
        summary=result.summary(),
        after={
            "source": source,
            "created": result.created,
            "new_versions": result.new_versions,
            "updated": result.updated,
            "unchanged": len(result.unchanged),
        },
    )


@dataclass
class BulkItem:
    """An item with its whole version history, for :func:`bulk_create_items` (the demo)."""

    fields: dict[str, Any]
    versions: list[tuple[date, Content]]
    is_active: bool = True


def bulk_create_items(actor: Actor, items: Sequence[BulkItem], *, summary: str) -> int:
    """Write many checked items with their histories in a few statements (the demo city).

    Every version must have passed :func:`prepare_content`; versions may lie in the past
    (this records history, it does not change it). One audit entry records the batch: the codes
    and the SHA-256 of the whole content of every version, so the entry still pins what was
    written without 2,000 entries' worth of time (the demo builds in seconds).
    """
    entries = []
    for spec in items:
        item = ServiceItem(**spec.fields, is_active=spec.is_active)
        for number, (day, content) in enumerate(spec.versions, start=1):
            entries.append((item, number, day, content))
    versions = _write_versions(entries)
    digest = hashlib.sha256()
    for (item, _, _, content), version in zip(entries, versions, strict=True):
        snapshot = _snapshot_from(item, version, content)
        digest.update(json.dumps(snapshot, ensure_ascii=False, sort_keys=True).encode())
    audit.record(
        actor,
        audit.Action.EVENT,
        object_type="catalog.import",
        object_id="",
        object_repr=summary[:255],
        summary=f"{summary}：事项{len(items)}项，版本{len(versions)}个"[:255],
        after={
            "items": len(items),
            "versions": len(versions),
            "codes": [spec.fields["code"] for spec in items],
            "content_sha256": digest.hexdigest(),
        },
    )
    return len(items)


# ---- reading for pages -----------------------------------------------------------------------


def with_current_version(items: Sequence[ServiceItem], day: date | None = None) -> None:
    """Attach ``item.current`` (the version in force on ``day``) to each item: one query."""
    day = day or timezone.localdate()
    ids = [i.pk for i in items]
    current: dict[int, ServiceItemVersion] = {}
    newest = Subquery(
        ServiceItemVersion.objects.filter(item=OuterRef("item"), effective_from__lte=day)
        .order_by("-effective_from", "-number")
        .values("pk")[:1]
    )
    for version in ServiceItemVersion.objects.filter(item_id__in=ids, pk=newest):
        current[version.item_id] = version
    for item in items:
        item.current = current.get(item.pk)


def diff_versions(old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    """What changed from one version snapshot to the next, in words (Chinese)."""
    if old is None:
        return []
    changes: list[str] = []
    V = ServiceItemVersion
    for name in VERSION_FIELDS:
        a, b = old.get(name), new.get(name)
        if name == "count_rule":
            # Versions recorded before the rule existed counted from the next day.
            a = COUNT_RULES.get(a or CountRule.NEXT_DAY.value, a)
            b = COUNT_RULES.get(b or CountRule.NEXT_DAY.value, b)
        if a == b:
            continue
        label = _label(V, name)
        if isinstance(b, bool):
            changes.append(f"{label}：{'是' if a else '否'} → {'是' if b else '否'}")
        elif isinstance(b, int) or (isinstance(b, str) and len(b) <= 40 and len(a or "") <= 40):
            changes.append(f"{label}：{a if a not in (None, '') else '（空）'} → {b or '（空）'}")
        else:
            changes.append(f"{label}有修改")

    labels = {
        "materials": {"form": "形式", "copies": "份数", "mandatory": "是否必需", "note": "说明"},
        "fees": {"standard": "标准", "amount": "金额", "basis": "依据"},
        "steps": {
            "name": "名称",
            "limit_days": "时限",
            "unit": "承办单位",
            "parallel_group": "并联组",
        },
    }
    for part, key, what in (
        ("materials", "name", "材料"),
        ("fees", "name", "收费项目"),
        ("steps", "code", "环节"),
    ):
        before = {r[key]: r for r in old.get(part, [])}
        after = {r[key]: r for r in new.get(part, [])}
        changes += [f"新增{what}：{after[k].get('name', k)}" for k in after if k not in before]
        changes += [f"删除{what}：{before[k].get('name', k)}" for k in before if k not in after]
        for k in after:
            if k not in before:
                continue
            a, b = before[k], after[k]
            if part == "steps" and a["limit_days"] != b["limit_days"]:
                changes.append(
                    f"环节“{b['name']}”时限：{a['limit_days']} → {b['limit_days']}个工作日"
                )
                continue
            # A new position alone (another row added or removed before it) is no change.
            fields = [label for f, label in labels[part].items() if a.get(f) != b.get(f)]
            if fields:
                changes.append(f"修改{what}“{b.get('name', k)}”：{'、'.join(fields)}")
    return changes
