"""The one settings module, driven by TANDEM_* environment variables (see API.md)."""

import os
import secrets
import sys
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("TANDEM_DATA_DIR", "tandem-data")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    if os.environ.get("TANDEM_SECRET_KEY"):
        return os.environ["TANDEM_SECRET_KEY"]
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        # O_EXCL: two processes starting together must agree on one key.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _truthy(os.environ.get("TANDEM_DEBUG"))
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("TANDEM_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(
        ","
    )
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("TANDEM_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "django_htmx",
    "simple_history",
    "axes",
    "tandem.core",
    "tandem.parties",
    "tandem.catalog",
    "tandem.accounting",
    "tandem.inventory",
    "tandem.purchasing",
    "tandem.sales",
    "tandem.manufacturing",
    "tandem.crm",
    "tandem.marketing",
    "tandem.service",
    "tandem.hr",
    "tandem.analytics",
    "tandem.api",
    "tandem.web",
]

MIDDLEWARE = [
    # first: drops X-Forwarded-* unless the request came from TANDEM_TRUSTED_PROXY
    "tandem.core.security.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "tandem.core.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # wraps CommonMiddleware and the rest: it rewrites the 404/405 the client finally gets
    "tandem.api.middleware.ApiProblemMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tandem.web.auth_views.PasswordChangeRequiredMiddleware",
    "tandem.core.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tandem.core.middleware.CurrentCompanyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # the retries wrap the Idempotency-Key layer: each attempt runs in its own transaction
    # there and a failed one is not stored (see tandem.api.retry)
    "tandem.api.retry.DatabaseRetryMiddleware",
    "tandem.web.retry.PageRetryMiddleware",
    # a DomainError or an out-of-range date in a page view: the refusal page with its 4xx
    "tandem.web.errors.BadInputMiddleware",
    "tandem.api.idempotency.IdempotencyMiddleware",
    # last, as django-axes asks: turns its lockout signal into the lockout page
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tandem.urls"
WSGI_APPLICATION = "tandem.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
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
                "tandem.web.context.navigation",
            ],
        },
    }
]


def _database() -> dict:
    url = os.environ.get("TANDEM_DATABASE_URL")
    # Under pytest, the suite runs against TANDEM_TEST_DATABASE_URL when given (see README).
    if "pytest" in sys.modules and os.environ.get("TANDEM_TEST_DATABASE_URL"):
        url = os.environ["TANDEM_TEST_DATABASE_URL"]
    if url:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    else:
        config = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DATA_DIR / "tandem.sqlite3")}
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            # IMMEDIATE: writers queue on the busy timeout instead of failing mid-transaction.
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        }
        config["CONN_MAX_AGE"] = 0
        config.pop("CONN_HEALTH_CHECKS", None)
    elif config["ENGINE"] == "django.db.backends.postgresql":
        # short OLTP queries and set-based counts: JIT compilation costs more than it saves
        # (a 100,000-party segment count spent 421 of 962 ms compiling)
        config.setdefault("OPTIONS", {})["options"] = "-c jit=off"
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def _cache() -> dict:
    """A cache every app server process shares (rate limits must hold across workers)."""
    url = os.environ.get("TANDEM_CACHE_URL", "")
    if "pytest" in sys.modules and not url:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if url.startswith(("redis://", "rediss://")):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    # The embedded default: gunicorn workers and the Celery child on one machine share files.
    return {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache"),
    }


CACHES = {"default": _cache()}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# -- security: login throttling, HTTPS behind a proxy, content security policy -------------
# django-axes counts failed logins (on /login/ and /admin/login/, both go through its
# backend) per user name and per client address; either reaching the limit locks logins for
# that name / from that address for the cool-off, with a 429 and the lockout page. Locking
# the name too stops guessing spread over many addresses; the price is that a stranger can
# keep one account locked (for the cool-off at a time). API tokens do not pass through it.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("TANDEM_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("TANDEM_LOGIN_COOLOFF_MINUTES", "15")) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [
    p.strip()
    for p in os.environ.get("TANDEM_LOGIN_LOCKOUT_BY", "username,ip_address").split(",")
    if p.strip()
]
AXES_LOCKOUT_CALLABLE = "tandem.web.auth_views.locked_out"  # the translated page, 429
AXES_RESET_ON_SUCCESS = False  # a success must not wipe an address's count of failures
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # one AccessFailureLog row per failure: the audit trail
AXES_CLIENT_IP_CALLABLE = "tandem.core.security.login_client_address"
AXES_ENABLE_ADMIN = True

