"""Haven's one settings module: everything that differs between machines comes from
the environment (see the README's table). With nothing set and DEBUG=1 it runs
embedded: a SQLite file, the ORM job queue and the console email backend."""

import os
from pathlib import Path

import dj_database_url
from corsheaders.defaults import default_headers
from django.core.exceptions import ImproperlyConfigured
from wagtail.admin.localization import WAGTAILADMIN_PROVIDED_LANGUAGES

from config import channel_layer

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if not value:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1/0, true/false, yes/no or on/off.")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def env_limits(name: str) -> dict[str, tuple[int, int]]:
    """`create=10/3600,lookup=5/3600`: requests allowed per window in seconds."""
    limits = {}
    for item in env_list(name):
        action, _, rate = item.partition("=")
        allowed, _, seconds = rate.partition("/")
        if not (action.strip() and allowed.isdigit() and seconds.isdigit()):
            raise ImproperlyConfigured(
                f"{name}: {item!r} is not action=requests/seconds "
                "(for example lookup=5/3600)."
            )
        limits[action.strip()] = (int(allowed), int(seconds))
    return limits


DEBUG = env_bool("DEBUG")

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off. Set it in the environment, "
            "or set DEBUG=1 for local development."
        )
    SECRET_KEY = "django-insecure-haven-development-only"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is required when DEBUG is off: the host names Haven answers "
        "to, comma-separated (for example haven.example.org)."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Absolute links in emails and on the API point here.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
FRONTEND_URL = env("FRONTEND_URL", SITE_URL).rstrip("/")

INSTALLED_APPS = [
    "cms",
    "booking",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "rest_framework",
    "corsheaders",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "wagtail.api.v2",
    # Not "wagtail.api.v3": Haven serves no v3 API, and registers the API tokens
    # screen (Settings → API tokens) itself, scoped (booking/admin/api_tokens.py);
    # Wagtail would add its own beside it with v3 installed.
    "schedule",
    "django_fsm",
    "import_export",
    "django_q",
    "anymail",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # After CORS, so that a frontend on another origin can read the refusal.
    "config.input_guard.RefuseControlCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "cms.page_cache.AnonymousPageCacheMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]


def database_from_environment() -> dict:
    """PostgreSQL (psycopg 3) when DATABASE_URL is set, otherwise a SQLite file set up
    so that check-then-write is serialised (IMMEDIATE transactions, WAL, a busy
    timeout), as the booking rules rely on."""
    url = env("DATABASE_URL")
    if url:
        return dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": env("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


DATABASES = {"default": database_from_environment()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]

