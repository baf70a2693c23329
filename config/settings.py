"""Settings, read from the environment with safe defaults for `make run`.

Production (DJANGO_DEBUG unset or 0 and DJANGO_ENV=production) refuses to start with
the development secret key or with debug on.
"""

import json
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DMS_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEV_SECRET = "dev-only-insecure-key-change-me-in-production"
ENVIRONMENT = os.environ.get("DJANGO_ENV", "development")
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", DEV_SECRET)
DEBUG = env_bool("DJANGO_DEBUG", ENVIRONMENT != "production")
ALLOWED_HOSTS = [
    h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

if ENVIRONMENT == "production":
    if SECRET_KEY == DEV_SECRET or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY to a long random value in production.")
    if DEBUG:
        raise ImproperlyConfigured("DJANGO_DEBUG must be off in production.")
    if not os.environ.get("DMS_PUBLIC_BASE_URL", "").strip():
        raise ImproperlyConfigured(
            "Set DMS_PUBLIC_BASE_URL to the address customers open (e.g. https://dms.example.cn) in production."
        )
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # HTTPS only, for a year, once a browser has seen the site over HTTPS. Subdomains and the
    # browsers' preload list are the dealer's decision (other hosts of its domain may be plain HTTP).
    SECURE_HSTS_SECONDS = max(0, int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000")))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
    # Behind nginx (docs/operations.md), which ends TLS and sets X-Forwarded-Proto: the app knows a
    # request came over HTTPS from that header (HSTS is only sent then, secure cookies work). Only
    # when the proxy overwrites the header: a client could send its own otherwise.
    if env_bool("DMS_BEHIND_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The proxy redirects http:// to https:// (docs/operations.md); DJANGO_SSL_REDIRECT=1 makes the
    # app do it too (GET /healthz is answered before it, for a load balancer probing over HTTP).
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", False)
    # manage.py check --deploy: what the three choices above leave as warnings is intended (see
    # docs/operations.md, "Security headers"): the redirect is the proxy's; subdomains and preload are
    # off unless asked for.
    SILENCED_SYSTEM_CHECKS = [
        check
        for check, intended in (
            ("security.W008", not SECURE_SSL_REDIRECT),
            ("security.W005", not SECURE_HSTS_INCLUDE_SUBDOMAINS),
            ("security.W021", not SECURE_HSTS_PRELOAD),
        )
        if intended
    ]

# Everywhere (Django's defaults, said here): no MIME sniffing, no framing, no referrer to another site
# (the customer pages' signed links must not leak), and a content security policy (dms/core/security.py:
# scripts from the app's files only; inline styles allowed, the templates use style= attributes).
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = os.environ.get("DJANGO_REFERRER_POLICY", "same-origin")
DMS_CONTENT_SECURITY_POLICY = os.environ.get(
    "DMS_CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'",
).strip()
# A browser session ends after this many minutes without the user doing anything (a shared reception
# tablet; page polling does not count): dms/core/security.py. 0: never.
DMS_SESSION_IDLE_MINUTES = max(0, int(os.environ.get("DMS_SESSION_IDLE_MINUTES", "30")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "dms.core.third_party_apps.AxesConfig",  # axes, with a Chinese heading in the admin
    "dms.core.third_party_apps.AuditlogConfig",  # auditlog, the same
    "django_tasks",
    "django_tasks_db",
    "ninja",  # the API's documentation page from the app's static files (no CDN: the CSP allows none)
    "dms.core",
    "dms.customers",
    "dms.vehicles",
    "dms.scheduling",
    "dms.parts",
    "dms.workshop",
    "dms.satisfaction",
    "dms.followups",
    "dms.sales",
    "dms.records",
    "dms.claims",
    "dms.packages",
    "dms.reception",
    "dms.portal",
    "dms.messaging",
    "dms.ops",  # manage.py backup / restore
    "dms.demo",  # the demo dealership (manage.py load_demo): above every app
]

MIDDLEWARE = [
    # GET /healthz for the load balancer, before anything else (no host check, session or tenant).
    "dms.ops.health.HealthMiddleware",
    # X-Request-ID in, out, and on every log line of the request.
    "dms.core.requestlog.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files from STATIC_ROOT (collected by `make build`) in production; runserver's own in DEBUG.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "dms.core.uploads.BodyLimitMiddleware",  # before anything reads the body (CSRF reads the form)
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dms.core.security.IdleSessionMiddleware",  # an idle browser session is signed out
    "dms.core.middleware.TenantMiddleware",
    "dms.core.middleware.UserLanguageMiddleware",
    "dms.core.middleware.LazyMessageMiddleware",  # Django's, with the store made on first use
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "dms.core.middleware.AuditContextMiddleware",  # auditlog's, without a receiver per request
    "axes.middleware.AxesMiddleware",
    "dms.core.security.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

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
                "dms.core.context_processors.shell",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
# DATABASE_URL=postgres://... switches to PostgreSQL; otherwise an embedded SQLite under var/,
# in WAL mode with a busy timeout and immediate write transactions so that several people
# working at once never meet "database is locked".
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Parameters bound by the server, and a statement run a fifth time on a connection
        # prepared there (planned once): PostgreSQL spends about a third less per car received
        # (docs/benchmarks.md). DMS_DB_PREPARE=0 turns preparing off, for a pooler in transaction
        # mode (PgBouncer before 1.21).
        _prepare = int(os.environ.get("DMS_DB_PREPARE", "5"))
        DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": _prepare or None}
        # Django's backend, with a health check that asks the socket before the server (see there).
        DATABASES["default"]["ENGINE"] = "dms.core.postgresql"
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "opendms.sqlite3",
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
                    "PRAGMA busy_timeout=20000;PRAGMA foreign_keys=ON;"
                ),
            },
            "TEST": {"NAME": os.environ.get("DMS_SQLITE_TEST_NAME") or None},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: counts that every worker process and machine must share ------------------------------
# The rate limits (e.g. the public booking page's) count in this cache. By default it is a table of
# the database (created by migrate: dms/core/migrations/0007_cache_table.py); REDIS_URL=redis://...
# puts it in Redis instead (Django's RedisCache, which needs the `redis` package). Never a
# per-process memory cache: each gunicorn worker would count apart.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    try:
        import redis  # noqa: F401
    except ImportError:
        raise ImproperlyConfigured(
            "REDIS_URL is set but the redis package is not installed: install it, or unset REDIS_URL "
            "to keep the cache in the database."
        ) from None
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "dms_cache",
            # Culling drops a third of the entries when full: high enough that counters are not evicted.
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }

# --- Auth ----------------------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # Not a rule for passwords: Django tells every validator when a password has changed (set_password
    # then save, from any path: the admin, changepassword, a form), and not when a hash is only
    # upgraded at sign-in. This one revokes the user's API tokens then (dms/core/signin.py).
    {"NAME": "dms.core.signin.RevokeTokensOnPasswordChange"},
]
# Sign-in lockout (django-axes, dms/core/signin.py): a client, (username, address), is locked after
# DMS_LOGIN_FAILURE_LIMIT failures; a username, from any number of addresses, after
# DMS_LOGIN_USERNAME_FAILURE_LIMIT. Both for AXES_COOLOFF_TIME. A successful sign-in clears the
# client's own failures only. The counts are AccessAttempt rows in the database, shared by every
# worker process and machine (axes' default database handler; its cache handler would count in the
# cache instead, and the admin's sign-in attempts page reads the rows).
AXES_HANDLER = "dms.core.signin.LockoutHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("DMS_LOGIN_FAILURE_LIMIT", "5"))
DMS_LOGIN_USERNAME_FAILURE_LIMIT = int(os.environ.get("DMS_LOGIN_USERNAME_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = 0.25  # hours: 15 minutes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]  # in this order: LockoutHandler
AXES_RESET_ON_SUCCESS = True
# The client's address: REMOTE_ADDR, unless the app is behind DMS_TRUSTED_PROXY_COUNT reverse proxies
# that each append the address they received from to X-Forwarded-For; then the entry that the
# outermost trusted proxy wrote (dms/core/signin.py client_ip). 0 (the default) trusts no header: a
# client could write its own.
DMS_TRUSTED_PROXY_COUNT = max(0, int(os.environ.get("DMS_TRUSTED_PROXY_COUNT", "0")))
AXES_CLIENT_IP_CALLABLE = "dms.core.signin.client_ip"
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_VERBOSE = False
AXES_CLIENT_STR_CALLABLE = "dms.core.logmask.axes_client_str"  # its log lines: user name and address masked
API_TOKEN_LIFETIME_HOURS = int(os.environ.get("DMS_API_TOKEN_HOURS", "12"))

# --- Languages and time -------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]  # Chinese date inputs ISO first (config/formats/zh_Hans)
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files (served by the app itself: no CDN) ----------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Uploaded files (check-in photos): private, served only through views that check tenancy.
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "media"},
    },
    # Hashed names and compressed copies, made by collectstatic (`make build`): dms/core/staticfiles.py.
    "staticfiles": {"BACKEND": "dms.core.staticfiles.HashedStaticFilesStorage"},
}
# Pages link the hashed names where DEBUG is off as the settings are read (make run, production); the
# test suite (its live server finds files by their plain names) and make dev link the plain names.
DMS_STATIC_HASHED_NAMES = env_bool("DMS_STATIC_HASHED_NAMES", not DEBUG)
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
# An uploaded file over 2.5 MB is written to a temporary file, not kept in memory; a body that is not
# a file (JSON, form fields) is refused over 20 MB (a photo sent as a data URL). Every request body
# is refused from its Content-Length before it is read (dms/core/uploads.py): over
# DMS_MAX_REQUEST_BYTES, or the route's own limit (the spreadsheet import, check-in photos).
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
DMS_MAX_REQUEST_BYTES = DATA_UPLOAD_MAX_MEMORY_SIZE + 1024 * 1024