# TANDEM_TRUSTED_PROXY: the addresses of the reverse proxy (comma-separated). Only a request
# arriving from one of them has its X-Forwarded-For / X-Forwarded-Proto believed.
TRUSTED_PROXIES = frozenset(
    p.strip() for p in os.environ.get("TANDEM_TRUSTED_PROXY", "").split(",") if p.strip()
)
HTTPS = _truthy(os.environ.get("TANDEM_HTTPS"))
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("TANDEM_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _truthy(os.environ.get("TANDEM_HSTS_INCLUDE_SUBDOMAINS"))
    SECURE_SSL_REDIRECT = _truthy(os.environ.get("TANDEM_SSL_REDIRECT"))
    # /healthz stays plain HTTP for the load balancer's probe.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    if TRUSTED_PROXIES:
        # Django cannot tell who set the header; the proxy must overwrite it on every request.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The policy of every page: scripts only from our own static files (no inline script or
# on*= handler, no eval, so htmx's hx-on attributes do not run either); styles also inline
# because templates use style="" attributes and a few <style> blocks (and htmx injects its
# indicator style); no plugins; forms post to this site only.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'"
)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Uploaded files (the company logo); served by the app behind login, never as public URLs.
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the package's static dirs, so `tandem serve` needs no collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

EMAIL_URL = os.environ.get("TANDEM_EMAIL_URL", "console://")
if EMAIL_URL.startswith("console"):
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    from urllib.parse import unquote, urlparse

    _mail = urlparse(EMAIL_URL)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _mail.hostname or "localhost"
    EMAIL_PORT = _mail.port or 25
    EMAIL_HOST_USER = unquote(_mail.username or "")
    EMAIL_HOST_PASSWORD = unquote(_mail.password or "")
    EMAIL_USE_TLS = _mail.scheme in {"smtp+tls", "submission"}
    EMAIL_USE_SSL = _mail.scheme == "smtps"
DEFAULT_FROM_EMAIL = os.environ.get("TANDEM_FROM_EMAIL", "tandem@localhost")

