"""Load the demo data set (idempotent: a second run changes nothing).

Each app contributes through ``<app>/demo.py: seed(*, stdout, password)`` in dependency order. Demo
accounts exist only through this command, never through migrations.
"""

import os
from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

DEMO_APPS = ("centers", "accounts", "staffing", "activities", "evaluations", "reports")
DEFAULT_DEMO_PASSWORD = "Qingpu2026demo"


class Command(BaseCommand):
    help = "载入演示数据（可重复执行，不会重复创建）。Loads demo data; safe to run twice."

    def handle(self, *args, **options):
        password = os.environ.get("DEMO_PASSWORD") or ""
        if not password:
            if not settings.DEBUG:
                raise CommandError(
                    "DEBUG 关闭时必须通过 DEMO_PASSWORD 指定演示账号密码（生产环境不使用默认密码）。"
                )
            password = DEFAULT_DEMO_PASSWORD
        from django.contrib.auth.password_validation import validate_password
        from django.core.exceptions import ValidationError

        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError(f"DEMO_PASSWORD 不符合密码规则：{'；'.join(exc.messages)}") from exc

        from centers.demo import DEMO_DISTRICT_CODE, DEMO_DISTRICT_NAME
        from centers.selectors import current_district

        district = current_district()
        if district.code != DEMO_DISTRICT_CODE:
            self.stderr.write(
                f"演示数据是为{DEMO_DISTRICT_NAME}（{DEMO_DISTRICT_CODE}）编写的，本门户服务的是"
                f"{district.name}（{district.code}）：未载入演示数据，也未创建演示账号。"
            )
            return
        with transaction.atomic():
            for app in DEMO_APPS:
                try:
                    module = import_module(f"{app}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{app}.demo":
                        raise
                    continue
                module.seed(stdout=self.stdout, password=password)
        # Jobs that seeding queued (e.g. rendering reports) run after the commit, on the worker.
        from accounts.demo import DEMO_ACCOUNTS

        self.stdout.write(self.style.SUCCESS("演示数据已就绪。Demo accounts (username / password):"))
        for username, label in DEMO_ACCOUNTS:
            self.stdout.write(f"  {username:<24} {password}   {label}")
