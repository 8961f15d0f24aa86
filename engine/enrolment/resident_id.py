"""Resident identity numbers (公民身份号码, GB 11643-1999): 18 characters, the last a check
digit computed by ISO 7064 MOD 11-2 over the first 17. The number also states the birth date
(characters 7–14) and the gender (the 17th: odd for men, even for women), which a staff list
must agree with. The 15-digit numbers issued before 1999 are refused: they carry no check digit
and a two-digit year."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"  # indexed by (Σ digit × weight) mod 11

# First two digits: the province-level division (GB/T 2260), including Hong Kong, Macao and
# Taiwan residents' permits (81, 82, 83) and Taiwan (71).
PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83",
})
_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
EARLIEST_BIRTH = dt.date(1900, 1, 1)


class ResidentIdError(ValueError):
    """The text is not a valid 18-digit resident identity number; the message says why (中文)."""


@dataclass(frozen=True)
class ResidentId:
    number: str  # 18 characters, upper-case X
    birth_date: dt.date
    gender: str  # female | male

    @property
    def region(self) -> str:
        return self.number[:6]


def check_character(first17: str) -> str:
    """The 18th character for the first 17 digits (ISO 7064 MOD 11-2)."""
    return CHECK_CHARACTERS[sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS)) % 11]


def normalise(text: str) -> str:
    """Full-width digits and letters folded (NFKC), surrounding spaces removed, x upper-cased."""
    return unicodedata.normalize("NFKC", text).strip().upper()


def parse_resident_id(text: str, today: dt.date | None = None) -> ResidentId:
    """The number checked and read, or ResidentIdError naming what is wrong."""
    number = normalise(text)
    if re.fullmatch(r"[0-9]{15}", number):
        raise ResidentIdError("15位旧身份证号码不再受理，请提供18位公民身份号码（GB 11643-1999）"
                              " / a 15-digit pre-1999 number is not accepted: give the 18-digit number")
    if len(number) != 18:
        raise ResidentIdError(f"公民身份号码应为18位，实际为{len(number)}位 / an identity number has 18 characters, got {len(number)}")
    if not _SHAPE.match(number):
        raise ResidentIdError("公民身份号码前17位应为数字，第18位为数字或X / the first 17 characters are digits, "
                              "the 18th a digit or X")
    if number[:2] not in PROVINCES:
        raise ResidentIdError(f"地址码{number[:6]}不是有效的省级行政区划代码 / {number[:6]} is not a region code")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ResidentIdError(f"出生日期码{number[6:14]}不是有效日期 / {number[6:14]} is not a date") from None
    latest = today or dt.date.today()
    if not EARLIEST_BIRTH <= birth <= latest:
        raise ResidentIdError(f"出生日期码{number[6:14]}不在合理范围内 / birth date {birth} is implausible")
    expected = check_character(number[:17])
    if number[17] != expected:
        raise ResidentIdError(f"校验码错误：按前17位计算应为{expected}，实际为{number[17]} / "
                              f"wrong check digit: expected {expected}, got {number[17]}")
    return ResidentId(number, birth, "male" if int(number[16]) % 2 else "female")
