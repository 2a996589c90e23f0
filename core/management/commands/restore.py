"""``manage.py restore ARCHIVE [--force]``: restore an archive made by ``manage.py backup``."""

from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, restore


class Command(BaseCommand):
    help = "从 manage.py backup 生成的归档恢复数据库与文件，并逐一核对 SHA-256。"

    def add_arguments(self, parser):
        parser.add_argument("archive", help="备份归档（.tar）")
        parser.add_argument(
            "--force", action="store_true", help="当前数据库不为空时也恢复（用备份内容替换现有数据）"
        )

    def handle(self, *args, archive, force=False, **options):
        try:
            result = restore(archive=archive, force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(result.tables.values())
        if result.problems:
            for problem in result.problems:
                self.stderr.write(problem)
            raise CommandError(f"恢复已完成，但核对发现 {len(result.problems)} 处问题（见上）。")
        self.stdout.write(
            f"恢复完成并核对无误：{len(result.tables)} 张表共 {rows} 行，{result.files} 个文件，"
            f"{result.reports} 份报告与登记的 SHA-256 一致。"
        )
