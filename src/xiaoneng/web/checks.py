"""Startup checks (``xiaoneng check --deploy`` and ``xiaoneng serve``): the data at rest is
readable by the service account only."""

from __future__ import annotations

import stat
from pathlib import Path

from django.conf import settings
from django.core.checks import Tags, Warning, register

#: Files in the data directory that hold keys (generated there when not set in the environment).
KEY_FILES = ("secret_key", "identity_key", "audit_key")


def _database_file() -> Path | None:
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.sqlite3" or str(db["NAME"]).startswith(":"):
        return None
    return Path(db["NAME"])


def _sqlite_files() -> list[Path]:
    name = _database_file()
    return [] if name is None else [name, Path(f"{name}-wal"), Path(f"{name}-shm")]


def _open_to_others(path: Path) -> bool:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return False
    return bool(mode & (stat.S_IRWXG | stat.S_IRWXO))


@register(Tags.security, deploy=True)
def private_data_files(app_configs=None, **kwargs) -> list[Warning]:
    """Warn for each data file or directory that group or others may read."""
    data_dir = Path(settings.DATA_DIR)
    candidates = [
        (data_dir, "xiaoneng.W001", "chmod 700"),
        *((data_dir / name, "xiaoneng.W002", "chmod 600") for name in KEY_FILES),
        *((path, "xiaoneng.W003", "chmod 600") for path in _sqlite_files()),
    ]
    return [
        Warning(
            f"{path} 对同组或其他用户可读（权限 {stat.filemode(path.stat().st_mode)}）："
            "其中有个人信息或密钥，只应由运行本平台的账号读写",
            hint=f"{fix} {path}",
            id=check_id,
        )
        for path, check_id, fix in candidates
        if _open_to_others(path)
    ]
