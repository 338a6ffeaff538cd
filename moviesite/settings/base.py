"""Settings shared by every environment, read from the environment with django-environ.

With nothing set, moviesite runs embedded: SQLite, a file cache shared by the web and
worker processes, and Celery on kombu's filesystem transport. Setting DATABASE_URL and
REDIS_URL switches to PostgreSQL and Redis (cache and broker).
"""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core --------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
# The embedded default gets a fixed development key; production settings demand one.
SECRET_KEY = env.str("SECRET_KEY", default="moviesite-embedded-development-key-not-for-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Everything the site writes at run time (SQLite file, cache, broker queue, models, downloads).
DATA_DIR = Path(env.str("DATA_DIR", default=str(BASE_DIR / "data"))).resolve()
MODEL_DIR = Path(env.str("MODEL_DIR", default=str(DATA_DIR / "models"))).resolve()
MOVIELENS_DIR = Path(env.str("MOVIELENS_DIR", default=str(DATA_DIR / "movielens"))).resolve()
MOVIELENS_MIRROR = env.str("MOVIELENS_MIRROR", default="https://files.grouplens.org/datasets/movielens")

INSTALLED_APPS = [
    "moviesite.apps.AdminConfig",  # django.contrib.admin with the site in moviesite/admin_site.py
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "axes",
    "accounts",
    "catalog",
    "ratings",
    "recommendations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "moviesite.middleware.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a login refused for lockout into a 429 response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "moviesite.urls"
WSGI_APPLICATION = "moviesite.wsgi.application"

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
            ],
        },
    },
]

# --- Database ----------------------------------------------------------------------
# An empty DATABASE_URL means "not set" (as in `DATABASE_URL= make test`), not a broken URL.
_database_url = env.str("DATABASE_URL", default="") or f"sqlite:///{DATA_DIR / 'moviesite.sqlite3'}"
DATABASES = {"default": env.db_url_config(_database_url)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web and worker write at once: IMMEDIATE transactions + WAL avoid "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A server that does not answer costs a bounded wait, not a worker: connecting gives up after
    # DATABASE_CONNECT_TIMEOUT seconds, and a web request's statement after DATABASE_STATEMENT_TIMEOUT
    # (gunicorn's own limit is 30 s). The Celery worker and management commands lift the statement limit:
    # imports, exports and training queries may run for minutes (moviesite.celery, manage.py).
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "connect_timeout": env.int("DATABASE_CONNECT_TIMEOUT", default=3),
        "options": f"-c statement_timeout={env.int('DATABASE_STATEMENT_TIMEOUT', default=25)}s",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USING_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")

# --- Cache and broker --------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")  # empty = embedded file cache and filesystem broker


def redis_cache_settings(url: str) -> dict[str, object]:
    """django-redis on `url`: a Redis outage degrades to computing recommendations, never a 500.

    A hung Redis costs one 1 s timeout per process every few seconds, not one per call (the breaker).
    """
    from moviesite.redis_breaker import BreakerConnection

    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "OPTIONS": {
            "IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1,
            "CONNECTION_POOL_KWARGS": {"connection_class": BreakerConnection},
        },
    }


if REDIS_URL:
    CACHES = {"default": {**redis_cache_settings(REDIS_URL), "KEY_PREFIX": env.str("CACHE_PREFIX",
                                                                                  default="moviesite")}}
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    # File-backed so the web server and the Celery worker see the same entries.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
            "KEY_PREFIX": env.str("CACHE_PREFIX", default="moviesite"),
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }
RECOMMENDATIONS_CACHE_TTL = env.int("RECOMMENDATIONS_CACHE_TTL", default=24 * 3600)
# The rendered rows of a member's home page; a rating, watchlist or "not interested" change and a new
# model replace them at once, so this only bounds how old the shared rows (popular, highest rated) get.
HOME_CACHE_TTL = env.int("HOME_CACHE_TTL", default=600)
# Browse and search pages as visitors who are not signed in see them: a new film or rating count
# reaches them within this many seconds.
SHARED_PAGES_TTL = env.int("SHARED_PAGES_TTL", default=60)
# Sessions are read from the cache and written through to the database: no query per page to find
# who is signed in, and nobody is signed out when the cache is flushed.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

