"""Settings for the Qingpu service-center portal, read from the environment (see README, 配置).

Embedded defaults (SQLite under var/, a filesystem Celery broker) let `make run` work on a bare
machine; DATABASE_URL / REDIS_URL switch to PostgreSQL and Redis, as tests and production do.
"""

from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key
from django.utils.translation import gettext_lazy as _

from .env import (
    email_settings,
    env_bool,
    env_int,
    env_list,
    env_str,
    env_timezone,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
# The district this installation serves: its district file, loaded after every migrate (centers.reference).
DISTRICT_FILE = Path(env_str("DISTRICT_FILE", str(BASE_DIR / "centers" / "reference" / "qingpu.json")))
if not DISTRICT_FILE.is_file():
    raise ImproperlyConfigured(f"DISTRICT_FILE: 找不到区数据文件 {DISTRICT_FILE}，请检查路径。")

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        # Django's own deployment check (security.W009) wants 50 characters with 5 different ones.
        if len(key) < 50 or len(set(key)) < 5:
            raise ImproperlyConfigured(
                "SECRET_KEY is shorter than 50 characters (or has fewer than 5 different ones); generate one "
                "with: python -c 'from django.core.management.utils import get_random_secret_key as g; print(g())'"
            )
        return key
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    # Development only: one random key per checkout, kept under var/ so sessions survive restarts.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "dev_secret_key"
    if not key_file.exists():
        key_file.write_text(get_random_secret_key(), encoding="utf-8")
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off")
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
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "simple_history",
    "csp",
    "core",
    "accounts",
    "centers",
    "staffing",
    "evaluations",
    "reports",
    "disclosure",
    "activities",
]

MIDDLEWARE = [
    "core.request_log.RequestLogMiddleware",  # first: its duration covers every other middleware
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.headers.NoStoreMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Chinese error pages: a lost database is a 503, a 404 never Django's technical page (core.errorpages)
    "core.errorpages.ErrorPageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.SessionIdleMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "core.input_guard.InputGuardMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "core.audit.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Holds a signed-in user at the step they owe: code, password change, two-factor enrolment.
    "accounts.middleware.LoginGateMiddleware",
    "core.middleware.JobDispatchNoticeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "accounts.superuser_audit.SuperuserAuditMiddleware",
    # AxesMiddleware must be last: it turns a lockout into the Chinese lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "qingpu_portal.urls"
WSGI_APPLICATION = "qingpu_portal.wsgi.application"
ASGI_APPLICATION = "qingpu_portal.asgi.application"

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
                "accounts.context_processors.role",
                "accounts.context_processors.security_notices",
                "centers.context_processors.district",
            ],
        },
    },
]

# Every form's widgets are drawn by Django's own Jinja2 form templates, the admin's by Django's engine
# (core.forms_renderer; core/tests/test_form_renderer.py compares the pages with Django's renderer).
FORM_RENDERER = "core.forms_renderer.PortalFormRenderer"

