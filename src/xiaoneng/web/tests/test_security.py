"""Hardening of the shell, in one process: the client address behind a proxy, the shared cache's
atomic counter, the login lockout's end, early refusal of oversized bodies, private data files
and `serve` collecting static files. (Across real worker processes: test_served.py.)"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import timedelta

import pytest
import time_machine
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from xiaoneng.conftest import REDIS_URL
from xiaoneng.web import cache as shared_cache
from xiaoneng.web import checks
from xiaoneng.web.checks import private_data_files
from xiaoneng.web.management.commands.serve import static_files_stale
from xiaoneng.web.throttle import client_ip

# ---- the client's address --------------------------------------------------------------------


def _request(peer: str, forwarded: str | None = None):
    meta = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_forwarded_for_is_ignored_without_trusted_proxies(settings):
    settings.XIAONENG_TRUSTED_PROXIES = ()
    assert client_ip(_request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        # Behind our proxy: the address it appended is the client's.
        ("10.0.0.2", "198.51.100.7", "198.51.100.7"),
        # A client cannot choose its address by writing the header itself.
        ("10.0.0.2", "1.2.3.4, 198.51.100.7", "198.51.100.7"),
        # Two proxies of ours (CIDR and IPv6): skip both, take the first hop before them.
        ("10.0.0.2", "1.2.3.4, 198.51.100.7, 10.0.0.3, 2001:db8::5", "198.51.100.7"),
        # A peer that is not our proxy is the client, whatever it sends.
        ("203.0.113.9", "198.51.100.7", "203.0.113.9"),
        # No header, an empty one, or nonsense from a proxy: the last address verified.
        ("10.0.0.2", None, "10.0.0.2"),
        ("10.0.0.2", "", "10.0.0.2"),
        ("10.0.0.2", "unknown, 198.51.100.7", "198.51.100.7"),
        ("10.0.0.2", "198.51.100.7, garbage", "10.0.0.2"),
        # Only proxies of ours all the way: the left-most of them.
        ("10.0.0.2", "10.0.0.4, 10.0.0.3", "10.0.0.4"),
    ],
)
def test_client_behind_trusted_proxies(settings, peer, forwarded, client):
    settings.XIAONENG_TRUSTED_PROXIES = ("10.0.0.0/24", "2001:db8::/32")
    assert client_ip(_request(peer, forwarded)) == client


def test_misconfigured_trusted_proxies_are_refused(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import xiaoneng.settings"],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "XIAONENG_DATA_DIR": str(tmp_path),
            "XIAONENG_TRUSTED_PROXIES": "10.0.0.1, 10.0.0.0/33",
        },
    )
    assert result.returncode != 0
    assert "XIAONENG_TRUSTED_PROXIES：“10.0.0.0/33”不是 IP 地址或网段" in result.stderr


def test_public_limit_counts_each_client_behind_the_proxy(client, db, settings):
    """The probe's finding: behind the recommended reverse proxy every citizen shared the
    proxy's bucket, so 20 lookups by anyone blocked everyone."""
    settings.XIAONENG_TRUSTED_PROXIES = ("10.0.0.2",)

    def lookup(citizen: str):
        return client.post(
            reverse("cases:lookup"),
            {"number": "N", "code": "ABCDEF"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=citizen,
        )

    for _ in range(20):
        assert lookup("198.51.100.1").status_code == 200
    assert lookup("198.51.100.1").status_code == 429
    assert lookup("198.51.100.2").status_code == 200


# ---- login lockout ---------------------------------------------------------------------------


def _login(client, password: str, **meta):
    return client.post(
        reverse("accounts:login"), {"username": "office", "password": password}, **meta
    )


def test_lockout_ends_on_time_whatever_is_tried_meanwhile(client, users):
    """The probe's finding: during a lockout even the correct password started the 15 minutes
    again. The lock ends 15 minutes after the failure that caused it."""
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(5):
            _login(client, "wrong")
        assert _login(client, "pw-123456").status_code == 429
        clock.move_to(start + timedelta(minutes=10))
        assert _login(client, "pw-123456").status_code == 429
        assert _login(client, "wrong").status_code == 429
        clock.move_to(start + timedelta(minutes=14, seconds=59))
        assert _login(client, "pw-123456").status_code == 429
        clock.move_to(start + timedelta(minutes=15, seconds=1))
        response = _login(client, "pw-123456")
    assert response.status_code == 302


def test_lockout_behind_the_proxy_is_per_client(client, users, settings):
    """The probe's finding: behind the proxy, five bad passwords from anyone locked the
    account for everyone."""
    settings.XIAONENG_TRUSTED_PROXIES = ("10.0.0.2",)
    attacker = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.66"}
    owner = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.1"}
    for _ in range(5):
        _login(client, "wrong", **attacker)
    assert _login(client, "pw-123456", **attacker).status_code == 429
    assert _login(client, "pw-123456", **owner).status_code == 302


# ---- the shared cache's counter --------------------------------------------------------------


@pytest.fixture
def db_cache(db):
    """The production database cache on the test database (its table comes from migrate)."""
    return shared_cache.DatabaseCache("xiaoneng_cache", {})


def test_database_cache_counts_and_expires(db_cache):
    assert db_cache.add("k", 0, timeout=60)
    assert [db_cache.incr("k") for _ in range(3)] == [1, 2, 3]
    assert not db_cache.add("k", 0, timeout=60)  # a live counter is not reset
    assert db_cache.incr("k", 5) == 8 and db_cache.get("k") == 8
    with pytest.raises(ValueError):
        db_cache.incr("missing")
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        with pytest.raises(ValueError):
            db_cache.incr("k")  # an expired counter is gone, not counted on
        assert db_cache.add("k", 0, timeout=60)
        assert db_cache.incr("k") == 1


@pytest.mark.redis
def test_redis_cache_counts_without_ever_losing_the_expiry():
    prefix = f"xn_security_test_{os.getpid()}"
    cache = shared_cache.RedisCache(REDIS_URL, {"KEY_PREFIX": prefix})
    try:
        assert cache.add("k", 0, timeout=60)
        assert [cache.incr("k") for _ in range(3)] == [1, 2, 3]
        client = cache._cache.get_client("k", write=True)
        key = cache.make_and_validate_key("k")
        assert 0 < client.ttl(key) <= 60
        # Django's own incr checks EXISTS then INCRs: a key expiring in between came back as
        # a counter without expiry, blocking that address for good. Ours never creates one.
        with pytest.raises(ValueError):
            cache.incr("gone")
        assert client.exists(cache.make_and_validate_key("gone")) == 0
    finally:
        cache.clear()


# ---- oversized bodies ------------------------------------------------------------------------


class CountingStream(io.RawIOBase):
    """A request body of ``size`` bytes that counts what the application reads of it."""

    def __init__(self, size: int):
        self.size, self.read_bytes = size, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.size - self.read_bytes)
        buffer[:n] = b"x" * n
        self.read_bytes += n
        return n


