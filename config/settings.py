"""CSP Casework settings: one module, driven by the environment (django-environ).

Every value that differs between a laptop and production comes from an environment
variable (or ``<NAME>_FILE`` holding a path to a secret). Bad values fail loudly at start.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CSP_VAR_DIR", BASE_DIR / "var"))

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _secret(name: str, default: str | None = None) -> str | None:
    """Read NAME, or the contents of the file named by NAME_FILE (docker/k8s secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


DEBUG = env.bool("DEBUG", default=False)
TESTING = env.bool("CSP_TESTING", default="pytest" in sys.modules)

SECRET_KEY = _secret("SECRET_KEY") or ""
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY (or SECRET_KEY_FILE) in production, "
            "or DEBUG=true for local development."
        )
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789abcdef"  # noqa: S105

# Key for the per-case HMAC chain over transition and audit rows. Separate from
# SECRET_KEY so rotating session signing does not invalidate the audit trail.
AUDIT_HMAC_KEY = _secret("AUDIT_HMAC_KEY") or SECRET_KEY

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "auditlog",
    "rules.apps.AutodiscoverRulesConfig",
    # Ours, from the core to the edge (imports run the other way: docs/architecture.md).
    "web",
    "partners",
    "cases",
    "notifications",
    "workflows",
    "referrals",
    # After ours, so that our templates take precedence.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: one log line per request, static files not counted.
    "config.middleware.RequestLogMiddleware",
    # After WhiteNoise, which serves static files (cacheable) before it is reached.
    "config.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "web.rest.ApiGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # After OTPMiddleware, which tells it whether this session used a second factor.
    "config.signin.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Not auditlog's own: it leaks a signal receiver whenever a service sets the actor
    # inside a request (jazzband/django-auditlog#846); ours nests correctly.
    "cases.audit.AuditActorMiddleware",
    # Last, so it sees the flag a failed sign-in left on the request (django-axes docs).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "config.navigation.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'csp.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite serialises writers; a busy timeout lets web, worker and beat share one file.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not shared memory, so a real worker thread in tests sees the same data.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
DATABASE_IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postg")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Fast hashing in tests only; production keeps Django's PBKDF2 default.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username is refused before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# The service's own sign-in page (config/signin.py) for everyone, the admin included.
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Time: store UTC, show Europe/London ----------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Email ----------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="CSP Casework <casework@localhost>")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# --- Demo -----------------------------------------------------------------------------
DEMO_PASSWORD: str = _secret("DEMO_PASSWORD") or "demo-pass-2026"

# --- Celery ---------------------------------------------------------------------------
BROKER_DIR = VAR_DIR / ("broker-test" if TESTING else "broker")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_IS_AMQP = CELERY_BROKER_URL.startswith(("amqp://", "amqps://", "pyamqp://"))
if CELERY_BROKER_URL.startswith("filesystem://"):
    # Development only: the filesystem transport has no acknowledgement, so a message a
    # worker had taken is lost if that worker crashes. Production uses RabbitMQ.
    _queue_dir = BROKER_DIR / "queue"
    _processed_dir = BROKER_DIR / "processed"
    _control_dir = BROKER_DIR / "control"
    for _d in (_queue_dir, _processed_dir, _control_dir):
        _d.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "store_processed": False,
        # Exchange bindings and pidbox state, kept out of the working directory.
        "control_folder": str(_control_dir),
        # The folder is polled; kombu's default of 1 s makes every task wait up to a second.
        "polling_interval": 0.1,
    }
elif CELERY_BROKER_IS_AMQP:
    # Publisher confirms: publish() returns only once RabbitMQ has taken the message.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"confirm_publish": True, "max_retries": 3}
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=4.0)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 30
CELERY_TASK_TIME_LIMIT = 60
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
# Tests use their own queue so a developer's running worker never steals their messages.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="csp-test" if TESTING else "csp")
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The one beat schedule lives in config/celery.py (BEAT_SCHEDULE).

# --- Audit ----------------------------------------------------------------------------
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_STORE_JSON_CHANGES = True
AUDITLOG_MASK_CALLABLE = "cases.audit.mask_completely"
AUDITLOG_DISABLE_REMOTE_ADDR = False