LANGUAGE_CODE = "en-gb"
# 24-hour times, whatever Django's locale defaults say (config/formats/).
FORMAT_MODULE_PATH = ["config.formats"]
# The practice's time zone: the admin's times for anyone who has not chosen their
# own (Account → Preferences), and the payout schedule's clock.
TIME_ZONE = env("PRACTICE_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Tests and `runserver` serve from the finders; production serves collectstatic output.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Wagtail
WAGTAIL_SITE_NAME = "Haven"
WAGTAILADMIN_BASE_URL = SITE_URL
# Wagtail's database backend, safe from quotes in a search (cms/search.py).
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "cms.search"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "txt", "xlsx"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAIL_I18N_ENABLED = False
# Wagtail's admin languages, with English in two forms: the admin writes 24-hour
# times, or 12-hour ones for "English (US)" (config/formats/, booking/admin/zones.py).
WAGTAILADMIN_PERMITTED_LANGUAGES = [
    ("en-gb", "English (24-hour times)"),
    ("en-us", "English, US (12-hour times)"),
    *((code, name) for code, name in WAGTAILADMIN_PROVIDED_LANGUAGES if code != "en"),
]
# Haven reaches nothing on the internet at run time: no Gravatar avatars.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False

# Booking
BOOKING_REFERENCE_PREFIX = env("BOOKING_REFERENCE_PREFIX", "MS")
# Slots start every this many minutes from the start of each block of working hours.
BOOKING_SLOT_GRID_MINUTES = int(env("BOOKING_SLOT_GRID_MINUTES", "30"))
# Clients may move their booking online until this many hours before it starts.
BOOKING_CLIENT_CHANGE_CUTOFF_HOURS = int(
    env("BOOKING_CLIENT_CHANGE_CUTOFF_HOURS", "24")
)
# Behind a proxy that sets X-Forwarded-For, rate limits use its first hop.
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR")
# Limits of the public forms and the admin's sign-in, per address and per email
# (booking.core.ratelimit.DEFAULT_LIMITS); each may be overridden.
BOOKING_RATE_LIMITS = env_limits("BOOKING_RATE_LIMITS")

# Email: an ESP through django-anymail when ANYMAIL_ESP is set, SMTP when EMAIL_HOST
# is set, the console otherwise. EMAIL_BACKEND, when set, wins over all three.
ANYMAIL_ESP = env("ANYMAIL_ESP")
ANYMAIL = {
    key[len("ANYMAIL_") :]: value
    for key, value in os.environ.items()
    if key.startswith("ANYMAIL_") and key != "ANYMAIL_ESP"
}
EMAIL_HOST = env("EMAIL_HOST")
EMAIL_PORT = int(env("EMAIL_PORT", "587"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
if env("EMAIL_BACKEND"):
    EMAIL_BACKEND = env("EMAIL_BACKEND")
elif ANYMAIL_ESP:
    EMAIL_BACKEND = f"anymail.backends.{ANYMAIL_ESP}.EmailBackend"
elif EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# For EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend.
if env("EMAIL_FILE_PATH"):
    EMAIL_FILE_PATH = env("EMAIL_FILE_PATH")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Haven <bookings@haven.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Payments: no key = offline mode (instructions to the client, admins record payment).
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET")
# The signing secret of a second webhook endpoint (same URL) that listens to events
# on connected accounts ("Connect" in Stripe's dashboard): account.updated.
STRIPE_CONNECT_WEBHOOK_SECRET = env("STRIPE_CONNECT_WEBHOOK_SECRET")

# Jobs: the ORM broker needs no extra server; REDIS_URL switches to Redis for several
# worker machines. A task may run for `timeout` seconds; an unacknowledged one is
# handed out again after `retry`, so timeout < retry keeps one task from running twice.
REDIS_URL = env("REDIS_URL")
Q_CLUSTER = {
    "name": "haven",
    "workers": int(env("Q_WORKERS", "2")),
    "timeout": 60,
    "retry": 120,
    "max_attempts": 5,
    "queue_limit": 50,
    "bulk": 10,
    "catch_up": False,
    "label": "Jobs",
    **({"redis": REDIS_URL} if REDIS_URL else {"orm": "default"}),
}

_CACHE = (
    {
        "BACKEND": "config.cache.ForgivingRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
)
# Wagtail looks image renditions up in the "renditions" cache before the database.
CACHES = {
    "default": _CACHE,
    "renditions": {**_CACHE, "KEY_PREFIX": "renditions", "TIMEOUT": 7 * 24 * 3600},
}

CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/api/.*$"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "booking.api.authentication.WagtailTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
}

# Security: strict by default outside DEBUG; SECURE_SSL_REDIRECT can be turned off when
# a proxy in front already redirects.
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = 0 if DEBUG else int(env("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Wagtail's live preview shows the page in a same-origin iframe; DENY would break it.
X_FRAME_OPTIONS = "SAMEORIGIN"
SILENCED_SYSTEM_CHECKS = ["security.W019"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Wagtail 8 runs indexing through django-tasks, which logs every task.
        "django_tasks": {"level": "WARNING"},
    },
}

# Email outbox and jobs
# Emails are rows first (booking.OutboxEmail) and sent by django-q2 tasks; see the
# README's "Email and jobs". Who gets "a new booking awaits approval": these
# addresses, or else every active user who may approve bookings.
BOOKING_STAFF_EMAILS = env_list("BOOKING_STAFF_EMAILS")
BOOKING_PRACTICE_NAME = env("BOOKING_PRACTICE_NAME", WAGTAIL_SITE_NAME)
BOOKING_PRACTICE_ADDRESS = env("BOOKING_PRACTICE_ADDRESS")
BOOKING_EMAIL_ACCENT = env("BOOKING_EMAIL_ACCENT", "#2f6b5f")
# Unverified drafts and approved-but-unpaid bookings are cancelled after these.
BOOKING_DRAFT_EXPIRY_HOURS = int(env("BOOKING_DRAFT_EXPIRY_HOURS", "24"))
BOOKING_PAYMENT_WINDOW_HOURS = int(env("BOOKING_PAYMENT_WINDOW_HOURS", "48"))
# Online sessions without a consultant's own room get a random room here.
BOOKING_MEETING_BASE_URL = env("BOOKING_MEETING_BASE_URL", "https://meet.jit.si/")
# A sender holds an email this long; a worker that dies mid-send frees it after
# that. Longer than the q2 timeout, so a slow sender is never joined by a second.
OUTBOX_CLAIM_SECONDS = Q_CLUSTER["timeout"] + 30
OUTBOX_RETRY_DELAY_SECONDS = int(env("OUTBOX_RETRY_DELAY_SECONDS", "60"))
OUTBOX_MAX_ATTEMPTS = int(env("OUTBOX_MAX_ATTEMPTS", "8"))
# SMTP and ESP calls give up well before the q2 timeout.
EMAIL_TIMEOUT = 30

# Consultants' outside calendars (booking.scheduling.feeds): read every 5 minutes,
# each fetch giving up after the timeout (well inside the q2 timeout) or past the
# size; addresses that resolve to private, loopback or link-local networks are
# refused unless DEBUG or CALENDAR_FEEDS_ALLOW_PRIVATE is on.
CALENDAR_FEEDS_TIMEOUT_SECONDS = float(env("CALENDAR_FEEDS_TIMEOUT_SECONDS", "10"))
CALENDAR_FEEDS_MAX_BYTES = int(env("CALENDAR_FEEDS_MAX_BYTES", str(5 * 1024 * 1024)))
CALENDAR_FEEDS_ALLOW_PRIVATE = env_bool("CALENDAR_FEEDS_ALLOW_PRIVATE")
ANYMAIL.setdefault("REQUESTS_TIMEOUT", 30)
# Without ANYMAIL_WEBHOOK_SECRET anymail's tracking webhook would accept anyone's
# events; an unknowable secret makes it refuse them all instead.
ANYMAIL.setdefault("WEBHOOK_SECRET", f"unset:{os.urandom(24).hex()}")

# Payments
# The Stripe API version Haven was written against; requests and webhooks use it.
STRIPE_API_VERSION = env("STRIPE_API_VERSION", "2026-10-28.endive")
# Stripe accepts a Checkout Session expiry between 30 minutes and 24 hours.
STRIPE_CHECKOUT_EXPIRY_MINUTES = min(
    max(int(env("STRIPE_CHECKOUT_EXPIRY_MINUTES", "60")), 31), 1440
)
PRACTICE_CURRENCY = env("PRACTICE_CURRENCY", "EUR")
# Client cancellations: a full refund until this many hours before the start, then
# this percentage (0 = nothing). Cancellations by the practice refund in full.
# A Stripe refund that keeps failing is left for a person after this many tries.
REFUND_MAX_ATTEMPTS = int(env("REFUND_MAX_ATTEMPTS", "5"))
# Consultants may ask for a payout once their available balance reaches this.
PAYOUT_MINIMUM = int(env("PAYOUT_MINIMUM", "50"))
# A session's earning becomes available for payout this many days after the session
# is marked completed (refund disputes come first); until then it is pending.
EARNING_HOLD_DAYS = int(env("EARNING_HOLD_DAYS", "7"))
# The weekly payout run (booking.payments.payouts): the day (1 = Monday … 7 = Sunday)
# and hour (0-23, TIME_ZONE) it transfers available balances from PAYOUT_MINIMUM.
PAYOUT_WEEKDAY = min(max(int(env("PAYOUT_WEEKDAY", "1")), 1), 7)
PAYOUT_HOUR = min(max(int(env("PAYOUT_HOUR", "9")), 0), 23)

# JSON API (booking/api/, README "API"): throttle rates are "N/second|minute|hour|day";
# the docs at /api/docs/ load Swagger UI from drf-spectacular-sidecar, not a CDN.
REST_FRAMEWORK.update(
    {
        "DEFAULT_SCHEMA_CLASS": "booking.api.schema.HavenAutoSchema",
        "EXCEPTION_HANDLER": "booking.api.errors.exception_handler",
        "DEFAULT_PARSER_CLASSES": [
            "booking.api.parsers.JSONParser",
            "rest_framework.parsers.FormParser",
            "rest_framework.parsers.MultiPartParser",
        ],
        "DEFAULT_THROTTLE_CLASSES": [
            "booking.api.throttles.AnonThrottle",
            "booking.api.throttles.UserThrottle",
        ],
        "DEFAULT_THROTTLE_RATES": {
            "anon": env("API_THROTTLE_ANON", "120/minute"),
            "user": env("API_THROTTLE_USER", "600/minute"),
            "booking_create": env("API_THROTTLE_BOOKING_CREATE", "10/hour"),
            "verify": env("API_THROTTLE_VERIFY", "20/hour"),
            "lookup": env("API_THROTTLE_LOOKUP", "30/hour"),
            "manage": env("API_THROTTLE_MANAGE", "120/hour"),
        },
        "TEST_REQUEST_DEFAULT_FORMAT": "json",
    }
)
SPECTACULAR_SETTINGS = {
    "TITLE": "Haven API",
    "DESCRIPTION": "The booking flow for a separate frontend or chatbot.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["booking.api.schema.only_api_v1"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "BookingStatusEnum": "booking.core.states.BookingStatus",
        "BookingActionEnum": "booking.api.serializers.ACTION_NAMES",
    },
}
# Browsers on these origins may call /api/ (CORS_ALLOWED_ORIGINS above), sending the
# manage-link header and reading Retry-After.
CORS_ALLOW_HEADERS = (*default_headers, "x-manage-token")
CORS_EXPOSE_HEADERS = ["Retry-After"]
WAGTAILAPI_BASE_URL = SITE_URL
WAGTAILAPI_LIMIT_MAX = 50

# Production hardening and operations
# Integrations that receive webhooks refuse to start without the secret that proves
# a webhook is genuine.
if not DEBUG and STRIPE_SECRET_KEY and not STRIPE_WEBHOOK_SECRET:
    raise ImproperlyConfigured(
        "STRIPE_WEBHOOK_SECRET is required when STRIPE_SECRET_KEY is set: without "
        "it no payment could be confirmed. Copy it from the webhook endpoint in "
        "Stripe's dashboard."
    )
if not DEBUG and ANYMAIL_ESP and not env("ANYMAIL_WEBHOOK_SECRET"):
    raise ImproperlyConfigured(
        "ANYMAIL_WEBHOOK_SECRET is required when ANYMAIL_ESP is set: it guards the "
        "delivery-tracking webhook (user:password, as set at the email provider)."
    )

# Two Content-Security-Policies (config/security.py): the public site runs no
# inline script; Wagtail's admin still needs inline script for a few widgets.
_CSP_COMMON = {
    "default-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'", "data:"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "connect-src": ["'self'"],
    "frame-src": ["'self'"],
    "frame-ancestors": ["'self'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
    # Paying redirects from a form post to Stripe's hosted Checkout.
    "form-action": ["'self'", "https://checkout.stripe.com"],
}
CONTENT_SECURITY_POLICY = {
    "public": {**_CSP_COMMON, "script-src": ["'self'"]},
    "admin": {**_CSP_COMMON, "script-src": ["'self'", "'unsafe-inline'"]},
}
CONTENT_SECURITY_POLICY_ADMIN_PATHS = ["/admin/", "/django-admin/"]
CONTENT_SECURITY_POLICY_REPORT_ONLY = env_bool("CSP_REPORT_ONLY")
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
# Load balancers check /healthz over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
HEALTHZ_CLUSTER_LATE_SECONDS = int(env("HEALTHZ_CLUSTER_LATE_SECONDS", "300"))

# Anonymous visitors get public pages from the cache (cms/page_cache.py).
PAGE_CACHE_SECONDS = int(env("PAGE_CACHE_SECONDS", "300"))

# Uploaded images: only formats browsers show, bounded in bytes and in pixels (a
# small file can still decode to a huge bitmap).
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000

# LOG_FORMAT=json writes one JSON object per line (config/logging.py).
if env("LOG_FORMAT") == "json":
    LOGGING["formatters"] = {"json": {"()": "config.logging.JsonFormatter"}}
    LOGGING["handlers"]["console"]["formatter"] = "json"

# Errors to Sentry when SENTRY_DSN is set; never with personal data.
SENTRY_DSN = env("SENTRY_DSN")
if SENTRY_DSN:
    from config.logging import start_sentry

    start_sentry(SENTRY_DSN, environment=env("SENTRY_ENVIRONMENT", "production"))

# Spreadsheets
# Exports of more rows than this run as a background job with a progress page.
BOOKING_EXPORT_ASYNC_ROWS = int(env("BOOKING_EXPORT_ASYNC_ROWS", "5000"))
# Rows read from the database per query chunk (and per progress update).
BOOKING_EXPORT_CHUNK_ROWS = int(env("BOOKING_EXPORT_CHUNK_ROWS", "2000"))
# A finished export's file can be downloaded (by its owner only) for this long.
BOOKING_EXPORT_KEEP_HOURS = int(env("BOOKING_EXPORT_KEEP_HOURS", "24"))
# An export job may run this long; it claims itself, so a redelivered task
# (after Q_CLUSTER's `retry`) does not write it twice.
BOOKING_EXPORT_TIMEOUT_SECONDS = int(env("BOOKING_EXPORT_TIMEOUT_SECONDS", "1800"))
# Export files and uploaded imports live here, never under MEDIA_ROOT: they are
# served only through views that check who is asking.
BOOKING_SPREADSHEET_ROOT = Path(
    env("BOOKING_SPREADSHEET_ROOT", str(BASE_DIR / ".local" / "spreadsheets"))
)
# Imports refuse larger files or more rows than this.
BOOKING_IMPORT_MAX_BYTES = int(env("BOOKING_IMPORT_MAX_BYTES", str(5 * 1024 * 1024)))
BOOKING_IMPORT_MAX_ROWS = int(env("BOOKING_IMPORT_MAX_ROWS", "5000"))

# Privacy
# Finished bookings (completed, cancelled, rejected) are anonymised this many months
# after their session, and drafts whose email was never verified are deleted after
# this many hours (booking.privacy.retention, run hourly by django-q2).
BOOKING_RETENTION_MONTHS = int(env("BOOKING_RETENTION_MONTHS", "24"))
BOOKING_UNVERIFIED_RETENTION_HOURS = int(
    env("BOOKING_UNVERIFIED_RETENTION_HOURS", "24")
)
# Email addresses that slip into a log line (an ESP's or Stripe's error quoting
# one) are masked before the line is written.
LOGGING.setdefault("filters", {})["redact_personal_data"] = {
    "()": "booking.core.redaction.RedactPersonalData"
}
for _handler in LOGGING["handlers"].values():
    _handler.setdefault("filters", []).append("redact_personal_data")
del _handler

# Two-factor sign-in for the admin (booking/signin/, README "Two-factor sign-in"):
# superusers and booking admins must use it when ADMIN_REQUIRE_2FA is on (the
# default outside DEBUG, so `bin/run`'s demo signs in with a password alone).
INSTALLED_APPS += [
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django_otp.middleware.OTPMiddleware") + 1,
    "booking.signin.middleware.SecondFactorMiddleware",
)
ADMIN_REQUIRE_2FA = env_bool("ADMIN_REQUIRE_2FA", default=not DEBUG)
# The name authenticator apps show beside the codes.
OTP_TOTP_ISSUER = BOOKING_PRACTICE_NAME

# The team (booking.team): an invitation link to the admin works this many days;
# applications to join are deleted this many days after they were decided.
TEAM_INVITATION_DAYS = int(env("TEAM_INVITATION_DAYS", "7"))
TEAM_APPLICATION_RETENTION_DAYS = int(env("TEAM_APPLICATION_RETENTION_DAYS", "180"))

# Client accounts (booking/accounts/): how long a sign-in link works, and how long
# a signed-in client's browser stays signed in.
CLIENT_SIGN_IN_LINK_MINUTES = int(env("CLIENT_SIGN_IN_LINK_MINUTES", "30"))
CLIENT_SESSION_HOURS = int(env("CLIENT_SESSION_HOURS", str(24 * 14)))

# --- Sign-in codes, the client JWT API and rate limits by role (issue 21) ---
import hashlib  # noqa: E402  (kept with the block they serve)
from datetime import timedelta  # noqa: E402

# The 6-digit code emailed beside each sign-in link: this many wrong codes burn
# every live link of the address (booking/accounts/codes.py).
CLIENT_SIGN_IN_CODE_ATTEMPTS = int(env("CLIENT_SIGN_IN_CODE_ATTEMPTS", "5"))
# JWTs for a separate frontend (/api/v1/auth/, booking/accounts/api_tokens.py):
# 60-minute access tokens, 7-day refresh tokens that rotate (each is used once,
# for the next pair) and are revoked on signing out. Signed with a key derived
# from SECRET_KEY (its own, so no other signature can pass for a token) unless
# CLIENT_JWT_SIGNING_KEY is set.
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(
        minutes=int(env("CLIENT_JWT_ACCESS_MINUTES", "60"))
    ),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=int(env("CLIENT_JWT_REFRESH_DAYS", "7"))),
    # Rotation and revocation are Haven's own (ClientRefreshToken), not
    # simplejwt's blacklist app, whose views are not routed.
    "ALGORITHM": "HS256",
    "SIGNING_KEY": env("CLIENT_JWT_SIGNING_KEY")
    or hashlib.sha256(f"haven client JWT:{SECRET_KEY}".encode()).hexdigest(),
    "AUTH_HEADER_TYPES": ("Bearer",),
}
# Requests an hour per role across the whole API, on top of each endpoint's own
# limits: anonymous (per address), signed-in clients (per account), consultants
# and staff (per user).
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"].append("booking.api.throttles.RoleThrottle")
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].update(
    {
        "role_anon": env("API_RATE_ANONYMOUS", "100/hour"),
        "role_client": env("API_RATE_CLIENT", "1000/hour"),
        "role_staff": env("API_RATE_STAFF", "2000/hour"),
    }
)

# --- courses, workshops and recurring series (issue 23) ---
# The most occurrences a recurring one-to-one series may have.
BOOKING_SERIES_MAX_OCCURRENCES = int(
    os.environ.get("BOOKING_SERIES_MAX_OCCURRENCES", "26")
)

# --- packages (booking/products, issue 22) ---
# How many active bookings a client holds without a package; unused package
# sessions allow that many more (README "Packages"). 1 is the database's own rule.
CLIENT_ACTIVE_BOOKINGS_BASE = max(int(env("CLIENT_ACTIVE_BOOKINGS_BASE", "1")), 1)
# Days before an entitlement expires that the warning email goes out.
PACKAGE_EXPIRY_WARNING_DAYS = int(env("PACKAGE_EXPIRY_WARNING_DAYS", "14"))

# --- secure messages and live updates (issue 24) ---
# Messages (booking/messaging/): their length, how many files one may carry and
# how large each may be; attachments are kept here, never under MEDIA_ROOT.
MESSAGING_MAX_LENGTH = int(env("MESSAGING_MAX_LENGTH", "5000"))
MESSAGING_MAX_ATTACHMENTS = int(env("MESSAGING_MAX_ATTACHMENTS", "5"))
MESSAGING_ATTACHMENT_MAX_BYTES = int(
    env("MESSAGING_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024))
)
MESSAGING_ATTACHMENT_ROOT = Path(
    env("MESSAGING_ATTACHMENT_ROOT", str(BASE_DIR / ".local" / "messages"))
)
# At most one "new message" email per conversation and recipient this often.
MESSAGING_EMAIL_BATCH_MINUTES = int(env("MESSAGING_EMAIL_BATCH_MINUTES", "15"))
# WebSockets (Django Channels, config/asgi.py); their channel layer is set by
# CHANNEL_REDIS_URL, at the end of this file.
ASGI_APPLICATION = "config.asgi.application"
# LiveKit video rooms (booking/video/), when all three are set; a
# participant's access token works this many minutes.
LIVEKIT_URL = env("LIVEKIT_URL", "")
LIVEKIT_API_KEY = env("LIVEKIT_API_KEY", "")
LIVEKIT_API_SECRET = env("LIVEKIT_API_SECRET", "")
LIVEKIT_TOKEN_MINUTES = int(env("LIVEKIT_TOKEN_MINUTES", "15"))

# --- media on S3-compatible storage (issue 26, README "Scaling out") ---
# With a bucket named, Wagtail images and documents, uploads and finished export
# files go to it (Cloudflare R2, AWS S3, MinIO…) through django-storages; the
# bucket stays private and every file is read through a signed URL that expires
# after AWS_QUERYSTRING_EXPIRE seconds. Without one, the local folders as before.
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL") or None
    AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME", "auto")
    AWS_ACCESS_KEY_ID = env("AWS_ACCESS_KEY_ID") or None
    AWS_SECRET_ACCESS_KEY = env("AWS_SECRET_ACCESS_KEY") or None
    AWS_S3_ADDRESSING_STYLE = env("AWS_S3_ADDRESSING_STYLE", "path")
    AWS_S3_SIGNATURE_VERSION = "s3v4"
    AWS_DEFAULT_ACL = None  # objects take the bucket's (private) policy
    AWS_QUERYSTRING_AUTH = True
    AWS_QUERYSTRING_EXPIRE = int(env("AWS_QUERYSTRING_EXPIRE", "300"))
    AWS_S3_FILE_OVERWRITE = False
    STORAGES = {
        **STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"location": "media"},
        },
        "exports": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"location": "exports"},
        },
    }

