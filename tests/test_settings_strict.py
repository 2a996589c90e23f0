"""Settings refuse bad values at start-up, naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-random-secret-key-for-this-test-only-0123456789",
    "ALLOWED_HOSTS": "portal.example.cn",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x",
}


def load_settings(**overrides):
    env = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"}
    }
    env.update(GOOD)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    env["DJANGO_SETTINGS_MODULE"] = "qingpu_portal.settings"
    code = "import django; django.setup(); from django.conf import settings; print('TZ=' + settings.TIME_ZONE, 'LANG=' + settings.LANGUAGE_CODE)"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_it_starts_with_good_values_and_chinese_shanghai_defaults():
    result = load_settings(TIME_ZONE=None, LANGUAGE_CODE=None)
    assert result.returncode == 0, result.stderr
    assert "TZ=Asia/Shanghai LANG=zh-hans" in result.stdout


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY must be set when DEBUG is off"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY is shorter than 50"),
        ({"SECRET_KEY": "x" * 60}, "fewer than 5 different"),
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        (
            {"DATABASE_URL": "mysql://root@localhost/x"},
            "DATABASE_URL='mysql://root@localhost/x': scheme must be",
        ),
        ({"REDIS_URL": "http://127.0.0.1:6379"}, "REDIS_URL='http://127.0.0.1:6379': scheme must be"),
        ({"EMAIL_URL": "pigeon://loft"}, "EMAIL_URL='pigeon://loft': scheme must be"),
        ({"TIME_ZONE": "Mars/Olympus"}, "TIME_ZONE='Mars/Olympus' is not a known time zone"),
        ({"LANGUAGE_CODE": "fr"}, "LANGUAGE_CODE='fr': the portal is Chinese, use zh-hans"),
        ({"LANGUAGE_CODE": "en"}, "LANGUAGE_CODE='en': the portal is Chinese, use zh-hans"),
        ({"ALLOWED_HOSTS": " , "}, "ALLOWED_HOSTS is set but empty"),
        ({"SECRET_KEY": None, "SECRET_KEY_FILE": "/nonexistent/secret"}, "SECRET_KEY_FILE: cannot read"),
        ({"SESSION_IDLE_MINUTES": "thirty"}, "SESSION_IDLE_MINUTES='thirty' is not a whole number"),
        ({"PASSWORD_MAX_AGE_DAYS": "-1"}, "PASSWORD_MAX_AGE_DAYS=-1 is outside 0..3650"),
        ({"TWO_FACTOR_ROLES": "account_admin,root"}, "TWO_FACTOR_ROLES: unknown role(s) root"),
        (
            {"DISTRICT_FILE": "/nonexistent/district.json"},
            "DISTRICT_FILE: 找不到区数据文件 /nonexistent/district.json",
        ),
    ],
)
def test_it_refuses_bad_values_naming_the_variable(overrides, named):
    result = load_settings(**overrides)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr


def test_it_reads_secrets_from_files(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("a-secret-read-from-a-mounted-file-for-this-test-0123456789\n")
    result = load_settings(SECRET_KEY=None, SECRET_KEY_FILE=str(secret))
    assert result.returncode == 0, result.stderr


def test_check_deploy_reports_no_warnings_with_production_settings():
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(GOOD, SECURE_HTTPS="true", DJANGO_SETTINGS_MODULE="qingpu_portal.settings")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
