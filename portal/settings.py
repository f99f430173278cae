"""Settings for the disclosure portal, read from the environment (see .env.example)."""

import datetime as dt
import re
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A .env file beside manage.py is optional; real deployments pass the environment directly.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG and not env.bool("ALLOW_INSECURE_KEY", default=False):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Development and tests only: a fixed key is fine when nothing is served to the public.
    SECRET_KEY = "insecure-development-key-never-use-in-production-0123456789"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "portal.admin_apps.PortalAdminConfig",  # Django's admin, with a scoped view-on-site shortcut
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    # Sign-in throttling (django-axes) and the Content-Security-Policy header (django-csp).
    "axes",
    "csp",
    "mptt",
    "import_export",
    # The publication body's rich-text editor: only its static files (publications/editor.py).
    "django_prose_editor",
    "districts",
    "catalog",
    "guides",
    "workcalendar",
    "publications",
    "disclosure",
    "foi",
    "search",
    "outbox",
    # The provincial platform simulator: an app only so that manage.py finds
    # run_provincial_simulator; no product code imports it.
    "provincial_simulator",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # django-csp's middleware, plus the 500 page's own style hash (portal/csp.py).
    "portal.csp.PortalCSPMiddleware",
    # Before anything reads a body: an oversized upload is refused from its Content-Length.
    "portal.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages: a staff session idle too long is ended with a message on the login page.
    "portal.sessions.StaffSessionIdleMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"

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
                "portal.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (runserver, a worker, a sync) share the file: wait for locks instead of
    # failing; take the write lock when a transaction begins (IMMEDIATE), so that two writers
    # queue rather than deadlock upgrading read locks; and keep a write-ahead log, so readers
    # do not wait for a writer and a commit does not sync the disk (NORMAL is durable in WAL
    # mode but for the last transactions on power loss: the development and demo database).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked account or address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "districts.permissions.DivisionRoleBackend",
]

# 等保 2.0 password complexity: at least 10 characters from at least 3 of the 4 classes.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "portal.passwords.MinimumLengthValidator",  # Django's, message in Chinese
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "portal.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
# Our wording for Django's own admin and sign-in strings where its Chinese reads awkwardly
# (locale/zh_Hans/LC_MESSAGES/*.po; the compiled .mo files are committed).
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
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

REDIS_URL = env.str("REDIS_URL", default="")
# Seconds to wait for Redis (cache or broker) to accept a connection, and to answer, before
# taking it as down: a dead Redis must cost a request a moment, never the ~19 s of redis-py's and
# kombu's retries; a busy one must not be taken for dead.
REDIS_CONNECT_TIMEOUT = env.float("REDIS_CONNECT_TIMEOUT", default=0.5)
REDIS_TIMEOUT = env.float("REDIS_TIMEOUT", default=2.0)


