"""Assessment as a source of rectification tasks (a 末位 unit's 整改): who may open its link."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xiaoneng.rectification import sources

if TYPE_CHECKING:
    from xiaoneng.accounts.models import User


def _opens(user: User, result_id: int) -> bool:
    from .models import Result

    return Result.objects.visible_to(user).filter(pk=result_id).exists()


def register_source() -> None:
    sources.register(sources.SourceType(sources.SourceKind.ASSESSMENT, _opens))