# --- Database -------------------------------------------------------------------------------------
DATABASE_URL = env_url(
    "DATABASE_URL",
    f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
    schemes={"sqlite", "postgres", "postgresql", "pgsql"},
)
SILENCED_SYSTEM_CHECKS = []
if DATABASE_URL.startswith("sqlite"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # a covering index's INCLUDE columns (centers_org_area_counts) are PostgreSQL's; SQLite builds the
    # plain index on its key columns, which is all it needs
    SILENCED_SYSTEM_CHECKS.append("models.W040")
# Persistent connections by default (a new PostgreSQL connection costs ~6 ms a request), checked before
# each request reuses one (CONN_HEALTH_CHECKS), so a restarted database costs no failed request.
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles a query whose estimated cost is high (an inflated estimate on a deep
    # page of 100,000 rows) and spends 0.3–0.8 s doing so for queries that run in milliseconds: off.
    DATABASES["default"]["OPTIONS"] = {"options": "-c jit=off"}
SQLITE_BUSY_TIMEOUT_SECONDS = env_int("SQLITE_BUSY_TIMEOUT_SECONDS", 60, minimum=1)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves a web process and two worker processes at once: WAL lets readers
    # and one writer work side by side, every transaction takes the write lock when it begins
    # (IMMEDIATE: no "database is locked" half-way through when a read turns into a write), and a
    # writer waits for the lock up to the busy timeout instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}; PRAGMA foreign_keys=ON;"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts, login security (网络安全等级保护 2级) ------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.PortalModelBackend",  # Django's, with the affiliation read with the user
    "guardian.backends.ObjectPermissionBackend",
]
# 等保二级 身份鉴别: ≥ 10 characters from ≥ 3 of upper/lower/digits/symbols; none of the last 5 again
# (the history validator also records every new password and restarts its age).
PASSWORD_HISTORY_SIZE = 5
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "accounts.validators.PasswordComplexityValidator",
        "OPTIONS": {"min_length": 10, "min_classes": 3},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {
        "NAME": "accounts.validators.PasswordHistoryValidator",
        "OPTIONS": {"history_size": PASSWORD_HISTORY_SIZE},
    },
]
# A password older than this many days must be changed at the next request (0 = never expires);
# a banner warns PASSWORD_EXPIRY_WARNING_DAYS before.
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90, minimum=0, maximum=3650)
PASSWORD_EXPIRY_WARNING_DAYS = 7
# Roles (accounts.roles.Role values) that must use the TOTP second factor; "none" for no role.
# Checked against the roles when the accounts app starts (accounts.apps).
TWO_FACTOR_ROLES = [r for r in env_list("TWO_FACTOR_ROLES", ["account_admin", "audit_admin"]) if r != "none"]
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "青浦区社会组织服务中心门户")
# Django's default hashers, plus the one for random one-time passwords (accounts/hashers.py says why).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "accounts.hashers.OneTimePasswordHasher",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30, minimum=1, maximum=24 * 60) * 60
# The 30 minutes count from the last request (an idle timeout): core.middleware.SessionIdleMiddleware
# moves the expiry on at most once a minute instead of saving the session on every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_TOUCH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 30, minimum=1)
# Lock a username from one address (等保二级: lock after repeated failures). Not the username alone:
# anyone could then lock `bureau` out by guessing; not the address alone: a street office behind one
# NAT address would be locked out by one person's typos. Each repeated lockout doubles the wait
# (accounts.lockout.cool_off).
AXES_COOLOFF_TIME = "accounts.lockout.cool_off"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # no guardian anonymous user row: the public sees only public pages

