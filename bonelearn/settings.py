"""BoneLearn settings: one module; what differs between machines comes from the environment."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# The fallback key only exists so a fresh clone runs; `check --deploy` flags it, and
# production sets SECRET_KEY.
SECRET_KEY = (
    os.environ.get("SECRET_KEY") or "django-insecure-bonelearn-development-key-not-for-production"
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "import_export",
    "axes",
    "simple_history",
    "csp",
    "quizzes.core",
    "quizzes.content",
    "quizzes.review",
    "quizzes.training",
    "quizzes.insights",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check, which would read an unreadable form first (and 500 on its 400 page).
    "quizzes.core.middleware.UnreadableRequestMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Records who made each change in a card's history (django-simple-history).
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes must come last so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "bonelearn.urls"

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
                # "Study now (N due)" in the navigation; the browser's time zone on a first visit.
                "quizzes.review.context_processors.review",
            ],
        },
    },
]

WSGI_APPLICATION = "bonelearn.wsgi.application"

# SQLite by default (file in the ignored var/ folder); DATABASE_URL selects PostgreSQL.
DEFAULT_SQLITE_PATH = BASE_DIR / "var" / "bonelearn.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters bound by the server let psycopg prepare a statement after it ran a few times on
    # a connection, so PostgreSQL stops parsing and planning the review screen's statements on
    # every request (half its CPU per answer, see README "Load benchmark"). A transaction-mode
    # connection pooler such as PgBouncer cannot keep prepared statements: set
    # DATABASE_PREPARE_THRESHOLD=off behind one.
    prepare_threshold = os.environ.get("DATABASE_PREPARE_THRESHOLD", "5").strip().lower()
    DATABASES["default"]["OPTIONS"] = {
        "server_side_binding": True,
        "prepare_threshold": None if prepare_threshold == "off" else int(prepare_threshold),
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Kept open like PostgreSQL's (CONN_MAX_AGE): opening the file and running the pragmas below
    # on every request cost about a millisecond of CPU per request.
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at BEGIN,
        # so two concurrent writers queue on the busy timeout instead of failing mid-transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

# A table in the same database: shared by every worker and server, nothing else to run. It keeps
# the cohort-wide figures of the instructor dashboard a few minutes (insights.selectors.remembered);
# the table is created by migration insights 0002.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "bonelearn_cache",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    }
}
# Several app servers behind a load balancer: with REDIS_URL set, the cache lives in Redis
# (Django's built-in backend) and sessions are read from it (cached_db: written to the database
# too, so a Redis restart signs nobody out). CACHE_KEY_PREFIX keeps two sites sharing one Redis
# apart.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "bonelearn"),
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
# Learners with training to do land on My training, others on Topics (training.views.pages).
LOGIN_REDIRECT_URL = "training:after_login"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after two weeks of inactivity (each request renews them) and when the browser closes
# on a shared ward computer is a choice left to the browser.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(60 * 60 * 24 * 14)))
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True

# Brute-force protection: lock a username+address after repeated failures, then let it cool off.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"


def axes_username(request, credentials=None):
    """The username axes records, cut to its 255-character column: a longer one (never a real
    username) made the insert fail on PostgreSQL, turning a wrong log-in into a server error."""
    source = credentials if credentials else getattr(request, "POST", {})
    username = source.get("username")
    return username[:255] if isinstance(username, str) else username


AXES_USERNAME_CALLABLE = axes_username

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files need `collectstatic`; production runs it, development does not.
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Production hardening follows DEBUG unless the environment says otherwise (e.g. a local benchmark
# over plain HTTP sets SECURE_SSL_REDIRECT=0).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Editorial workflow (issue 14). Publishing a card needs a second instructor's sign-off wherever
# two instructors hold the sign-off permission; off lets a lone author publish their own card.
BONELEARN_SECOND_SIGNOFF = env_bool("BONELEARN_SECOND_SIGNOFF", True)
# "Report a problem": at most this many reports per learner per hour (see quizzes.content
# .services.reports for why).
BONELEARN_REPORTS_PER_HOUR = int(os.environ.get("BONELEARN_REPORTS_PER_HOUR", "10"))
# A card's history is read-only: going back to an old wording is an edit, which needs a sign-off.
SIMPLE_HISTORY_REVERT_DISABLED = True

# --- Training: certificates and reminder emails (README, "Training modules") -----------------
# The organisation named on every certificate issued from now on (issued ones keep theirs).
BONELEARN_CERTIFICATE_ISSUER = os.environ.get("BONELEARN_CERTIFICATE_ISSUER", "BoneLearn")
# The address links in emails and the certificates' QR codes point to; empty: the request's host.
BONELEARN_SITE_URL = os.environ.get("BONELEARN_SITE_URL", "").rstrip("/")
# Learners are reminded this many days before a module is due (and once when it is overdue).
BONELEARN_REMINDER_DAYS_BEFORE = int(os.environ.get("BONELEARN_REMINDER_DAYS_BEFORE", "3"))
# Public certificate checks allowed per client address per 10 minutes (then 429).
BONELEARN_VERIFY_LIMIT = int(os.environ.get("BONELEARN_VERIFY_LIMIT", "30"))

# Email: printed to the console under `make run` (DEBUG); SMTP from the environment otherwise.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "BoneLearn <bonelearn@localhost>")

# Card CSV previews wait in the shared cache under a random key for an hour, never in a file named
# by the browser (quizzes.content.services.import_previews); confirming imports them once.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "quizzes.content.services.import_previews.PreviewStorage"

# Content-Security-Policy (django-csp): scripts, styles, images, fonts and requests from this site
# only, and no inline script, style attribute or <style> anywhere (JS in static files with event
# listeners and data- attributes, CSS in the stylesheets); no page may be framed. The browser
# journeys fail on any violation (tests/e2e/conftest.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
    }
}
