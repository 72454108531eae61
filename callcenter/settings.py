"""Callcenter settings: one module, read from the environment (see .env.example)."""
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    return env(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=True)
DEV_SECRET_KEY = "dev-insecure-callcenter-secret-key-change-me"
SECRET_KEY = env("SECRET_KEY", DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 32):
    # A production process must never sign sessions and JWTs with a guessable key.
    raise ImproperlyConfigured("DEBUG=0 needs SECRET_KEY set to a random value of 32 characters or more.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000" if DEBUG else "")
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# Front ends served from another origin (the original dashboards) that may call the API by full URL
# and connect to /socket.io/. They send a Bearer token, not cookies: no credentials are allowed.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/(api|health)(/|$)"
CORS_EXPOSE_HEADERS = ["X-Total-Count", "Retry-After"]

TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN")
# How the calls app hangs up and places calls; tests swap in a recorder.
CALL_HANGUP_FUNCTION = "voice.twilio.hang_up"

INSTALLED_APPS = [
    "daphne",
    "callcenter.apps.AdminConfig",  # django.contrib.admin with the login limit (callcenter.sites.AdminSite)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_yasg",
    "channels",
    "callcenter",
    "store",
    "calls",
    "voice",
    "dashboard",
]

MIDDLEWARE = [
    # First: a preflight (OPTIONS) is answered here, before authentication could refuse it.
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "callcenter.middleware.RejectNulBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "callcenter.middleware.ContentSecurityPolicyMiddleware",
]
# Django 6's setting (5.2 has none; callcenter.middleware sends it). The pages run only their own
# static scripts and styles; recordings may come from Twilio or a bot's storage (https).
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "media-src": ["'self'", "https:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

ROOT_URLCONF = "callcenter.urls"
ASGI_APPLICATION = "callcenter.asgi.application"
WSGI_APPLICATION = "callcenter.wsgi.application"
AUTH_USER_MODEL = "callcenter.User"
# Every sign-in path (API, pages, admin, simplejwt) goes through authenticate(): the failed-login limit lives there.
AUTHENTICATION_BACKENDS = ["callcenter.auth.LimitedModelBackend"]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
# Paths answer with and without a trailing slash; the URL patterns take care of it.
APPEND_SLASH = False

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

DATABASES = {"default": dj_database_url.parse(env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Daphne serves from threads: WAL plus immediate transactions avoid "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif env_bool("DB_POOL", default=False):
    # Under ASGI persistent connections leak; psycopg's pool (one per process) is the fix.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {"pool": {"min_size": 2, "max_size": int(env("DB_POOL_SIZE", "10"))}}
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME") or None}
# PostgreSQL: a voice turn's transcript lines commit without waiting for the disk's flush
# (`synchronous_commit = off` for that transaction): a crash of the database server may lose
# the last fraction of a second of them, never corrupt anything. 1 makes them wait, as all else does.
VOICE_DURABLE_COMMIT = env_bool("VOICE_DURABLE_COMMIT", default=False)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

def redis_channel_layers(url: str) -> dict:
    """CHANNEL_LAYERS for a Redis at `url` (tests point it at a Redis of their own)."""
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError

    host = {
        "address": url,
        # redis-py 8 reads with a 5 s socket timeout by default, the length of channels-redis's
        # blocking pop: every idle socket would crash (1011) after 5 s. Reads get 10 s.
        "socket_timeout": 10,
        "socket_connect_timeout": 2,
        # After a Redis restart each connection its pool kept fails once ("Connection closed by
        # server"): tried again at once on a fresh one, instead of losing that event or that connect.
        "retry_on_error": [RedisConnectionError],
        "retry": Retry(NoBackoff(), 1),
    }
    return {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [host], "capacity": 500, "expiry": 30}}}


def redis_caches(url: str) -> dict:
    """CACHES for a Redis at `url`: Django's Redis cache with one client and pool per process, failing open."""
    from redis.backoff import NoBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.retry import Retry

    # A hung Redis holds a request at most a second, once a second (then it counts in-process).
    options = {"socket_connect_timeout": 1, "socket_timeout": 1, "retry_on_error": [RedisConnectionError], "retry": Retry(NoBackoff(), 1)}
    return {"default": {"BACKEND": "callcenter.cache.RedisCache", "LOCATION": url, "OPTIONS": options}}


REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = redis_channel_layers(REDIS_URL)
    # Throttle counters must be shared by every worker process.
    CACHES = redis_caches(REDIS_URL)
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# Reverse proxies in front that append to X-Forwarded-For: 0 trusts no X-Forwarded-For at all, N takes
# the Nth address from the right (callcenter.addresses.client_address, the one rule for every use).
NUM_PROXIES = int(env("NUM_PROXIES", "0"))
if NUM_PROXIES < 0:
    raise ImproperlyConfigured("NUM_PROXIES is the number of reverse proxies in front: 0 or more.")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "callcenter.auth.ApiKeyAuthentication",
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["callcenter.permissions.IsStaffUser"],
    "DEFAULT_THROTTLE_CLASSES": [
        "callcenter.throttles.AnonThrottle",
        "callcenter.throttles.BotKeyThrottle",
        "callcenter.throttles.PersonThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        # A bot PATCHes every turn of every live call: 50 simultaneous calls at a turn a
        # second is 3,000 a minute, so one key gets well above that.
        "anon": env("THROTTLE_ANON", "120/min"),
        "bot": env("THROTTLE_BOT", "12000/min"),
        "person": env("THROTTLE_PERSON", "3000/min"),
    },
    "EXCEPTION_HANDLER": "callcenter.errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "callcenter.parsers.StorableJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # The browsable API only while developing: in production it is a second UI with forms for every endpoint.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer", *(["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else [])],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "NUM_PROXIES": NUM_PROXIES,
}
# Failed logins: this many per username and client address in the window, then 429.
LOGIN_FAILURE_LIMIT = int(env("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_WINDOW = int(env("LOGIN_FAILURE_WINDOW", "300"))

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=60),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=7),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "TOKEN_REFRESH_SERIALIZER": "callcenter.serializers.TokenRefreshSerializer",
}

# drf-yasg's renderer formats are `json`/`yaml` (no dot): the swagger.<format> URL captures them so.
SWAGGER_USE_COMPAT_RENDERERS = False
SWAGGER_SETTINGS = {
    "DEFAULT_AUTO_SCHEMA_CLASS": "callcenter.schema.AutoSchema",
    "USE_SESSION_AUTH": True,
    "LOGIN_URL": "/admin/login/",
    "LOGOUT_URL": "/admin/logout/",
    "SECURITY_DEFINITIONS": {
        "Bearer": {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Bearer <JWT access token>` for people, or `Bearer <store API key>` for bots.",
        },
        "ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "A store's bot API key."},
    },
}

# Bodies: a transcript append carries at most 64 KB (checked in the view); anything
# much larger is refused before it is parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# A load balancer probes health over plain HTTP: it must get the answer, not a redirect.
SECURE_REDIRECT_EXEMPT = [r"^api/health/?$", r"^health/?$"]
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    if NUM_PROXIES:
        # Only a proxy of ours says the request came over HTTPS; without one the header is the client's.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
