"""Per-address limits for the public pages (lookups, forms), kept in Django's cache."""

from __future__ import annotations

from django.core.cache import cache


def _key(request, name: str) -> str:
    return f"throttle:{name}:{request.META.get('REMOTE_ADDR', '')}"


def over_limit(request, name: str, limit: int, seconds: int) -> bool:
    """Count one attempt from this address under ``name``; True once ``limit`` attempts were
    already made within the window (the attempt is then refused and not counted)."""
    key = _key(request, name)
    count = cache.get_or_set(key, 0, timeout=seconds)
    if count >= limit:
        return True
    try:
        cache.incr(key)
    except ValueError:  # the key expired between the two calls
        cache.set(key, 1, timeout=seconds)
    return False


def limit_reached(request, name: str, limit: int) -> bool:
    """True once ``limit`` attempts were counted under ``name`` within the window, without
    counting this one (for requests that count only when they fail)."""
    return (cache.get(_key(request, name)) or 0) >= limit
