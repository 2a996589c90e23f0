"""python manage.py load_district FILE [--dry-run] [--replace] — validate and load or update the district."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from centers.reference import DistrictFileError, load_district
from core.audit import log_action


class Command(BaseCommand):
    help = (
        "校验并载入（或更新）本门户服务的区：区名称与代码、区民政局、门户名称、政策文件、街镇及业务主管单位"
    )
    # A database holding two districts fails the start-up check; this command must still run to say why.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="区数据文件（JSON，格式见 README“Another district”一节）")
        parser.add_argument("--dry-run", action="store_true", help="只校验并报告将新增和修改的内容，不写入")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="数据库中已有另一个区且尚无任何数据引用它时，用文件中的区替换它",
        )

    def handle(self, *args, file, dry_run, replace, **options):
        try:
            with transaction.atomic():
                report = load_district(Path(file), overwrite=True, dry_run=dry_run, replace=replace)
                if not dry_run and (report.created or report.changed):
                    log_action(
                        "centers.district.loaded",
                        obj=report.district,
                        data={"file": str(file), "created": report.created, "changed": report.changed},
                    )
        except DistrictFileError as exc:
            raise CommandError(str(exc)) from None
        district = report.district
        head = "（试运行，未写入）" if dry_run else ""
        self.stdout.write(f"{head}{district.name}（{district.code}）：")
        for line in report.lines():
            self.stdout.write(f"  {line}")
        verb = "将" if dry_run else "已"
        self.stdout.write(f"{verb}新增 {len(report.created)} 项，{verb}修改 {len(report.changed)} 项。")