# --- video rooms ---
# Where an online session's meeting link leads (booking/video/): "auto" (LiveKit
# when LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET are set, else as
# "consultant"), "consultant" (the consultant's own URL, else a Jitsi room),
# "jitsi" (always a new Jitsi room) or "livekit" (LiveKit; as "consultant" until
# the three LiveKit settings are set). The LiveKit join page opens this many
# minutes before the start and closes at the end; LIVEKIT_MEET_URL is the
# practice's LiveKit meet app (e.g. a deployed livekit-examples/meet), which is
# given the server URL and the participant's token.
BOOKING_VIDEO_PROVIDER = env("BOOKING_VIDEO_PROVIDER", "auto")
BOOKING_VIDEO_JOIN_EARLY_MINUTES = int(env("BOOKING_VIDEO_JOIN_EARLY_MINUTES", "10"))
LIVEKIT_MEET_URL = env("LIVEKIT_MEET_URL", "")

# --- Waitlist ---
# A seat offered to the first waiting client is held for them this many hours
# (booking/lifecycle/waitlist.py); a waitlist confirmation link works 24 hours.
WAITLIST_HOLD_HOURS = int(env("WAITLIST_HOLD_HOURS", "12"))
WAITLIST_LINK_HOURS = int(env("WAITLIST_LINK_HOURS", "24"))

