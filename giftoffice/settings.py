"""The one settings module: every deploy-time choice comes from the environment.

Defaults make a fresh clone run with nothing else installed (SQLite file, django-q2 ORM broker);
`DATABASE_URL` / `REDIS_URL` switch to PostgreSQL / Redis without touching code.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


TESTING = env_bool("GIFTOFFICE_TESTING")
DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not TESTING and not env_bool("GIFTOFFICE_INSECURE_DEV_KEY"):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-dev-key-not-for-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Fernet keys for secrets stored encrypted (giftoffice/crypto.py), newest first. The built-in demo key is
# public, so it is allowed only for DEBUG and tests.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", [])
if not FIELD_ENCRYPTION_KEYS and not DEBUG and not TESTING and not env_bool("GIFTOFFICE_INSECURE_DEV_KEY"):
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set when DEBUG is off")

# The sandbox serves supplier simulators under /sandbox/. Off unless asked for; never in production
# (DEBUG off) unless explicitly forced, so a stray env var cannot expose fake suppliers.
SANDBOX_ENABLED = env_bool("GIFTOFFICE_SANDBOX")
if SANDBOX_ENABLED and not DEBUG and not TESTING and not env_bool("GIFTOFFICE_SANDBOX_FORCE"):
    raise ImproperlyConfigured(
        "GIFTOFFICE_SANDBOX=1 with DEBUG off: set GIFTOFFICE_SANDBOX_FORCE=1 to run the sandbox anyway"
    )

INSTALLED_APPS = [
    "modeltranslation",  # must precede django.contrib.admin
    "giftoffice.admin_site.GiftofficeAdminConfig",  # django.contrib.admin with our site (sections)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI from our own static files: /external/docs/ needs no CDN
    "django_q",
    "catalog",
    "orders",
    # Always installed so its tables exist in every database; its URLs are mounted only when enabled.
    "giftoffice.sandbox",
    "giftoffice",  # project-wide management commands (demo_setup)
]

MIDDLEWARE = [
    # Outermost: turns every non-JSON error under /external/ (404s of unroutable paths, 500 pages) to JSON.
    "giftoffice.middleware.ExternalJsonErrorsMiddleware",
    # Chunked bodies read or refused (411), oversized API bodies refused (413) before anything reads them.
    "giftoffice.middleware.RequestBodyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # giftoffice.middleware's session, locale, auth and message middlewares are Django's, passed by for
    # the partner API (/external/): it keeps no session and speaks one language.
    "giftoffice.middleware.SessionMiddleware",
    "giftoffice.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "giftoffice.middleware.AuthenticationMiddleware",
    "giftoffice.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "giftoffice.urls"
WSGI_APPLICATION = "giftoffice.wsgi.application"

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
# Persistent connections outside DEBUG: a new PostgreSQL connection per request cost most of the
# throughput of a page of 100 (docs/perf.md). Health checks make a connection the server dropped (restart,
# idle timeout) cost one retry instead of a 500. DEBUG keeps runserver's connection-per-request default.
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("CONN_MAX_AGE", 0 if DEBUG else 600),
        conn_health_checks=env_bool("CONN_HEALTH_CHECKS", default=True),
    )
}
# The health check's SELECT 1 is skipped for a connection used less than this many seconds ago
# (giftoffice/dbbackends/postgresql/base.py).
CONN_HEALTH_CHECK_DELAY = env_float("CONN_HEALTH_CHECK_DELAY", 1.0)
# PostgreSQL: the partner API's hot statements are prepared once per connection; 0 for a pooler that
# cannot keep prepared statements (giftoffice/dbbackends/postgresql/base.py).
DB_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "giftoffice.dbbackends.postgresql"
    if DB_PREPARED_STATEMENTS:
        # psycopg's own connection option: a server-bound statement is prepared on its first run. Only
        # prepared_cursor() binds on the server; Django's client-bound cursors never prepare.
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 0
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so two
        # writers queue on the busy timeout instead of failing with "database is locked" mid-transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20),
    }
    # A file (not :memory:) test database, so live_server threads each get their own connection.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / f".test-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- Languages --------------------------------------------------------------------------------------
LANGUAGE_CODE = "ro"
LANGUAGES = [
    ("ro", _("Romanian")),
    ("ru", _("Russian")),
    ("en", _("English")),
    ("uk", _("Ukrainian")),
]
LANGUAGE_CODES = [code for code, _name in LANGUAGES]
MODELTRANSLATION_DEFAULT_LANGUAGE = LANGUAGE_CODE
MODELTRANSLATION_LANGUAGES = tuple(LANGUAGE_CODES)
MODELTRANSLATION_FALLBACK_LANGUAGES = (LANGUAGE_CODE,)
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_TZ = True

# --- Static and media -------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    # Partner-sent icon/image values that are absolute URLs must link to themselves in the admin too.
    "default": {"BACKEND": "catalog.storage.GiftMediaStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not (DEBUG or TESTING)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Self-hosted: the admin's translation tabs need jQuery UI, served from our own static files (no CDN).
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "catalog.staticfinders.JqueryUiFinder",  # jquery-ui/jquery-ui.min.js only
]
JQUERY_UI_URL = "jquery-ui/jquery-ui.min.js"
# In development and tests whitenoise serves straight from the apps' static dirs (no collectstatic).
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

# A bulk request of GIFT_BULK_MAX_ITEMS full items (4 languages x 5 text fields) is ~3 MB; allow 10 MB.
GIFT_BULK_MAX_ITEMS = env_int("GIFT_BULK_MAX_ITEMS", 1000)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)
# Under gunicorn an API request body must arrive within this many seconds (408 otherwise): a client that
# declares a body and stalls holds a worker thread this long at most. 0: no deadline.
REQUEST_BODY_TIMEOUT = float(os.environ.get("REQUEST_BODY_TIMEOUT", "30"))

# --- REST framework and OpenAPI ---------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_THROTTLE_RATES": {
        "partner_key_read": os.environ.get("PARTNER_THROTTLE_READ", "600/min"),
        "partner_key_write": os.environ.get("PARTNER_THROTTLE_WRITE", "120/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "giftoffice partner API",
    "DESCRIPTION": "The /external/gift/ API (gift with product), per-language fields for ro, ru, en, uk.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Patterns, bounds and "no unknown keys" that the serializer mapping cannot express.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "catalog.api.schema.postprocess_schema",
    ],
}

# --- Cache and rate limits ---------------------------------------------------------------------------
# Rate-limit counters are shared by every process (catalog.services.rate_counters): in Redis when set,
# else in the database.
# Failed authentications (bad or revoked keys) per client address; over it every request from that
# address is answered 429 until the window ends, right key or not. Empty: no limit.
AUTH_FAILURE_RATE = os.environ.get("AUTH_FAILURE_RATE", "20/min")
# Addresses (or networks) of the reverse proxies in front of us. Only a request whose direct peer is one
# of them has its X-Forwarded-For believed for the client address; empty: the header is ignored.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- django-q2 ----------------------------------------------------------------------------------------
# retry must exceed timeout, or a slow task is handed to a second worker while the first still runs.
Q_CLUSTER = {
    "name": "giftoffice",
    "workers": env_int("Q_WORKERS", 2),
    "timeout": env_int("Q_TIMEOUT", 300),
    "retry": env_int("Q_RETRY", 360),
    "max_attempts": env_int("Q_MAX_ATTEMPTS", 5),
    "ack_failures": True,
    "save_limit": 1000,
    "catch_up": False,
    "label": _("Task queue"),  # the app's name in the admin
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
if env_bool("Q_SYNC"):
    Q_CLUSTER["sync"] = True

# --- Suppliers ----------------------------------------------------------------------------------------
# With the sandbox on and a base URL unset, each client points at the local simulator.
# `make run` records the URL of the sandbox it serves in this git-ignored file, so a command run in a
# second shell beside the demo (`make manage CMD=...`) reaches that sandbox on whatever port it runs.
# Only the sandbox URL is read from it, and only with the sandbox on: a file left behind cannot switch
# a production process into demo mode.
SANDBOX_URL_FILE = Path(os.environ.get("GIFTOFFICE_SANDBOX_URL_FILE") or BASE_DIR / ".demo-sandbox-url")


def _sandbox_base_url() -> str:
    value = os.environ.get("GIFTOFFICE_SANDBOX_URL", "")
    if not value and SANDBOX_ENABLED and not TESTING and SANDBOX_URL_FILE.is_file():
        value = SANDBOX_URL_FILE.read_text().strip()
    return (value or "http://127.0.0.1:8000/sandbox").rstrip("/")


SANDBOX_BASE_URL = _sandbox_base_url()


def _supplier_url(name: str, sandbox_path: str, production: str) -> str:
    value = os.environ.get(name, "").rstrip("/")
    if value:
        return value
    return f"{SANDBOX_BASE_URL}/{sandbox_path}" if SANDBOX_ENABLED else production


GAMESDROP_BASE_URL = _supplier_url("GAMESDROP_BASE_URL", "gamesdrop", "https://partner.gamesdrop.io")
TRIBUTE_BASE_URL = _supplier_url("TRIBUTE_BASE_URL", "tribute", "https://tribute.tg")
GIFTLY_BASE_URL = _supplier_url("GIFTLY_BASE_URL", "giftly", "https://stars-rocket.com")
TELEGRAM_API_BASE = _supplier_url("TELEGRAM_API_BASE", "telegram", "https://api.telegram.org")

# Fixed demo credentials when unset: the sandbox accepts exactly these and nothing else.
GAMESDROP_TOKEN = os.environ.get("GAMESDROP_TOKEN", "sandbox-gamesdrop-token")
TRIBUTE_API_KEY = os.environ.get("TRIBUTE_API_KEY", "sandbox-tribute-key")
GIFTLY_TOKEN = os.environ.get("GIFTLY_TOKEN", "sandbox-giftly-token")
TELEGRAM_BOT_TOKEN = os.environ.get("TELEGRAM_BOT_TOKEN", "123456:sandbox-telegram-token")

# Outgoing HTTP: (connect, read) seconds for every client unless a call says otherwise.
INTEGRATION_CONNECT_TIMEOUT = float(os.environ.get("INTEGRATION_CONNECT_TIMEOUT", "3.05"))
INTEGRATION_READ_TIMEOUT = float(os.environ.get("INTEGRATION_READ_TIMEOUT", "20"))
INTEGRATION_MAX_RETRIES = env_int("INTEGRATION_MAX_RETRIES", 3)
INTEGRATION_BACKOFF_SECONDS = float(os.environ.get("INTEGRATION_BACKOFF_SECONDS", "0.5"))
# The longest Retry-After a Giftly send waits out before trying again (a send is tried 3 times); a
# longer one pauses the campaign at once, resumable. Short, so a campaign task never waits long.
GIFTLY_RETRY_AFTER_MAX_SECONDS = env_float("GIFTLY_RETRY_AFTER_MAX_SECONDS", 5.0)

# --- Telegram purchase reports (orders/services/reports.py) -------------------------------------------
# The currency of reportGiftPurchase amounts: USD (cents) or TON (nanotons); other sale currencies are
# converted at the ExchangeRate valid at the sale's completion.
TELEGRAM_REPORT_CURRENCY = os.environ.get("TELEGRAM_REPORT_CURRENCY", "USD").strip().upper()
if TELEGRAM_REPORT_CURRENCY not in ("USD", "TON"):
    raise ImproperlyConfigured("TELEGRAM_REPORT_CURRENCY must be USD or TON")
# Reports claimed per round of a sender; each claim is a lease, so a killed sender's rows go out again
# (Telegram's duplicate answer then marks them reported) once it expires.
TELEGRAM_REPORT_BATCH_SIZE = env_int("TELEGRAM_REPORT_BATCH_SIZE", 50)
TELEGRAM_REPORT_LEASE_SECONDS = env_int("TELEGRAM_REPORT_LEASE_SECONDS", 300)
# Retry after a 5xx, timeout or connection error: first delay, doubled per attempt, capped.
TELEGRAM_REPORT_BACKOFF_SECONDS = env_int("TELEGRAM_REPORT_BACKOFF_SECONDS", 30)
TELEGRAM_REPORT_MAX_BACKOFF_SECONDS = env_int("TELEGRAM_REPORT_MAX_BACKOFF_SECONDS", 3600)
TELEGRAM_REPORTS_EVERY_MINUTES = env_int("TELEGRAM_REPORTS_EVERY_MINUTES", 1)
# One send task drains the outbox for at most this long, then queues its successor: a worker is never
# held long by report bookkeeping, and no task runs into Q_TIMEOUT.
TELEGRAM_REPORT_TASK_SECONDS = env_int("TELEGRAM_REPORT_TASK_SECONDS", min(60, Q_CLUSTER["timeout"] // 4))
# Waiting reports re-evaluated per page of the walk (keyset by id, oldest first).
TELEGRAM_REPORT_WALK_PAGE_SIZE = env_int("TELEGRAM_REPORT_WALK_PAGE_SIZE", 500)

# Sandbox catalog size (100,000 must work for benchmarks).
SANDBOX_GAMESDROP_OFFERS = env_int("GIFTOFFICE_SANDBOX_GAMESDROP_OFFERS", 300)

# --- Schedules ----------------------------------------------------------------------------------------
SYNC_OFFERS_EVERY_MINUTES = env_int("SYNC_OFFERS_EVERY_MINUTES", 15)
SYNC_PRODUCTS_EVERY_MINUTES = env_int("SYNC_PRODUCTS_EVERY_MINUTES", 60)

# --- Runs (syncs, pushes, pulls; giftoffice/runs) -----------------------------------------------------
# A running run's worker beats its heartbeat every RUN_HEARTBEAT_SECONDS from a thread beside the work;
# a run silent for RUN_DEAD_AFTER_SECONDS (about three missed beats and a margin) lost its process: it no
# longer holds its site or source, may be resumed, and the admin shows it dead.
RUN_HEARTBEAT_SECONDS = float(os.environ.get("RUN_HEARTBEAT_SECONDS", "2"))
RUN_DEAD_AFTER_SECONDS = float(os.environ.get("RUN_DEAD_AFTER_SECONDS", "8"))
# Tests set heartbeat_at in the past instead of waiting for a thread (and SQLite's in-memory test
# database is one connection's transaction); tests of the thread itself turn it on.
RUN_HEARTBEAT_THREAD = env_bool("RUN_HEARTBEAT_THREAD", not TESTING)
# A queued run no worker took for this long (the queue lost its task) no longer holds its place.
RUN_QUEUED_EXPIRE_SECONDS = env_int("RUN_QUEUED_EXPIRE_SECONDS", Q_CLUSTER["retry"] + 60)

# Error pages and mails: Django's name-based cleansing, plus credentials inside URLs (DATABASE_URL, ...).
DEFAULT_EXCEPTION_REPORTER_FILTER = "giftoffice.error_reports.CredentialsCleansingFilter"

# --- Logging: secrets never reach it (clients redact before logging) ---------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.server": {"level": "WARNING" if TESTING else "INFO"}},
}

if not DEBUG and not TESTING:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)

# The naive DRF list beside ours for `make bench` / `make load` (bench/naive.py); tests and DEBUG only.
NAIVE_API_ENABLED = env_bool("GIFTOFFICE_NAIVE_API") and (DEBUG or TESTING)

# --- Partner push (gifts published on partner sites) -------------------------------------------------
# The sandbox partner site accepts exactly this header and value (the `sandbox` demo site sends them).
SANDBOX_PARTNER_AUTH_HEADER = os.environ.get("GIFTOFFICE_SANDBOX_PARTNER_AUTH_HEADER", "Authorization")
SANDBOX_PARTNER_SECRET = os.environ.get("GIFTOFFICE_SANDBOX_PARTNER_SECRET", "Api-Key sandbox-partner-key")
# Admin pushes of more gifts than this run in django-q2; smaller ones run in the request.
PUSH_ASYNC_THRESHOLD = env_int("PUSH_ASYNC_THRESHOLD", 36)
# Attempts per batch when the site is unavailable or the outcome of a bulk-create is unknown.
PUSH_MAX_ATTEMPTS = env_int("PUSH_MAX_ATTEMPTS", 3)

# --- Suppliers (Tribute products, Giftly gifts, Telegram reports) and their sandbox simulators -------
# The sandbox Giftly account starts with this RUB balance; each accepted gift debits its price.
SANDBOX_GIFTLY_BALANCE_RUB = os.environ.get("GIFTOFFICE_SANDBOX_GIFTLY_BALANCE_RUB", "10000")
# Size of the generated sandbox Tribute catalog (listed products; 3 forbidden ones come on top).
SANDBOX_TRIBUTE_PRODUCTS = env_int("GIFTOFFICE_SANDBOX_TRIBUTE_PRODUCTS", 123)

# --- GamesDrop offers (catalog sync, price flags, sandbox account) --------------------------------------
# Offers whose supplier price moves by at least this many percent in one change are flagged in the admin.
OFFER_PRICE_ALERT_PERCENT = float(os.environ.get("OFFER_PRICE_ALERT_PERCENT", "10"))
# Markup applied to offers that have neither a retail price nor their own markup; empty = none.
OFFER_DEFAULT_MARKUP_PERCENT = os.environ.get("OFFER_DEFAULT_MARKUP_PERCENT", "")
# Rows per sync page (the API allows at most 5000).
GAMESDROP_SYNC_PAGE_SIZE = env_int("GAMESDROP_SYNC_PAGE_SIZE", 5000)
# The sandbox account a fresh database starts with (MIXED sees every offer); change it at runtime
# with giftoffice.sandbox.providers.gamesdrop_state.set_account().
SANDBOX_GAMESDROP_BALANCE = os.environ.get("GIFTOFFICE_SANDBOX_GAMESDROP_BALANCE", "500.25")
SANDBOX_GAMESDROP_PROFILE = os.environ.get("GIFTOFFICE_SANDBOX_GAMESDROP_PROFILE", "MIXED")
# The guide serves Telegram user-info from gamesdrop.io, not the partner host; empty = GAMESDROP_BASE_URL.
GAMESDROP_USER_INFO_BASE_URL = os.environ.get(
    "GAMESDROP_USER_INFO_BASE_URL",
    "" if SANDBOX_ENABLED or os.environ.get("GAMESDROP_BASE_URL") else "https://gamesdrop.io",
).rstrip("/")

# --- Gift API (/external/gift/) -----------------------------------------------------------------------
# Absolute base of this site as partners reach it, e.g. https://office.example.com. Icon/image URLs in the
# API and in payloads pushed to partner sites are built from it; unset, the API uses the request's host.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "").rstrip("/")
# Gift links and partner-sent image URLs pointing at loopback or private addresses (127.0.0.1, localhost,
# 10/8, 192.168/16, ...) are refused unless this is on; it is on with DEBUG so the demo keeps working.
GIFT_LINKS_ALLOW_PRIVATE_HOSTS = env_bool("GIFT_LINKS_ALLOW_PRIVATE_HOSTS", default=DEBUG)
# Lists longer than this are streamed in chunks of this many rows (bounded memory for 100,000 gifts).
GIFT_LIST_CHUNK_SIZE = env_int("GIFT_LIST_CHUNK_SIZE", 2000)
# Off: the plain paths that each fast path (catalog/fastpaths/) replaces, for the bench and tests.
GIFT_FAST_PATHS = env_bool("GIFT_FAST_PATHS", default=True)
# last_used_at of a partner key is written at most this often (no write per read request).
PARTNER_KEY_TOUCH_SECONDS = env_int("PARTNER_KEY_TOUCH_SECONDS", 60)

# --- Orders (purchases from Giftly and GamesDrop) -----------------------------------------------------
# Currencies a customer may have paid us in (Sale.currency); anything else is refused as bad input.
ORDERS_CURRENCIES = [
    c.upper() for c in env_list("ORDERS_CURRENCIES", ["USD", "EUR", "RUB", "UAH", "MDL", "TON", "XTR"])
]
# Open GamesDrop orders are polled with backoff: first check after this many seconds, doubling up to the cap.
ORDERS_POLL_FIRST_SECONDS = float(os.environ.get("ORDERS_POLL_FIRST_SECONDS", "10"))
ORDERS_POLL_MAX_SECONDS = float(os.environ.get("ORDERS_POLL_MAX_SECONDS", "300"))
ORDERS_POLL_EVERY_MINUTES = env_int("ORDERS_POLL_EVERY_MINUTES", 1)
# Orders one poll pass looks at, at most (the rest wait for the next pass).
ORDERS_POLL_BATCH = env_int("ORDERS_POLL_BATCH", 10000)
# A send still SUBMITTING after this long lost its worker (no send takes longer than the timeouts).
ORDERS_SUBMITTING_STALE_SECONDS = env_int("ORDERS_SUBMITTING_STALE_SECONDS", 120)
# GamesDrop sends of one order (same transactionId) before it is left to staff.
ORDERS_MAX_ATTEMPTS = env_int("ORDERS_MAX_ATTEMPTS", 5)
# A campaign is sent by short django-q2 tasks, each one chunk of sends, so the task timeout never lands
# inside a send: a chunk ends after this many sends or once a quarter of Q_CLUSTER["timeout"] (at most
# CAMPAIGN_CHUNK_MAX_SECONDS) has passed, whichever comes first, checked between sends.
CAMPAIGN_CHUNK_SENDS = env_int("CAMPAIGN_CHUNK_SENDS", 500)
CAMPAIGN_CHUNK_MAX_SECONDS = env_float("CAMPAIGN_CHUNK_MAX_SECONDS", 60.0)
# The admin index warns when the GamesDrop balance (USD) is below this.
GAMESDROP_LOW_BALANCE_USD = os.environ.get("GAMESDROP_LOW_BALANCE_USD", "50")
# Supplier balances are read by a schedule this often and stored; the admin shows the stored reading.
BALANCE_READ_EVERY_MINUTES = env_int("BALANCE_READ_EVERY_MINUTES", 5)
# USD per unit of an offer currency, to check the GamesDrop balance (always USD) before buying. GamesDrop
# publishes no rates; these are estimates (the sandbox's own), so keep them current in production.
GAMESDROP_USD_RATES = {
    code.strip().upper(): rate.strip()
    for code, _sep, rate in (
        item.partition("=")
        for item in env_list(
            "GAMESDROP_USD_RATES",
            ["USD=1", "USDT=1", "EUR=1.08", "RUB=0.011", "KZT=0.0021", "TRY=0.031", "UAH=0.024", "BRL=0.18"],
        )
    )
}
# buy_offer --wait gives up (exit 1, the order still followed by the poller) after this long.
ORDERS_WAIT_MAX_SECONDS = env_int("ORDERS_WAIT_MAX_SECONDS", 3600)
# reconcile_gamesdrop: a balance transaction matches an order of ours placed this close in time.
ORDERS_RECONCILE_WINDOW_SECONDS = env_int("ORDERS_RECONCILE_WINDOW_SECONDS", 3600)