# --- Security: production defaults, relaxed only for local development ----------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
if not DEBUG and not TESTING:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Quiet and useful: one line per request (config.middleware.RequestLogMiddleware; the
# query string never, it may hold a name), no traceback for an expected 4xx, and nothing
# from the periodic tasks that run every few seconds unless something goes wrong (each
# delivery logs its own outcome). LOG_LEVEL_TASKS=INFO shows every task again.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
_QUIET = env.str("LOG_LEVEL_TASKS", default="WARNING")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"quiet_client_errors": {"()": "config.middleware.QuietClientErrors"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["quiet_client_errors"]},
        # "Task ... received" and "... succeeded in 0.01s" for every sweep and heartbeat,
        # and beat's "Sending due task" every five seconds.
        "celery.worker.strategy": {"level": _QUIET},
        "celery.app.trace": {"level": _QUIET},
        "celery.beat": {"level": _QUIET},
        # A line per outbound request; notifications.outbound logs the failures itself.
        "httpx": {"level": "WARNING"},
    },
}
# What tasks print (the console email backend's emails) is logged at INFO, not WARNING.
CELERY_WORKER_REDIRECT_STDOUTS_LEVEL = "INFO"
# django-axes logs four INFO lines per sign-in when verbose; lockouts are logged anyway.
AXES_VERBOSE = env.bool("AXES_VERBOSE", default=False)

# --- ASB case review (Community Trigger) ---------------------------------------------
# ASB, Crime and Policing Act 2014 s104: the local threshold may be no more than three
# qualifying complaints in six months (s104(4)); a workflows system check refuses a larger
# number at start-up. 3 in 6 months is the common local choice; many areas also count one
# hate incident (CASE_REVIEW_CATEGORY_THRESHOLDS, ASB category code=number).
CASE_REVIEW_THRESHOLD = env.int("CASE_REVIEW_THRESHOLD", default=3)
CASE_REVIEW_WINDOW_DAYS = env.int("CASE_REVIEW_WINDOW_DAYS", default=183)
CASE_REVIEW_CATEGORY_THRESHOLDS: dict[str, int] = env.dict(
    "CASE_REVIEW_CATEGORY_THRESHOLDS", cast={"value": int}, default={"hate_related": 1}
)
# A qualifying complaint is made within one month of the behaviour (s104, statutory).
CASE_REVIEW_COMPLAINT_WITHIN_MONTHS = env.int("CASE_REVIEW_COMPLAINT_WITHIN_MONTHS", default=1)
# Local rule: reports about the same victim or place whose behaviour is this close in time
# are one incident (the same incident told to police, council and landlord counts once).
CASE_REVIEW_SAME_INCIDENT_HOURS = env.int("CASE_REVIEW_SAME_INCIDENT_HOURS", default=2)

# --- Notification channels ---
# Every outbound HTTP request goes through notifications.outbound (the SSRF guard).
# GOV.UK Notify's API; point it at a local fake in tests or a proxy where one is required.
# The operator's own setting, so it may be a private address; an endpoint's own Notify base
# URL (set only in the admin) is guarded like a webhook URL.
NOTIFY_BASE_URL = env.str("NOTIFY_BASE_URL", default="https://api.notifications.service.gov.uk")
# Seconds allowed for each read or write (connecting has 3 seconds of its own).
NOTIFY_TIMEOUT = env.float("NOTIFY_TIMEOUT", default=10.0)
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10.0)
# Outbound requests to loopback and private networks would let a partner's URL probe our own
# network (SSRF), so they are refused unless this is on, or an administrator allowed them for
# one endpoint; it is on for local development and tests, whose receivers listen on
# 127.0.0.1. Link-local (cloud metadata), multicast and reserved addresses stay refused.
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=DEBUG or TESTING)

