"""Cut the report font out of the system's Noto Sans CJK SC (once per machine; see reports/fonts.py)."""

from concurrent.futures import ProcessPoolExecutor

from django.core.management.base import BaseCommand, CommandError

from reports import fonts


class Command(BaseCommand):
    help = "生成 PDF 报告所用字体（Noto Sans CJK SC 常用字子集）。已生成时不重复生成。"

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="即使已生成也重新生成")
        parser.add_argument(
            "--strict", action="store_true", help="无法生成时报错退出（用于构建镜像，确保字体随镜像提供）"
        )

    def handle(self, *args, force=False, strict=False, **options):
        directory = fonts.font_dir()
        for name in fonts.remove_stale_cuts():
            self.stdout.write(f"已删除旧版字体：{name}")
        todo = [face for face in fonts.FACES if force or not (directory / face.file_name).is_file()]
        if not todo:
            self.stdout.write(f"报告字体已就绪：{directory}")
            return
        missing = [face.style for face in todo if fonts.find_source(face.style) is None]
        if missing:
            message = (
                f"未找到系统字体 {fonts.SYSTEM_FAMILY}（{'、'.join(missing)}）：请安装 Debian 软件包 "
                "fonts-noto-cjk 与 fontconfig 后重试（make test 以 root 运行时会自动安装）。"
            )
            if strict:
                raise CommandError(message)
            # Not an error otherwise: the reports then use whatever CJK font the system has, slower.
            self.stderr.write(message + "在此之前报告使用系统字体，生成较慢。")
            return
        self.stdout.write(f"正在生成报告字体（约 15 秒）：{directory}")
        # One process per face: the two cuts are independent and each is CPU-bound.
        with ProcessPoolExecutor(max_workers=len(todo)) as pool:
            done = list(pool.map(_build, [face.file_name for face in todo]))
        for name, ok in done:
            self.stdout.write(f"  {name}: {'完成' if ok else '失败'}")
        if strict and not all(ok for _name, ok in done):
            raise CommandError("报告字体生成失败，见上文。")


def _build(file_name: str) -> tuple[str, bool]:
    face = next(f for f in fonts.FACES if f.file_name == file_name)
    return file_name, fonts.build_face(face, fonts.font_dir() / file_name)
