"""Benchmark of the staffing reads the compliance engine and the pages depend on.

Creates a throw-away test database, fills it with CENTERS industry centers × STAFF roster rows each,
and times staffing_figures (the compliance provider), the district staffing table rows and one
roster snapshot, with their query counts.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qp_staffing \
        .venv/bin/python benchmarks/staffing_bench.py [CENTERS] [STAFF]
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingpu_portal.test_settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402


def timed(label, fn, repeat=5):
    best = None
    with CaptureQueriesContext(connection) as ctx:
        fn()
    queries = len(ctx.captured_queries)
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    print(f"{label:<48} {best * 1000:8.1f} ms (best of {repeat})  {queries:3d} queries")


def main(centers_n: int, staff_n: int) -> None:
    from accounts.models import User
    from centers.models import ServiceCenter, SupervisingUnit
    from centers.selectors import current_district
    from staffing.choices import StaffKind
    from staffing.models import StaffMember
    from staffing.selectors import district_staffing_rows, roster_snapshot, staffing_figures

    district = current_district()
    unit = SupervisingUnit.objects.get(name="青浦区民政局")
    ServiceCenter.objects.bulk_create(
        ServiceCenter(
            district=district,
            level="industry",
            name=f"基准行业中心{i}",
            supervising_unit=unit,
            industry=f"行业{i}",
        )
        for i in range(centers_n)
    )
    centers = list(ServiceCenter.objects.all())
    kinds = [
        StaffKind.FULL_TIME,
        StaffKind.FULL_TIME,
        StaffKind.PART_TIME,
        StaffKind.LABOR,
        StaffKind.VOLUNTEER,
    ]
    rows = []
    for c in centers:
        for j in range(staff_n):
            kind = kinds[j % len(kinds)]
            rows.append(
                StaffMember(
                    center=c,
                    name=f"人员{j}",
                    kind=kind,
                    start_date=date(2015 + j % 10, 1, 1),
                    end_date=date(2025, 6, 30) if j % 7 == 0 else None,
                    post_grade="二岗5级" if kind == StaffKind.FULL_TIME else "",
                    monthly_pay=Decimal("6000") if kind in (StaffKind.FULL_TIME, StaffKind.LABOR) else None,
                    mobile_phone="13812345678",
                )
            )
    StaffMember.objects.bulk_create(rows, batch_size=2000)
    bureau = User.objects.create_superuser("bench", password="Bench2026password")
    on = date(2026, 6, 30)
    print(f"{len(centers)} centers, {StaffMember.objects.count()} roster rows")
    timed("staffing_figures(all centers, on)", lambda: staffing_figures(centers, on))
    timed("district_staffing_rows(bureau, on)", lambda: district_staffing_rows(bureau, on))
    timed("roster_snapshot(one center, on)", lambda: roster_snapshot(centers[-1], on))


if __name__ == "__main__":
    centers_n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    staff_n = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    settings.DATABASES["default"]["TEST"].update(NAME=f"test_{settings.DATABASES['default']['NAME']}_bench")
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        main(centers_n, staff_n)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