# --- SLA deadlines --------------------------------------------------------------------
# Agency code of the partnership team whose managers receive the last escalation rung
# ("partnership manager"); blank keeps that rung with the responsible agency's events.
SLA_PARTNERSHIP_AGENCY = env.str("SLA_PARTNERSHIP_AGENCY", default="")
# Deadlines the scanner claims per transaction.
SLA_SCAN_BATCH_SIZE = env.int("SLA_SCAN_BATCH_SIZE", default=100)
if SLA_SCAN_BATCH_SIZE < 1:
    raise ImproperlyConfigured(f"SLA_SCAN_BATCH_SIZE must be at least 1, got {SLA_SCAN_BATCH_SIZE}")

# --- Web pages (GOV.UK Frontend) ------------------------------------------------------
# Built by `npm run build` (make assets) from node_modules: GOV.UK Frontend's CSS compiled
# with our asset path, its fonts, images and JS, and htmx. collectstatic gathers them.
FRONTEND_BUILD_DIR = BASE_DIR / "build" / "frontend"
FRONTEND_BUILD_DIR.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [
    ("js", BASE_DIR / "static" / "js"),
    ("images", BASE_DIR / "static" / "images"),  # our own: the favicon
    FRONTEND_BUILD_DIR,
]
# How far ahead the early-release tracker looks, in calendar days.
EARLY_RELEASE_TRACKER_DAYS = env.int("EARLY_RELEASE_TRACKER_DAYS", default=14)

# --- API, sign-in protection and hardening ---------------------------------------------
# Reverse proxies in front of the service: how many X-Forwarded-For hops to trust for the
# client address used by sign-in lockouts and rate limits. 0 trusts none (REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# django-axes: lock a username at one address after repeated failed sign-ins.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "web.problems.lockout_response"
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")

# One sign-in policy for pages, the API (session or token) and the admin: people holding
# these roles reach nothing but enrolment and sign-out until they have signed in with a
# second factor (TOTP). "staff" stands for admin-site users (is_staff or is_superuser).
# On everywhere by default, the demo included; partners.apps checks the names at start.
SIGN_IN_TWO_FACTOR_ROLES = env.list(
    "SIGN_IN_TWO_FACTOR_ROLES", default=["manager", "auditor", "staff"]
)
# Development only: the demo's admin account (seed_demo's `admin`) signs in without a
# second factor while DEBUG is on, so `make run` reaches the admin. Derived from DEBUG,
# never read from the environment: with DEBUG off (production) nobody is exempt.
SIGN_IN_TWO_FACTOR_DEMO_EXEMPT: tuple[str, ...] = ("admin",) if DEBUG else ()
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="CSP Casework")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True


def _positive_int(name: str, default: int) -> int:
    raw = env.str(name, default=str(default))
    if not raw.strip().isdigit() or int(raw) < 1:
        raise ImproperlyConfigured(f"{name} must be a whole number of 1 or more, not {raw!r}")
    return int(raw)


# API tokens expire after this long unused (sliding) and this long after sign-in (absolute),
# whichever comes first; a new sign-in issues a new key and revokes the old one.
API_TOKEN_IDLE_TIMEOUT = timedelta(minutes=_positive_int("API_TOKEN_IDLE_MINUTES", 60))
API_TOKEN_MAX_AGE = timedelta(hours=_positive_int("API_TOKEN_MAX_AGE_HOURS", 8))
if API_TOKEN_IDLE_TIMEOUT > API_TOKEN_MAX_AGE:
    raise ImproperlyConfigured(
        "API_TOKEN_IDLE_MINUTES must not be longer than API_TOKEN_MAX_AGE_HOURS."
    )
# How long the "enter your code" step waits after the password.
SIGN_IN_CODE_TIMEOUT = timedelta(seconds=_positive_int("SIGN_IN_CODE_TIMEOUT_SECONDS", 300))

# Bodies above this are refused with 413 (the API's JSON parser enforces it too).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=256 * 1024)

