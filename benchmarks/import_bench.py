"""The organisation import from the command line (issue 16 §7: 100,000 rows in under 20 s).

Generates a sheet of N organisations (every tenth rated; cached under /tmp), migrates the database
named by DATABASE_URL (use a separate one) and imports the sheet with the same code as
``manage.py import_organizations`` (``centers.importing.import_organizations``: streamed, checked
row by row, written in batches, one transaction), printing the time and rows per second; then
re-imports it unchanged, and removes the rows again. ``--profile`` prints the cProfile top of the
first import instead of re-importing.

    createdb -h 127.0.0.1 -U postgres qp_bench_import
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qp_bench_import .venv/bin/python benchmarks/import_bench.py [ROWS] [--profile]
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingpu_portal.settings")
os.environ.setdefault(
    "SECRET_KEY", "import-bench-" + "x" * 50
)  # the production settings, as the command runs
os.environ.setdefault("ALLOWED_HOSTS", "localhost")
if "qp_bench" not in os.environ.get("DATABASE_URL", ""):
    sys.exit("Set DATABASE_URL to a separate benchmark database, e.g. …/qp_bench_import")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402


def timed(path: Path, rows: int, *, profile: bool = False):
    from centers.importing import import_organizations

    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
    started, cpu = time.perf_counter(), time.process_time()
    result = import_organizations(name=path.name, path=str(path))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if profile:
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats("tottime")
        stats.print_stats(25)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    assert not result.errors, [str(e) for e in result.errors[:5]]
    assert result.total == rows, result.as_dict()
    return result, elapsed, cpu


def main(rows: int, profile: bool) -> None:
    import org_sheet

    call_command("migrate", verbosity=0)
    path = Path(f"/tmp/qp_import_bench_{rows}.xlsx")
    if not path.exists():
        started = time.perf_counter()
        org_sheet.main(rows, str(path))
        print(f"sheet of {rows:,} rows written in {time.perf_counter() - started:.1f} s ({path})")
    try:
        result, elapsed, cpu = timed(path, rows, profile=profile)
        print(
            f"import {rows:,} rows (new):        {elapsed:6.1f} s  (CPU {cpu:5.1f} s)  "
            f"{rows / elapsed:9,.0f} rows/s  — created {result.created:,}, ratings {result.ratings_created:,}"
        )
        if not profile:
            again, elapsed, cpu = timed(path, rows)
            assert again.unchanged == rows
            print(
                f"re-import unchanged:             {elapsed:6.1f} s  (CPU {cpu:5.1f} s)  "
                f"{rows / elapsed:9,.0f} rows/s"
            )
    finally:
        from centers.models import RatingRecord, SocialOrganization

        with transaction.atomic():
            orgs = SocialOrganization.objects.filter(name__startswith="测试社会组织")
            ids = list(orgs.values_list("pk", flat=True))
            RatingRecord.objects.filter(organization_id__in=ids).delete()
            orgs.delete()
            RatingRecord.history.filter(organization_id__in=ids).delete()  # with the deletion's own
            SocialOrganization.history.filter(name__startswith="测试社会组织").delete()


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(args[0]) if args else 100_000, "--profile" in sys.argv)
