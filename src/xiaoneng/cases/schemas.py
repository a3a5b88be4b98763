"""The shape of a case event as senders submit it (API and window alike), validated by pydantic.

Field names are English; messages shown to people are Chinese. Kind-specific requirements are
checked here too, so that every rejected item names what is wrong with it.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from .timeline import SPECIAL_KINDS

EventKind = Literal[
    "accept",
    "correction_notice",
    "correction_received",
    "step_start",
    "step_finish",
    "special_start",
    "special_end",
    "extension",
    "finish",
    "reject",
    "return",
    "deliver",
    "fee",
    "veto_filed",
]


def _json_number(value: object) -> object:
    # JSON's true/false and "3" are not numbers, though Python would take them for 1/0 and 3.
    if isinstance(value, bool | str):
        raise ValueError("应为整数（JSON 数字，不能是 true/false 或字符串）")
    return value


#: A decimal amount written as a string, as money should be: up to 10 digits and 2 decimals.
AMOUNT_PATTERN = r"^[0-9]{1,10}(\.[0-9]{1,2})?$"
#: Text that must say something: whitespace around it is trimmed, and all-whitespace is empty.
NOT_BLANK = r"\S"
MAX_AMOUNT = 9_999_999_999


def _amount(value: object) -> str:
    """An amount as the decimal text it was sent as (how the event stores it)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and not value.is_integer():
            raise ValueError('带小数的金额请写成字符串，如 "12.50"（不收浮点数，以免舍入）')
        if not 0 <= value <= MAX_AMOUNT:
            raise ValueError(f"金额应在 0 到 {MAX_AMOUNT} 之间")
        return str(int(value))
    if isinstance(value, str) and re.fullmatch(AMOUNT_PATTERN, value):
        return value
    raise ValueError('金额应为整数，或字符串形式的小数，如 "12.50"')


#: 金额（元）: an integer, or a decimal string (never a float, which would round).
Amount = Annotated[
    str,
    BeforeValidator(_amount),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0, "maximum": MAX_AMOUNT},
                {"type": "string", "pattern": AMOUNT_PATTERN},
            ],
            "description": '金额（元）：整数，或字符串形式的小数如 "12.50"（不收浮点数，以免舍入）',
        }
    ),
]


class FeeItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200, pattern=NOT_BLANK)
    amount: Amount


class Applicant(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100, pattern=NOT_BLANK)
    kind: Literal["person", "company"] = "person"


COMMON_FIELDS = ("event_id", "case_number", "kind", "at")
#: For each kind: the fields it requires, and those it may carry besides (docs/api.md, §3).
#: Anything else is refused, so that the document can say exactly what each kind takes.
KIND_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "accept": (
        ("item_code", "applicant"),
        ("window_code", "handler_staff_no", "joint_mode", "channel"),
    ),
    "correction_notice": (("materials",), ()),
    "correction_received": ((), ()),
    "step_start": (("step_code",), ()),
    "step_finish": (("step_code",), ()),
    "special_start": (("special_kind",), ()),
    "special_end": ((), ()),
    "extension": (("days",), ()),
    "finish": (("result",), ("reason",)),  # reason: required when the result is "denied"
    "reject": (("reason",), ()),
    "return": (("reason",), ()),
    "deliver": ((), ()),
    "fee": (("fees",), ()),
    "veto_filed": (("filing_no",), ()),
}


