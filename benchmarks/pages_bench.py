"""Every page and API list of the portal at district scale, served by gunicorn with the production
settings, each timed against a bare signed-in JSON view on the same stack.

    .venv/bin/python benchmarks/pages_bench.py            # 300 centers, 100,000 organisations, 20,100 staff
    .venv/bin/python benchmarks/pages_bench.py --quick    # 30 centers, 10,000 organisations, 2,000 staff

The data lives in its own PostgreSQL database (``qp_bench_pages`` / ``qp_bench_pages_quick`` on the
server of DATABASE_URL, default postgres://postgres@127.0.0.1:5432/), built on the first run and reused
afterwards (``--rebuild`` starts again). It is built with the benchmarks' own builders
(centers_bench.build: centers, registers, organisations) plus ratings of a third of the organisations,
rosters, trainings, a talent pool, and a published cycle of every center made by
``reports.factories.build_published_cycle``: each filing's snapshot is taken by the evaluations service
(``take_snapshot``: registers, roster, compliance), not a stub.
The per-center compliance table is then filled by the nightly job's refresh (``fill_compliance``), as
production and ``seed_demo`` keep it, and filled again when reused data finds it empty or stale.

The portal then runs under gunicorn (``benchmarks/bench_settings.py``: the production settings with a
bare view added to the URLs; DEBUG off, WhiteNoise and the manifest of collected static files,
DB_CONN_MAX_AGE as configured, default 60). For every page (page 1 and a deep page of every list) it
sends RUNS requests interleaved with the bare view and prints the median and p90 time, the ratio of
the page's median to the bare view's, the size and the number of queries (counted in-process with
Django's test client on the same database), and last ``worst ratio: N.N× (page)``.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--quick", action="store_true", help="30 centers, 10,000 organisations, 2,000 staff")
parser.add_argument("--runs", type=int, default=None, help="requests per page (default 21; --quick 11)")
parser.add_argument("--rebuild", action="store_true", help="drop the benchmark database and build it again")
parser.add_argument("--port", type=int, default=8765)
parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
parser.add_argument("--only", default="", help="time only pages whose label contains this text")
ARGS = parser.parse_args()
CONN_MAX_AGE = os.environ.get("DB_CONN_MAX_AGE")  # the server's, before the tests' settings set theirs

SIZES = (
    {"centers": 30, "organizations": 10_000, "staff": 2_000, "talents": 500}
    if ARGS.quick
    else {"centers": 300, "organizations": 100_000, "staff": 20_100, "talents": 5_000}
)
RUNS = ARGS.runs or (11 if ARGS.quick else 21)
DB_NAME = "qp_bench_pages_quick" if ARGS.quick else "qp_bench_pages"
YEAR = 2025  # the year centers_bench.build fills the registers for
PASSWORD = "Bench2026-pages-password"


def database_url() -> str:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{DB_NAME}"))


def ensure_database(url: str, *, drop: bool) -> None:
    import psycopg2

    conn = psycopg2.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")))
    conn.autocommit = True
    with conn.cursor() as cursor:
        if drop:
            cursor.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{DB_NAME}"')
    conn.close()


URL = database_url()
ensure_database(URL, drop=ARGS.rebuild)
os.environ["DATABASE_URL"] = URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingpu_portal.test_settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

# ---- the data ------------------------------------------------------------------------------------------


def is_built() -> bool:
    from evaluations.choices import CycleState
    from evaluations.models import Cycle

    return Cycle.objects.filter(year=YEAR, state=CycleState.PUBLISHED).exists()


def build_organizations_and_registers() -> None:
    import centers_bench

    centers_bench.CENTERS = SIZES["centers"]
    centers_bench.ORGANIZATIONS = SIZES["organizations"]
    centers_bench.YEAR = YEAR
    centers_bench.build()

    from centers.models import RatingRecord, SocialOrganization

    ids = list(SocialOrganization.objects.order_by("pk").values_list("pk", flat=True))
    ratings = []
    for i, pk in enumerate(ids):
        if i % 3 == 0:  # a third rated, every ninth twice (the list shows the latest)
            rated_on = date(2021 + i % 4, 1 + i % 12, 1 + i % 28)
            ratings.append(
                RatingRecord(
                    organization_id=pk,
                    grade=1 + i % 5,
                    rated_on=rated_on,
                    valid_until=rated_on + timedelta(days=1826),
                )
            )
            if i % 9 == 0:
                ratings.append(
                    RatingRecord(
                        organization_id=pk, grade=3, rated_on=date(2016, 6, 1), valid_until=date(2021, 6, 1)
                    )
                )
    RatingRecord.objects.bulk_create(ratings, batch_size=5000)


def build_staff() -> None:
    from centers.models import ServiceCenter
    from staffing.choices import Gender, Position, StaffKind
    from staffing.models import StaffMember, Training

    centers = list(ServiceCenter.objects.order_by("pk"))
    per, extra = divmod(SIZES["staff"], len(centers))
    rows = []
    kinds = (
        [StaffKind.FULL_TIME] * 4
        + [StaffKind.PART_TIME] * 2
        + [StaffKind.LABOR] * 2
        + [StaffKind.VOLUNTEER] * 2
    )
    for ci, center in enumerate(centers):
        for j in range(per + (1 if ci < extra else 0)):
            kind = StaffKind.FULL_TIME if j == 0 else kinds[j % len(kinds)]
            rehired = kind == StaffKind.LABOR and j % 6 == 1
            rows.append(
                StaffMember(
                    center=center,
                    name=f"员工{ci:03d}-{j:03d}",
                    gender=Gender.FEMALE if j % 2 else Gender.MALE,
                    kind=kind,
                    is_rehired=rehired,
                    position=Position.DIRECTOR
                    if j == 0
                    else (Position.FINANCE if j == 1 else Position.PROJECT),
                    is_legal_representative=j == 0,
                    start_date=date(2012 + j % 12, 1 + j % 12, 1),
                    end_date=date(2024, 12, 31) if j % 11 == 10 else None,
                    post_grade="二岗5级" if kind == StaffKind.FULL_TIME and j % 17 else "",
                    monthly_pay=(
                        Decimal("7200")
                        if kind == StaffKind.FULL_TIME
                        else Decimal("2900")
                        if kind == StaffKind.LABOR
                        else Decimal("600")
                        if kind == StaffKind.PART_TIME and j % 23 == 0
                        else None
                    ),
                    transport_subsidy=Decimal("200") if kind == StaffKind.VOLUNTEER else None,
                    meal_subsidy=Decimal("150") if kind == StaffKind.VOLUNTEER else None,
                    social_worker_level="intermediate" if j % 5 == 0 else "",
                    other_certificates="会计从业资格" if j % 9 == 0 else "",
                    mobile_phone=f"139{ci:04d}{j:04d}",
                )
            )
    StaffMember.objects.bulk_create(rows, batch_size=5000)
    trainings = []
    for center in centers:
        for k in range(4):
            trainings.append(
                Training(
                    center=center,
                    title=f"{YEAR} 年第 {k + 1} 期业务培训",
                    organizer="青浦区民政局",
                    held_on=date(YEAR, 2 + 3 * k, 15),
                    hours=Decimal("6.0"),
                )
            )
    Training.objects.bulk_create(trainings)
    attendees = Training.attendees.through
    by_center = {}
    for pk, center_id in StaffMember.objects.values_list("pk", "center_id"):
        by_center.setdefault(center_id, []).append(pk)
    links = []
    field = Training._meta.get_field("attendees")
    source, target = field.m2m_field_name() + "_id", field.m2m_reverse_field_name() + "_id"
    for t in Training.objects.all():
        for pk in by_center.get(t.center_id, [])[:25]:
            links.append(attendees(**{source: t.pk, target: pk}))
    attendees.objects.bulk_create(links, batch_size=5000)


def build_talents() -> None:
    from centers.choices import CenterLevel
    from centers.models import ServiceCenter
    from staffing.choices import ExpertiseField
    from staffing.models import TalentProfile

    keeper = ServiceCenter.objects.filter(level=CenterLevel.DISTRICT).order_by("pk").first()
    fields = list(ExpertiseField.values)
    TalentProfile.objects.bulk_create(
        (
            TalentProfile(
                center=keeper,
                name=f"人才{i:05d}",
                organization_name=f"基准社会组织{i:06d}",
                expertise=fields[i % len(fields)],
                expertise_detail="社会组织规范化建设辅导",
                years_of_experience=i % 30,
                willing_to_lecture=i % 2 == 0,
                willing_to_consult=i % 3 == 0,
                mobile_phone=f"137{i:08d}",
            )
            for i in range(SIZES["talents"])
        ),
        batch_size=5000,
    )


def users():
    from accounts.models import User
    from accounts.roles import Role
    from accounts.services import make_bureau_staff, user_set_role

    bureau, created = User.objects.get_or_create(
        username="bench_pages_bureau", defaults={"full_name": "基准科员"}
    )
    if created:
        make_bureau_staff(bureau)
    auditor, created = User.objects.get_or_create(
        username="bench_pages_auditor", defaults={"full_name": "基准评估员"}
    )
    if created:
        user_set_role(auditor, Role.AUDITOR)
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hasher = PBKDF2PasswordHasher()  # what the production settings check (the tests' settings use MD5)
    for user in (bureau, auditor):
        user.password = hasher.encode(PASSWORD, hasher.salt())
        user.password_changed_at = timezone.now()
        user.must_change_password = False
        user.save()
    return bureau, auditor


def fill_compliance() -> None:
    """The per-center compliance table (``centers.CenterCompliance``) as production keeps it: every
    center judged once, by the refresh the nightly job runs (``compliance_refresh``), for the year of the
    data and the current year (the pages' default). Done after building, and again when reused data has
    rows missing, stale or computed before today (the nightly run would have refreshed them)."""
    from centers.compliance_table import ALL, compliance_refresh
    from centers.models import CenterCompliance, ServiceCenter

    years = sorted({YEAR, timezone.localdate().year})
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    fresh = CenterCompliance.objects.filter(year__in=years, stale=False, computed_at__gte=today).count()
    if fresh == ServiceCenter.objects.count() * len(years):
        return
    started = time.perf_counter()
    written = compliance_refresh(ALL, years=years)
    print(
        f"filled the compliance table ({written} rows) in {time.perf_counter() - started:.0f} s", flush=True
    )


def build() -> None:
    call_command("migrate", verbosity=0)
    if is_built():
        print(f"reusing the data in {DB_NAME} (--rebuild builds it again)", flush=True)
        fill_compliance()
        return
    from centers.models import ServiceCenter

    if ServiceCenter.objects.exists():
        sys.exit(f"{DB_NAME} holds a half-built data set: run again with --rebuild")
    steps = [
        ("centers, registers, organisations, ratings", build_organizations_and_registers),
        ("rosters and trainings", build_staff),
        ("talent pool", build_talents),
    ]
    for label, step in steps:
        started = time.perf_counter()
        step()
        print(f"built {label} in {time.perf_counter() - started:.0f} s", flush=True)
    bureau, auditor = users()
    from reports.factories import build_published_cycle

    started = time.perf_counter()
    build_published_cycle(
        year=YEAR, centers=list(ServiceCenter.objects.all()), bureau=bureau, auditor=auditor
    )
    print(
        f"built the published cycle (snapshots taken by the service) in {time.perf_counter() - started:.0f} s"
    )
    fill_compliance()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


# ---- serving -------------------------------------------------------------------------------------------


def server_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    var = ROOT / "var" / "bench-pages"
    env.update(
        DJANGO_SETTINGS_MODULE="bench_settings",
        PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "benchmarks")]),
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_HTTPS="false",
        DATABASE_URL=URL,
        VAR_DIR=str(var),
        MEDIA_ROOT=str(var / "media"),
        LOG_LEVEL="WARNING",
        DEMO_PASSWORD=PASSWORD,
        CELERY_QUEUE=f"bench-pages-{os.getpid()}",
    )
    env.pop("REDIS_URL", None)  # nothing is queued; the filesystem broker keeps Redis out of it
    env.pop("DB_CONN_MAX_AGE", None)
    if CONN_MAX_AGE is not None:
        env["DB_CONN_MAX_AGE"] = CONN_MAX_AGE
    return env


def start_server():
    env = server_env()
    if ARGS.rebuild or not (Path(env["VAR_DIR"]) / "staticfiles" / "staticfiles.json").exists():
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
        )
    log = open(ROOT / "var" / "bench-pages-gunicorn.log", "w")  # noqa: SIM115
    cmd = [
        str(Path(sys.executable).with_name("gunicorn")), "qingpu_portal.wsgi:application",
        "--bind", f"127.0.0.1:{ARGS.port}", "--workers", str(ARGS.workers), "--timeout", "120",
    ]  # fmt: skip
    import socket

    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", ARGS.port)) == 0:
            sys.exit(f"port {ARGS.port} is in use: stop what serves it or pass --port")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    import requests

    for _ in range(600):
        try:
            requests.get(f"http://127.0.0.1:{ARGS.port}/livez", timeout=60)
            return proc
        except requests.RequestException:
            if proc.poll() is not None:
                sys.exit("gunicorn stopped: see var/bench-pages-gunicorn.log")
            time.sleep(0.1)
    proc.terminate()
    sys.exit("gunicorn did not start in 60 s")


def login(base: str, username: str):
    import requests

    session = requests.Session()
    response = session.get(f"{base}/accounts/login/")
    response.raise_for_status()
    response = session.post(
        f"{base}/accounts/login/",
        data={
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": f"{base}/accounts/login/"},
        allow_redirects=False,
    )
    if response.status_code != 302:
        sys.exit(f"login of {username} failed: HTTP {response.status_code}")
    return session


# ---- the pages -----------------------------------------------------------------------------------------


def pages() -> list[tuple[str, str]]:
    from centers.models import ServiceCenter, SocialOrganization
    from evaluations.models import Cycle, Filing
    from staffing.models import TalentProfile

    cycle = Cycle.objects.get(year=YEAR)
    centers = ServiceCenter.objects.count()
    orgs = SocialOrganization.objects.count()
    talents = TalentProfile.objects.count()
    filings = Filing.objects.filter(cycle=cycle).count()
    center = ServiceCenter.objects.filter(level="street_town").order_by("pk").first()
    filing = Filing.objects.filter(cycle=cycle, center=center).first()
    org = SocialOrganization.objects.order_by("pk")[orgs // 2]

    def last(n, size):
        return max(1, -(-n // size))

    return [
        ("home (bureau)", "/"),
        ("district overview", f"/centers/overview/?year={YEAR}"),
        ("district overview, last page", f"/centers/overview/?year={YEAR}&page={last(centers, 50)}"),
        ("center list", "/centers/"),
        ("center list, last page", f"/centers/?page={last(centers, 50)}"),
        ("center page", f"/centers/{center.pk}/"),
        ("organisations", "/centers/organizations/"),
        ("organisations, middle page", f"/centers/organizations/?page={last(orgs, 50) // 2}"),
        ("organisations, last page", f"/centers/organizations/?page={last(orgs, 50)}"),
        ("organisations, name search", f"/centers/organizations/?q={org.name[-5:]}"),
        ("organisations, credit code search", f"/centers/organizations/?q={org.credit_code[:12]}"),
        ("staffing table", "/staffing/district/"),
        ("staffing table, last page", f"/staffing/district/?page={last(centers, 50)}"),
        ("roster", f"/staffing/centers/{center.pk}/roster/"),
        ("talent pool", "/staffing/talent/"),
        ("talent pool, last page", f"/staffing/talent/?page={last(talents, 50)}"),
        ("cycles", "/evaluations/"),
        ("cycle page", f"/evaluations/cycles/{cycle.pk}/"),
        ("evaluation board", f"/evaluations/cycles/{cycle.pk}/board/"),
        ("evaluation board, last page", f"/evaluations/cycles/{cycle.pk}/board/?page={last(filings, 50)}"),
        ("results", f"/evaluations/cycles/{cycle.pk}/results/"),
        ("reviews", "/evaluations/reviews/"),
        ("filing page", f"/evaluations/filings/{filing.pk}/"),
        ("reports", "/reports/"),
        ("public centers", "/public/"),
        ("public center page", f"/public/centers/{center.pk}/"),
        ("API centers", "/api/v1/centers/"),
        ("API centers, last page", f"/api/v1/centers/?page={last(centers, 50)}"),
        ("API compliance of a center", f"/api/v1/centers/{center.pk}/compliance/?year={YEAR}"),
        ("API organisations", "/api/v1/social-organizations/"),
        ("API organisations, last page", f"/api/v1/social-organizations/?page={last(orgs, 50)}"),
        ("API ratings", "/api/v1/ratings/"),
        ("API ratings, last page", f"/api/v1/ratings/?page={last(orgs // 3 + orgs // 9 + centers, 50)}"),
        ("API staff", "/api/v1/staff-members/"),
        ("API staff, last page", f"/api/v1/staff-members/?page={last(SIZES['staff'], 50)}"),
        ("API talents", "/api/v1/talent-profiles/"),
        ("API talents, last page", f"/api/v1/talent-profiles/?page={last(talents, 50)}"),
        ("API filings", "/api/v1/filings/"),
        ("API filings, 500 a page", "/api/v1/filings/?page_size=500"),
        ("API filings, last page", f"/api/v1/filings/?page={last(filings, 50)}"),
        ("API filing (detail, with snapshot)", f"/api/v1/filings/{filing.pk}/"),
        ("API results", "/api/v1/evaluation-results/"),
        ("API results, last page", f"/api/v1/evaluation-results/?page={last(filings, 50)}"),
    ]


def count_queries(client: Client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    return len(ctx.captured_queries), response.status_code


def main() -> None:
    build()
    bureau, _auditor = users()
    page_list = [(label, url) for label, url in pages() if ARGS.only in label]
    setup_test_environment()
    client = Client()
    client.force_login(bureau)
    for url in ("/bench/bare/", "/"):  # the process's first reads (content types, caches) are not a page's
        client.get(url)
    queries = {label: count_queries(client, url) for label, url in page_list}
    base = f"http://127.0.0.1:{ARGS.port}"
    server = start_server()
    try:
        session = login(base, bureau.username)
        bare = f"{base}/bench/bare/"
        for _ in range(5):
            session.get(bare)
        conn_max_age = CONN_MAX_AGE if CONN_MAX_AGE is not None else "60 (default)"
        print(
            f"\n{DB_NAME}: {SIZES['centers']} centers, {SIZES['organizations']:,} organisations, "
            f"{SIZES['staff']:,} staff, {SIZES['talents']:,} talents, a published {YEAR} cycle; "
            f"gunicorn {ARGS.workers} workers, DB_CONN_MAX_AGE={conn_max_age}, {RUNS} runs a page, "
            f"load average {os.getloadavg()[0]:.1f}\n"
        )
        print(f"{'page':<38} {'median':>9} {'p90':>9} {'bare':>7} {'ratio':>7} {'KiB':>6} {'queries':>7}")
        worst = (0.0, "")
        all_bare = []
        for label, url in page_list:
            for _ in range(2):
                response = session.get(base + url)
            if response.status_code != 200:
                print(f"{label:<38} HTTP {response.status_code} ({url})")
                continue
            size = len(response.content)
            times, bares = [], []
            for _ in range(RUNS):
                t0 = time.perf_counter()
                session.get(bare)
                t1 = time.perf_counter()
                session.get(base + url)
                t2 = time.perf_counter()
                bares.append((t1 - t0) * 1000)
                times.append((t2 - t1) * 1000)
            all_bare += bares
            median, bare_median = statistics.median(times), statistics.median(bares)
            p90 = sorted(times)[max(0, round(0.9 * len(times)) - 1)]
            ratio = median / bare_median
            worst = max(worst, (ratio, label))
            count, status = queries[label]
            shown = f"{count}" if status == 200 else f"{count} (HTTP {status})"
            print(
                f"{label:<38} {median:7.1f}ms {p90:7.1f}ms {bare_median:5.1f}ms {ratio:6.1f}× {size / 1024:6.0f} {shown:>7}",
                flush=True,
            )
        print(f"\nbare view: median {statistics.median(all_bare):.1f} ms over {len(all_bare)} requests")
        print(f"date {date.today()}, {url_note()}")
        print(f"worst ratio: {worst[0]:.1f}× ({worst[1]})")
    finally:
        server.terminate()
        server.wait(timeout=30)


def url_note() -> str:
    return f"command: .venv/bin/python benchmarks/pages_bench.py{' --quick' if ARGS.quick else ''}"


if __name__ == "__main__":
    main()
