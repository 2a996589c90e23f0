"""Regenerate the README's screenshots (docs/screenshots/): `make screenshots`.

    .venv/bin/python scripts/screenshots.py            # from the portal's data (after `make run` / seed_demo)
    .venv/bin/python scripts/screenshots.py --sample   # from a throwaway PostgreSQL database seeded with the
                                                       # demo data (needs DATABASE_URL; it is dropped after)

Pages: the portal is served in this process (Django's live-server thread, the static files from their
finders) and opened in Debian's Chromium through Playwright (headless, --no-sandbox --disable-gpu),
signed in as the demo's bureau clerk through the login form: the district overview at 1366 and
1024 px wide, the bureau's home page with its charts. Reports: one page of each (the center report's
chart page, the district summary's chart page, the filing sheet's first page, the draw record's first
page), rasterised with poppler's ``pdftoppm``. Every PNG is reduced to a palette of 128 colours (Pillow)
so the repository stays small.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
# (report kind, page to show, file name)
REPORT_PAGES = [
    ("center_report", 2, "report-center.png"),
    ("district_summary", 2, "report-district-summary.png"),
    ("filing_sheet", 1, "report-filing-sheet.png"),
]
# (path, viewport width, file name)
PAGE_SHOTS = [
    ("/centers/overview/", 1366, "overview-1366.png"),
    ("/centers/overview/", 1024, "overview-1024.png"),
    ("/", 1366, "home-bureau.png"),
]
BUREAU = "bureau"


def _optimise(path: Path) -> Path:
    """A palette PNG (128 colours): screenshots of text and flat charts lose nothing visible."""
    from PIL import Image

    with Image.open(path) as image:
        reduced = image.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    reduced.save(path, optimize=True)
    return path


def _rasterise(pdf_bytes: bytes, page: int, pages: int, target: Path, dpi: int) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "report.pdf"
        pdf.write_bytes(pdf_bytes)
        page = min(page, pages)
        stem = Path(tmp) / "page"
        subprocess.run(
            [
                "pdftoppm",
                "-f",
                str(page),
                "-l",
                str(page),
                "-r",
                str(dpi),
                "-png",
                "-singlefile",
                str(pdf),
                str(stem),
            ],
            check=True,
        )
        shutil.move(str(stem.with_suffix(".png")), target)
    return _optimise(target)


def _documents() -> dict:
    from reports.models import ReportDocument

    current = ReportDocument.objects.filter(superseded_at__isnull=True).select_related("center")
    chosen = {}
    for kind, _page, _name in REPORT_PAGES:
        of_kind = current.filter(kind=kind).order_by("-generated_at")
        chosen[kind] = of_kind.filter(center__name__contains="朱家角").first() or of_kind.first()
    return chosen


def _report_shots(dpi: int) -> list[Path]:
    from evaluations.models import Draw
    from reports.builders import draw_record_pdf

    documents = _documents()
    missing = [kind for kind, doc in documents.items() if doc is None]
    if missing:
        raise SystemExit(f"尚无这些报告：{'、'.join(missing)}。请先运行 make run（seed_demo）或加 --sample。")
    shots = []
    for kind, page, name in REPORT_PAGES:
        document = documents[kind]
        with document.file.open("rb") as fh:
            shots.append(_rasterise(fh.read(), page, document.page_count, OUT / name, dpi))
    draw = Draw.objects.select_related("cycle").order_by("-cycle__year").first()
    if draw is not None:
        shots.append(_rasterise(draw_record_pdf(draw.cycle), 1, 1, OUT / "report-draw-record.png", dpi))
    return shots


def _page_shots(password: str) -> list[Path]:
    from django.conf import settings
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread
    from playwright.sync_api import sync_playwright

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1", "localhost"]
    server = LiveServerThread("127.0.0.1", StaticFilesHandler)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    base = f"http://127.0.0.1:{server.port}"
    shots = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--headless", "--no-sandbox", "--disable-gpu"]
            )
            context = browser.new_context(
                locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1366, "height": 768}
            )
            page = context.new_page()
            page.goto(f"{base}/accounts/login/")
            page.get_by_label("用户名").fill(BUREAU)
            page.get_by_label("密码").fill(password)
            page.get_by_role("button", name="登录").click()
            page.wait_for_load_state()
            if "/accounts/login" in page.url:
                raise SystemExit(f"无法以 {BUREAU} 登录（密码取自 DEMO_PASSWORD）。")
            for path, width, name in PAGE_SHOTS:
                page.set_viewport_size({"width": width, "height": 768})
                page.goto(f"{base}{path}")
                page.wait_for_load_state("networkidle")
                target = OUT / name
                page.screenshot(path=str(target), full_page=True)
                shots.append(_optimise(target))
            browser.close()
    finally:
        server.terminate()
    return shots


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sample", action="store_true", help="seed the demo into a throwaway database")
    parser.add_argument("--dpi", type=int, default=60, help="resolution of the report pages (default 60)")
    args = parser.parse_args()
    for tool, package in (("pdftoppm", "poppler-utils"), (CHROMIUM, "chromium")):
        if shutil.which(tool) is None:
            print(f"缺少 {tool}（Debian 软件包 {package}）。", file=sys.stderr)
            return 1
    os.environ.setdefault(
        "DJANGO_SETTINGS_MODULE", "qingpu_portal.test_settings" if args.sample else "qingpu_portal.settings"
    )
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop beside the ORM
    from core.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD

    password = os.environ.setdefault("DEMO_PASSWORD", DEFAULT_DEMO_PASSWORD)
    import django

    django.setup()
    old_config = None
    if args.sample:
        from django.core.management import call_command
        from django.test.utils import setup_databases, setup_test_environment

        setup_test_environment()
        old_config = setup_databases(verbosity=0, interactive=False)
        call_command("seed_demo", verbosity=0, stdout=io.StringIO())  # its account list is not for the log
    try:
        OUT.mkdir(parents=True, exist_ok=True)
        for path in _report_shots(args.dpi) + _page_shots(password):
            print(f"{path.relative_to(ROOT)}（{path.stat().st_size // 1024} KB）")
    finally:
        if old_config is not None:
            from django.db import connections
            from django.test.utils import teardown_databases

            connections.close_all()
            teardown_databases(old_config, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
