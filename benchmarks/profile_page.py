"""Where one page's time goes, in-process, on pages_bench.py's data (build it first with pages_bench.py).

    .venv/bin/python benchmarks/profile_page.py URL [--quick] [--runs N] [--user USERNAME] [--queries | --profile | --parts]

Prints the page's median over N requests through Django's test client (the production settings of
bench_settings.py, persistent connections), then with ``--queries`` every query with its time, or with
``--profile`` the cProfile top 40 by cumulative time (``--dump FILE`` keeps it for ``pstats``), or with
``--parts`` the median of each building block of the district overview and the home page's dashboard,
called alone (the page of centers, its verdicts, R-COVER-1, the dashboard and its four parts). Figures in-process run a few milliseconds below
pages_bench.py's (no gunicorn, no HTTP); compare them with each other, not with its table."""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("url")
parser.add_argument("--quick", action="store_true", help="the --quick data set (qp_bench_pages_quick)")
parser.add_argument("--runs", type=int, default=30)
parser.add_argument("--user", default="bench_pages_bureau")
parser.add_argument("--queries", action="store_true", help="list the queries of one request with their times")
parser.add_argument("--profile", action="store_true", help="cProfile of --runs requests")
parser.add_argument("--parts", action="store_true", help="time the overview's building blocks alone")
parser.add_argument(
    "--dump", metavar="FILE", help="with --profile: also write the statistics to FILE (pstats)"
)
ARGS = parser.parse_args()

base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres").rsplit("/", 1)[0]
os.environ.update(
    DJANGO_SETTINGS_MODULE="bench_settings",
    DEBUG="false",
    SECRET_KEY="profile-page-" + "abcdefghij" * 5,
    ALLOWED_HOSTS="testserver",
    SECURE_HTTPS="false",
    DATABASE_URL=f"{base}/{'qp_bench_pages_quick' if ARGS.quick else 'qp_bench_pages'}",
    VAR_DIR=str(ROOT / "var" / "bench-pages"),
    LOG_LEVEL="WARNING",
    DB_CONN_MAX_AGE="60",
)
os.environ.pop("REDIS_URL", None)

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import User  # noqa: E402

client = Client()
client.force_login(User.objects.get(username=ARGS.user))
first = client.get(ARGS.url)
if first.status_code != 200:
    sys.exit(f"{ARGS.url}: HTTP {first.status_code}")
times = []
for _ in range(ARGS.runs):
    started = time.perf_counter()
    client.get(ARGS.url)
    times.append(time.perf_counter() - started)
print(f"{ARGS.url}: median {statistics.median(times) * 1000:.1f} ms, {len(first.content) // 1024} KiB")

if ARGS.queries:
    timed = []

    def timing(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timed.append((time.perf_counter() - started, sql))

    with connection.execute_wrapper(timing):
        client.get(ARGS.url)
    for seconds, sql in timed:
        print(f"{seconds * 1000:6.2f} ms  {sql[:200]}")
    print(f"{len(timed)} queries, {sum(s for s, _ in timed) * 1000:.1f} ms in the database")
if ARGS.profile:
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(ARGS.runs):
        client.get(ARGS.url)
    profile.disable()
    if ARGS.dump:
        profile.dump_stats(ARGS.dump)
    pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
if ARGS.parts:
    from django.utils import timezone

    from centers import selectors
    from centers.views import OVERVIEW_PAGE_SIZE, SHOWN
    from reports import dashboards

    def timed(label, call):
        call()
        seconds = []
        for _ in range(ARGS.runs):
            started = time.perf_counter()
            call()
            seconds.append(time.perf_counter() - started)
        print(f"  {label:<34} {statistics.median(seconds) * 1000:6.2f} ms")

    user = User.objects.get(username=ARGS.user)
    year = timezone.localdate().year
    district = selectors.current_district()
    listed = selectors.centers_for(user).order_by("pk")
    centers = list(listed[:OVERVIEW_PAGE_SIZE])
    cycles = dashboards._cycles()
    print(f"the overview's parts, median of {ARGS.runs}:")
    timed("page of centers", lambda: list(listed[:OVERVIEW_PAGE_SIZE]))
    timed("their verdicts (overview_rows)", lambda: selectors.overview_rows(centers, year, SHOWN))
    timed("R-COVER-1 (district_coverage)", lambda: selectors.district_coverage(district, year))
    timed("dashboard", lambda: dashboards.district_dashboard(year))
    timed("  verdicts by rule", lambda: dashboards.compliance_by_rule(year))
    timed("  cycles", dashboards._cycles)
    timed("  filings by state", lambda: dashboards.filing_progress(cycles))
    timed("  grades and score history", lambda: dashboards.grades_and_history(cycles))
