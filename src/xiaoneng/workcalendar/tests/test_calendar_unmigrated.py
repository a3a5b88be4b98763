"""``xiaoneng calendar`` before ``xiaoneng migrate``: answers from the shipped schedule, or says
in one line what to run — never a traceback (issue 9, item 12)."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from xiaoneng.workcalendar.management.commands import calendar as command


def _xiaoneng(data_dir, *args) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DJANGO_SETTINGS_MODULE="xiaoneng.settings", XIAONENG_DATA_DIR=str(data_dir))
    return subprocess.run(
        [sys.executable, "-c", "from xiaoneng.cli import main; main()", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_due_on_a_fresh_data_directory_uses_the_shipped_schedule(tmp_path):
    done = _xiaoneng(tmp_path, "calendar", "due", "2026-02-13T10:00+08:00", "3")
    assert done.returncode == 0, done.stderr
    # The answer alone on stdout (scripts read it), the same as with a migrated database.
    assert done.stdout.strip() == "2026-02-25T23:59:59+08:00"
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0
    assert "xiaoneng migrate" in done.stderr


@pytest.fixture
def unmigrated(monkeypatch):
    monkeypatch.setattr(command, "database_ready", lambda: False)


def _run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("calendar", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_show_before_migrate_lists_the_shipped_holidays(unmigrated):
    out, err = _run("show", "2026")
    assert out.startswith("2026年工作日历：已发布")
    assert "2026-02-15 周日 放假 春节" in out
    assert "xiaoneng migrate" in err


def test_import_before_migrate_says_what_to_run(unmigrated, tmp_path):
    schedule = tmp_path / "2027.txt"
    schedule.write_text("year 2027\n2027-01-01 holiday 元旦\n", encoding="utf-8")
    with pytest.raises(CommandError, match="请先运行：xiaoneng migrate"):
        _run("import", str(schedule))


def test_database_ready_after_migrate(db):
    assert command.database_ready()