def filesystem_broker_options(folder: Path) -> dict[str, object]:
    """kombu's filesystem transport in one folder (created here: the transport expects it)."""
    for name in ("queue", "processed", "control"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }


CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(DATA_DIR / "broker")
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Publishing (a retrain request, a picks refresh) and reading the queue length happen in web requests:
    # a hung Redis must fail them in about a second, not hold them forever. The worker's BRPOP loop is
    # not a blocking read and is unaffected.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_timeout": 1, "socket_connect_timeout": 1}
# One quick retry of a publish (a connection Redis dropped on restart), not three: each waits a timeout.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2,
                                    "interval_max": 0.2}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_TIME_LIMIT = env.int("TRAINING_TIME_LIMIT", default=3600)
# Queues by kind of work, so a retrain never sits in front of a viewer's refresh: the Procfile and compose run
# one worker per queue. A worker started without -Q consumes all three.
TASK_QUEUE_VIEWERS = env.str("TASK_QUEUE_VIEWERS", default="viewers")
TASK_QUEUE_BATCH = env.str("TASK_QUEUE_BATCH", default="batch")


def celery_task_routes(viewers: str, batch: str) -> dict[str, dict[str, str]]:
    """Per-viewer work on `viewers`; training, similarities, enrichment and recounts on `batch`."""
    return {
        "recommendations.tasks.user_recommendations_refresh": {"queue": viewers},
        "recommendations.tasks.user_recommendations_warm": {"queue": viewers},
        "recommendations.tasks.model_train": {"queue": batch},
        "recommendations.tasks.model_retrain_if_due": {"queue": batch},
        "recommendations.tasks.movie_similarities_compute": {"queue": batch},
        "catalog.tasks.movies_tmdb_enrich": {"queue": batch},
        "catalog.tasks.movie_rating_totals_rederive": {"queue": batch},
    }


CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = celery_task_routes(TASK_QUEUE_VIEWERS, TASK_QUEUE_BATCH)
CELERY_TASK_QUEUES = [Queue(name) for name in (CELERY_TASK_DEFAULT_QUEUE, TASK_QUEUE_VIEWERS, TASK_QUEUE_BATCH)]
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# Nightly retrain at this hour (UTC); set RETRAIN_HOUR=-1 to turn it off.
RETRAIN_HOUR = env.int("RETRAIN_HOUR", default=3)
RETRAIN_CHECK_SECONDS = env.int("RETRAIN_CHECK_SECONDS", default=600)

# --- Recommendations ---------------------------------------------------------------
RECOMMENDER = {
    "SVD_FACTORS": env.int("SVD_FACTORS", default=100),
    "SVD_EPOCHS": env.int("SVD_EPOCHS", default=50),
    "SVD_LR": env.float("SVD_LR", default=0.01),
    "SVD_REG": env.float("SVD_REG", default=0.1),
    "SEED": env.int("RECOMMENDER_SEED", default=42),
    # Top picks only consider movies with at least this many ratings: predicted stars on
    # barely-rated films are noise, and ranking by them is worse than popularity.
    "MIN_SUPPORT": env.int("RECOMMENDER_MIN_SUPPORT", default=10),
    # Stars on cards come from "blend" (SVD + KNNBaseline, the most accurate) or "svd" (faster);
    # above LARGE_DATA_RATINGS the pipeline uses "svd" (fitted by the numba trainer) whatever this says.
    "PREDICTOR": env.str("RECOMMENDER_PREDICTOR", default="blend"),
    "LARGE_DATA_RATINGS": env.int("RECOMMENDER_LARGE_DATA_RATINGS", default=1_000_000),
    "SIMILAR_K": env.int("SIMILAR_K", default=20),
    # Watch-listed movies are already on the viewer's mind: keep them out of recommendations.
    "EXCLUDE_WATCHLIST": env.bool("RECOMMENDER_EXCLUDE_WATCHLIST", default=True),
    # A new model is activated only if its held-out RMSE is at most this much worse than the active one's.
    "ACTIVATION_TOLERANCE": env.float("ACTIVATION_TOLERANCE", default=0.02),
    # Queue a retrain once this many ratings arrived since the active model's data (checked by beat).
    "RETRAIN_AFTER_RATINGS": env.int("RETRAIN_AFTER_RATINGS", default=1000),
}
MODEL_KEEP = env.int("MODEL_KEEP", default=5)  # trained artifacts kept on disk (plus the active one)
# Where trained artifacts live. "database" (the default on PostgreSQL): chunked rows every host reaches, each
# host keeping a checksum-verified copy in MODEL_CACHE_DIR; "local": a directory under MODEL_DIR (one machine).
MODEL_STORE = env.str("MODEL_STORE", default="database" if USING_POSTGRES else "local")
if MODEL_STORE not in ("database", "local"):
    raise environ.ImproperlyConfigured(f"MODEL_STORE must be database or local, not {MODEL_STORE!r}")
