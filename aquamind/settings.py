"""Settings for AquaMind, read from the environment (see .env.example for every variable).

With no environment at all this is the embedded default: a SQLite file under ./var, no broker server
(recompute tasks run in-process right after the event's commit), DEBUG off.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from aquamind.env import env_bool, env_choice, env_float, env_int, env_list, env_pair, env_rate, env_str
from aquamind.secret_key import secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("AQUAMIND_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")  # checked below, once the mode is known
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "django_celery_beat",
    "pgtrigger",
    "pghistory",
    "apps.access",
    "apps.infrastructure",
    "apps.batch",
    "apps.health",
    "apps.inventory",
    "apps.environmental",
    "apps.scenario",
    "apps.forecast",
    "apps.planning",
    "apps.alerts",
    "apps.audit",  # after the apps it tracks: its event models are made from theirs (docs/history.md)
    "apps.recompute",
    "apps.farmio",
    "apps.reports",
    "apps.demo",
    "apps.api",
    "apps.web",
]

MIDDLEWARE = [
    "django.middleware.gzip.GZipMiddleware",  # JSON and pages compressed (the growth data shrinks ~10x)
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below)
    "aquamind.middleware.RequestSizeLimitMiddleware",  # 413 before anything reads an oversized body
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files (admin, Swagger UI) with DEBUG off
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.audit.context.HistoryMiddleware",  # who wrote, through what: the history's context (docs/history.md)
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "aquamind.urls"
WSGI_APPLICATION = "aquamind.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.web.alerts.alerts_open_count",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'aquamind.sqlite3'}")
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
except Exception as exc:  # dj-database-url raises several types for a malformed URL
    raise ImproperlyConfigured(f"DATABASE_URL={DATABASE_URL!r} is not a valid database URL: {exc}") from None
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # SQLite waits instead of failing when the web process and a recompute write at once
    DATABASES["default"]["OPTIONS"] = {"timeout": 30, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
if DATABASES["default"]["NAME"] and "TEST" not in DATABASES["default"]:
    DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", "") or None}
IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")
if IS_POSTGRES:
    # pgtrigger's triggers (the history's, below) read CURRENT_SETTING('pgtrigger.ignore') on every row inside a
    # PL/pgSQL block with an exception handler: while the setting is undefined that raises, and each row pays a
    # subtransaction, superlinear over one big write (80,000 mortality events in one INSERT: 52.7 s; with the
    # setting defined as the empty list, no trigger ignored: 3.0 s, the same history rows). docs/history.md.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c pgtrigger.ignore={{}}".strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# History (docs/history.md): pghistory's triggers are installed by pgtrigger after every `migrate` rather than
# by migrations of the tracked apps (their migrations stay untouched); on SQLite there are no triggers and no
# history. The context is stored in each event row (JSON), not in a shared table upserted per statement.
PGTRIGGER_MIGRATIONS = False
PGTRIGGER_INSTALL_ON_MIGRATE = True

# The lockout backend is Django's ModelBackend that refuses locked-out logins before the password check (aquamind/lockout.py)
AUTHENTICATION_BACKENDS = ["aquamind.lockout.LockoutModelBackend"]
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)  # failed logins per username …
LOGIN_FAILURE_LIMIT_PER_IP = env_int("LOGIN_FAILURE_LIMIT_PER_IP", 50, minimum=1)  # … or per client address
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 900, minimum=1)  # counting window and lockout length
# a username that logged in from an address is judged there by its own failures only, for this long (0: never)
LOGIN_TRUSTED_SECONDS = env_int("LOGIN_TRUSTED_SECONDS", 30 * 24 * 3600, minimum=0)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-gb"
# The farm's time zone: its calendar days (daily states, temperature means) and every time shown to people
TIME_ZONE = env_str("TIME_ZONE", "UTC")
FORMAT_MODULE_PATH = ["aquamind.formats"]  # times shown as "1 Dec 2026, 13:05 WET" (aquamind/times.py)
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Serve straight from the installed apps' static folders: no collectstatic step to forget. For a large
# deployment, run collectstatic and set WHITENOISE_USE_FINDERS=false.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", True)
if WHITENOISE_USE_FINDERS:  # then an empty or missing STATIC_ROOT is expected, not worth a warning
    warnings.filterwarnings("ignore", message="No directory at: ")  # WhiteNoise, about STATIC_ROOT

# --- HTTPS (docs/operations.md, "Secret key and HTTPS"): all off by default, so plain-HTTP development and tests work;
# behind TLS set them as the runbook says, and `manage.py check --deploy` is clean.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = env_list("SECURE_REDIRECT_EXEMPT", [r"^health/$"])  # load balancers probe over HTTP
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
SECURE_PROXY_SSL_HEADER = env_pair("SECURE_PROXY_SSL_HEADER")  # e.g. HTTP_X_FORWARDED_PROTO,https

# Request bodies above this many bytes are answered 413 (the API's JSON, Django's forms and uploads).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("REQUEST_BODY_MAX_BYTES", 1024 * 1024, minimum=1024)
# --- Farm import (docs/import-export.md, "Limits"): the largest file an import reads (an upload's request body may
# be this large on the import addresses only), the most an .xlsx may unpack to and the largest ratio of one of its
# members (a zip bomb is refused from its zip directory, before it is opened), where uploads wait for their
# worker, and the size above which the page and the API hand the import to a worker instead of the request
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 100 * 1024 * 1024, minimum=1024)
IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES = env_int("IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES", 500 * 1024 * 1024, minimum=1024)
IMPORT_XLSX_MAX_RATIO = env_int("IMPORT_XLSX_MAX_RATIO", 200, minimum=2)
IMPORT_DIR = Path(env_str("IMPORT_DIR", "") or str(VAR_DIR / "imports"))
IMPORT_WORKER_BYTES = env_int("IMPORT_WORKER_BYTES", 2 * 1024 * 1024, minimum=0)
# A write's Idempotency-Key and its first outcome are kept this long (docs/api.md §Retries)
IDEMPOTENCY_KEY_HOURS = env_int("IDEMPOTENCY_KEY_HOURS", 24, minimum=1)

# --- Content-Security-Policy (django-csp; docs/web.md): every script and style sheet from this server's own files,
# nothing inline (no 'unsafe-inline', no 'unsafe-eval'), nothing from elsewhere; violations reported to /csp-report/
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # the admin's and Swagger UI's style sheets draw their icons as data: SVGs
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        # report-uri only: with report-to present Chrome ignores report-uri, and its Reporting API delivers to HTTPS
        # endpoints only, a minute late (docs/web.md)
        "report-uri": "/csp-report/",
    },
}

LOGIN_URL = "/accounts/login/"  # any user; /admin/ needs a staff user
LOGOUT_REDIRECT_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"  # the farm overview

# --- REST API -------------------------------------------------------------------------------------
# Token first: an anonymous request then gets 401 with WWW-Authenticate, not 403 (docs/api.md).
# A user with a role but no site grant sees no site data (docs/access.md); true only to keep an old deployment's
# behaviour while its grants are written (the access migration grants all sites to the users it finds).
ACCESS_UNGRANTED_SEES_ALL = env_bool("ACCESS_UNGRANTED_SEES_ALL", False)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["apps.api.permissions.RolePermission", "apps.api.scoping.SiteRolePermission"],
    "DEFAULT_PAGINATION_CLASS": "apps.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    # every generic view's list and get_object pass the site scope first (apps/access, docs/access.md)
    "DEFAULT_FILTER_BACKENDS": [
        "apps.api.scoping.SiteScopeFilter",
        "django_filters.rest_framework.DjangoFilterBackend",
    ],
    "DEFAULT_PARSER_CLASSES": ["apps.api.parsers.JSONParser"],  # size and nesting limits
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "apps.api.renderers.BrowsableAPIRenderer",  # no inline style (the Content-Security-Policy)
    ],
    "EXCEPTION_HANDLER": "apps.api.errors.exception_handler",
    # writes per user; the token endpoint sets its own (per address and per username) in apps/api/views/misc.py
    "DEFAULT_THROTTLE_CLASSES": ["apps.api.throttles.WriteThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "write": env_rate("THROTTLE_WRITE_RATE", "120/min"),
        "token_ip": env_rate("THROTTLE_TOKEN_IP_RATE", "30/min"),
        "token_username": env_rate("THROTTLE_TOKEN_USERNAME_RATE", "10/min"),
        "csp_report": env_rate("THROTTLE_CSP_REPORT_RATE", "60/min"),  # CSP report bodies per address (apps/api/csp.py)
    },
    "NUM_PROXIES": env_int("THROTTLE_NUM_PROXIES", 0, minimum=0) or None,  # proxies in front: X-Forwarded-For
    "DEFAULT_SCHEMA_CLASS": "apps.api.schema.AutoSchema",  # with each operation's 400 codes
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "URL_FORMAT_OVERRIDE": None,  # ?format= is not a parameter of ours (an unknown one would be DRF's 404)
    "COERCE_DECIMAL_TO_STRING": False,  # decimals are JSON numbers both ways, as the schema says (docs/api.md)
}

SPECTACULAR_SETTINGS = {
    "TITLE": "AquaMind API",
    "DESCRIPTION": "Salmon farm records, daily growth states and recompute control. See docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # no badge from swagger.io's online validator (an image from elsewhere, which the Content-Security-Policy refuses,
    # and the schema's address sent to a third party)
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # named here: used by two components, or a field name ("kind") that several choice sets share
    "ENUM_NAME_OVERRIDES": {
        "BatchStatusEnum": "apps.batch.models.Batch.Status",
        "AlertKindEnum": "apps.alerts.models.AlertKind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.api.schema.add_error_responses",
    ],
}

# --- Celery ---------------------------------------------------------------------------------------
# AQUAMIND_MODE only chooses the defaults: "production" (the default on PostgreSQL) uses the Redis on this host
# as broker and de-duplication store; "embedded" (the default on SQLite) uses no broker.
# No broker (CELERY_BROKER_URL empty) = embedded: tasks run in-process right after the event's commit.
AQUAMIND_MODE = env_choice("AQUAMIND_MODE", "production" if IS_POSTGRES else "embedded", ("production", "embedded"))
_PRODUCTION = AQUAMIND_MODE == "production"
# SECRET_KEY, or the instance's generated key where nothing beyond this machine is served (aquamind/secret_key.py)
SECRET_KEY, SECRET_KEY_SOURCE = secret_key(
    SECRET_KEY, production=_PRODUCTION, debug=DEBUG, var_dir=VAR_DIR, argv=sys.argv
)
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0" if _PRODUCTION else "")
# No result backend by default in either mode: AquaMind never reads task results (task_ignore_result).
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "") or None
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0" if _PRODUCTION else "")
AQUAMIND_EMBEDDED = not CELERY_BROKER_URL

# --- cache: throttle and lockout counters. Redis in production, so all web processes share the counts;
# in-process memory in embedded mode (one process).
CACHE_URL = env_str("CACHE_URL", REDIS_URL)
_REDIS_CACHE = {
    "BACKEND": "django.core.cache.backends.redis.RedisCache",
    "LOCATION": CACHE_URL,
    "KEY_PREFIX": "aquamind-cache",
    "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 1.0},  # a dead Redis must not hang requests
}
CACHES = {"default": _REDIS_CACHE if CACHE_URL else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = AQUAMIND_EMBEDDED
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = env_bool("CELERY_TASK_ACKS_LATE", True)
CELERY_TASK_REJECT_ON_WORKER_LOST = env_bool("CELERY_TASK_REJECT_ON_WORKER_LOST", True)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30 * 60, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 25 * 60, minimum=1)
CELERY_WORKER_PREFETCH_MULTIPLIER = env_int("CELERY_WORKER_PREFETCH_MULTIPLIER", 4, minimum=1)
CELERY_WORKER_MAX_TASKS_PER_CHILD = env_int("CELERY_WORKER_MAX_TASKS_PER_CHILD", 1000, minimum=1)
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
# A publish against a dead broker must cost a write almost nothing (docs/architecture.md): one connection attempt
# (max_retries 0: kombu sleeps 2 s before each retry), refused in about a millisecond, and at most a quarter
# of a second against a host that does not answer. Measured in docs/operations.md.
CELERY_BROKER_CONNECTION_TIMEOUT = env_float("CELERY_BROKER_CONNECTION_TIMEOUT", 0.25, minimum=0.01)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": env_float("CELERY_BROKER_SOCKET_TIMEOUT", 0.25, minimum=0.01),
    "socket_connect_timeout": env_float("CELERY_BROKER_SOCKET_TIMEOUT", 0.25, minimum=0.01),
    # retries at publish time: a failure is logged and the durable marker waits for the sweeper
    "max_retries": env_int("CELERY_BROKER_PUBLISH_RETRIES", 0, minimum=0),
    # Redis broker: an unacknowledged task (worker killed) is redelivered after this many seconds;
    # the sweeper re-publishes its marker long before that
    "visibility_timeout": env_int("CELERY_BROKER_VISIBILITY_TIMEOUT", 3600, minimum=1),
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_SEND_TASK_EVENTS = True

# --- recompute --------------------------------------------------------------------------------------
NIGHTLY_RECOMPUTE_HOUR = env_int("NIGHTLY_RECOMPUTE_HOUR", 2, minimum=0)
NIGHTLY_RECOMPUTE_MINUTE = env_int("NIGHTLY_RECOMPUTE_MINUTE", 0, minimum=0)
NIGHTLY_RECOMPUTE_DAYS = env_int("NIGHTLY_RECOMPUTE_DAYS", 14, minimum=1)
SWEEPER_INTERVAL_SECONDS = env_int("SWEEPER_INTERVAL_SECONDS", 60, minimum=1)
SWEEPER_MIN_AGE_SECONDS = env_int("SWEEPER_MIN_AGE_SECONDS", 30, minimum=0)
RECOMPUTE_DEDUP_TTL_SECONDS = env_int("RECOMPUTE_DEDUP_TTL_SECONDS", 300, minimum=1)
REDIS_SOCKET_TIMEOUT = env_float("REDIS_SOCKET_TIMEOUT", 0.25, minimum=0.01)  # de-duplication client, connect and read
# after a failed publish this process makes no publish or de-duplication attempt for this long (the sweeper
# republishes the markers); a failed de-duplication call pauses only de-duplication
RECOMPUTE_PUBLISH_PAUSE_SECONDS = env_float("RECOMPUTE_PUBLISH_PAUSE_SECONDS", 5.0, minimum=0)
WORKER_HEARTBEAT_MAX_AGE_SECONDS = env_int("WORKER_HEARTBEAT_MAX_AGE_SECONDS", 120, minimum=1)
# a drain that fails with an unexpected error this many times parks its batch's markers (poison work)
RECOMPUTE_MAX_ATTEMPTS = env_int("RECOMPUTE_MAX_ATTEMPTS", 3, minimum=1)
# tests only (tests/integration/test_failures.py): a recompute waits, its rows written and not committed, while a
# test holds this PostgreSQL advisory lock, so that a fault the test injects lands mid-run; 0 (the default): off
RECOMPUTE_TEST_HOLD_KEY = env_int("AQUAMIND_TEST_RECOMPUTE_HOLD_KEY", 0, minimum=0)
# the nightly verification (stored states == a full recompute), after the catch-up has drained
VERIFY_NIGHTLY = env_bool("VERIFY_NIGHTLY", True)
VERIFY_HOUR = env_int("VERIFY_HOUR", 3, minimum=0)
VERIFY_MINUTE = env_int("VERIFY_MINUTE", 30, minimum=0)
VERIFY_REPAIR = env_bool("VERIFY_REPAIR", True)
# processes the verification spreads the batches over (apps.recompute.parallel): both cores of the 2-core machine
VERIFY_PROCESSES = env_int("VERIFY_PROCESSES", 2, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "pgtrigger": {"level": "WARNING"},
    },  # pgtrigger: one line per trigger installed
}

# --- Celery Beat: the sweeper every minute, the nightly catch-up at 02:00 (run ONE beat process) ----------
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE = {
    "recompute-sweeper": {
        "task": "apps.recompute.tasks.recompute_sweeper",
        "schedule": float(SWEEPER_INTERVAL_SECONDS),
    },
    "nightly-catch-up": {
        "task": "apps.recompute.tasks.nightly_catch_up",
        "schedule": crontab(hour=NIGHTLY_RECOMPUTE_HOUR, minute=NIGHTLY_RECOMPUTE_MINUTE),
    },
}
CELERY_BEAT_SCHEDULE["idempotency-keys-expire"] = {"task": "apps.api.tasks.idempotency_keys_expire", "schedule": 3600.0}
if VERIFY_NIGHTLY:
    CELERY_BEAT_SCHEDULE["nightly-verification"] = {
        "task": "apps.recompute.tasks.verify_daily_states_nightly",
        "schedule": crontab(hour=VERIFY_HOUR, minute=VERIFY_MINUTE),
    }
# the forecast band's calibration (docs/forecast.md), before the catch-up whose recomputes pick it up
FORECAST_CALIBRATION_HOUR = env_int("FORECAST_CALIBRATION_HOUR", 1, minimum=0)
FORECAST_CALIBRATION_MINUTE = env_int("FORECAST_CALIBRATION_MINUTE", 30, minimum=0)
CELERY_BEAT_SCHEDULE["nightly-forecast-calibration"] = {
    "task": "apps.forecast.tasks.calibrate_forecast_nightly",
    "schedule": crontab(hour=FORECAST_CALIBRATION_HOUR, minute=FORECAST_CALIBRATION_MINUTE),
}
# Alerts (docs/alerts.md): the rules' thresholds, the nightly evaluation after the verification, the digest
ALERT_MORTALITY_DAYS = env_int("ALERT_MORTALITY_DAYS", 7, minimum=1)
ALERT_MORTALITY_BASELINE_DAYS = env_int("ALERT_MORTALITY_BASELINE_DAYS", 14, minimum=7)
ALERT_MORTALITY_MIN_COUNT = env_int("ALERT_MORTALITY_MIN_COUNT", 20, minimum=1)
ALERT_MORTALITY_PER_MILLE = env_float("ALERT_MORTALITY_PER_MILLE", 2.0, minimum=0.01)
ALERT_MORTALITY_FACTOR = env_float("ALERT_MORTALITY_FACTOR", 4.0, minimum=1.0)
ALERTS_HOUR = env_int("ALERTS_HOUR", 4, minimum=0)
ALERTS_MINUTE = env_int("ALERTS_MINUTE", 30, minimum=0)
ALERT_DIGEST_HOUR = env_int("ALERT_DIGEST_HOUR", 6, minimum=0)
ALERTS_PAGE_URL = env_str("ALERTS_PAGE_URL", "")  # the alerts page's full address, for the e-mails' link
CELERY_BEAT_SCHEDULE["nightly-alerts"] = {
    "task": "apps.alerts.tasks.alerts_nightly",
    "schedule": crontab(hour=ALERTS_HOUR, minute=ALERTS_MINUTE),
}
CELERY_BEAT_SCHEDULE["alert-digest"] = {
    "task": "apps.alerts.tasks.alerts_digest",
    "schedule": crontab(hour=ALERT_DIGEST_HOUR, minute=0),
}
# E-mail: the console by default (messages in the log); SMTP or a provider's backend by settings
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
if env_str("EMAIL_FILE_PATH"):  # the file backend's folder (one file per message)
    EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "AquaMind <aquamind@localhost>")
CELERY_TASK_PUBLISH_RETRY = False

# Forecast (docs/forecast.md): the projection runs to the scenario's end, at most this many days after the
# latest state; harvest dates are when the projected weight reaches the target weight
FORECAST_MAX_HORIZON_DAYS = env_int("FORECAST_MAX_HORIZON_DAYS", 400, minimum=0)
FORECAST_HARVEST_WEIGHT_G = env_float("FORECAST_HARVEST_WEIGHT_G", 5000.0, minimum=1.0)
# fish in a freshwater site's containers get a sea-transfer date: when the projected weight reaches this
FORECAST_SEA_TRANSFER_WEIGHT_G = env_float("FORECAST_SEA_TRANSFER_WEIGHT_G", 150.0, minimum=1.0)
# the forecast summary: a crossing inside this many days without an open planned activity needs planning; the
# farm's summary covers this many ISO weeks
FORECAST_PLANNING_DAYS = env_int("FORECAST_PLANNING_DAYS", 90, minimum=0)
FORECAST_SUMMARY_WEEKS = env_int("FORECAST_SUMMARY_WEEKS", 26, minimum=1)
