"""Settings for the test suite: PostgreSQL, Redis and a private Celery queue per run.

Values come from the environment like everywhere else; these are only the defaults `make test` and a
bare `pytest` use. The Celery worker started by the tests reads the same module.
"""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/qingpu_portal")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECURE_HTTPS", "false")
os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")
os.environ.setdefault("EMAIL_URL", "locmem://")
os.environ.setdefault("WORKER_HEARTBEAT_SECONDS", "1")
# Tests open and close a connection per request as before (the production default is 60 s).
os.environ.setdefault("DB_CONN_MAX_AGE", "0")
os.environ.setdefault("DEMO_PASSWORD", "Test2026password")  # core.testing.TEST_PASSWORD
os.environ.setdefault("CELERY_QUEUE", f"test-{os.getpid()}")
# Under pytest-xdist (`make test` runs two processes) each process gets its own Redis database, so one
# process's health check never sees the other's worker and outbox tests never read its messages. The
# worker a process starts inherits the adjusted URL (and the marker, so it is not adjusted twice).
_xdist = os.environ.get("PYTEST_XDIST_WORKER", "")
if _xdist.startswith("gw") and not os.environ.get("QP_XDIST_REDIS"):
    _base, _, _db = os.environ["REDIS_URL"].rpartition("/")
    _db = int(_db) if _db.isdigit() else 0
    os.environ["REDIS_URL"] = f"{_base}/{(_db - int(_xdist[2:])) % 16}"
    os.environ["QP_XDIST_REDIS"] = "1"
# (one folder per xdist process: backups, the beat's heartbeat and media are never shared)
os.environ.setdefault(
    "VAR_DIR", os.path.join(os.path.dirname(os.path.dirname(__file__)), "var", "test", _xdist or "main")
)
# The report font is built once per checkout (`manage.py build_report_fonts`, run by make) and shared.
os.environ.setdefault(
    "REPORTS_FONT_DIR", os.path.join(os.path.dirname(os.path.dirname(__file__)), "var", "fonts")
)
os.environ.setdefault(
    "MEDIA_ROOT", os.path.join(os.environ["VAR_DIR"], f"media-{os.environ['CELERY_QUEUE']}")
)
# pytest-playwright runs an event loop in the test thread; Django's live_server and ORM calls from the
# test body are then flagged as async-unsafe although they are synchronous. Safe in tests only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from .settings import *  # noqa: E402,F403

# fast; production keeps PBKDF2 (the one-time-password hasher is listed so accounts can name it)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", "accounts.hashers.OneTimePasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - whitenoise warns when it is missing
AXES_ENABLED = True
