"""The first visitor of a freshly started site must not wait while a server process loads."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO

from django.core.management import call_command


def test_serve_preloads_the_site_before_forking_workers(monkeypatch):
    calls = []
    monkeypatch.setattr(os, "execv", lambda path, argv: calls.append(argv))
    call_command("serve", "--bind", "127.0.0.1:8999", stdout=StringIO())
    (argv,) = calls
    assert "--preload" in argv and argv[argv.index("--bind") + 1] == "127.0.0.1:8999"


def test_loading_the_wsgi_application_imports_every_view(tmp_path):
    # Before, the URLconf (and scikit-learn, openpyxl … through the views) was imported inside
    # the first request of each worker: about a second for the first visitor.
    views = ["xiaoneng.complaints.views", "xiaoneng.casestats.views"]
    code = f"import sys, xiaoneng.wsgi; print(all(v in sys.modules for v in {views!r}))"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DJANGO_SETTINGS_MODULE="xiaoneng.settings", XIAONENG_DATA_DIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.stdout.strip() == "True", done.stderr