def _post(path: str, size: int, **extra):
    stream = CountingStream(size)
    environ = {
        **RequestFactory()._base_environ(),
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "CONTENT_TYPE": "multipart/form-data; boundary=xyz",
        "CONTENT_LENGTH": str(size),
        "wsgi.input": io.BufferedReader(stream),
        # With a CSRF cookie, Django would read the whole form to find the token.
        "HTTP_COOKIE": "csrftoken=" + "a" * 32,
        **extra,
    }
    status: list[str] = []
    body = b"".join(WSGIHandler()(environ, lambda s, h: status.append(s)))
    return int(status[0].split()[0]), body.decode(), stream.read_bytes


def test_oversized_upload_is_refused_before_it_is_read(db, settings):
    """The probe's finding: a 60 MB multipart body was read in full before being refused."""
    status, body, read = _post("/complaints/new/", 60 * 2**20)
    assert (status, read) == (413, 0)
    assert "提交的内容过大" in body and "30 MB" in body
    status, body, read = _post("/api/v1/cases/events", 60 * 2**20)
    assert (status, read) == (413, 0)
    assert '"code": "too_large"' in body and "30 MB" in body
    settings.XIAONENG_MAX_REQUEST_BYTES = 2**20
    assert _post("/complaints/new/", 2**20 + 1)[0] == 413
    assert _post("/complaints/new/", 2**20)[0] != 413


