"""Settings for the test suite: the production settings with fast hashing and plain static files."""

import os

os.environ.setdefault(
    "XIAONENG_DATA_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "var", "test")
)

from .settings import *  # noqa: F403
from .settings import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
XIAONENG_CALENDAR_RECHECK_SECONDS = 0
# One process runs the suite: an in-memory cache keeps tests that touch no database free of
# one. The shared backends are tested by web/tests/test_cache.py and, across real worker
# processes, by web/tests/test_served.py.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
AXES_FAILURE_LIMIT = 5
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
XIAONENG_BASE_URL = "http://testserver"
