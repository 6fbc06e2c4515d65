"""The one settings module; everything that differs between installations comes from the environment.

OPENFUNNEL_DATA_DIR   where the SQLite file, uploads and the secret key live (default ./var)
DATABASE_URL          PostgreSQL (postgres://user@host:5432/name); SQLite in the data dir when unset
DATABASE_PREPARED_STATEMENTS  "0" behind a PostgreSQL pooler in transaction mode (default: the hot statements
                      are prepared once per connection)
REDIS_URL             cache + Celery broker in production; the embedded default needs none
                      (then run `celery -A openfunnel worker --beat` beside `openfunnel serve`)
SECRET_KEY            generated once into the data dir when unset
DEBUG                 "1" for development only
ALLOWED_HOSTS         comma separated, default "*" (the CRM usually sits on an intranet)
EMAIL_HOST ...        SMTP for notifications (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER,
                      EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, DEFAULT_FROM_EMAIL)
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
TESTING = "pytest" in sys.modules or os.environ.get("OPENFUNNEL_TESTING") == "1"
if TESTING and not os.environ.get("OPENFUNNEL_DATA_DIR"):
    import tempfile

    DATA_DIR = Path(tempfile.mkdtemp(prefix="openfunnel-test-"))
else:
    DATA_DIR = Path(os.environ.get("OPENFUNNEL_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)
(DATA_DIR / "static").mkdir(exist_ok=True)


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("DEBUG") == "1"
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "*").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "openfunnel.core",
    "openfunnel.accounts",
    "openfunnel.audit",
    "openfunnel.automation",
    "openfunnel.leads",
    "openfunnel.customers",
    "openfunnel.activities",
    "openfunnel.catalog",
    "openfunnel.sales",
    "openfunnel.pool",
    "openfunnel.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "openfunnel.accounts.scope.ScopeCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "openfunnel.core.middleware.ApiErrorMiddleware",
]

ROOT_URLCONF = "openfunnel.urls"
WSGI_APPLICATION = "openfunnel.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "openfunnel.web.context_processors.layout",
            ],
        },
    }
]

# Django's widget templates, with the common widgets written out in Python (the same HTML, a third of a list
# page's CPU time less).
FORM_RENDERER = "openfunnel.web.renderers.FastWidgetRenderer"

# --- database -------------------------------------------------------------------------------------
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
    DATABASES["default"].setdefault("TEST", {})
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "openfunnel.sqlite3",
            "OPTIONS": {
                # Concurrent writers from several workers wait their turn instead of failing with
                # "database is locked": WAL lets readers go on, IMMEDIATE takes the write lock at
                # BEGIN (no lock upgrade deadlocks), and the timeout is how long a writer waits.
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;",
            },
        }
    }
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
# The statements every request runs are prepared once per connection (openfunnel.core.prepared); 0 behind a pooler
# in transaction mode, which does not keep a connection's prepared statements.
DATABASE_PREPARED_STATEMENTS = os.environ.get("DATABASE_PREPARED_STATEMENTS", "1") != "0"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache: shared between processes (throttling must not live in one worker's memory) -------------
if os.environ.get("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "openfunnel.core.cache.KeptClientRedisCache",   # one Redis client per pool
                          "LOCATION": os.environ["REDIS_URL"]}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- periodic jobs (Celery in production; `openfunnel serve` runs them in process otherwise) ----------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or "memory://"
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or os.environ.get("REDIS_URL") or None
CELERY_TIMEZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
CELERY_TASK_ACKS_LATE = True             # a job interrupted by a worker restart runs again (jobs are idempotent)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1    # a long reclaim must not hold other jobs back in one worker's queue
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

# --- auth -----------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 6}},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
if os.environ.get("REDIS_URL"):
    # Read from the shared cache and written through to the database: a request skips the session's SELECT,
    # and a logout or a deactivation (accounts.services.sessions_end) deletes the session from both, so it ends
    # at once in every process. Not with the per-process memory cache: a session one process deleted would live
    # on in the others' memory.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("LOGIN_FAILURE_WINDOW_SECONDS", "900"))

# --- i18n -----------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- static and uploaded files --------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# Serve straight from the app folders: no collectstatic step on a fresh machine.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- e-mail ---------------------------------------------------------------------------------------
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS") == "1"
    DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "openfunnel@localhost")
    SMTP_CONFIGURED = True
else:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    SMTP_CONFIGURED = False

# --- REST API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "openfunnel.accounts.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "openfunnel.core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "openfunnel.core.api.FilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "EXCEPTION_HANDLER": "openfunnel.core.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "openfunnel.core.parsers.SafeJSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OpenFunnel API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from the installed package: no CDN on an intranet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

AUTHENTICATION_BACKENDS = ["openfunnel.accounts.authentication.ScopedModelBackend"]