def test_body_without_length_is_refused(db):
    status, body, read = _post(
        "/api/v1/cases/events", 0, CONTENT_LENGTH="", HTTP_TRANSFER_ENCODING="chunked"
    )
    assert (status, read) == (411, 0) and '"code": "length_required"' in body


# ---- data at rest ----------------------------------------------------------------------------


#: Run in a fresh process with the usual umask: writes to the database (WAL mode, so the -wal
#: and -shm files exist while connected) and prints each data file's mode and the warnings.
PERMISSIONS_SCRIPT = """
import os, stat
os.umask(0o022)
import django
django.setup()
from django.conf import settings
from django.db import connection
from xiaoneng.web import checks
from xiaoneng.web.checks import private_data_files
from xiaoneng.web.management.commands.serve import static_files_stale
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE t (x int)")
    cursor.execute("INSERT INTO t VALUES (1)")
    data = settings.DATA_DIR
    for name in ("", "xiaoneng.sqlite3", "xiaoneng.sqlite3-wal", "xiaoneng.sqlite3-shm",
                 "secret_key", "identity_key", "audit_key"):
        print(name or "data", oct(stat.S_IMODE((data / name).stat().st_mode)))
    print("warnings", len(private_data_files()))
"""


def test_data_directory_and_database_are_private(tmp_path):
    """The probe's finding: the SQLite file holding personal data was created 0644."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    env.update(DJANGO_SETTINGS_MODULE="xiaoneng.settings", XIAONENG_DATA_DIR=str(tmp_path / "d"))
    result = subprocess.run(
        [sys.executable, "-c", PERMISSIONS_SCRIPT], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr
    modes = dict(line.split() for line in result.stdout.splitlines())
    assert modes == {
        "data": "0o700",
        "xiaoneng.sqlite3": "0o600",
        "xiaoneng.sqlite3-wal": "0o600",
        "xiaoneng.sqlite3-shm": "0o600",
        "secret_key": "0o600",
        "identity_key": "0o600",
        "audit_key": "0o600",
        "warnings": "0",
    }


def test_open_data_files_are_reported(settings, tmp_path, monkeypatch):
    settings.DATA_DIR = tmp_path
    monkeypatch.setattr(checks, "_database_file", lambda: tmp_path / "db.sqlite3")
    tmp_path.chmod(0o755)
    for name in ("db.sqlite3", "db.sqlite3-wal", "identity_key", "audit_key"):
        (tmp_path / name).write_text("x")
        (tmp_path / name).chmod(0o644)
    (tmp_path / "secret_key").write_text("x")
    (tmp_path / "secret_key").chmod(0o600)
    ids = sorted((w.id, os.path.basename(w.hint.split()[-1])) for w in private_data_files())
    assert ids == [
        ("xiaoneng.W001", tmp_path.name),
        ("xiaoneng.W002", "audit_key"),
        ("xiaoneng.W002", "identity_key"),
        ("xiaoneng.W003", "db.sqlite3"),
        ("xiaoneng.W003", "db.sqlite3-wal"),
    ]
    assert all("chmod" in w.hint for w in private_data_files())


# ---- serve and the static files --------------------------------------------------------------


def test_serve_collects_static_files_when_needed(settings, tmp_path, monkeypatch, capsys):
    """The probe's finding: without `collectstatic` every page was a server error, because the
    pages name their files through the manifest only collectstatic writes."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    assert static_files_stale() == "尚未收集静态文件"
    started = []
    monkeypatch.setattr(os, "execv", lambda *args: started.append(args))
    call_command("serve", "--bind", "127.0.0.1:8105")
    assert "尚未收集静态文件：先运行 xiaoneng collectstatic" in capsys.readouterr().out
    assert started and "gunicorn" in started[0][1]
    manifest = settings.STATIC_ROOT / "staticfiles.json"
    assert manifest.exists() and static_files_stale() == ""
    os.utime(manifest, (0, 0))  # files changed since (an upgrade): collected again
    assert "在上次收集之后有改动" in static_files_stale()
    call_command("serve", "--bind", "127.0.0.1:8105")
    assert static_files_stale() == "" and len(started) == 2
