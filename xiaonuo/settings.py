"""The one settings module. Every knob is an environment variable, documented in README.md.

Order: defaults computed from the environment first, then values derived from them. No code
below the derived section, and no per-environment settings files (tests override a handful of
values in ``test_settings.py``).
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from xiaonuo.lib.env import env_bool, env_choice, env_int, env_list, env_path, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# --- From the environment -------------------------------------------------------------------
DEBUG = env_bool("DEBUG", False)
DATA_DIR = env_path("XIAONUO_DATA_DIR", BASE_DIR / "var")
SECRET_KEY = env_str("SECRET_KEY")
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'xiaonuo.sqlite3'}")
REDIS_URL = env_str("REDIS_URL")
# Two installs sharing one Redis keep their jobs apart by name (tests use a unique one each).
QUEUE_NAME = env_str("XIAONUO_QUEUE_NAME", "xiaonuo")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
ANALYTICS_ENGINE = env_choice("ANALYTICS_ENGINE", "duckdb", ("duckdb", "spark", "postgres"))
WEB_CONCURRENCY = env_int("WEB_CONCURRENCY", 2, minimum=1)
SECURE_COOKIES = env_bool("SECURE_COOKIES", False)
# Webhook targets must resolve to public addresses (SSRF); an install whose receivers live on its
# own private network turns this on (docs/decisions/0009-webhooks.md).
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env_bool("XIAONUO_WEBHOOKS_ALLOW_PRIVATE", False)
# WeChat's Official Account API (tests point it at a local stand-in), and how long a WeChat callback
# waits for auto-reply's answer before answering "success" and sending it later through the
# customer-service API (WeChat gives up on a callback after 5 s; docs/wechat.md).
WECHAT_API_BASE = env_str("XIAONUO_WECHAT_API_BASE", "https://api.weixin.qq.com").rstrip("/")
WECHAT_REPLY_BUDGET_MS = env_int("XIAONUO_WECHAT_REPLY_BUDGET_MS", 4000, minimum=0)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "xiaonuo@localhost")
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
LANGUAGE_CODE = env_choice("LANGUAGE_CODE", "zh-hans", ("zh-hans", "en"))

# --- Derived --------------------------------------------------------------------------------
DATA_DIR.mkdir(parents=True, exist_ok=True)
(DATA_DIR / "static").mkdir(exist_ok=True)  # collectstatic fills it; whitenoise wants it to exist
if not SECRET_KEY:
    if not DEBUG and env_bool("XIAONUO_REQUIRE_SECRET_KEY", False):
        raise ImproperlyConfigured("SECRET_KEY must be set in production")
    # An embedded install keeps a generated key beside its data, so sessions survive restarts
    # without anyone having to invent a secret. Production sets SECRET_KEY explicitly.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        import secrets

        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    SECRET_KEY = key_file.read_text().strip()

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "huey.contrib.djhuey",
    "ninja",  # serves its bundled Swagger UI at /api/v1/docs instead of loading it from a CDN
    "xiaonuo.accounts",
    "xiaonuo.customers",
    "xiaonuo.events",
    "xiaonuo.channels",
    "xiaonuo.nlp",
    "xiaonuo.desk",
    "xiaonuo.desk.sla",  # sub-apps of the desk: models, migrations and catalogues of their own
    "xiaonuo.desk.surveys",
    "xiaonuo.desk.search",
    "xiaonuo.autoreply",
    "xiaonuo.feedback",
    "xiaonuo.analytics",
    "xiaonuo.console",
    "xiaonuo.demo",  # `xiaonuo init` and `xiaonuo demo`; top of the layer order
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "xiaonuo.accounts.middleware.CurrentWorkspaceMiddleware",
]

AUTH_USER_MODEL = "accounts.User"
ROOT_URLCONF = "xiaonuo.urls"
WSGI_APPLICATION = "xiaonuo.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "xiaonuo" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "xiaonuo.console.context.console",
            ],
        },
    }
]

DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the console read while the events API writes; IMMEDIATE avoids the
        # "database is locked" upgrade deadlock between two writers.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
            " PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
            # Checkpoint every ~40 MB of log instead of ~4 MB: a batch of 1,000 events dirties
            # about 2,000 index pages, and pages written by several batches are copied back
            # once instead of once per batch (+10–25 % on the track API). Durability is the
            # same kind: with synchronous=NORMAL the log reaches the disk at checkpoints and when
            # the OS flushes it, so a power cut can lose recent commits either way; a crash of
            # the process loses nothing.
            " PRAGMA wal_autocheckpoint=10000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    # Connections are kept (conn_max_age above) on SQLite too: in WAL mode the last connection
    # to close checkpoints the whole log, which cost a third of every API request when each
    # request closed its own. gunicorn's sync workers use one connection per process.
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = (
    {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    if REDIS_URL
    else {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
)

# Background jobs: Huey on SQLite next to the data for one machine, Redis for many workers.
# See docs/decisions/0002-background-jobs.md.
HUEY = {
    "name": QUEUE_NAME,
    "immediate": False,
    "consumer": {"workers": 2, "worker_type": "thread", "periodic": True},
}
if REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": REDIS_URL})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(DATA_DIR / "queue.sqlite3")})

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "console:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

USE_I18N = True
USE_TZ = True
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "xiaonuo" / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "xiaonuo" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"
# The event lake's Parquet files (events.lake); issue 6 adds object storage through fsspec.
LAKE_DIR = DATA_DIR / "lake"
# Compacted events stay in the tail table this long, so a damaged lake file can be rebuilt.
TAIL_RETENTION_DAYS = env_int("XIAONUO_TAIL_RETENTION_DAYS", 7, minimum=0)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024  # a batch of 1,000 events with properties

SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # The worker (run_huey) gives huey's logger a handler of its own; without this every
        # job line would print twice.
        "huey": {"level": "INFO", "propagate": False},
        # httpx logs every request's full URL at INFO, and WeChat's API takes the AppSecret and
        # the access token in the query string: keep them out of the logs.
        "httpx": {"level": "WARNING"},
    },
}

# Reactions across apps, dispatched by xiaonuo.lib.dispatch; see xiaonuo/listeners.py.
XIAONUO_LISTENERS_MODULE = "xiaonuo.listeners"