# --- Background work ----------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("DMS_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
# How often the worker looks for promised times at risk, to warn the advisor and text the customer
# (dms/portal/tasks.py); `make run` and `make worker` queue the first sweep.
DMS_PROMISE_SWEEP_MINUTES = max(1, int(os.environ.get("DMS_PROMISE_SWEEP_MINUTES", "5")))
# Retention of personal data (dms/core/retention.py, docs/security.md "Personal data"): days after
# which the worker removes it; 0 keeps it for ever. Texts sent to customers (3 years), check-in
# photos and the customer's signatures counted from the end of their repair order (3 and 5 years),
# audit diffs (5 years), sign-in records (1 year), the event log and the webhook deliveries of its
# events (3 years), the error lists of customer imports (90 days), the claims' photos and the
# insurers' documents counted from the claim's close (10 years: dms/claims/retention.py). The sweep
# runs every DMS_RETENTION_SWEEP_HOURS.
DMS_RETENTION_MESSAGES_DAYS = max(0, int(os.environ.get("DMS_RETENTION_MESSAGES_DAYS", "1095")))
DMS_RETENTION_PHOTOS_DAYS = max(0, int(os.environ.get("DMS_RETENTION_PHOTOS_DAYS", "1095")))
DMS_RETENTION_SIGNATURES_DAYS = max(0, int(os.environ.get("DMS_RETENTION_SIGNATURES_DAYS", "1825")))
DMS_RETENTION_AUDIT_DAYS = max(0, int(os.environ.get("DMS_RETENTION_AUDIT_DAYS", "1825")))
DMS_RETENTION_LOGIN_DAYS = max(0, int(os.environ.get("DMS_RETENTION_LOGIN_DAYS", "365")))
DMS_RETENTION_EVENTS_DAYS = max(0, int(os.environ.get("DMS_RETENTION_EVENTS_DAYS", "1095")))
DMS_RETENTION_IMPORTS_DAYS = max(0, int(os.environ.get("DMS_RETENTION_IMPORTS_DAYS", "90")))
DMS_RETENTION_CLAIM_FILES_DAYS = max(0, int(os.environ.get("DMS_RETENTION_CLAIM_FILES_DAYS", "3650")))
DMS_RETENTION_SWEEP_HOURS = max(1, int(os.environ.get("DMS_RETENTION_SWEEP_HOURS", "24")))
# GET /healthz says "degraded" when the disk of DMS_VAR_DIR has less free space than either of these.
DMS_HEALTH_MIN_FREE_MB = max(0, int(os.environ.get("DMS_HEALTH_MIN_FREE_MB", "1024")))
DMS_HEALTH_MIN_FREE_PERCENT = max(0.0, float(os.environ.get("DMS_HEALTH_MIN_FREE_PERCENT", "5")))
# Repair-quality warranty periods longer than the legal minimum, per work class, as JSON
# (e.g. {"minor": {"km": 3000, "days": 30}}); never shorter than the law's (dms/workshop/rules.py).
DMS_QUALITY_WARRANTY = json.loads(os.environ.get("DMS_QUALITY_WARRANTY", "") or "{}")

