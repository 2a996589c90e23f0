"""Issue 16: the production defaults (persistent, checked connections; JIT off; static caching)."""

import subprocess
import sys

from .test_settings_strict import GOOD, ROOT


def test_production_defaults_keep_connections_checked_and_jit_off():
    import os

    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "DB_CONN_MAX_AGE"}
    }
    env.update(GOOD, DJANGO_SETTINGS_MODULE="qingpu_portal.settings")
    code = (
        "import django; django.setup(); from django.conf import settings as s; d = s.DATABASES['default'];"
        "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'], d['OPTIONS'], s.WHITENOISE_MAX_AGE,"
        " s.STORAGES['staticfiles']['BACKEND'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "60",
        "True",
        "{'options':",
        "'-c",
        "jit=off'}",
        "86400",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
    ]
