"""What a web process prepares as it starts (``wsgi.py`` runs this before gunicorn forks its
workers), so that its first requests do not wait for it: the URL configuration, which imports
every app's views (~0.5 s), and the complaint routing suggester's dictionary and model (~0.6 s)."""

from __future__ import annotations

import logging

from django.urls import get_resolver

log = logging.getLogger(__name__)


def warm_up() -> None:
    from xiaoneng.complaints.suggestions import warm_up as warm_up_routing

    try:
        get_resolver().url_patterns  # noqa: B018  (the import is the point)
    except Exception:  # the first request reports a broken URL configuration itself
        log.exception("预加载网址配置失败")
    warm_up_routing()
