import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiaoneng.settings")
application = get_wsgi_application()

# Import every view (and scikit-learn, openpyxl, … with them), jieba's dictionary and the
# complaint routing model now, instead of inside the first requests a process answers.
# `xiaoneng serve` runs gunicorn with --preload, so this happens once, before the workers fork
# (a thread would not survive the fork, and could hold the import lock across it).
from xiaoneng.web.warmup import warm_up  # noqa: E402  (needs Django set up)

warm_up()
