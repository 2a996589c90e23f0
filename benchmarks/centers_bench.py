"""Benchmark of the centers pages and API on a large district: 300 centers, 100,000 social organizations.

Builds the data once in the database named by DATABASE_URL (use a separate one; it is migrated and
filled on the first run, reused afterwards), then prints the median and 95th-percentile server time
(in-process, Django test client: URL routing, middleware, views, templates, queries) and the query
count of the district overview, a center page, the organization list (first page and a search) and
the compliance API, and the time to import 10,000 rows from .xlsx (the rows are removed afterwards).

    createdb -h 127.0.0.1 -U postgres qp_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qp_bench .venv/bin/python benchmarks/centers_bench.py [RUNS]
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingpu_portal.test_settings")
if "qp_bench" not in os.environ.get("DATABASE_URL", "") and "--any-database" not in sys.argv:
    sys.exit(
        "Set DATABASE_URL to a separate benchmark database, e.g. postgres://postgres@127.0.0.1:5432/qp_bench"
    )

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

CENTERS = 300
ORGANIZATIONS = 100_000
IMPORT_ROWS = 10_000
YEAR = 2025


def build() -> None:
    from centers.choices import CenterLevel, GovernanceRuleKind, IncomeSource, PlanKind, SupervisingUnitKind
    from centers.codes import make_credit_code
    from centers.models import (
        AnnualPlan,
        ArchiveInventory,
        BankAccount,
        BoardMember,
        GovernanceRule,
        IncomeLine,
        RatingRecord,
        SealCustodian,
        ServiceCenter,
        SocialOrganization,
        StreetTown,
        SupervisingUnit,
        Supervisor,
        Venue,
    )
    from centers.selectors import current_district

    district = current_district()
    street_towns = list(StreetTown.objects.filter(district=district))
    bureau = SupervisingUnit.objects.get(district=district, kind=SupervisingUnitKind.BUREAU)
    ServiceCenter.objects.get_or_create(
        district=district,
        level=CenterLevel.DISTRICT,
        defaults={"name": "青浦区社会组织服务中心", "supervising_unit": bureau},
    )
    for st in street_towns:
        ServiceCenter.objects.get_or_create(
            district=district,
            level=CenterLevel.STREET_TOWN,
            street_town=st,
            defaults={"name": f"青浦区{st.name}社会组织服务中心", "supervising_unit": st.supervising_unit},
        )
    industries = [f"行业{i:03d}" for i in range(CENTERS - 1 - len(street_towns))]
    unit, _ = SupervisingUnit.objects.get_or_create(
        district=district, name="基准行业主管部门", defaults={"kind": SupervisingUnitKind.INDUSTRY_AUTHORITY}
    )
    ServiceCenter.objects.bulk_create(
        [
            ServiceCenter(
                district=district,
                level=CenterLevel.INDUSTRY,
                name=f"青浦区{ind}服务中心",
                industry=ind,
                supervising_unit=unit,
            )
            for ind in industries
        ]
    )
    centers = list(ServiceCenter.objects.all())
    ServiceCenter.objects.filter(pk__in=[c.pk for c in centers]).update(
        established_on=date(2016, 1, 1), registered_on=date(2016, 1, 1), director_under_board=True
    )
    for i, c in enumerate(centers):
        ServiceCenter.objects.filter(pk=c.pk).update(credit_code=make_credit_code("2", 8_000_000 + i))
    start = date(2016, 1, 1)
    Venue.objects.bulk_create(
        Venue(
            center=c,
            year=YEAR,
            address="x",
            area=Decimal(150 + (i * 7) % 200),
            is_independent=True,
            has_computers=True,
            has_network=i % 9 != 0,
            has_office_equipment=True,
        )
        for i, c in enumerate(centers)
    )
    BankAccount.objects.bulk_create(
        BankAccount(
            center=c,
            bank_name="银行",
            account_number=f"3199{i:010d}",
            is_independent=i % 7 != 0,
            npo_accounting=True,
        )
        for i, c in enumerate(centers)
    )
    IncomeLine.objects.bulk_create(
        IncomeLine(center=c, year=YEAR, source=s, amount=Decimal(100000))
        for c in centers
        for s in (IncomeSource.GOVERNMENT_FUNDING, IncomeSource.CONSULTING)
    )
    BoardMember.objects.bulk_create(
        BoardMember(center=c, name=f"理事{j}", term_start=start) for c in centers for j in range(5)
    )
    Supervisor.objects.bulk_create(Supervisor(center=c, name="监事", term_start=start) for c in centers)
    GovernanceRule.objects.bulk_create(
        GovernanceRule(center=c, kind=k, title=str(k.label), adopted_on=start)
        for c in centers
        for k in GovernanceRuleKind
    )
    SealCustodian.objects.bulk_create(SealCustodian(center=c, name="保管人", since=start) for c in centers)
    ArchiveInventory.objects.bulk_create(
        ArchiveInventory(center=c, year=YEAR, volumes=30, is_complete=True) for c in centers
    )
    AnnualPlan.objects.bulk_create(
        AnnualPlan(center=c, year=YEAR, kind=k, title=str(k.label)) for c in centers for k in PlanKind
    )
    RatingRecord.objects.bulk_create(
        RatingRecord(center=c, grade=2 + i % 4, rated_on=date(2022, 5, 1), valid_until=date(2027, 5, 1))
        for i, c in enumerate(centers)
    )
    batch = []
    for i in range(ORGANIZATIONS):
        kind = "123"[i % 3] if i % 50 else "3"
        on_street = i % 4 != 0
        batch.append(
            SocialOrganization(
                district=district,
                name=f"基准社会组织{i:06d}",
                credit_code=make_credit_code(kind, 20_000_000 + i),
                kind=kind,
                registered_on=start + timedelta(days=i % 3000),
                street_town=street_towns[i % len(street_towns)] if on_street else None,
                industry="" if on_street else industries[i % len(industries)],
            )
        )
        if len(batch) == 5000:
            SocialOrganization.objects.bulk_create(batch)
            batch = []
    SocialOrganization.objects.bulk_create(batch)


def measure(client: Client, label: str, url: str, runs: int) -> None:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    queries = []
    with connection.execute_wrapper(
        lambda execute, sql, params, many, context: queries.append(sql) or execute(sql, params, many, context)
    ):
        client.get(url)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, max(0, int(round(0.95 * len(times))) - 1))]
    print(
        f"{label:<44} median {statistics.median(times):8.1f} ms   p95 {p95:8.1f} ms   {len(queries):3d} queries"
    )


def import_rows() -> None:
    from openpyxl import Workbook

    from centers.codes import make_credit_code
    from centers.importing import COLUMNS, import_organizations
    from centers.models import SocialOrganization

    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append([h for h, _ in COLUMNS])
    for i in range(IMPORT_ROWS):
        ws.append(
            [
                f"导入基准组织{i:05d}",
                make_credit_code("2", 60_000_000 + i),
                "民办非企业单位",
                "2020-05-18",
                "朱家角镇",
                "",
                "正常",
                "",
                "3A" if i % 10 == 0 else "",
                "2023-06-01" if i % 10 == 0 else "",
            ]
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    data = buffer.getvalue()
    started = time.perf_counter()
    result = import_organizations(name="bench.xlsx", data=data)
    first = time.perf_counter() - started
    assert not result.errors and result.created == IMPORT_ROWS, result.as_dict()
    started = time.perf_counter()
    again = import_organizations(name="bench.xlsx", data=data)
    second = time.perf_counter() - started
    assert again.unchanged == IMPORT_ROWS
    print(f"{'import 10,000 rows (.xlsx, new)':<44} {first:8.1f} s")
    print(f"{'re-import the same 10,000 rows (no change)':<44} {second:8.1f} s")
    with transaction.atomic():
        codes = [make_credit_code("2", 60_000_000 + i) for i in range(IMPORT_ROWS)]
        SocialOrganization.objects.filter(credit_code__in=codes).delete()
        SocialOrganization.history.filter(credit_code__in=codes).delete()


def main(runs: int) -> None:
    call_command("migrate", verbosity=0)
    from accounts.roles import Role
    from centers.models import ServiceCenter, SocialOrganization
    from core.testing import make_user

    if SocialOrganization.objects.count() < ORGANIZATIONS:
        print("building 300 centers and 100,000 social organizations (first run only) …", flush=True)
        started = time.perf_counter()
        build()
        print(f"built in {time.perf_counter() - started:.0f} s")
    from accounts.models import User

    user = User.objects.filter(username="bench_bureau").first() or make_user("bench_bureau", Role.BUREAU)
    setup_test_environment()
    client = Client()
    client.force_login(user)
    center = ServiceCenter.objects.filter(level="street_town").order_by("pk").first()
    print(
        f"centers: {ServiceCenter.objects.count()}, social organizations: {SocialOrganization.objects.count()}, runs: {runs}"
    )
    measure(client, "district overview (100 centers per page)", f"/centers/overview/?year={YEAR}", runs)
    measure(client, "district overview, page 3", f"/centers/overview/?year={YEAR}&page=3", runs)
    measure(client, "center page", f"/centers/{center.pk}/?year={YEAR}", runs)
    measure(client, "organization list (page 1 of 2,000)", "/centers/organizations/", runs)
    measure(client, "organization list, search by name", "/centers/organizations/?q=基准社会组织0999", runs)
    measure(
        client,
        "organization list, filter street/town",
        f"/centers/organizations/?street_town={center.street_town_id}&page=40",
        runs,
    )
    measure(client, "compliance API", f"/api/v1/centers/{center.pk}/compliance/?year={YEAR}", runs)
    measure(client, "social organizations API (page of 50)", "/api/v1/social-organizations/", runs)
    import_rows()


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(args[0]) if args else 20)