# --- streams: likes, saves and comments on posts and articles (issue 25) ---
# Comments wait for an editor's approval (Streams → Comments) unless this is 0.
STREAM_COMMENTS_MODERATED = env_bool("STREAM_COMMENTS_MODERATED", default=True)

# --- the WebSockets' channel layer (issue 24) ---
# Redis carries live events between server processes when CHANNEL_REDIS_URL is
# set (by default REDIS_URL, which also moves jobs and the cache to Redis); one
# process's memory otherwise (the embedded default). Setting CHANNEL_REDIS_URL
# alone puts only the sockets on Redis, as CI's PostgreSQL pass does.
# (config/channel_layer.py: its connections outwait Redis' blocking reads.)
CHANNEL_REDIS_URL = env("CHANNEL_REDIS_URL") or REDIS_URL
CHANNEL_LAYERS = {
    "default": (
        channel_layer.redis_layer(CHANNEL_REDIS_URL)
        if CHANNEL_REDIS_URL
        else {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    )
}

# --- memberships (booking/products/billing.py, issue 22) ---
# On a plan whose unused sessions roll over, a period's sessions stay usable this
# many days past its end while the renewal's payment arrives; a paid renewal
# carries them on, and the membership's end takes the days back.
MEMBERSHIP_ROLLOVER_GRACE_DAYS = int(env("MEMBERSHIP_ROLLOVER_GRACE_DAYS", "3"))

# --- bundles, credit and package refunds (issue 22) ---
# Money credit granted as a promotion is valid this many days unless the booking
# admin says otherwise (a credit product has its own validity). With
# PACKAGE_CLIENT_REFUNDS on, clients may refund a package's unused sessions
# themselves from "My packages"; otherwise only a booking admin can.
CREDIT_VALIDITY_DAYS = int(env("CREDIT_VALIDITY_DAYS", "365"))
PACKAGE_CLIENT_REFUNDS = env_bool("PACKAGE_CLIENT_REFUNDS", default=False)
