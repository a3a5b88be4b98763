"""Settings read from the environment: the keys, and the one a production install must set."""

from __future__ import annotations

import os
import subprocess
import sys

PRINT_KEYS = """
from django.conf import settings
print(settings.SECRET_KEY)
print(settings.XIAONENG_IDENTITY_KEY)
print(settings.XIAONENG_AUDIT_KEY)
"""
KEY_VARIABLES = ("SECRET_KEY", "XIAONENG_IDENTITY_KEY", "XIAONENG_AUDIT_KEY", "XIAONENG_SECURE")


def _import_settings(tmp_path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in KEY_VARIABLES}
    clean.update(
        DJANGO_SETTINGS_MODULE="xiaoneng.settings",
        XIAONENG_DATA_DIR=str(tmp_path),
        DATABASE_URL="sqlite:///:memory:",
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", PRINT_KEYS], capture_output=True, text=True, env=clean, check=False
    )


def test_secure_without_secret_key_refuses_to_start_in_one_line(tmp_path):
    result = _import_settings(tmp_path, XIAONENG_SECURE="1")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "XIAONENG_SECURE=1 时必须设置环境变量 SECRET_KEY（一段足够长的随机字符串）"
    ]
    assert not (tmp_path / "secret_key").exists()


def test_secure_with_secret_key_uses_it(tmp_path):
    result = _import_settings(tmp_path, XIAONENG_SECURE="1", SECRET_KEY="k" * 60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "k" * 60
    assert not (tmp_path / "secret_key").exists()


def test_without_secure_the_keys_are_generated_once_and_kept(tmp_path):
    first = _import_settings(tmp_path)
    assert first.returncode == 0, first.stderr
    secret, identity, audit_key = first.stdout.splitlines()
    assert len({secret, identity, audit_key}) == 3 and len(secret) > len(identity) >= 40
    files = {"secret_key": secret, "identity_key": identity, "audit_key": audit_key}
    for name, value in files.items():
        assert (tmp_path / name).read_text() == value
        assert oct((tmp_path / name).stat().st_mode & 0o777) == "0o600"
    assert _import_settings(tmp_path).stdout == first.stdout


def test_a_key_from_the_environment_wins_over_the_file(tmp_path):
    _import_settings(tmp_path)
    result = _import_settings(tmp_path, XIAONENG_IDENTITY_KEY="from-the-environment")
    assert result.stdout.splitlines()[1] == "from-the-environment"
