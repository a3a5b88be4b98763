"""The role walk: follow every same-site link a signed-in user is shown, as that user.

A link shown to a role is a promise that the role may open it. :func:`walk` starts from a few
pages, parses each HTML answer for ``<a href>`` links within the site, and follows them (GET
only, breadth first, bounded), recording every answer that breaks the promise: a server error, a
shown link that answers 403 or 404, or text on the page that leaks internals ("None", "null",
a model's repr, an ``app.model #id`` label, a UUID).

Pages that differ only by the ids in their path (``/office/cases/17/`` and ``/office/cases/18/``)
are one *shape*; a few of each shape are enough to prove the shape, so the walk stays fast on a
city with thousands of records.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urldefrag, urlencode, urlsplit

__all__ = ["Problem", "WalkResult", "leaks", "page_links_and_text", "shape_of", "walk"]

# Paths a walk never follows: they change state on GET by design (none should), serve files a
# browser fetches itself, or leave the site's pages.
SKIPPED_PREFIXES = ("/static/", "/media/", "/i18n/", "/admin/", "/accounts/logout/")

#: How many pages of one shape the walk opens.
PER_SHAPE = 3

# A number, or a month (2026-11: the open data's periods), is an id.
_NUMBER = re.compile(r"(?<=/)(?:\d+|\d{4}-\d{2})(?=/|$)")
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)

# Text that only a developer should ever see.
_LEAKS = [
    (re.compile(r"(?<![\w.])None(?![\w])"), "None"),
    (re.compile(r"(?<![\w.])null(?![\w])"), "null"),
    (re.compile(r"(?<![\w.])undefined(?![\w])"), "undefined"),
    (re.compile(r"<[A-Z]\w+: [^>]*>"), "model repr"),
    (re.compile(r"\b[A-Z]\w+ object \(\d+\)"), "model repr"),
    (re.compile(r"\b[a-z_]+\.[a-z_]+ #\d+"), "internal label"),
    (_UUID, "UUID"),
    (re.compile(r"\{\{|\}\}|\{%|%\}"), "template syntax"),
]


@dataclass(frozen=True)
class Problem:
    """One broken promise: where it was seen, what answered, and what was wrong."""

    url: str
    status: int
    what: str
    linked_from: str | None = None

    def __str__(self) -> str:
        origin = f"（链接所在页 {self.linked_from}）" if self.linked_from else ""
        return f"{self.status} {self.url}: {self.what}{origin}"


@dataclass
class WalkResult:
    visited: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class _PageParser(HTMLParser):
    """Collects link targets and the text a reader sees (not scripts, styles or JSON blobs)."""

    _INVISIBLE = frozenset({"script", "style", "template", "noscript"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.text: list[str] = []
        self.attributes: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._INVISIBLE:
            self._hidden_depth += 1
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        # What the page fetches when the user acts: htmx requests and search forms (GET).
        if values.get("hx-get"):
            self.links.append(values["hx-get"] or "")
        method = (values.get("method") or "get").lower()
        if tag == "form" and method == "get" and values.get("action"):
            self.links.append(values["action"] or "")
        # What a reader sees in attributes: tooltips, placeholders, alt text, button values.
        for name in ("title", "placeholder", "alt", "aria-label"):
            if values.get(name):
                self.attributes.append(values[name] or "")
        if tag == "input" and values.get("type") in {"submit", "button"} and values.get("value"):
            self.attributes.append(values["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._INVISIBLE and self._hidden_depth:
            self._hidden_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self.text.append(data)


def page_links_and_text(html: str) -> tuple[list[str], str]:
    """The ``href`` of every link on the page, and its visible text (one string)."""
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    return parser.links, "\n".join([*parser.text, *parser.attributes])


def leaks(text: str) -> list[str]:
    """What in ``text`` reads like an internal value rather than words for a user."""
    found = []
    for pattern, name in _LEAKS:
        match = pattern.search(text)
        if match:
            start = max(match.start() - 30, 0)
            context = " ".join(text[start : match.end() + 30].split())
            found.append(f"{name}：“…{context}…”")
    return found


def shape_of(url: str) -> str:
    """The URL with ids replaced and query values that are numbers or ids dropped."""
    parts = urlsplit(url)
    path = _NUMBER.sub("#", _UUID.sub("#", parts.path))
    query = []
    for key, value in sorted(parse_qsl(parts.query, keep_blank_values=True)):
        query.append((key, "#" if value.isdigit() or _UUID.fullmatch(value) else value))
    return path + ("?" + urlencode(query) if query else "")


def _same_site(href: str, here: str) -> str | None:
    """The site-relative URL a link points to, or None when it leaves the site or the page."""
    href = urldefrag(href.strip())[0]
    if not href or href.startswith(("mailto:", "tel:", "javascript:", "data:")):
        return None
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        if parts.netloc not in {"testserver", "127.0.0.1", "localhost"}:
            return None
        href = parts.path + (f"?{parts.query}" if parts.query else "")
    elif not href.startswith("/"):
        base = urlsplit(here).path
        href = base.rsplit("/", 1)[0] + "/" + href if not href.startswith("?") else base + href
    if href.startswith(SKIPPED_PREFIXES):
        return None
    return href


def walk(
    get: Callable[[str], object],
    start: Iterable[str],
    *,
    max_pages: int = 250,
    per_shape: int = PER_SHAPE,
    ignore: Callable[[str], bool] = lambda url: False,
) -> WalkResult:
    """Breadth-first over same-site links from ``start``, using ``get(url) -> response``.

    ``get`` is a Django test client's ``get`` (or anything answering with ``status_code``,
    ``content`` and headers). Start pages themselves must answer 200. At most ``max_pages``
    pages and ``per_shape`` pages of one :func:`shape_of` are opened.
    """
    result = WalkResult()
    queue: deque[tuple[str, str | None]] = deque((url, None) for url in start)
    seen: set[str] = set()
    per_shape_seen: dict[str, int] = {}
    while queue and len(result.visited) < max_pages:
        url, origin = queue.popleft()
        if url in seen or ignore(url):
            continue
        seen.add(url)
        shape = shape_of(url)
        if per_shape_seen.get(shape, 0) >= per_shape:
            continue
        per_shape_seen[shape] = per_shape_seen.get(shape, 0) + 1
        response = get(url)
        result.visited.append(url)
        status = response.status_code
        if status >= 500:
            result.problems.append(Problem(url, status, "服务器错误", origin))
            continue
        if status in (401, 403, 404, 405, 410):
            result.problems.append(Problem(url, status, "页面上显示的链接打不开", origin))
            continue
        if status in (301, 302, 303, 307, 308):
            target = _same_site(response.headers.get("Location", ""), url)
            if target and target.startswith("/accounts/login/"):
                result.problems.append(Problem(url, status, "链接要求重新登录", origin))
            elif target:
                queue.append((target, url))
            continue
        if "text/html" not in response.headers.get("Content-Type", ""):
            continue
        links, text = page_links_and_text(response.content.decode("utf-8", "replace"))
        for leak in leaks(text):
            result.problems.append(Problem(url, status, f"页面文字泄露内部值 {leak}", origin))
        for href in links:
            target = _same_site(href, url)
            if target and target not in seen:
                queue.append((target, url))
    return result
