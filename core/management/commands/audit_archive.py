"""manage.py audit_archive — archive and remove audit entries past AUDIT_RETENTION_DAYS now."""

from django.conf import settings
from django.core.management.base import BaseCommand

from core.audit import archive_and_purge


class Command(BaseCommand):
    help = "将超过保留期（AUDIT_RETENTION_DAYS）的操作记录归档为压缩文件后删除。"

    def handle(self, *args, **options):
        result = archive_and_purge()
        if result["archived"]:
            self.stdout.write(
                f"已归档 {result['archived']} 条早于 {settings.AUDIT_RETENTION_DAYS} 天的操作记录：{result['file']}"
            )
        else:
            self.stdout.write(f"没有早于 {settings.AUDIT_RETENTION_DAYS} 天的操作记录。")