# --- Messages to customers (dms/messaging) ------------------------------------------------------
# The address customers open: every link in a message and on a printed document starts with it.
# Development default: the local server; production refuses to start without it (above).
DMS_PUBLIC_BASE_URL = os.environ.get("DMS_PUBLIC_BASE_URL", "").strip().rstrip("/") or "http://127.0.0.1:8000"
# How long a worker holds a message (or webhook delivery) it is sending before another worker may
# take it over; longer than any provider call (DMS_OUTBOX_HTTP_TIMEOUT) with margin.
DMS_OUTBOX_LEASE_SECONDS = max(5, int(os.environ.get("DMS_OUTBOX_LEASE_SECONDS", "120")))
# Timeout of each call to an SMS / WeChat / SMTP provider or a webhook receiver, in seconds.
DMS_OUTBOX_HTTP_TIMEOUT = float(os.environ.get("DMS_OUTBOX_HTTP_TIMEOUT", "15"))
# Retries: the n-th retry waits BASE * 2^(n-1) seconds, at most CAP; a message is failed after
# MAX_ATTEMPTS attempts (webhook deliveries keep trying until their subscription is paused).
DMS_OUTBOX_RETRY_BASE_SECONDS = max(1, int(os.environ.get("DMS_OUTBOX_RETRY_BASE_SECONDS", "60")))
DMS_OUTBOX_RETRY_CAP_SECONDS = max(1, int(os.environ.get("DMS_OUTBOX_RETRY_CAP_SECONDS", "3600")))
DMS_OUTBOX_MAX_ATTEMPTS = max(1, int(os.environ.get("DMS_OUTBOX_MAX_ATTEMPTS", "8")))
# The worker looks for due messages at least this often (a queued message wakes it at once).
DMS_OUTBOX_POLL_SECONDS = max(5, int(os.environ.get("DMS_OUTBOX_POLL_SECONDS", "30")))
# A process checks that an outbox run waits at most this often (dms/messaging/tasks.py wake).
DMS_OUTBOX_WAKE_SECONDS = float(os.environ.get("DMS_OUTBOX_WAKE_SECONDS", "1"))
# Webhooks go to public addresses only (dms/messaging/webhooks.py); "1" allows the installation's own
# network (an integration server beside the DMS).
DMS_WEBHOOK_ALLOW_PRIVATE = os.environ.get("DMS_WEBHOOK_ALLOW_PRIVATE", "0") == "1"
# The province's repair record platform is called at public addresses only (dms/records/platform.py);
# "1" allows a private one (a platform reached over a private line).
DMS_RECORDS_ALLOW_PRIVATE = os.environ.get("DMS_RECORDS_ALLOW_PRIVATE", "0") == "1"
# Fernet keys sealing the providers' secrets in the database (dms/messaging/vault.py), comma-separated
# to rotate; unset: derived from DJANGO_SECRET_KEY.
DMS_SECRETS_KEY = os.environ.get("DMS_SECRETS_KEY", "").strip()
# A task worker that gave no sign of life for this long is dead: its running task is queued again
# (dms/ops/worker.py). Longer than any pause of a live worker (it renews every third of it).
DMS_WORKER_LEASE_SECONDS = max(3, int(os.environ.get("DMS_WORKER_LEASE_SECONDS", "60")))
# A webhook subscription is paused after this many failed deliveries in a row, or when it has
# been failing for this many hours.
DMS_WEBHOOK_PAUSE_AFTER_FAILURES = max(1, int(os.environ.get("DMS_WEBHOOK_PAUSE_AFTER_FAILURES", "10")))
DMS_WEBHOOK_PAUSE_AFTER_HOURS = max(1, int(os.environ.get("DMS_WEBHOOK_PAUSE_AFTER_HOURS", "24")))

# --- E-mail: a real SMTP server (loopback by default) ----------------------------------------------
EMAIL_HOST = os.environ.get("DMS_SMTP_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("DMS_SMTP_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DMS_MAIL_FROM", "opendms@localhost")

# --- Audit ----------------------------------------------------------------------------------------
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False

# Logs go to stderr (journald under systemd). DMS_LOG_FORMAT=json (the default in production) writes
# one JSON object per line (time, level, logger, message, request_id, path, status); text otherwise.
# Every line of a request carries its id (X-Request-ID: dms/core/requestlog.py), and every handler
# masks mainland mobile numbers in what it writes (dms/core/logmask.py).
DMS_LOG_FORMAT = os.environ.get("DMS_LOG_FORMAT", "json" if ENVIRONMENT == "production" else "text").strip()
if DMS_LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured("DMS_LOG_FORMAT is json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request": {"()": "dms.core.requestlog.RequestContext"},
        "personal_data": {"()": "dms.core.logmask.MaskPersonalData"},
    },
    "formatters": {
        "json": {"()": "dms.core.requestlog.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request", "personal_data"],
            "formatter": DMS_LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DMS_LOG_LEVEL", "WARNING")},
}
