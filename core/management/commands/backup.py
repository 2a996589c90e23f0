"""``manage.py backup [--output DIR]``: one archive of the database and the media files (core.backup)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "备份数据库与全部上传/生成的文件，写成一个带 SHA-256 清单的归档。"

    def add_arguments(self, parser):
        parser.add_argument("--output", help="归档写入的目录（默认 BACKUP_DIR）")

    def handle(self, *args, output=None, **options):
        try:
            result = backup_create(output_dir=output or settings.BACKUP_DIR)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(result.tables.values())
        self.stdout.write(
            f"备份完成：{result.path}（{len(result.tables)} 张表共 {rows} 行，{result.files} 个文件）"
        )
