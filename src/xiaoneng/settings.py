"""Django settings for Xiaoneng, read from the environment.

Environment variables (all optional on a laptop):

- ``XIAONENG_DATA_DIR``: where the SQLite database, uploads and keys live (default ``./var``).
- ``DATABASE_URL``: e.g. ``postgres://postgres@127.0.0.1:5432/xiaoneng``; default SQLite in the
  data directory.
- ``SECRET_KEY``: required with ``XIAONENG_SECURE=1`` (the process refuses to start without
  it); otherwise, on a laptop or for the demo, one is generated once into the data directory.
- ``XIAONENG_DEBUG``: ``1`` for development.
- ``XIAONENG_ALLOWED_HOSTS``: comma separated (default ``127.0.0.1,localhost``).
- ``XIAONENG_SECURE``: ``1`` behind HTTPS in production (secure cookies, HSTS, SSL redirect).
- ``REDIS_URL``: e.g. ``redis://127.0.0.1:6379/0``; the shared cache for the public throttles
  (default: a table in the database).
- ``XIAONENG_TRUSTED_PROXIES``: addresses/CIDRs of the reverse proxies whose ``X-Forwarded-For``
  names the client (default: none, the peer address is the client).
- ``XIAONENG_AUDIT_KEY``: the audit chain key(s); generated once into the data directory.
- ``XIAONENG_MAX_REQUEST_MB``: the largest request body accepted (default 30).

The README's configuration table lists them all.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent.parent


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DATA_DIR = Path(os.environ.get("XIAONENG_DATA_DIR", REPO_DIR / "var")).resolve()
DEBUG = _flag("XIAONENG_DEBUG")
SECURE = _flag("XIAONENG_SECURE")


def _private_dir(path: Path) -> None:
    # The data directory holds personal data (the SQLite database, uploads) and the keys: a
    # directory created here is readable by the service account only. An existing one is left
    # as the operator made it; `xiaoneng check --deploy` and `serve` warn when it is open.
    if not path.exists():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)


_private_dir(DATA_DIR)


def _key_from_env_or_file(name: str, filename: str, nbytes: int) -> str:
    """The key from the environment variable ``name``, or one of ``nbytes`` random bytes
    generated once into ``filename`` in the data directory (0600), so that a laptop or demo
    install survives restarts without anyone having to invent a secret."""
    if key := os.environ.get(name):
        return key
    key_file = DATA_DIR / filename
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(nbytes)
    # Created 0600 from the start: a chmod after writing would leave a moment of 0644.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key)
    return key


if SECURE and not os.environ.get("SECRET_KEY"):
    # A production install must not sign its sessions with a key that sits in a file beside the
    # data: refuse to start, in one line, rather than generate one.
    raise SystemExit("XIAONENG_SECURE=1 时必须设置环境变量 SECRET_KEY（一段足够长的随机字符串）")
SECRET_KEY = _key_from_env_or_file("SECRET_KEY", "secret_key", 50)
# 投诉人身份加密密钥: comma-separated keys, the first encrypts (rotation).
XIAONENG_IDENTITY_KEY = _key_from_env_or_file("XIAONENG_IDENTITY_KEY", "identity_key", 32)
# 审计链密钥: seals each audit entry (HMAC); comma-separated, the first seals (rotation). Kept
# outside the database, so that write access to the database cannot rebuild the chain.
XIAONENG_AUDIT_KEY = _key_from_env_or_file("XIAONENG_AUDIT_KEY", "audit_key", 32)
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("XIAONENG_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("XIAONENG_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "xiaoneng.accounts",
    "xiaoneng.audit",
    "xiaoneng.org",
    "xiaoneng.notifications",
    "xiaoneng.workcalendar",
    "xiaoneng.catalog",
    "xiaoneng.supervision",
    "xiaoneng.rectification",
    "xiaoneng.inspections",
    "xiaoneng.cases",
    "xiaoneng.complaints",
    "xiaoneng.bulletins",
    "xiaoneng.ratings",
    "xiaoneng.evaluation",
    "xiaoneng.assessment",
    "xiaoneng.casestats",
    "xiaoneng.opendata",
    "xiaoneng.accountability",
    "xiaoneng.api",
    "xiaoneng.web",
    "xiaoneng.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the body (CSRF reads POST, which parses a multipart upload).
    "xiaoneng.web.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "xiaoneng.web.middleware.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "xiaoneng.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "xiaoneng.web.context.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "xiaoneng.wsgi.application"


def _private_sqlite_file(name: str) -> None:
    # SQLite creates a missing database file with the process umask (usually 0644) and gives
    # its -wal and -shm files the database file's own mode: creating it empty with 0600 first
    # keeps all three private. (An empty file is a valid empty database.)
    path = Path(name)
    if name.startswith(":") or path.exists():
        return
    _private_dir(path.parent)
    with contextlib.suppress(FileExistsError):  # another process got there first
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'xiaoneng.sqlite3'}"),
        conn_max_age=int(os.environ.get("XIAONENG_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker and the web server read while the other writes; IMMEDIATE avoids the
    # "database is locked" upgrade deadlock between two writers.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    _private_sqlite_file(str(DATABASES["default"]["NAME"]))
DATABASES["default"].setdefault("TEST", {})


# The shared cache: the public throttles must count across all app server processes and
# survive restarts. Redis when REDIS_URL is set, else a table in the database (created by the
# web app's migration). Both count atomically (xiaoneng.web.cache).
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": {
        "BACKEND": "xiaoneng.web.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("XIAONENG_CACHE_PREFIX", "xiaoneng"),
    }
    if REDIS_URL
    else {
        "BACKEND": "xiaoneng.web.cache.DatabaseCache",
        "LOCATION": "xiaoneng_cache",
        # One row per address and limit: far more than Django's default of 300 before culling,
        # which would otherwise forget live counters whenever many addresses are active.
        "OPTIONS": {"MAX_ENTRIES": 200_000},
    }
}


def _trusted_proxies(text: str) -> tuple[str, ...]:
    networks = tuple(part.strip() for part in text.split(",") if part.strip())
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError as error:
            raise ImproperlyConfigured(
                f"XIAONENG_TRUSTED_PROXIES：“{network}”不是 IP 地址或网段（CIDR）"
            ) from error
    return networks


# The reverse proxies in front of the app servers. Only when the peer is one of them is the
# client taken from X-Forwarded-For (xiaoneng.web.throttle.client_ip); otherwise the header is
# ignored, since anyone can send it.
XIAONENG_TRUSTED_PROXIES = _trusted_proxies(os.environ.get("XIAONENG_TRUSTED_PROXIES", ""))

# Bodies larger than this are refused from their Content-Length before a byte is read
# (xiaoneng.web.middleware.RequestSizeLimitMiddleware). The largest legitimate one is a public
# complaint with five 5 MB attachments.
XIAONENG_MAX_REQUEST_BYTES = int(float(os.environ.get("XIAONENG_MAX_REQUEST_MB", "30")) * 2**20)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:landing"
LOGOUT_REDIRECT_URL = "web:home"

# Login throttling (django-axes): after 5 failures for the same user name from the same address,
# that pair is locked out for 15 minutes. The form says so in Chinese.
AXES_FAILURE_LIMIT = int(os.environ.get("XIAONENG_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A lockout ends 15 minutes after the failure that caused it, whatever is tried meanwhile:
# axes would otherwise record each refused attempt (even the right password) as a new failure
# and start the 15 minutes again.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The same client address as the public throttles (behind a trusted proxy, the real client's),
# so that one person's failures do not lock everyone behind the proxy out of an account.
AXES_CLIENT_IP_CALLABLE = "xiaoneng.web.throttle.client_ip"
AXES_LOCKOUT_CALLABLE = "xiaoneng.accounts.views.lockout"
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# whitenoise expects the directory even before the first collectstatic.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = DATA_DIR / "media"
# whitenoise also serves files straight from the app directories (the finders), but outside
# DEBUG the pages name files through the manifest that `collectstatic` writes: without it every
# page fails. `xiaoneng serve` therefore collects them when the manifest is missing or stale.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if SECURE:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# How often a process re-reads the calendar version from the database (seconds): edits made in
# one app server reach the others within this time; in the same process they apply at once.
XIAONENG_CALENDAR_RECHECK_SECONDS = float(os.environ.get("XIAONENG_CALENDAR_RECHECK_SECONDS", "5"))

# What the header and footer say: the installing government's own names.
XIAONENG_SITE_NAME = os.environ.get("XIAONENG_SITE_NAME", "机关效能监察平台")
XIAONENG_OFFICE_NAME = os.environ.get("XIAONENG_OFFICE_NAME", "机关效能建设领导小组办公室")
# The demo (./run-demo) says on every page that its data is invented.
XIAONENG_DEMO = _flag("XIAONENG_DEMO")

# Notifications (C12): e-mail through Django's mail API, SMS/IM through signed webhooks. A
# development server prints e-mails to the console unless a backend is configured.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _flag("EMAIL_USE_TLS")
EMAIL_USE_SSL = _flag("EMAIL_USE_SSL")
# Without a timeout one unreachable mail server would hang the delivery worker for good.
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "xiaoneng@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
XIAONENG_WEBHOOK_TIMEOUT = float(os.environ.get("XIAONENG_WEBHOOK_TIMEOUT", "10"))
XIAONENG_DELIVERY_MAX_ATTEMPTS = int(os.environ.get("XIAONENG_DELIVERY_MAX_ATTEMPTS", "8"))
# Links in e-mails and webhook events are made absolute with this (e.g. https://xn.example.gov.cn).
XIAONENG_BASE_URL = os.environ.get("XIAONENG_BASE_URL", "").rstrip("/")
# 千人评议: online answer sheets enter the answer table in shuffled batches of this many per
# stratum, as many kept back (docs/evaluation.md §5).
XIAONENG_EVALUATION_BATCH = int(os.environ.get("XIAONENG_EVALUATION_BATCH", "10"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("XIAONENG_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
