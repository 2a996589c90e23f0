"""Benchmark of the yearly evaluation for 300 centers: opening a cycle (job), the draw, final scoring
(job), on a real Celery worker with 2 processes, and the progress board's server time.

Uses its own database (migrated on the first run; each run adds a new cycle year ≥ 2100 so runs never
collide) and Redis (REDIS_URL, default redis://127.0.0.1:6379/15) with a private queue:

    createdb -h 127.0.0.1 -U postgres qp_evaluations_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qp_evaluations_bench .venv/bin/python benchmarks/evaluations_bench.py [RUNS]

The 300 centers are industry-level centers made for the benchmark (street/town centers are one per
street/town); the cycle's scope is set to that level. Filing contents, assignments and auditor scores
are written directly in bulk (not timed); the timed steps go through the services and the worker.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingpu_portal.test_settings")
os.environ.setdefault("CELERY_QUEUE", f"bench-evaluations-{os.getpid()}")
if "bench" not in os.environ.get("DATABASE_URL", ""):
    sys.exit(
        "Set DATABASE_URL to a separate benchmark database, e.g. postgres://postgres@127.0.0.1:5432/qp_evaluations_bench"
    )

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

CENTERS = 300
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 20


def build():
    from accounts.models import User
    from accounts.services import make_bureau_staff
    from centers.choices import CenterLevel, SupervisingUnitKind
    from centers.models import ServiceCenter, SupervisingUnit
    from centers.selectors import current_district

    call_command("migrate", verbosity=0)
    district = current_district()
    unit = SupervisingUnit.objects.get(district=district, kind=SupervisingUnitKind.BUREAU)
    have = ServiceCenter.objects.filter(
        level=CenterLevel.INDUSTRY, name__startswith="基准行业服务中心"
    ).count()
    ServiceCenter.objects.bulk_create(
        ServiceCenter(
            district=district,
            level=CenterLevel.INDUSTRY,
            name=f"基准行业服务中心{i:03d}",
            industry="基准",
            supervising_unit=unit,
        )
        for i in range(have, CENTERS)
    )
    bureau, created = User.objects.get_or_create(username="bench_bureau", defaults={"full_name": "基准"})
    if created:
        make_bureau_staff(bureau)
    auditor, _ = User.objects.get_or_create(username="bench_auditor", defaults={"full_name": "基准评估"})
    from accounts.roles import Role
    from accounts.services import user_set_role

    user_set_role(auditor, Role.AUDITOR)
    return bureau, auditor


def start_worker():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "qingpu_portal.test_settings"}
    log = open(ROOT / "var" / "bench-evaluations-worker.log", "w")  # noqa: SIM115
    cmd = [
        str(Path(sys.executable).with_name("celery")), "-A", "qingpu_portal", "worker", "--concurrency=2",
        "--without-gossip", "--without-mingle", "-n", f"bench-{os.getpid()}@%h", "-Q", settings.CELERY_TASK_DEFAULT_QUEUE,
        "--loglevel=WARNING",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    time.sleep(6)
    return proc


def wait(job, timeout=600):
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        job.refresh_from_db()
        if job.is_finished:
            assert job.status == "succeeded", job.log
            return
        time.sleep(0.05)
    raise SystemExit(f"job {job.pk} did not finish: {job.log}")


def main():
    from evaluations import services
    from evaluations.choices import CycleState, FilingState
    from evaluations.models import Assignment, AuditScore, Cycle, Filing, Result, SelfScore

    bureau, auditor = build()
    year = max(2099, Cycle.objects.order_by("-year").values_list("year", flat=True).first() or 0) + 1
    worker = start_worker()
    try:
        cycle = services.cycle_create(year=year, actor=bureau, levels=["industry"])
        t0 = time.perf_counter()
        job = services.cycle_open(cycle=cycle, actor=bureau)
        wait(job)
        t_open = time.perf_counter() - t0
        filings = list(Filing.objects.filter(cycle=cycle))
        assert len(filings) >= CENTERS, len(filings)
        indicators = list(cycle.indicators.all())
        # filings filed, reviewed and accepted (bulk, not timed)
        for i, f in enumerate(filings):
            f.state = FilingState.ACCEPTED
            f.self_total = Decimal(60 + i % 40)
            f.snapshot = {"center": {"name": "x"}, "compliance": []}
        Filing.objects.bulk_update(filings, ["state", "self_total", "snapshot"], batch_size=500)
        SelfScore.objects.bulk_create(
            [SelfScore(filing=f, indicator=ind, score=ind.max_score) for f in filings for ind in indicators],
            batch_size=2000,
        )
        services.cycle_advance(cycle=cycle, actor=bureau, to_state=CycleState.SPOT_CHECK, reason="基准测试")
        t0 = time.perf_counter()
        draw = services.draw_create(cycle=cycle, actor=bureau, seed=year)
        t_draw = time.perf_counter() - t0
        t0 = time.perf_counter()
        _rerun, matches = services.draw_verify(draw)
        t_verify = time.perf_counter() - t0
        assert matches
        by_center = {f.center_id: f for f in filings}
        sampled = [by_center[c["id"]] for c in draw.result]
        now = timezone.now()
        Assignment.objects.bulk_create(
            Assignment(
                cycle=cycle,
                filing=f,
                auditor=auditor,
                assigned_by=bureau,
                submitted_at=now,
                spot_total=Decimal(50 + i % 50),
            )
            for i, f in enumerate(sampled)
        )
        AuditScore.objects.bulk_create(
            [
                AuditScore(filing=f, indicator=ind, score=ind.max_score / 2)
                for f in sampled
                for ind in indicators
            ],
            batch_size=2000,
        )
        services.cycle_advance(cycle=cycle, actor=bureau, to_state=CycleState.SCORING)
        t0 = time.perf_counter()
        job = services.results_request(cycle=cycle, actor=bureau)
        wait(job)
        t_score = time.perf_counter() - t0
        assert Result.objects.filter(result_set__cycle=cycle).count() == len(filings)
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    setup_test_environment()
    client = Client()
    client.force_login(bureau)
    url = f"/evaluations/cycles/{cycle.pk}/board/"
    client.get(url)
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - t0)
        assert response.status_code == 200
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        assert client.get(url).status_code == 200
    results_url = f"/evaluations/cycles/{cycle.pk}/results/"
    client.get(results_url)
    rtimes = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        client.get(results_url)
        rtimes.append(time.perf_counter() - t0)
    p95 = lambda xs: sorted(xs)[max(0, int(len(xs) * 0.95) - 1)]  # noqa: E731
    print(f"centers in scope: {len(filings)}; sampled: {len(sampled)}; worker concurrency: 2")
    print(f"open cycle (job, create {len(filings)} filings): {t_open:.2f} s")
    print(f"draw: {t_draw * 1000:.1f} ms; re-run check: {t_verify * 1000:.1f} ms")
    print(f"final scoring (job): {t_score:.2f} s")
    print(
        f"progress board ({len(filings)} rows, page of 100): median {statistics.median(times) * 1000:.0f} ms, "
        f"p95 {p95(times) * 1000:.0f} ms, {len(queries)} queries"
    )
    print(
        f"results page ({len(filings)} rows): median {statistics.median(rtimes) * 1000:.0f} ms, p95 {p95(rtimes) * 1000:.0f} ms"
    )
    print(f"date {date.today()}")


if __name__ == "__main__":
    main()
