"""Shanghai minimum-wage table (REFERENCE.md), loaded after migrate; only missing rows are created."""

from datetime import date
from decimal import Decimal

SOURCE = "上海市人力资源和社会保障局公布的本市月最低工资标准"

MINIMUM_WAGES = [
    (date(2015, 4, 1), "2020", False, ""),
    (date(2016, 4, 1), "2190", False, ""),
    (date(2017, 4, 1), "2300", True, "施行日期待核实"),
    (date(2018, 4, 1), "2420", False, ""),
    (date(2019, 4, 1), "2480", False, "2020 年未调整"),
    (date(2021, 7, 1), "2590", False, "2022 年未调整"),
    (date(2023, 7, 1), "2690", True, "施行日期待核实；2024 年未调整"),
    (date(2025, 7, 1), "2740", False, ""),
]


def load_minimum_wages(*, using: str = "default", **kwargs):
    from .models import MinimumWage

    for effective_from, amount, to_confirm, note in MINIMUM_WAGES:
        MinimumWage.objects.using(using).get_or_create(
            effective_from=effective_from,
            defaults={
                "monthly_amount": Decimal(amount),
                "source": SOURCE,
                "to_confirm": to_confirm,
                "note": note,
            },
        )
