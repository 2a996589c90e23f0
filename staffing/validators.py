"""Checks on personal and pay data; each returns a Chinese message naming the field and the fix."""

from __future__ import annotations

import re
from decimal import Decimal

# Sanity bounds against typing errors (an extra zero); not policy numbers.
MAX_MONTHLY_PAY = Decimal("100000")
MAX_MONTHLY_SUBSIDY = Decimal("5000")
MAX_TRAINING_HOURS = Decimal("200")
MAX_YEARS_OF_EXPERIENCE = 70

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def normalize_phone(phone: str) -> str:
    phone = (phone or "").strip().replace(" ", "").replace("－", "-").replace("—", "-")
    if phone.startswith("+86"):
        phone = phone[3:].lstrip("-")
    return phone


def phone_error(phone: str, label: str = "联系电话") -> str | None:
    """A mainland mobile (11 digits from 13–19) or a landline with its area code (021-59721234)."""
    if not phone:
        return None
    if MOBILE.match(phone) or LANDLINE.match(phone):
        return None
    return (
        f"{label}“{phone}”不是有效的大陆手机号或固定电话：手机号为 1 开头的 11 位数字（如 13812345678），"
        f"固定电话请带区号（如 021-59721234）。"
    )


def money_error(value: Decimal | None, label: str, maximum: Decimal) -> str | None:
    if value is None:
        return None
    if value < 0:
        return f"{label}不能为负数，请填写 0 或正数（单位：元）。"
    if value > maximum:
        return f"{label} {value} 元超出合理范围（每月不超过 {maximum} 元），请核对是否多输了位数。"
    return None
