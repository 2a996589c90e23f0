"""Generating valid unified social credit codes (demo data, tests, the benchmark).

Structure (GB 32100-2015): 1 registering department (5 = civil affairs), 2 kind (1/2/3), 3–8 division
code, 9–17 organization code (its 9th character is the GB 11714 check digit), 18 the check character
computed with ``stdnum.cn.uscc.calc_check_digit``.
"""

from stdnum.cn import uscc

from .validators import CIVIL_AFFAIRS_DEPARTMENT

_GB11714_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def organization_code(serial: int) -> str:
    """A GB 11714 organization code (8 digits + check character) for a serial number."""
    body = f"{serial % 10**8:08d}"
    check = 11 - sum(int(c) * w for c, w in zip(body, _GB11714_WEIGHTS, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def make_credit_code(kind: str, serial: int, division: str | None = None) -> str:
    """A valid code of ``kind``; ``division`` defaults to the current district's code (District.code)."""
    if division is None:
        from .selectors import current_district

        division = current_district().code
    first17 = f"{CIVIL_AFFAIRS_DEPARTMENT}{kind}{division}{organization_code(serial)}"
    return first17 + uscc.calc_check_digit(first17)
