"""The site as operators run it: `xiaoneng serve` (gunicorn, two worker processes) on a fresh
data directory, production settings, without `collectstatic` beforehand. A public limit must
hold in total across the workers (the shared cache), each client behind the trusted proxy has
its own, and an oversized upload is refused before its body is sent.

One server on the database cache (SQLite), one on Redis where Redis answers.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest

from xiaoneng.cases.views import LOOKUP_LIMIT
from xiaoneng.conftest import REDIS_URL

XIAONENG = Path(sys.executable).with_name("xiaoneng")
PROXY = "127.0.0.1"  # the test plays the reverse proxy: its requests come from here


@dataclass(frozen=True)
class Server:
    port: int

    def get(self, path: str, forwarded_for: str | None = None) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            return response.status, response.read().decode()
        finally:
            conn.close()

    def post_lookup(self, forwarded_for: str) -> int:
        """One progress lookup as a browser makes it: the form's CSRF cookie and token, a POST."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("GET", "/progress/", headers={"X-Forwarded-For": forwarded_for})
            response = conn.getresponse()
            page = response.read().decode()
            cookie = response.getheader("Set-Cookie", "").split(";")[0]
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
            body = urlencode({"csrfmiddlewaretoken": token, "number": "NO-SUCH", "code": "ABCDEF"})
            headers = {
                "X-Forwarded-For": forwarded_for,
                "Cookie": cookie,
                "Content-Type": "application/x-www-form-urlencoded",
            }
            conn.request("POST", "/progress/", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            return response.status
        finally:
            conn.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(tmp_path: Path, **env_extra: str) -> Iterator[Server]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XIAONENG_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="xiaoneng.settings",
        XIAONENG_DATA_DIR=str(tmp_path),
        SECRET_KEY="served-test-" + "x" * 50,
        XIAONENG_TRUSTED_PROXIES=PROXY,
        **env_extra,
    )
    subprocess.run([XIAONENG, "migrate", "-v0"], env=env, check=True, timeout=300)
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [XIAONENG, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((tmp_path / "serve.log").read_text()) from None
                time.sleep(0.2)
        server = Server(port)
        # Both workers up before the counting starts (the first requests warm them up).
        for _ in range(4):
            assert server.get("/")[0] == 200
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Server]:
    yield from _serve(tmp_path_factory.mktemp("served"))


@pytest.fixture(scope="module")
def served_on_redis(tmp_path_factory) -> Iterator[Server]:
    prefix = f"xn_security_served_{uuid.uuid4().hex[:8]}"
    yield from _serve(
        tmp_path_factory.mktemp("served_redis"), REDIS_URL=REDIS_URL, XIAONENG_CACHE_PREFIX=prefix
    )


def _lookups(server: Server, count: int, forwarded_for: str) -> list[int]:
    with ThreadPoolExecutor(max_workers=12) as pool:
        return list(pool.map(lambda _: server.post_lookup(forwarded_for), range(count)))


def _limit_holds_in_total(server: Server) -> None:
    statuses = _lookups(server, 3 * LOOKUP_LIMIT, "198.51.100.1")
    assert sorted(set(statuses)) == [200, 429]
    assert statuses.count(200) == LOOKUP_LIMIT
    # Another citizen behind the same proxy has a limit of their own.
    assert _lookups(server, 1, "198.51.100.2") == [200]


def test_pages_work_without_collectstatic_beforehand(served):
    """The probe's finding: without `collectstatic` every page answered 500."""
    status, page = served.get("/")
    assert status == 200
    css = re.search(r'href="(/static/xn/site\.[0-9a-f]{12}\.css)"', page)
    assert css, "the page names its stylesheet through the manifest"
    assert served.get(css.group(1))[0] == 200


def test_public_limit_holds_across_worker_processes(served):
    """The probe's finding: each gunicorn worker counted on its own (2x the limit)."""
    _limit_holds_in_total(served)


@pytest.mark.redis
def test_public_limit_holds_across_worker_processes_on_redis(served_on_redis):
    _limit_holds_in_total(served_on_redis)


def test_oversized_upload_is_refused_before_the_body_is_sent(served):
    """The probe's finding: a 60 MB body was read in full before being refused. Only the
    headers are sent here: the answer must come without waiting for the body."""
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as conn:
        conn.sendall(
            b"POST /complaints/new/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=xyz\r\n"
            # With a CSRF cookie, Django would read the whole form to find the token.
            b"Cookie: csrftoken=" + b"a" * 32 + b"\r\n"
            b"Content-Length: 62914560\r\n\r\n" + b"x" * 65536
        )
        answer = conn.recv(65536).decode(errors="replace")
    assert answer.startswith("HTTP/1.1 413")
