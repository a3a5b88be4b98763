"""The shape of a case event as senders submit it (API and window alike), validated by pydantic.

Field names are English; messages shown to people are Chinese. Kind-specific requirements are
checked here too, so that every rejected item names what is wrong with it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

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


class FeeItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    amount: Decimal = Field(ge=0, max_digits=12, decimal_places=2)


class Applicant(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    kind: Literal["person", "company"] = "person"


class EventIn(BaseModel):
    """One case event. ``event_id`` is the sender's own id: resending it is harmless."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    event_id: str = Field(min_length=1, max_length=100)
    case_number: str = Field(min_length=1, max_length=60)
    kind: EventKind
    at: AwareDatetime
    # accept
    item_code: str | None = Field(default=None, max_length=40)
    applicant: Applicant | None = None
    window_code: str | None = Field(default=None, max_length=30)
    handler_staff_no: str | None = Field(default=None, max_length=30)
    joint_mode: Literal["serial", "parallel"] | None = None
    channel: Literal["window", "online", "api"] | None = None
    # correction_notice
    materials: list[str] | None = None
    # step_start / step_finish
    step_code: str | None = Field(default=None, max_length=30)
    # special_start
    special_kind: str | None = None
    # extension
    days: int | None = Field(default=None, ge=1, le=60)
    # finish
    result: Literal["approved", "denied"] | None = None
    # finish (denied) / reject / return
    reason: str | None = Field(default=None, max_length=2000)
    # fee
    fees: list[FeeItem] | None = None
    # veto_filed
    filing_no: str | None = Field(default=None, max_length=60)

    @field_validator("materials")
    @classmethod
    def _materials_named(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and any(not m.strip() for m in value):
            raise ValueError("补正材料名称不能为空")
        return value

    @model_validator(mode="after")
    def _kind_requirements(self) -> EventIn:
        need = {
            "accept": ("item_code", "applicant"),
            "step_start": ("step_code",),
            "step_finish": ("step_code",),
            "special_start": ("special_kind",),
            "extension": ("days",),
            "finish": ("result",),
            "reject": ("reason",),
            "return": ("reason",),
            "veto_filed": ("filing_no",),
        }.get(self.kind, ())
        missing = [name for name in need if not getattr(self, name)]
        if missing:
            raise ValueError(f"“{self.kind}”事件缺少字段：{'、'.join(missing)}")
        if self.kind == "correction_notice" and not self.materials:
            raise ValueError("补正告知必须一次性列出全部需补正的材料（materials 不能为空）")
        if self.kind == "fee" and not self.fees:
            raise ValueError("收费事件必须列出收费项目（fees 不能为空）")
        if self.kind == "special_start" and self.special_kind not in SPECIAL_KINDS:
            kinds = "、".join(f"{k}（{v}）" for k, v in SPECIAL_KINDS.items())
            raise ValueError(f"特别程序类型只能是：{kinds}")
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
