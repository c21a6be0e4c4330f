"""Settings for the KPI portal, read from the environment.

Every value has a default that works for the embedded run (`make run`): a SQLite file under
`var/`, jobs run inline when no Redis is configured, DEBUG on. Production sets DATABASE_URL,
REDIS_URL, SECRET_KEY and DEBUG=0. An invalid value stops start-up with ImproperlyConfigured.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from kpi_portal.client_address import parse_networks

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KPI_VAR_DIR", BASE_DIR / "var"))

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a yes/no value (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_date(name: str) -> date | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a date as YYYY-MM-DD, got {raw!r}") from None


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-embedded-default-change-me-in-production-0123456789"

# Rotating the key: the new one in SECRET_KEY, the old one here until sessions and password-reset
# links signed with it have expired (docs/operations.md).
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])

# The embedded run's names only; production sets its real host name. (Django's test framework adds
# `testserver` itself while the tests run: a production process never answers to it.)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "agencies",
    "dossiers",
    "reports",
    "directives",
    "axes",  # sign-in throttling (kpi_portal/signin.py)
]

MIDDLEWARE = [
    # First, so every response (redirects and errors included) and log line carries the id.
    "kpi_portal.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kpi_portal.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A query parameter that cannot be right (a 20-digit id): a 400 page saying so.
    "kpi_portal.middleware.BadQueryMiddleware",
    # Last: turns a locked-out sign-in into the sign-in page with the lock-out message.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kpi_portal.urls"
WSGI_APPLICATION = "kpi_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "agencies.navigation.navigation",
            ],
            # kpi_portal is not an app; its template filters are registered by name.
            "libraries": {"kpi_format": "kpi_portal.templatetags.kpi_format"},
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
# PostgreSQL in production and CI; a SQLite file for the embedded run.
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in refuses the demo password `demo` when DEBUG is off (agencies/access.py).
# Sign-in attempts are throttled first (kpi_portal/signin.py, django-axes).
AUTHENTICATION_BACKENDS = [
    "kpi_portal.signin.ThrottledSignInBackend",
    "agencies.access.DemoRefusingBackend",
]
# After AXES_FAILURE_LIMIT wrong passwords for one username from one address, that pair waits
# AXES_COOLOFF_MINUTES; other users and other addresses are unaffected; a success resets the count.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The address is the client's: behind the TLS proxy every request comes from the proxy, so
# X-Forwarded-For is read, from the right, when (and only when) the direct peer is one of these
# addresses or networks (kpi_portal/client_address.py; docs/operations.md, "Sign-in throttling").
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
try:
    parse_networks(TRUSTED_PROXIES)
except ValueError as exc:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {exc}") from None
AXES_CLIENT_IP_CALLABLE = "kpi_portal.client_address.client_ip_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "kpi_portal.signin.locked_out_response"
AXES_HTTP_RESPONSE_CODE = 429
# Keep successful sign-ins out of axes' tables: the audit of who did what is agencies.AuditEntry.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Language and time ------------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True


# The portal's "today" (kpi_portal/clock.py): unset, the real date. A demo or a training copy can
# set it (make run sets 2023-07-25, the directive's moment); only the date moves, not the data.
PORTAL_TODAY = env_date("PORTAL_TODAY")

# --- Files ------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"
# Uploaded import files are kept for good; the largest accepted upload, in bytes. A dossier file
# is read in bounded batches (dossiers/importing/pipeline.py), so the bound only guards the
# disk: 1 GiB takes a large province's year (3,000,000 rows are about 560 MB as CSV). The
# other kinds (agencies, procedures, postings) are read whole, and stay bounded by the smaller
# IMPORT_MAX_WHOLE_FILE_BYTES.
IMPORT_MAX_UPLOAD_BYTES = env_int("IMPORT_MAX_UPLOAD_BYTES", 1024 * 1024 * 1024)
IMPORT_MAX_WHOLE_FILE_BYTES = env_int("IMPORT_MAX_WHOLE_FILE_BYTES", 200 * 1024 * 1024)
# A batch checked or written for longer than this whose process cannot be seen alive (SQLite:
# whatever the process) is failed by the resume sweep (docs/reliability.md, section 9).
IMPORT_STUCK_AFTER_SECONDS = env_int("IMPORT_STUCK_AFTER_SECONDS", 2 * 60 * 60)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Jobs -------------------------------------------------------------------------------------
# With REDIS_URL set, Celery sends tasks to Redis; without it, tasks run inline in the caller.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# The database server's cores, for the KPI engine's batch statements (kpi_portal.db.tune_for_batch):
# by default this machine's, which is the database's in the embedded and single-server setups.
KPI_DB_CORES = env_int(
    "KPI_DB_CORES",
    len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1,
)
# The KPI engine: drain what imports touched every minute (the importer's signal also asks for a
# refresh at once; this catches anything else), and recompute everything at night.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "kpi-refresh-touched": {"task": "reports.kpi_refresh_touched", "schedule": 60.0},
    # Imports uploaded while Redis was down stay pending; send their steps again (reliability.md).
    "import-batches-resume": {"task": "dossiers.import_batches_resume", "schedule": 120.0},
    "kpi-full-recompute-nightly": {
        "task": "reports.kpi_full_recompute",
        "schedule": crontab(hour=2, minute=0),
    },
    # Home Affairs: last month's rankings XLSX by e-mail, after the night's recompute.
    "ranking-monthly-mail": {
        "task": "reports.ranking_monthly_mail",
        "schedule": crontab(day_of_month=1, hour=7, minute=0),
    },
    # ZIPs of many apology slips: send again, fail the stuck, delete a day old (slip_bundles.py).
    "apology-slip-bundles-sweep": {
        "task": "dossiers.apology_slip_bundles_sweep",
        "schedule": 300.0,
    },
    # Agency heads: dossiers due by the next working day or overdue without an apology.
    "apology-reminders-daily": {
        "task": "dossiers.apology_reminders",
        "schedule": crontab(hour=7, minute=0, day_of_week="mon-fri"),
    },
    # Agency heads and the province office: directive tasks due within 7 days or overdue.
    "directive-deadline-reminders-daily": {
        "task": "directives.deadline_reminders",
        "schedule": crontab(hour=7, minute=5),
    },
}

# --- Security ---------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # `preload` only allows the domain onto browsers' HTTPS-only list; it submits nothing.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The probes answer on plain HTTP inside the host (docker health checks, a load balancer).
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# --- Logs ---------------------------------------------------------------------------------------
# One line per record on stdout. LOG_FORMAT=json (the default when DEBUG is off) writes JSON lines
# (python-json-logger); `plain` is for reading in a terminal. Every record carries the request id
# (kpi_portal/request_id.py) and, inside a Celery task, the task id.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain" if DEBUG else "json")
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or plain, got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "kpi_portal.request_id.RequestIdLogFilter"}},
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s%(task_id)s] %(message)s"
        },
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(levelname)s %(name)s %(message)s %(request_id)s %(task_id)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601, UTC
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            # JSON lines on stdout for the container's log collector; plain text on stderr, where
            # it stays out of the way of a command's own output.
            "stream": "ext://sys.stdout" if LOG_FORMAT == "json" else "ext://sys.stderr",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # axes: lock-outs are warnings; its per-sign-in bookkeeping lines are left out. fontTools
    # logs every glyph it subsets while a PDF export embeds its font: warnings only.
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
# The Celery worker logs through LOGGING above (so task logs are JSON lines with the task id too).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Django 6.1 mailers. EMAIL_BACKEND picks the backend: the console when DEBUG is on, SMTP (the
# province's relay, EMAIL_HOST and friends) when it is off.
_MAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS = {"default": {"BACKEND": _MAIL_BACKEND}}
if _MAIL_BACKEND.endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        "timeout": 30,
    }
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "kpi-portal@localhost")
