"""Benchmark of the account import: 1,000 users from .xlsx (target: under 10 s), printed, not asserted.

Migrates the database named by DATABASE_URL on the first run (use a separate one), makes the
street/town centers if missing, writes a 1,000-row workbook (directors, supervising-unit staff,
auditors, bureau staff in turn), then times the preview (read + check every row) and the import
(one-time passwords hashed, accounts, role memberships and audit entries written in one
transaction). The imported accounts are removed afterwards, so runs are repeatable.

    createdb -h 127.0.0.1 -U postgres qp_accounts_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qp_accounts_bench .venv/bin/python benchmarks/accounts_bench.py [USERS]
"""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingpu_portal.test_settings")
if "bench" not in os.environ.get("DATABASE_URL", "") and "--any-database" not in sys.argv:
    sys.exit(
        "Set DATABASE_URL to a separate benchmark database, "
        "e.g. postgres://postgres@127.0.0.1:5432/qp_accounts_bench"
    )

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from openpyxl import Workbook  # noqa: E402

PREFIX = "bench_user_"


def centers():
    from centers.choices import CenterLevel, CenterStatus
    from centers.models import ServiceCenter, StreetTown

    out = []
    for street_town in StreetTown.objects.select_related("district", "supervising_unit"):
        center, _ = ServiceCenter.objects.get_or_create(
            level=CenterLevel.STREET_TOWN,
            street_town=street_town,
            defaults={
                "district": street_town.district,
                "name": f"{street_town.district.name}{street_town.name}社会组织服务中心",
                "supervising_unit": street_town.supervising_unit,
                "status": CenterStatus.OPERATING,
            },
        )
        out.append(center)
    return out


def workbook(count: int) -> bytes:
    from accounts.importing import COLUMNS

    all_centers = centers()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("账号")
    ws.append([h for h, _ in COLUMNS])
    for i in range(count):
        center = all_centers[i % len(all_centers)]
        kind = i % 4
        username = f"{PREFIX}{i:05d}"
        mobile = f"139{i:08d}"
        if kind == 0:
            ws.append([username, f"主任{i}", mobile, "", "服务中心主任/工作人员", center.name, "", ""])
        elif kind == 1:
            ws.append(
                [username, f"主管{i}", mobile, "", "业务主管单位", "", center.supervising_unit.name, ""]
            )
        elif kind == 2:
            ws.append([username, f"评估{i}", "", "", "抽检评估人员", "", "", "某评估事务所"])
        else:
            ws.append([username, f"民政{i}", "", "", "区民政局工作人员", "", "", ""])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 1000
    call_command("migrate", verbosity=0)
    from accounts import importing
    from accounts.models import User
    from accounts.roles import Role
    from accounts.services import user_set_role

    actor, _ = User.objects.get_or_create(username="bench_useradmin", defaults={"full_name": "账号管理员"})
    user_set_role(actor, Role.ACCOUNT_ADMIN)
    User.objects.filter(username__startswith=PREFIX).delete()
    data = workbook(count)
    started = time.perf_counter()
    preview = importing.import_users(name="bench.xlsx", data=data, actor=actor, dry_run=True)
    preview_seconds = time.perf_counter() - started
    assert not preview.errors, preview.errors[:5]
    started = time.perf_counter()
    result = importing.import_users(name="bench.xlsx", data=data, actor=actor)
    import_seconds = time.perf_counter() - started
    assert len(result.created) == count
    # 显示一次性密码 on the finished job's page: the passwords hashed and shown (core.import_flow)
    from core.models import Job

    job = Job.objects.create(
        kind=importing.USER_IMPORT.kind,
        label="bench",
        requester=actor,
        status="succeeded",
        result={"created_ids": [u.pk for u, _ in result.created]},
    )
    started = time.perf_counter()
    issued = importing.import_passwords_issue(job_id=job.pk, actor=actor)
    issue_seconds = time.perf_counter() - started
    assert len(issued) == count
    job.delete()
    print(f"accounts import, {count} users from .xlsx ({len(data) / 1024:.0f} KB):")
    print(f"  preview (read + check every row): {preview_seconds:.2f} s")
    print(f"  import, the job's part (accounts, roles, audit): {import_seconds:.2f} s")
    print(f"  one-time passwords issued and shown (hashed on every core): {issue_seconds:.2f} s")
    print(f"  all together: {preview_seconds + import_seconds + issue_seconds:.2f} s (target < 10 s)")
    # the audit entries stay: the trail cannot be changed or deleted (issue 14 §3)
    User.objects.filter(username__startswith=PREFIX).delete()


if __name__ == "__main__":
    main()