# --- Internationalisation --------------------------------------------------------------------------
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "zh-hans")
# The portal is Chinese: every page, message and document is written in it, none is translated.
LANGUAGES = [("zh-hans", _("简体中文"))]
if LANGUAGE_CODE not in {code for code, _name in LANGUAGES}:
    raise ImproperlyConfigured(f"LANGUAGE_CODE={LANGUAGE_CODE!r}: the portal is Chinese, use zh-hans")
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_timezone("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Nothing routes MEDIA_URL: uploaded and generated files are served only through permission-checked
# views (never as public URLs). It is set only because Django test servers expect a string.
MEDIA_URL = "/media-not-served/"
STORAGES = {
    "default": {
        "BACKEND": "core.storage.AtomicFileSystemStorage",  # temp file + link: never half a file
        "OPTIONS": {"location": MEDIA_ROOT},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Hashed file names (ManifestStaticFilesStorage) are served for 10 years with `immutable` (WhiteNoise's
# default for them); an unhashed name (a file asked for by its plain name) is cached for a day.
WHITENOISE_MAX_AGE = 0 if DEBUG else 24 * 3600
# The PDF reports' font, a cut of Noto Sans CJK SC made once by `manage.py build_report_fonts` (see
# reports/fonts.py). When the files are absent the reports use the full system font, only slower.
REPORTS_FONT_DIR = Path(env_str("REPORTS_FONT_DIR", str(VAR_DIR / "fonts")))
# Every report's document number (文号): {year} the cycle's year, {number} its place among the year's
# reports (the summary first, then the centers' reports, then the filing sheets).
REPORT_NUMBER_PATTERN = env_str("REPORT_NUMBER_PATTERN", "青民社评〔{year}〕第 {number:03d} 号")
try:
    REPORT_NUMBER_PATTERN.format(year=2026, number=1)
except (KeyError, IndexError, ValueError) as _exc:
    raise ImproperlyConfigured(
        f"REPORT_NUMBER_PATTERN={REPORT_NUMBER_PATTERN!r}: use {{year}} and {{number}} only, e.g. "
        "青民社评〔{year}〕第 {number:03d} 号"
    ) from None
# A red letterhead (红头: the issuer's name in red over a red rule) on every report.
REPORT_LETTERHEAD = env_bool("REPORT_LETTERHEAD", False)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024

# --- E-mail ---------------------------------------------------------------------------------------
globals().update(email_settings("EMAIL_URL", "console://"))
# A bare address gets the district's portal name as its display name (centers.selectors.sender_address).
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@localhost")

# --- Celery and jobs (core.jobs) --------------------------------------------------------------------
# Soft and hard time limits (seconds) per task kind: a render that hangs is stopped and reported.
JOB_TIME_LIMITS = {
    "quick": (
        env_int("JOB_QUICK_SOFT_SECONDS", 60, minimum=1),
        env_int("JOB_QUICK_HARD_SECONDS", 90, minimum=2),
    ),
    "report": (
        env_int("JOB_REPORT_SOFT_SECONDS", 300, minimum=1),
        env_int("JOB_REPORT_HARD_SECONDS", 360, minimum=2),
    ),
    "cycle": (
        env_int("JOB_CYCLE_SOFT_SECONDS", 900, minimum=1),
        env_int("JOB_CYCLE_HARD_SECONDS", 960, minimum=2),
    ),
}
for _kind, (_soft, _hard) in JOB_TIME_LIMITS.items():
    if _soft >= _hard:
        raise ImproperlyConfigured(
            f"JOB_{_kind.upper()}_SOFT_SECONDS must be below JOB_{_kind.upper()}_HARD_SECONDS"
        )
LONGEST_TASK_SECONDS = max(hard for _soft, hard in JOB_TIME_LIMITS.values())
# Database and broker errors: retried after base, 2×base, 4×base … seconds (capped), JOBS_RETRY_MAX times.
JOBS_RETRY_BACKOFF_SECONDS = env_int("JOBS_RETRY_BACKOFF_SECONDS", 10, minimum=1)
JOBS_RETRY_BACKOFF_MAX_SECONDS = env_int("JOBS_RETRY_BACKOFF_MAX_SECONDS", 300, minimum=1)
JOBS_RETRY_MAX = env_int("JOBS_RETRY_MAX", 8, minimum=0)
JOBS_ERROR_RETRY_SECONDS = env_int("JOBS_ERROR_RETRY_SECONDS", 5, minimum=0)  # other errors (renders: twice)
JOBS_DISPATCH_SECONDS = env_int("JOBS_DISPATCH_SECONDS", 5, minimum=1)  # outbox dispatcher (beat)
JOBS_BROKER_BACKOFF_SECONDS = env_int("JOBS_BROKER_BACKOFF_SECONDS", 5, minimum=0)
JOBS_SWEEP_SECONDS = env_int("JOBS_SWEEP_SECONDS", 60, minimum=1)  # sweeper (beat)
# A job with no heartbeat for this long is stale: longer than any task may run, so a live one never is.
JOBS_STALE_SECONDS = env_int("JOBS_STALE_SECONDS", LONGEST_TASK_SECONDS + 60, minimum=1)
JOBS_MAX_REQUEUES = env_int("JOBS_MAX_REQUEUES", 3, minimum=0)

REDIS_URL = env_url("REDIS_URL", None, schemes={"redis", "rediss"})
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # Redis hands an unacknowledged message to another worker after this long: longer than the longest
    # task and the longest retry countdown (both wait unacknowledged), or a running task would be
    # delivered twice. A worker killed outright is the sweeper's to recover, long before this.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": max(LONGEST_TASK_SECONDS, JOBS_RETRY_BACKOFF_MAX_SECONDS) + 120,
        "socket_connect_timeout": 3,
        "socket_timeout": 10,
    }
else:
    # Embedded broker: messages are files under var/celery, so the worker is still a separate process.
    _broker_dir = VAR_DIR / "celery" / "queue"
    _broker_dir.mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "celery" / "processed").mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "celery" / "control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "store_processed": False,
        # Exchange bindings (kombu's default is ./control, in whatever directory the process runs).
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None  # a worker waits for the broker instead of exiting
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "qingpu")
CELERY_TASK_IGNORE_RESULT = True  # outcomes live on core.Job rows, not in a result backend
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the message to be run again
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker child is replaced after this many tasks (memory a PDF layout leaves behind is returned).
CELERY_WORKER_MAX_TASKS_PER_CHILD = env_int("WORKER_MAX_TASKS_PER_CHILD", 50, minimum=1)
CELERY_TIMEZONE = TIME_ZONE
# Public holidays (ISO dates, comma-separated) that do not count as working days of a publicity period.
PUBLIC_HOLIDAYS = env_list("PUBLIC_HOLIDAYS", [])
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {
    # Reminders 7/3/1 days before the evaluation's deadlines and the bureau's overdue list; each is sent
    # once per recipient and deadline, so running it twice (or a restarted beat) sends nothing twice.
    "evaluations-reminders": {"task": "evaluations.tasks.send_reminders_task", "schedule": 6 * 60 * 60},
    # The publicity period (公示): a cycle whose period has ended becomes final (定稿); safe to run twice.
    "evaluations-publicity-close": {"task": "evaluations.tasks.close_publicity_task", "schedule": 60 * 60},
    # The audit trail: seal what after-commit sealing missed; archive and remove what is past retention.
    "audit-seal": {"task": "core.audit_tasks.seal_audit_chain_task", "schedule": 60},
    "audit-retention": {"task": "core.audit_tasks.audit_retention_task", "schedule": 24 * 60 * 60},
    # The outbox: what a broker outage left unsent is sent when the broker is back.
    "jobs-outbox-dispatch": {
        "task": "core.tasks.outbox_dispatch_task",
        "schedule": JOBS_DISPATCH_SECONDS,
        "options": {"expires": JOBS_DISPATCH_SECONDS * 2},
    },
    # Jobs whose heartbeat stopped (a worker killed mid-task): re-queued, or failed with a reason.
    "jobs-sweep": {
        "task": "core.tasks.jobs_sweep_task",
        "schedule": JOBS_SWEEP_SECONDS,
        "options": {"expires": JOBS_SWEEP_SECONDS * 2},
    },
}
CELERY_IMPORTS = ["core.audit_tasks"]
# API tokens end this many hours after they are issued (and on logout, password change, lockout).
API_TOKEN_HOURS = env_int("API_TOKEN_HOURS", 12, minimum=1, maximum=24 * 30)
# 网络安全法 第二十一条: network logs are kept at least six months; shorter is refused at start-up.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 365, minimum=180)
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 10, minimum=1)

