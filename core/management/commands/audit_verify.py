"""manage.py audit_verify — is the audit trail as it was written? Exit 0 when the chain holds."""

from django.core.management.base import BaseCommand, CommandError

from core.audit import seal_audit_chain, verify_chain


class Command(BaseCommand):
    help = "校验操作记录的哈希链：先封存尚未封存的记录，再逐条重算；发现改动或缺失时以非零状态退出。"

    def handle(self, *args, **options):
        sealed = seal_audit_chain()
        checked, problems = verify_chain()
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"操作记录校验未通过：共检查 {checked} 条，发现 {len(problems)} 处问题。")
        self.stdout.write(f"操作记录校验通过：共 {checked} 条（本次封存 {sealed} 条），哈希链完整。")
