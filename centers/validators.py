"""Field-level validation of the registers (pure functions, reused by services, forms and import)."""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError

from .choices import OrganizationKind

# Positions 3–8 of a code registered in this district (GB 32100-2015) are the district's code
# (District.code, from its district file). A code from elsewhere is a warning only: an organization
# may have moved in.
CIVIL_AFFAIRS_DEPARTMENT = "5"
MIN_AREA = Decimal("0")  # exclusive
MAX_AREA = Decimal("100000")  # exclusive: an area of 100,000 m² or more is a typing error


_COMPACT_CODE = re.compile(r"[0-9A-Z]{18}")


def normalise_credit_code(value: str) -> str:
    """The code without spaces or dashes, upper case (``stdnum``); a code already in that form is
    returned as it is (the import checks 100,000 of them: stdnum's clean-up was a tenth of its time)."""
    if value and _COMPACT_CODE.fullmatch(value):
        return value
    return uscc.compact(value or "")


def validate_credit_code(value: str) -> None:
    """Raise a Chinese ValidationError when ``value`` is not a valid unified social credit code."""
    code = normalise_credit_code(value)
    try:
        uscc.validate(code)
    except InvalidLength:
        raise ValidationError(
            f"统一社会信用代码应为 18 位，“{value}”为 {len(code)} 位，请核对后重新填写。", code="length"
        ) from None
    except InvalidChecksum:
        raise ValidationError(
            f"统一社会信用代码“{value}”的校验位不正确（末位应为 {uscc.calc_check_digit(code[:17])}），"
            "请核对是否抄错。",
            code="checksum",
        ) from None
    except StdnumError:
        raise ValidationError(
            f"统一社会信用代码“{value}”格式不正确：前 8 位应为数字，其余为数字或大写字母"
            "（不含 I、O、Z、S、V）。",
            code="format",
        ) from None


def credit_code_kind_error(code: str, kind: str) -> str | None:
    """The Chinese message when the code's 2nd character disagrees with the organization kind."""
    code = normalise_credit_code(code)
    if len(code) < 2 or not kind:
        return None
    if code[1] != kind:
        expected = OrganizationKind(kind).label
        return (
            f"统一社会信用代码第 2 位为“{code[1]}”，与类型“{expected}”不符"
            f"（社会团体为 1，民办非企业单位为 2，基金会为 3）；请核对代码或类型。"
        )
    return None


def credit_code_warnings(code: str) -> list[str]:
    """Warnings (not errors) about a valid code: registered outside this district, or not civil affairs."""
    code = normalise_credit_code(code)
    warnings = []
    if len(code) == 18 and code[0] != CIVIL_AFFAIRS_DEPARTMENT:
        warnings.append(f"代码第 1 位为“{code[0]}”，不是民政部门（5）登记的代码，请确认。")
    if len(code) == 18:
        from .selectors import current_district

        district = current_district()
        if code[2:8] != district.code:
            warnings.append(
                f"代码第 3–8 位为 {code[2:8]}，不是{district.name}（{district.code}）登记，请确认是否为迁入组织。"
            )
    return warnings


def validate_area(value) -> None:
    if value is None:
        return
    if not (MIN_AREA < Decimal(value) < MAX_AREA):
        raise ValidationError(
            f"面积 {value} 平方米不合理：应大于 0 且小于 100000 平方米，请核对单位（平方米）。",
            code="area",
        )


def validate_positive_amount(value) -> None:
    if value is not None and Decimal(value) < 0:
        raise ValidationError(f"金额 {value} 不能为负数，请填写实际金额（元）。", code="negative")


def validate_not_future(value) -> None:
    from django.utils import timezone

    if value is not None and value > timezone.localdate():
        raise ValidationError(f"日期 {value} 晚于今天，该日期不能是将来的日期，请核对。", code="future")