# --- REST API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes an anonymous call a 401 (issue 14 §2), not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.GatedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "core.access.DeclaredAccess",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.StandardPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"token": "20/min"},
}
SPECTACULAR_SETTINGS = {
    # The title shown is the district's portal name + " API" (centers.api.schema); this is the fallback.
    "TITLE": "社会组织服务中心门户 API",
    "DESCRIPTION": "Service-center portal API (v1). 所有接口按对象权限过滤：无权访问的对象返回 404。",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "centers.api.schema.district_title_hook",
    ],
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"UserRoleEnum": "accounts.roles.ASSIGNABLE_ROLE_CHOICES"},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Security headers (production) ----------------------------------------------------------------
SECURE_HTTPS = env_bool("SECURE_HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_SSL_REDIRECT = SECURE_HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SECURE_HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
SECURE_HSTS_PRELOAD = SECURE_HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^livez$", r"^readyz$"]
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): the portal's own files only, and no inline script — the
# pages' few behaviours (confirmations, job progress) live in static/portal/*.js. Inline *style*
# attributes stay allowed (progress bars, table widths); they cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Permissions-Policy (django-permissions-policy): the portal uses no device feature.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}

# --- Portal ---------------------------------------------------------------------------------------
# The port `make run` serves on; an unset PORTAL_BASE_URL follows it (the PDF verification URL and the
# e-mail links then point where the portal really answers).
PORT = env_int("PORT", 8000, minimum=1, maximum=65535)
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", f"http://127.0.0.1:{PORT}").rstrip("/")
# The compliance engine (centers.rules) reads staffing figures through this selector (staffing app).
STAFFING_FIGURES_PROVIDER = "staffing.selectors.staffing_figures"
EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
IMPORT_MAX_BYTES = 10 * 1024 * 1024

# --- Operations: logs, backups, beat heartbeat --------------------------------------------------------
# Time-stamped lines with the request id and user (core.request_log); LOG_FORMAT=json for a log shipper.
LOG_FORMAT = env_str("LOG_FORMAT", "text")
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use text or json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "core.request_log.RequestContextFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(user)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(levelname)s %(name)s %(message)s %(request_id)s %(user)s",
            "timestamp": True,
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_context"]}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
# Celery's processes log through the same handler (time stamps, JSON when asked) instead of their own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Beat touches this file on every tick; `manage.py healthcheck beat` reads its age (core.beat).
CELERY_BEAT_SCHEDULER = "core.beat:HeartbeatScheduler"
BEAT_HEARTBEAT_FILE = Path(env_str("BEAT_HEARTBEAT_FILE", str(VAR_DIR / "beat-heartbeat")))
# Nightly `manage.py backup` archives (core.backup) and how many days they are kept.
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(VAR_DIR / "backups")))
BACKUP_KEEP_DAYS = env_int("BACKUP_KEEP_DAYS", 14, minimum=1)
CELERY_BEAT_SCHEDULE.update(
    {
        "core-nightly-backup": {
            "task": "core.tasks.nightly_backup_task",
            "schedule": crontab(hour=2, minute=30),  # CELERY_TIMEZONE, i.e. TIME_ZONE
        },
        # Compliance judged afresh every night (the current year is judged on today's date).
        "centers-compliance-nightly": {
            "task": "centers.tasks.compliance_nightly_task",
            "schedule": crontab(hour=1, minute=15),
        },
        # An import preview never confirmed within a day is deleted (core.backup.clean_abandoned_uploads).
        "core-clean-abandoned-uploads": {
            "task": "core.tasks.clean_abandoned_uploads_task",
            "schedule": 60 * 60,
        },
    }
)