# Rate limits (sign-in per address, API writes per user) count in this cache, so it must be
# shared by every web process: by default a table in the database (created by `migrate`,
# see partners.apps; tests use it too), or CACHE_URL=rediscache://... . A per-process cache
# (locmem, dummy) would let each gunicorn worker keep its own count; it is refused outside
# DEBUG and tests unless CACHE_ALLOW_PER_PROCESS=true (a single web process).
CACHES = {"default": env.cache_url("CACHE_URL", default="dbcache://csp_cache")}
_PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}
if (
    CACHES["default"]["BACKEND"] in _PER_PROCESS_CACHES
    and not (DEBUG or TESTING)
    and not env.bool("CACHE_ALLOW_PER_PROCESS", default=False)
):
    raise ImproperlyConfigured(
        f"CACHE_URL names a per-process cache ({CACHES['default']['BACKEND']}): each web "
        "process would keep its own sign-in and rate-limit counts. Use dbcache://csp_cache "
        "(the default) or rediscache://..., or set CACHE_ALLOW_PER_PROCESS=true if only one "
        "web process runs."
    )


def _rate(name: str, default: str) -> str:
    value = env.str(name, default=default)
    number, _, period = value.partition("/")
    if not number.isdigit() or period[:1] not in {"s", "m", "h", "d"}:
        raise ImproperlyConfigured(f"{name} must look like 10/min or 100/hour, not {value!r}")
    return value


# Read at request time by web.rest's throttles, so tests and operators can change them.
API_THROTTLE_RATES = {
    # Sign-in attempts per client address, whatever the username (password spraying), web
    # and API together. API_TOKEN_RATE is the older name.
    "sign_in": _rate("SIGN_IN_RATE", env.str("API_TOKEN_RATE", default="20/min")),
    "write": _rate("API_WRITE_RATE", "60/min"),
}
# --- REST framework and the OpenAPI document --------------------------------------------
REST_FRAMEWORK = {
    # Token first: an unauthenticated call then gets 401 with WWW-Authenticate: Token.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "partners.api_auth.ApiTokenAuthentication",
        "partners.api_auth.TwoFactorSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "web.rest.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_PARSER_CLASSES": ["web.rest.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_METADATA_CLASS": "web.rest.Metadata",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "web.rest.ContentNegotiation",
    "DEFAULT_THROTTLE_CLASSES": ["web.rest.WriteRateThrottle"],
    "EXCEPTION_HANDLER": "web.problems.exception_handler",
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CSP Casework API",
    "DESCRIPTION": "Referrals, multi-agency cases, audited workflows and notifications.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # One schema name per choice set, where two fields share a name ("channel", "status").
    "ENUM_NAME_OVERRIDES": {
        "SubjectRoleEnum": "cases.models.SubjectRole",
        "CaseAgencyRoleEnum": "cases.models.CaseAgencyRole",
        "VisibilityFullEnum": ["full"],
        "VisibilityOutlineEnum": ["outline"],
        "CaseKindEnum": "cases.models.CaseKind",
        "ReportMethodEnum": "cases.models.ReportMethod",
        "DiscoveredHowEnum": "cases.models.DiscoveredHow",
        "EndpointChannelEnum": "notifications.models.Channel",
        "DeliveryChannelEnum": "notifications.models.DeliveryChannel",
        "DeliveryStatusEnum": "notifications.models.DeliveryStatus",
        "DeadlineStatusEnum": "workflows.models.DeadlineStatus",
        "PauseReasonEnum": "workflows.models.PauseReason",
        # The referral shape's risk codes (professional_judgement, tool_grading).
        "RiskCodeEnum": ["standard", "medium", "high"],
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "web.rest.problem_responses_hook",
        "web.rest.nullable_types_hook",
    ],
}

# Content-Security-Policy: nothing from elsewhere (the API docs come from
# drf-spectacular-sidecar's static files) and no inline script without this response's nonce
# (GOV.UK Frontend's two bootstrap lines in base.html carry it).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Committee reports: every published count is rounded to a multiple of this (docs/reports.md)
# so that no victim can be identified, by a small number or by differencing two figures.
REPORT_ROUNDING_BASE = env.int("REPORT_ROUNDING_BASE", default=5)
if REPORT_ROUNDING_BASE < 3:
    raise ImproperlyConfigured("REPORT_ROUNDING_BASE must be 3 or more (5 is the ONS base).")

