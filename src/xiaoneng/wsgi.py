import os
import threading

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiaoneng.settings")
application = get_wsgi_application()

# Views and the complaint routing suggester load while the process starts, not in its first
# requests (xiaoneng.web.warmup).
from xiaoneng.web.warmup import warm_up  # noqa: E402  (needs Django set up)

threading.Thread(target=warm_up, name="warm-up", daemon=True).start()
