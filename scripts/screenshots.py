"""Render one page of each evaluation report to PNG for the README (docs/screenshots/).

    .venv/bin/python scripts/screenshots.py            # from the portal's data (after `make run` / seed_demo)
    .venv/bin/python scripts/screenshots.py --sample   # from a throwaway PostgreSQL test database with a
                                                       # published sample cycle (needs DATABASE_URL)

Each report is rendered by the portal itself (WeasyPrint), then one page is rasterised with poppler's
``pdftoppm``: the center report's first page, the district summary's chart page, the filing sheet's
first page.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "screenshots"
# (report kind, page to show, file name)
PAGES = [
    ("center_report", 1, "report-center.png"),
    ("district_summary", 2, "report-district-summary.png"),
    ("filing_sheet", 1, "report-filing-sheet.png"),
]


def _documents():
    from reports.models import ReportDocument

    current = ReportDocument.objects.filter(superseded_at__isnull=True).select_related("center")
    chosen = {}
    for kind, _page, _name in PAGES:
        of_kind = current.filter(kind=kind).order_by("-generated_at")
        chosen[kind] = of_kind.filter(center__name__contains="朱家角").first() or of_kind.first()
    return chosen


def _rasterise(document, page: int, target: Path, dpi: int) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "report.pdf"
        with document.file.open("rb") as fh:
            pdf.write_bytes(fh.read())
        page = min(page, document.page_count)
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
    return target


def _sample_cycle():
    """A published 2025 cycle over the demo's eleven street/town centers (reports.factories)."""
    import io

    from accounts.roles import Role
    from centers import demo as centers_demo
    from centers.models import ServiceCenter
    from core.testing import make_user
    from reports.factories import build_published_cycle
    from reports.services import cycle_reports_render_now

    centers_demo.seed(stdout=io.StringIO(), password="")
    centers = list(ServiceCenter.objects.filter(level="street_town"))
    bureau = make_user("screenshots_bureau", Role.BUREAU)
    cycle = build_published_cycle(
        year=2025, centers=centers, bureau=bureau, auditor=make_user("screenshots_auditor", Role.AUDITOR)
    )
    cycle_reports_render_now(cycle=cycle, requester=bureau, reason="考评结果公布")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sample", action="store_true", help="build a sample cycle in a throwaway test database"
    )
    parser.add_argument("--dpi", type=int, default=80)
    args = parser.parse_args()
    if shutil.which("pdftoppm") is None:
        print("缺少 pdftoppm（Debian 软件包 poppler-utils）。", file=sys.stderr)
        return 1
    os.environ.setdefault(
        "DJANGO_SETTINGS_MODULE", "qingpu_portal.test_settings" if args.sample else "qingpu_portal.settings"
    )
    if not args.sample:
        os.environ.setdefault("DEBUG", "true")
    import django

    django.setup()
    old_config = None
    if args.sample:
        from django.test.utils import setup_databases, setup_test_environment

        setup_test_environment()
        old_config = setup_databases(verbosity=0, interactive=False)
    try:
        if args.sample:
            _sample_cycle()
        documents = _documents()
        missing = [kind for kind, doc in documents.items() if doc is None]
        if missing:
            print(
                f"尚无这些报告：{', '.join(missing)}。请先运行 make run（seed_demo）或加 --sample。",
                file=sys.stderr,
            )
            return 1
        OUT.mkdir(parents=True, exist_ok=True)
        for kind, page, name in PAGES:
            path = _rasterise(documents[kind], page, OUT / name, args.dpi)
            print(path.relative_to(ROOT))
    finally:
        if old_config is not None:
            from django.db import connection
            from django.test.utils import teardown_databases

            connection.close()
            teardown_databases(old_config, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
