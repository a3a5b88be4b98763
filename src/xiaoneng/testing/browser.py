"""A real headless Chromium (Debian's) driven by Playwright, for browser-facing flows."""

from __future__ import annotations

import contextlib
import os
import shutil
import urllib.error
import urllib.request

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path() -> str:
    path = (
        os.environ.get("XIAONENG_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if not path:
        pytest.fail(
            "找不到 chromium：浏览器测试需要 Debian 的 chromium（apt-get install chromium）"
        )
    return path


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread; the live server's database work
    # happens in its own thread, so Django's async-safety guard does not apply here.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Playwright gives each launch a fresh, empty profile directory of its own.
        instance = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


#: Live-server addresses that have answered once in this session.
_warmed: set[str] = set()


def warm_up(url: str) -> None:
    """Request ``url`` once, with a generous limit, before a browser waits on it.

    The live server's first request loads every view module and compiles the base templates:
    a few seconds alone, over the browser's 15-second step limit on a loaded machine. Its
    answer does not matter (a redirect to the login page is fine), only that it came.
    """
    if url in _warmed:
        return
    with contextlib.suppress(urllib.error.HTTPError):
        urllib.request.urlopen(f"{url}/accounts/login/", timeout=120).read()
    _warmed.add(url)


@pytest.fixture
def page(browser, request):
    if "live_server" in request.fixturenames:
        warm_up(request.getfixturevalue("live_server").url)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15000)
    yield tab
    context.close()
