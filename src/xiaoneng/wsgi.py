import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiaoneng.settings")
application = get_wsgi_application()

# Import every view now — and what the views import (scikit-learn, openpyxl, …, about a second)
# — instead of inside the first request each server process answers. `xiaoneng serve` runs
# gunicorn with --preload, so this happens once, before the worker processes are forked.
get_resolver().url_patterns  # noqa: B018
