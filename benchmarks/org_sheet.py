"""Write a generated social-organization sheet for timing the import (issue 16 §7).

    python benchmarks/org_sheet.py 100000 /tmp/orgs100k.xlsx
    time python manage.py import_organizations /tmp/orgs100k.xlsx

Every tenth row is rated; credit codes are valid for the installation's district (needs its
database: DATABASE_URL as for manage.py)."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingpu_portal.settings")


def main(n: int, out: str) -> None:
    import django

    django.setup()
    from openpyxl import Workbook

    from centers.choices import OrganizationKind
    from centers.codes import make_credit_code
    from centers.importing import COLUMNS
    from centers.models import StreetTown

    towns = list(StreetTown.objects.order_by("sort_order").values_list("name", flat=True)) or [""]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("社会组织")
    ws.append([h for h, _ in COLUMNS])
    for i in range(n):
        rated = i % 10 == 0
        ws.append(
            [
                f"测试社会组织{i}",
                make_credit_code(OrganizationKind.PRIVATE_NON_ENTERPRISE, 20_000_000 + i),
                "民办非企业单位",
                "2020-01-01",
                towns[i % len(towns)],
                "" if towns[0] else "文化",
                "正常",
                "",
                "3A" if rated else "",
                "2023-06-01" if rated else "",
            ]
        )
    wb.save(out)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