def _next_database(url: str) -> str:
    """Return ``url`` on the next Redis database number (the cache's default beside the broker)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    number = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(number + 1) % 16}"))


if REDIS_URL:
    # The cache and the broker never share a database: the cache may evict (allkeys-lru), the
    # broker's queues must not. Production runs them as two Redis servers (docker-compose.yml).
    CACHE_URL = env.str("CACHE_URL", default="") or _next_database(REDIS_URL)
    CACHES = {
        "default": {
            # Django's Redis cache, whose failures degrade to misses (portal/cache_backend.py).
            "BACKEND": "portal.cache_backend.ResilientRedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="portal"),
            "OPTIONS": {
                "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
                "socket_timeout": REDIS_TIMEOUT,
                "BACKOFF_SECONDS": env.float("CACHE_BACKOFF_SECONDS", default=10.0),
            },
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHE_URL = ""
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    # Without a broker, tasks run in-process so that the embedded set-up needs nothing else.
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
# Nothing reads task results; without a result backend a dead Redis cannot block a hand-over.
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Hand-overs to the broker are short and tried twice at most; a message that does not get
# through stays in the outbox (outbox/services.py) and is delivered later.
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_CONNECT_TIMEOUT
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.1,
    "interval_max": 0.1,
}
# After a failed hand-over a process leaves the broker alone this long (pending messages wait
# for the deliverer instead of costing every request a timeout).
OUTBOX_BROKER_BACKOFF = env.float("OUTBOX_BROKER_BACKOFF", default=30.0)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 60 * 30
CELERY_TASK_SOFT_TIME_LIMIT = 60 * 25
# How often the beat looks for scheduled publications that are due (seconds).
PUBLICATION_RELEASE_INTERVAL = env.float("PUBLICATION_RELEASE_INTERVAL", default=20.0)
# 紧急发布: the office above reviews an urgent release within this many office hours, counted
# on the working-day calendar between OFFICE_HOURS_START and OFFICE_HOURS_END.
URGENT_REVIEW_WORKING_HOURS = env.float("URGENT_REVIEW_WORKING_HOURS", default=8.0)
OFFICE_HOURS_START = env.str("OFFICE_HOURS_START", default="09:00")
OFFICE_HOURS_END = env.str("OFFICE_HOURS_END", default="17:00")
# The daily digest of submissions waiting more than 3 working days, at REVIEW_DIGEST_HOUR.
CELERY_BEAT_SCHEDULE = {
    # 定时发布: what is due is released on the next run, so the lag stays under this interval
    # plus the run itself (measured by bench.release).
    "publications-release": {
        "task": "publications.tasks.release_scheduled",
        "schedule": PUBLICATION_RELEASE_INTERVAL,
    },
    "review-digest": {
        "task": "publications.tasks.send_review_digest",
        "schedule": crontab(hour=env.int("REVIEW_DIGEST_HOUR", default=8), minute=0),
    },
    # 依申请公开: due-soon and overdue requests, to the handling offices and the offices above.
    "foi-alerts": {
        "task": "foi.tasks.send_foi_alerts",
        "schedule": crontab(hour=env.int("REVIEW_DIGEST_HOUR", default=8), minute=5),
    },
    # Stored clocks age (a consultation's 15 working days run out): recompute the open ones.
    "foi-refresh": {
        "task": "foi.tasks.refresh_open_clocks",
        "schedule": crontab(hour=1, minute=15),
    },
    # Tasks that committed changes owe the broker, delivered if their first hand-over failed.
    "outbox-deliver": {"task": "outbox.tasks.deliver_outbox", "schedule": 60.0},
    "outbox-purge": {"task": "outbox.tasks.purge_outbox", "schedule": crontab(hour=4, minute=0)},
    # Uploaded workbooks that expired, were abandoned or lost their worker.
    "catalog-jobs-sweep": {
        "task": "catalog.tasks.sweep_catalog_jobs",
        "schedule": crontab(minute=17),
    },
    # The full guide sync from the provincial platform, nightly by default.
    "guides-sync": {
        "task": "guides.tasks.sync_guides",
        "schedule": crontab(
            hour=env.str("GUIDES_SYNC_HOUR", default="2"),
            minute=env.str("GUIDES_SYNC_MINUTE", default="30"),
        ),
        "kwargs": {"trigger": "schedule"},
    },
}
# How long Redis keeps a task that a worker took but never acknowledged (tasks are acknowledged
# late, so a killed worker's task goes back to the queue after this many seconds). It must
# exceed the longest task.
_VISIBILITY = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": _VISIBILITY,
    # Look for such tasks every few seconds (kombu's default is about every 100 s): a cheap
    # Redis range query, and a killed worker's sync is picked up soon after the timeout.
    "unacked_restore_interval": max(1, min(10, _VISIBILITY // 3)),
    "unacked_restore_throttle": 1,
    # A broker that does not answer is down: fail fast, the outbox keeps the message.
    "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
    # Above kombu's 1 s BRPOP poll, so that a worker's idle wait is not taken for a fault.
    "socket_timeout": max(REDIS_TIMEOUT, 2.0),
    "max_retries": 1,
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="政务公开平台 <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The provincial government-services platform (一体化平台) that service guides are synced from.
# The default is the simulator that `make run` starts; production sets the real address.
PROVINCIAL_BASE_URL = env.str("PROVINCIAL_BASE_URL", default="http://127.0.0.1:8765").rstrip("/")
# Where citizens open the platform's public guide pages ("我要办" when an item has no online
# address); the same host as the API unless the platform splits them.
PROVINCIAL_PUBLIC_URL = env.str("PROVINCIAL_PUBLIC_URL", default=PROVINCIAL_BASE_URL).rstrip("/")
PROVINCIAL_TIMEOUT = env.float("PROVINCIAL_TIMEOUT", default=20.0)  # seconds per request
PROVINCIAL_RETRIES = env.int("PROVINCIAL_RETRIES", default=4)  # after the first attempt
PROVINCIAL_BACKOFF = env.float("PROVINCIAL_BACKOFF", default=0.5)  # first backoff, seconds
PROVINCIAL_BACKOFF_MAX = env.float("PROVINCIAL_BACKOFF_MAX", default=8.0)
PROVINCIAL_CONCURRENCY = env.int("PROVINCIAL_CONCURRENCY", default=8)
PROVINCIAL_PAGE_SIZE = env.int("PROVINCIAL_PAGE_SIZE", default=100)
# A run gives up (keeping every guide as it was) after this many failed calls in a row.
PROVINCIAL_MAX_CONSECUTIVE_FAILURES = env.int("PROVINCIAL_MAX_CONSECUTIVE_FAILURES", default=30)
# A listing that would withdraw more than this share of the guides is taken as an upstream
# fault, not as cancellations: nothing is withdrawn and the run says so.
PROVINCIAL_MAX_WITHDRAW_SHARE = env.float("PROVINCIAL_MAX_WITHDRAW_SHARE", default=0.2)
# A running sync whose worker has not reported for this long is taken as dead and replaced.
PROVINCIAL_SYNC_STALE_SECONDS = env.int("PROVINCIAL_SYNC_STALE_SECONDS", default=600)

# Public pages are kept in the cache this many seconds (0: not cached); publishing drops the
# pages it changes at once, so this only bounds how long an unannounced change (a renamed item)
# can take to show.
PUBLIC_CACHE_SECONDS = env.int("PUBLIC_CACHE_SECONDS", default=600)

# Labels the whole site as holding demonstration data (set by `make run`; off in production).
DEMO_MODE = env.bool("DEMO_MODE", default=False)
SITE_NAME = env.str("SITE_NAME", default="长沙市基层政务公开标准目录平台")
# The site's identity, shown in every page's footer as 《政府网站发展指引》 (国办发〔2017〕47号)
# asks: 主办/承办单位, contact, 网站标识码, ICP and 公安机关 filings (each linked to the
# register), the 党政机关网站标识 (its certificate link and image, from the 机构编制 authority).
# Empty values are left out of the footer; outside demo mode a system check warns about them.
SITE_SPONSOR = env.str("SITE_SPONSOR", default="长沙市人民政府办公厅")
SITE_OPERATOR = env.str("SITE_OPERATOR", default="")
SITE_ADDRESS = env.str("SITE_ADDRESS", default="")
SITE_POSTCODE = env.str("SITE_POSTCODE", default="")
SITE_PHONE = env.str("SITE_PHONE", default="")
SITE_EMAIL = env.str("SITE_EMAIL", default="")
SITE_ID_CODE = env.str("SITE_ID_CODE", default="")
SITE_ICP = env.str("SITE_ICP", default="")
SITE_ICP_URL = env.str("SITE_ICP_URL", default="https://beian.miit.gov.cn/")
SITE_PSB = env.str("SITE_PSB", default="")
# {code}: the digits of SITE_PSB (湘公网安备43010202000001号 → 43010202000001).
SITE_PSB_URL = env.str(
    "SITE_PSB_URL", default="https://www.beian.gov.cn/portal/registerSystemInfo?recordcode={code}"
)
SITE_GOV_MARK_URL = env.str("SITE_GOV_MARK_URL", default="")
SITE_GOV_MARK_IMAGE = env.str("SITE_GOV_MARK_IMAGE", default="")
# Publication attachments: the largest file accepted, checked by the upload itself.
PUBLICATION_ATTACHMENT_MAX_BYTES = env.int(
    "PUBLICATION_ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024
)
# The address staff reach the portal at; e-mails link to it.
# 索引号 of a publication: the national 目录系统 format by default, the publisher's
# organisation code (Division.org_code; its division code while none is entered), a slash, the
# year of first publication, a hyphen and a 5-digit serial per publisher and year
# (000014349/2026-00123). Placeholders: {org}, {year}, {serial} (with a format spec).
PUBLICATION_INDEX_FORMAT = env.str("PUBLICATION_INDEX_FORMAT", default="{org}/{year}-{serial:05d}")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

LOGIN_URL = "admin:login"

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# -- Sign-in and browser security --------------------------------------------------------------
# The staff admin's path, e.g. "gkml-staff/": no leading slash, one trailing slash.
ADMIN_URL = env.str("ADMIN_URL", default="admin/")
if not re.fullmatch(r"(?:[A-Za-z0-9_~-][A-Za-z0-9._~-]*/)+", ADMIN_URL):
    raise ImproperlyConfigured(
        f"ADMIN_URL must be a relative path ending with a slash, like 'admin/' (got {ADMIN_URL!r})."
    )

# Sign-in throttling (等保 2.0 登录失败处理) with django-axes. An account is locked after
# LOGIN_FAILURE_LIMIT failed sign-ins, whatever address they came from; an address after
# LOGIN_ADDRESS_FAILURE_LIMIT, whatever accounts they named (more than an account's, because an
# office's staff usually share one NAT address). Either lock lasts LOGIN_LOCKOUT_MINUTES after
# the failure that set it; failures while locked are refused without being counted, so a locked
# client cannot keep itself locked. The city's administrators lift locks early (登录锁定).
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=20)
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=30)
if min(LOGIN_FAILURE_LIMIT, LOGIN_ADDRESS_FAILURE_LIMIT, LOGIN_LOCKOUT_MINUTES) < 1:
    raise ImproperlyConfigured(
        "LOGIN_FAILURE_LIMIT, LOGIN_ADDRESS_FAILURE_LIMIT and LOGIN_LOCKOUT_MINUTES must be >= 1."
    )
# How many reverse proxies in front of the portal append to X-Forwarded-For. 0 (the default):
# the header is ignored and the connection's address counts, so a client cannot pick its own.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_HANDLER = "portal.login_security.LockoutHandler"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = dt.timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
# Account and address each lock on their own; LockoutHandler relies on this order.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "portal.login_security.client_ip"
AXES_LOCKOUT_CALLABLE = "portal.login_security.lockout_response"
# Each counted failure is kept for the audit trail (axes keeps the last 1,000 per account);
# attempts refused while locked are logged by portal.login_security.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# The city's administrators see locks on their own page (登录锁定), not axes' raw tables.
AXES_ENABLE_ADMIN = False

# A staff session ends after STAFF_SESSION_IDLE_MINUTES without a request, and when the browser
# closes (the cookie has no expiry date).
STAFF_SESSION_IDLE_MINUTES = env.int("STAFF_SESSION_IDLE_MINUTES", default=30)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Content-Security-Policy on every response (django-csp): scripts and styles only from the
# portal's own static files, no inline script, style block or style attribute, no plugins, and
# no framing. The 500 page, which must not depend on static files, adds its style's hash.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF],
        "style-src": [CSP_SELF],
        "img-src": [CSP_SELF],
        "object-src": [CSP_NONE],
        "base-uri": [CSP_SELF],
        "frame-ancestors": [CSP_NONE],
        "form-action": [CSP_SELF],
    }
}

IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_USE_TRANSACTIONS = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # httpx logs every request at INFO: a guide sync makes over a thousand of them.
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}

# Reference data shipped with the project (copied from the shared reference, with sources).
FIXTURES_DIR = BASE_DIR / "fixtures"
# The demo city's reference catalog (load_demo_data): one CSV per domain.
DEMO_CATALOG_DIR = Path(
    env.str("DEMO_CATALOG_DIR", default=str(FIXTURES_DIR / "reference_catalog"))
)
# Exports open in spreadsheet programs: neutralise cells that would run as formulas.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
# Export is allowed to whoever may view the rows (and only the rows in their scope).
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

# The largest catalog workbook accepted for import, in bytes (default 64 MiB: a 100,000-line
# workbook is about a third of that).
CATALOG_IMPORT_MAX_BYTES = env.int("CATALOG_IMPORT_MAX_BYTES", default=64 * 2**20)
# Uploaded workbooks wait here (never a public folder) while their preview waits for
# confirmation; web and worker processes must share it. Unconfirmed previews expire after
# CATALOG_IMPORT_KEEP_HOURS (an hourly sweep removes them and any file no job names).
PRIVATE_ROOT = Path(env.str("PRIVATE_ROOT", default=str(BASE_DIR / "private")))
CATALOG_IMPORT_DIR = PRIVATE_ROOT / "catalog-imports"
CATALOG_IMPORT_KEEP_HOURS = env.int("CATALOG_IMPORT_KEEP_HOURS", default=24)
# The largest request body accepted, checked from Content-Length before anything reads it
# (portal.middleware): the catalog import URL allows CATALOG_IMPORT_MAX_BYTES plus its form,
# every other URL UPLOAD_MAX_REQUEST_BYTES (publications carry several attachments).
UPLOAD_MAX_REQUEST_BYTES = env.int("UPLOAD_MAX_REQUEST_BYTES", default=110 * 2**20)

# 依申请公开 (foi). Applicants' identity numbers are encrypted with FOI_ID_KEY (32 bytes,
# urlsafe base64, e.g. from `python -c "import base64,os;print(base64.urlsafe_b64encode(
# os.urandom(32)).decode())"`); unset, a key is derived from SECRET_KEY, and a system check
# warns outside DEBUG that rotating SECRET_KEY would then make them unreadable.
FOI_ID_KEY = env.str("FOI_ID_KEY", default="")
# The public form accepts at most this many requests a day from one address, and from one
# applicant (by identity number); past them it asks the applicant to come back tomorrow.
FOI_DAILY_LIMIT_PER_ADDRESS = env.int("FOI_DAILY_LIMIT_PER_ADDRESS", default=5)
FOI_DAILY_LIMIT_PER_APPLICANT = env.int("FOI_DAILY_LIMIT_PER_APPLICANT", default=3)
# Reply letters carry personal data: they are kept outside MEDIA_ROOT and served only to the
# handling office and to the applicant who opened the request's status page.
FOI_LETTER_DIR = PRIVATE_ROOT / "foi-letters"