CELERY_BROKER_URL = os.environ.get(
    "TANDEM_BROKER_URL", f"sqla+sqlite:///{DATA_DIR / 'broker.sqlite3'}"
)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# Under pytest tasks run in-process (jobs start on commit: tests capture on_commit callbacks),
# except in the `celery` leg, which points TANDEM_BROKER_URL at Redis and runs a real worker.
CELERY_TASK_ALWAYS_EAGER = "pytest" in sys.modules and not CELERY_BROKER_URL.startswith("redis")
TANDEM_JOB_HEARTBEAT_SECONDS = 10
TANDEM_JOB_STALE_SECONDS = 120  # a running job whose heartbeat is older is swept
CELERY_BEAT_SCHEDULE = {
    "sweep-stale-jobs": {
        "task": "tandem.core.tasks.sweep_stale_jobs",
        "schedule": 60.0,
    },
    "deliver-events": {
        "task": "tandem.core.tasks.deliver_events",
        "schedule": 30.0,
    },
    "dispatch-webhooks": {
        "task": "tandem.core.tasks.dispatch_webhooks",
        "schedule": 15.0,
    },
    "prune-events": {
        "task": "tandem.core.tasks.prune_events",
        "schedule": 86400.0,
    },
    "expire-idempotency-keys": {
        "task": "tandem.core.tasks.expire_idempotency_keys",
        "schedule": 3600.0,
    },
    "crm-activity-reminders": {
        "task": "tandem.crm.tasks.send_activity_reminders",
        "schedule": 300.0,
    },
    "purchasing-replenishment": {
        "task": "tandem.purchasing.tasks.replenishment_run_all",
        "schedule": 86400.0,
    },
    "sales-sla-breach-scan": {
        "task": "tandem.sales.tasks.sla_breach_scan",
        "schedule": 300.0,
    },
    "crm-cadence-sweep": {
        "task": "tandem.crm.tasks.sweep_cadences",
        "schedule": 900.0,
    },
    "marketing-start-due-campaigns": {
        "task": "tandem.marketing.tasks.start_due_campaigns",
        "schedule": 60.0,
    },
    # SLA checks due later than 15 minutes are sent ahead by this sweep instead of one per
    # incoming message; every 5 minutes is at most half of that send-ahead
    "service-sla-sweep": {
        "task": "tandem.service.tasks.sla_sweep",
        "schedule": 300.0,
    },
    "analytics-train-nightly": {
        "task": "tandem.analytics.tasks.train_all",
        "schedule": 86400.0,
    },
    # automation runs whose wait is over
    "marketing-automations-tick": {
        "task": "tandem.marketing.tasks.automations_tick",
        "schedule": 60.0,
    },
    # leave accrual is idempotent per period: a daily run posts each period once
    "hr-leave-accrual": {
        "task": "tandem.hr.tasks.leave_accrue_all",
        "schedule": 86400.0,
    },
}
# The public address in links sent by email and webhooks (API.md); `tandem serve` sets it to
# its own host and port when the operator has not.
BASE_URL = os.environ.get("TANDEM_BASE_URL", "http://localhost:8000").rstrip("/")
# Marketing sends: the domain of the VERP bounce address (empty: the sender's domain), the
# global and per-recipient-domain rates in messages per second, soft bounces before suppression
MARKETING_BOUNCE_DOMAIN = os.environ.get("TANDEM_MARKETING_BOUNCE_DOMAIN", "")
MARKETING_RATE = float(os.environ.get("TANDEM_MARKETING_RATE", "50"))
MARKETING_DOMAIN_RATE = float(os.environ.get("TANDEM_MARKETING_DOMAIN_RATE", "10"))
MARKETING_SOFT_BOUNCE_LIMIT = int(os.environ.get("TANDEM_MARKETING_SOFT_BOUNCE_LIMIT", "3"))
# no marketing email in these hours of the recipient's zone ("21-8"; empty: any hour), and at
# most CAP marketing emails to one party per DAYS across campaigns and automations
MARKETING_QUIET_HOURS = os.environ.get("TANDEM_MARKETING_QUIET_HOURS", "")
MARKETING_FREQUENCY_CAP = int(os.environ.get("TANDEM_MARKETING_FREQUENCY_CAP", "3"))
MARKETING_FREQUENCY_DAYS = int(os.environ.get("TANDEM_MARKETING_FREQUENCY_DAYS", "7"))
IDEMPOTENCY_KEY_TTL_HOURS = 24
# Webhook endpoints on loopback, link-local, private or reserved addresses (and plain http)
# are refused unless the operator allows them, e.g. for an on-premise receiver.
WEBHOOKS_ALLOW_PRIVATE = _truthy(os.environ.get("TANDEM_WEBHOOKS_ALLOW_PRIVATE"))
# check-integrity reports an outbox event still pending after this many minutes
OUTBOX_STALE_MINUTES = int(os.environ.get("TANDEM_OUTBOX_STALE_MINUTES", "60"))
# delivered outbox events (and their webhook delivery log) are kept this long
OUTBOX_KEEP_DAYS = int(os.environ.get("TANDEM_OUTBOX_KEEP_DAYS", "30"))
# A key still "in progress" after this long belongs to a request that died (gunicorn kills
# one after 120 s); the next retry takes it over. See tandem.api.idempotency.
IDEMPOTENCY_IN_PROGRESS_SECONDS = 300

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"tandem": {"level": "INFO"}},
}

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