if MODEL_STORE == "database" and not USING_POSTGRES:
    raise environ.ImproperlyConfigured("MODEL_STORE=database needs PostgreSQL (DATABASE_URL)")
MODEL_CACHE_DIR = Path(env.str("MODEL_CACHE_DIR", default=str(DATA_DIR / "model-cache"))).resolve()

# --- Rating history import (Letterboxd / IMDb exports) -------------------------------
# A heavy Letterboxd user's ratings.csv is ~100 bytes a film: 2 MB holds about 20,000 rows.
HISTORY_IMPORT_MAX_BYTES = env.int("HISTORY_IMPORT_MAX_BYTES", default=2 * 1024 * 1024)
HISTORY_IMPORT_MAX_ROWS = env.int("HISTORY_IMPORT_MAX_ROWS", default=10_000)
if HISTORY_IMPORT_MAX_BYTES < 1 or HISTORY_IMPORT_MAX_ROWS < 1:
    raise environ.ImproperlyConfigured("HISTORY_IMPORT_MAX_BYTES and HISTORY_IMPORT_MAX_ROWS must be at least 1")

# --- Auth --------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out username+IP before any password is checked
    # (login page, admin login and the API token endpoint all go through authenticate()).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
if AXES_FAILURE_LIMIT < 1 or AXES_COOLOFF_TIME <= timedelta(0):
    raise environ.ImproperlyConfigured("AXES_FAILURE_LIMIT and AXES_COOLOFF_MINUTES must be at least 1")
# The pair, not the address alone: a shared address (office, proxy) cannot lock everyone out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A lockout lasts AXES_COOLOFF_MINUTES from when it began: attempts while locked out (even with the right
# password) neither count nor restart the clock, or a script retrying would keep a member out for good.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# --- Email (password reset) --------------------------------------------------------
# Printed on the console unless an SMTP server is named: EMAIL_URL in django-environ's form
# (smtp+tls://user:password@host:587), or EMAIL_HOST with EMAIL_PORT, EMAIL_HOST_USER,
# EMAIL_HOST_PASSWORD and EMAIL_USE_TLS / EMAIL_USE_SSL.
if env.str("EMAIL_URL", default=""):
    _email = env.email_url("EMAIL_URL")
elif env.str("EMAIL_HOST", default=""):
    if not env.str("EMAIL_PORT", default="587").isdigit():
        raise environ.ImproperlyConfigured(f"EMAIL_PORT must be a port number, not {env.str('EMAIL_PORT')!r}")
    _email = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": env.str("EMAIL_HOST"),
        "EMAIL_PORT": env.int("EMAIL_PORT", default=587),
        "EMAIL_HOST_USER": env.str("EMAIL_HOST_USER", default=""),
        "EMAIL_HOST_PASSWORD": env.str("EMAIL_HOST_PASSWORD", default=""),
        "EMAIL_USE_TLS": env.bool("EMAIL_USE_TLS", default=True),
        "EMAIL_USE_SSL": env.bool("EMAIL_USE_SSL", default=False),
    }