class EventIn(BaseModel):
    """One case event. ``event_id`` is the sender's own id: resending it is harmless."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    event_id: str = Field(min_length=1, max_length=100, pattern=NOT_BLANK)
    case_number: str = Field(min_length=1, max_length=60, pattern=NOT_BLANK)
    kind: EventKind
    at: AwareDatetime
    # accept
    item_code: str | None = Field(default=None, max_length=40, pattern=NOT_BLANK)
    applicant: Applicant | None = None
    window_code: str | None = Field(default=None, max_length=30)
    handler_staff_no: str | None = Field(default=None, max_length=30)
    joint_mode: Literal["serial", "parallel"] | None = None
    channel: Literal["window", "online", "api"] | None = None
    # correction_notice
    materials: list[Annotated[str, StringConstraints(pattern=NOT_BLANK)]] | None = None
    # step_start / step_finish
    step_code: str | None = Field(default=None, max_length=30, pattern=NOT_BLANK)
    # special_start
    special_kind: Literal[tuple(SPECIAL_KINDS)] | None = None  # type: ignore[valid-type]
    # extension: an integer as JSON Schema means it, a JSON number with no fraction (3 or 3.0),
    # never true/false or "3". (The bounds come before the validator, or pydantic documents
    # them as non-standard "ge"/"le" keywords.)
    days: Annotated[int, Field(ge=1, le=60), BeforeValidator(_json_number)] | None = None
    # finish
    result: Literal["approved", "denied"] | None = None
    # finish (denied) / reject / return
    reason: str | None = Field(default=None, max_length=2000)
    # fee
    fees: list[FeeItem] | None = None
    # veto_filed
    filing_no: str | None = Field(default=None, max_length=60, pattern=NOT_BLANK)

    @model_validator(mode="after")
    def _kind_requirements(self) -> EventIn:
        required, optional = KIND_FIELDS[self.kind]
        foreign = sorted(set(self.model_fields_set) - {*COMMON_FIELDS, *required, *optional})
        if foreign:
            raise ValueError(f"字段 {'、'.join(foreign)} 不适用于“{self.kind}”事件")
        if self.kind == "correction_notice" and not self.materials:
            raise ValueError("补正告知必须一次性列出全部需补正的材料（materials 不能为空）")
        if self.kind == "fee" and not self.fees:
            raise ValueError("收费事件必须列出收费项目（fees 不能为空）")
        if self.kind == "special_start" and not self.special_kind:
            kinds = "、".join(f"{k}（{v}）" for k, v in SPECIAL_KINDS.items())
            raise ValueError(f"特别程序开始须写明类型（special_kind）：{kinds}")
        missing = [name for name in required if not getattr(self, name)]
        if missing:
            raise ValueError(f"“{self.kind}”事件缺少字段：{'、'.join(missing)}")
        if self.kind == "finish" and self.result == "denied" and not self.reason:
            raise ValueError("不予许可必须说明理由（reason）")
        return self

    def payload(self) -> dict:
        """What the event stores beyond kind/at/step (JSON-ready)."""
        data = self.model_dump(
            mode="json",
            exclude_none=True,
            exclude={"event_id", "case_number", "kind", "at", "step_code"},
        )
        return data


def event_json_schema(ref_template: str) -> dict:
    """EventIn as the API documents it: one variant per kind (``oneOf``), each listing exactly
    the fields that kind requires and may carry, as :data:`KIND_FIELDS` and the validator say.
    (Pydantic's own schema is one flat object in which every field is optional.)"""
    flat = EventIn.model_json_schema(ref_template=ref_template)
    properties = flat["properties"]

    def field(name: str, required: bool) -> dict:
        spec = {k: v for k, v in properties[name].items() if k not in ("title", "default")}
        if not required:
            return spec  # null stands for absent
        if "anyOf" in spec:
            (spec,) = [s for s in spec["anyOf"] if s.get("type") != "null"]
        # A required field must say something: a list at least one item, text a character.
        if spec.get("type") == "array":
            spec = {**spec, "minItems": 1}
        elif spec.get("type") == "string" and "enum" not in spec and "format" not in spec:
            spec = {**spec, "minLength": 1, "pattern": NOT_BLANK}
        return spec

    variants = []
    for kind, (required, optional) in KIND_FIELDS.items():
        needed = [*COMMON_FIELDS, *required]
        props = {name: field(name, True) for name in needed}
        props.update({name: field(name, False) for name in optional})
        props["kind"] = {"const": kind}
        variant = {
            "type": "object",
            "title": kind,
            "properties": props,
            "required": needed,
            "additionalProperties": False,
        }
        if kind == "finish":
            # 不予许可必须说明理由: a denial carries a reason.
            variant["if"] = {"properties": {"result": {"const": "denied"}}}
            variant["then"] = {
                "required": ["reason"],
                "properties": {"reason": field("reason", True)},
            }
        variants.append(variant)
    return {
        "title": "EventIn",
        "description": flat.get("description", ""),
        "oneOf": variants,
        "$defs": flat.get("$defs", {}),
    }
