"""Per-address limits for the public pages (lookups, forms), counted in the shared cache.

The cache is shared by every app server process (settings.CACHES), and the counter is one
atomic increment, so a limit holds in total however many workers serve the requests. The
address is the client's: the peer address, or behind a trusted reverse proxy the address that
proxy saw (:func:`client_ip`).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request: HttpRequest) -> str:
    """The client's address for limits and login lockouts (also django-axes').

    ``X-Forwarded-For`` is read only when the peer is a trusted proxy
    (``XIAONENG_TRUSTED_PROXIES``): then, from the right, every hop a trusted proxy appended is
    skipped and the first address no trusted proxy vouches for is the client. Anything a
    client writes into the header itself sits left of that and is never used.
    """
    peer = request.META.get("REMOTE_ADDR", "")
    networks = _networks(tuple(settings.XIAONENG_TRUSTED_PROXIES))
    if not networks or not _trusted(peer, networks):
        return peer
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    client = peer
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break  # a proxy of ours wrote nonsense: keep the last address we could verify
        client = hop
        if not _trusted(hop, networks):
            break
    return client


def _key(request: HttpRequest, name: str) -> str:
    return f"throttle:{name}:{client_ip(request)}"


def over_limit(request: HttpRequest, name: str, limit: int, seconds: int) -> bool:
    """Count one attempt from this client under ``name``; True when more than ``limit``
    attempts were made in the window, which starts at the first attempt and lasts ``seconds``
    (attempts refused meanwhile do not extend it)."""
    key = _key(request, name)
    for _ in range(2):
        cache.add(key, 0, timeout=seconds)
        try:
            return cache.incr(key) > limit
        except ValueError:  # the window ended between the two calls: open the next one
            continue
    return False


def limit_reached(request: HttpRequest, name: str, limit: int) -> bool:
    """True once ``limit`` attempts were counted under ``name`` within the window, without
    counting this one (for requests that count only when they fail)."""
    return (cache.get(_key(request, name)) or 0) >= limit