else:
    _email = {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise environ.ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on (587 is TLS, 465 SSL)")
# A mail server that does not answer costs a bounded wait, not a web worker.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="moviesite <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A password-reset link works for this long (Django's default is three days).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 3600)

# --- API ---------------------------------------------------------------------------
_RATE = re.compile(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)")


def _throttle_rate(name: str, default: str) -> str | None:
    """A DRF rate such as "300/min" from the environment; "off" turns that throttle off (load tests)."""
    value = env.str(name, default=default).strip().lower()
    if value == "off":
        return None
    if not _RATE.fullmatch(value):
        raise environ.ImproperlyConfigured(f"{name} must look like 300/min (or be off), not {value!r}")
    return value


# Proxies in front of the site whose X-Forwarded-For is trusted to name the client for throttling.
# 0 uses the connection's address: with None DRF would trust a header any client can forge.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
if NUM_PROXIES < 0:
    raise environ.ImproperlyConfigured("NUM_PROXIES must be 0 or more")

REST_FRAMEWORK = {
    # Token first: DRF answers a missing or wrong credential with the first class's challenge, so callers
    # get 401 with `WWW-Authenticate: Token` (session authentication has no challenge: it made that a 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # DRF's parsers, the JSON one also refusing JSON nested too deep to parse (moviesite.parsers).
    "DEFAULT_PARSER_CLASSES": ["moviesite.parsers.JSONParser", "rest_framework.parsers.FormParser",
                               "rest_framework.parsers.MultiPartParser"],
    "DEFAULT_PAGINATION_CLASS": "moviesite.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Per client address (anonymous) or per user; generous, against runaway scripts rather than people.
    "DEFAULT_THROTTLE_CLASSES": [
        "moviesite.throttling.AnonRateThrottle",
        "moviesite.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": _throttle_rate("API_THROTTLE_ANON", "300/min"),
        "user": _throttle_rate("API_THROTTLE_USER", "1200/min"),
        # The token endpoint checks passwords: guesses are slowed here and locked out by django-axes.
        "token": _throttle_rate("API_THROTTLE_TOKEN", "10/min"),
    },
    "NUM_PROXIES": NUM_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "moviesite API",
    "DESCRIPTION": "Movies, your ratings and your personal recommendations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Staff-only operations are listed to staff alone (moviesite.api_schema), and every operation
    # documents the framework's own error answers (401, 404, 414, 429).
    "SERVE_PUBLIC": False,
    "DEFAULT_GENERATOR_CLASS": "moviesite.api_schema.SchemaGenerator",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "moviesite.api_schema.standard_error_responses"],
}

# --- Internationalisation and static files -----------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- Logging -----------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- TMDB (optional poster and overview enrichment) --------------------------------
# With no key, `manage.py enrich_tmdb` and its Celery task do nothing and pages show
# generated placeholder posters. TMDB_API_BASE can point at a local fake in tests.
TMDB_API_KEY = env.str("TMDB_API_KEY", default="")
TMDB_API_BASE = env.str("TMDB_API_BASE", default="https://api.themoviedb.org/3").rstrip("/")
TMDB_IMAGE_BASE = env.str("TMDB_IMAGE_BASE", default="https://image.tmdb.org/t/p/w342").rstrip("/")
# TMDB allows roughly 40-50 requests a second per IP; stay well below it.
TMDB_REQUESTS_PER_SECOND = env.float("TMDB_REQUESTS_PER_SECOND", default=20.0)
if TMDB_REQUESTS_PER_SECOND <= 0:
    raise environ.ImproperlyConfigured("TMDB_REQUESTS_PER_SECOND must be greater than 0")

# --- Content Security Policy (django-csp) ----------------------------------------------
# Scripts only from this site's own files (no inline script at all, so pages served from a cache need no
# fresh nonce); no plugins, no <base> tricks, no framing, forms post only here. Style *attributes* are allowed
# (style-src-attr): cards and bars set CSS custom properties and widths in markup, which cannot run code;
# <style> elements and stylesheets from elsewhere stay blocked. Posters may come from TMDB's image host.
_tmdb_images = re.match(r"https?://[^/]+", TMDB_IMAGE_BASE)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:", *([_tmdb_images.group(0)] if _tmdb_images else [])],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
