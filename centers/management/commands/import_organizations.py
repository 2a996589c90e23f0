"""python manage.py import_organizations FILE [--dry-run] — all rows or none; row errors on stderr.

The same streaming, batched import as the browser's job (centers.importing), run in this process."""

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand

from centers.importing import import_organizations
from core.errors import ApplicationError


class Command(BaseCommand):
    help = "从 .xlsx 或 .csv 导入社会组织（按统一社会信用代码匹配；有错误时不导入任何数据）"

    def add_arguments(self, parser):
        parser.add_argument("file", help=".xlsx 或 .csv 文件")
        parser.add_argument("--dry-run", action="store_true", help="只校验并报告，不写入")

    def handle(self, *args, file, dry_run, **options):
        path = Path(file)
        if not path.is_file():
            self.stderr.write(f"找不到文件：{file}")
            sys.exit(2)
        try:
            started = time.monotonic()
            result = import_organizations(name=path.name, path=str(path), dry_run=dry_run)
            elapsed = time.monotonic() - started
        except ApplicationError as exc:
            self.stderr.write(str(exc))
            sys.exit(2)
        for warning in result.warnings:
            self.stdout.write(f"提示：{warning}")
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            self.stderr.write(f"共 {len(result.errors)} 处错误，未导入任何数据。")
            sys.exit(1)
        verb = "将" if dry_run else "已"
        self.stdout.write(
            f"{'（试运行，未写入）' if dry_run else ''}共 {result.total} 行：{verb}新增 {result.created} 家，"
            f"{verb}更新 {result.updated} 家，{result.unchanged} 家无变化，新增评估记录 {result.ratings_created} 条。"
            f"用时 {elapsed:.1f} 秒（每秒 {result.total / max(elapsed, 1e-6):,.0f} 行）。"
        )