# DASH risk levels (cases.catalogue.dash_risk). SafeLives sets one threshold: 14 or more
# "yes" answers is visible high risk and a MARAC referral. A "medium" band below it is local
# practice, not SafeLives': 10-13 is the band partnerships using SafeLives' checklist commonly
# publish (e.g. Plymouth Safeguarding Children Partnership: 1-9 standard, 10-13 medium, 14+
# high). Pages and /api/v1/meta/ say it is local. 14 means no medium band.
DASH_MEDIUM_FROM = env.int("DASH_MEDIUM_FROM", default=10)
if not 1 <= DASH_MEDIUM_FROM <= 14:
    raise ImproperlyConfigured(
        "DASH_MEDIUM_FROM must be 1 to 14 (14: no medium band below the MARAC threshold)."
    )

# --- Idempotent creation (web.idempotency, web.pages) ---
# How long an Idempotency-Key (and a page's one-time form token) is remembered after its
# create: a retry within this time gets the first answer; after it the key may be reused.
IDEMPOTENCY_KEY_TTL_SECONDS = env.int("IDEMPOTENCY_KEY_TTL_SECONDS", default=24 * 60 * 60)
# How long a request waits for another one under the same key to finish before a 409.
IDEMPOTENCY_WAIT_SECONDS = env.float("IDEMPOTENCY_WAIT_SECONDS", default=10.0)
if IDEMPOTENCY_KEY_TTL_SECONDS < 60 or not 0 <= IDEMPOTENCY_WAIT_SECONDS <= 60:
    raise ImproperlyConfigured(
        "IDEMPOTENCY_KEY_TTL_SECONDS must be at least 60 and IDEMPOTENCY_WAIT_SECONDS "
        "between 0 and 60."
    )

# --- Notifications: outbox relay and deliveries ---
# Events per sweep; beat runs the sweep every few seconds (config/celery.py).
NOTIFICATIONS_RELAY_BATCH = env.int("NOTIFICATIONS_RELAY_BATCH", default=100)
# Retries after the first attempt, and their backoff: base * 2^(n-1), capped, with jitter.
# The cap must stay well under RabbitMQ's consumer timeout (30 minutes by default): a
# worker holds a retry's message unacknowledged until its countdown ends.
NOTIFICATIONS_DELIVERY_MAX_RETRIES = env.int("NOTIFICATIONS_DELIVERY_MAX_RETRIES", default=6)
NOTIFICATIONS_RETRY_BASE_SECONDS = env.float("NOTIFICATIONS_RETRY_BASE_SECONDS", default=10.0)
NOTIFICATIONS_RETRY_MAX_SECONDS = env.float("NOTIFICATIONS_RETRY_MAX_SECONDS", default=600.0)
if not 0 < NOTIFICATIONS_RETRY_MAX_SECONDS <= 1200:
    raise ImproperlyConfigured(
        "NOTIFICATIONS_RETRY_MAX_SECONDS must be between 0 and 1200 (20 minutes), well under "
        "RabbitMQ's 30-minute consumer timeout."
    )
if NOTIFICATIONS_DELIVERY_MAX_RETRIES < 0 or NOTIFICATIONS_RETRY_BASE_SECONDS <= 0:
    raise ImproperlyConfigured(
        "NOTIFICATIONS_DELIVERY_MAX_RETRIES must be 0 or more and "
        "NOTIFICATIONS_RETRY_BASE_SECONDS more than 0."
    )
# How long a delivery stays claimed by the worker sending it. Longer than the task's hard
# time limit, so only a dead worker's claim ever runs out.
NOTIFICATIONS_SENDING_LEASE_SECONDS = env.float(
    "NOTIFICATIONS_SENDING_LEASE_SECONDS", default=CELERY_TASK_TIME_LIMIT + 30
)
# A delivery still unfinished this long after it was due has lost its task; the sweep
# enqueues it again.
NOTIFICATIONS_STUCK_AFTER_SECONDS = env.float("NOTIFICATIONS_STUCK_AFTER_SECONDS", default=300.0)
# Demo data: webhook endpoints at <this>/<agency code>, served by `manage.py webhook_receiver`.
NOTIFICATIONS_DEMO_WEBHOOK_URL = env.str(
    "NOTIFICATIONS_DEMO_WEBHOOK_URL", default="http://127.0.0.1:8001/hooks"
).rstrip("/")
