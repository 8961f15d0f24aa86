"""Shared field types: money with at most two decimals, rates in [0, 1], identifiers."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema, field_validator

from engine.errors import quoted
from engine.money import format_money, has_at_most_two_decimals


# Numbers in plans and libraries: a trillion yuan, or a millionth, is beyond any plan; beyond
# them Decimal arithmetic would lose exactness (28 digits) or raise.
MAX_WHOLE_DIGITS = 12
MAX_PLACES = 6


def _to_decimal(value: Any, what: str) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a number, not true/false")
    if isinstance(value, float):
        raise ValueError(
            f"{what} must be exact: write it as a string such as \"12.50\" (binary floats are refused)"
        )
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, (int, str)):
        try:
            result = Decimal(value)
        except InvalidOperation:
            raise ValueError(f"{what} must be a number, got {quoted(value)}") from None
    else:
        raise ValueError(f"{what} must be a number, got {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"{what} must be a finite number, got {quoted(value)}")
    if result and not -MAX_PLACES <= result.adjusted() < MAX_WHOLE_DIGITS:
        raise ValueError(f"{what} is out of range (at most {MAX_WHOLE_DIGITS} digits before the decimal point "
                         f"and {MAX_PLACES} after), got {quoted(value)}")
    return result


def _money(value: Any) -> Decimal:
    amount = _to_decimal(value, "money")
    if amount < 0:
        raise ValueError(f"money cannot be negative, got {amount}")
    if not has_at_most_two_decimals(amount):
        raise ValueError(f"money has at most 2 decimals (fen), got {amount}")
    return amount.quantize(Decimal("0.01"))


def _rate(value: Any) -> Decimal:
    rate = _to_decimal(value, "rate")
    if not (0 <= rate <= 1):
        raise ValueError(f"a rate must lie in [0, 1], got {rate}")
    return rate


# What editors see: a number, or a string with at most two decimals. (A number with three
# decimals is caught by the loader, with its line: JSON Schema's multipleOf is float-inexact in
# editors and would flag valid amounts such as 12.35.)
MONEY_SCHEMA = {
    "anyOf": [{"type": "number", "minimum": 0}, {"type": "string", "pattern": r"^[0-9]+(\.[0-9]{1,2})?$"}],
    "description": "金额（元），最多两位小数 / yuan, at most two decimals, e.g. 1234.50",
}
Money = Annotated[
    Decimal,
    BeforeValidator(_money),
    PlainSerializer(format_money, return_type=str, when_used="json"),
    WithJsonSchema(MONEY_SCHEMA, mode="validation"),
]
# Claims carry many amounts and arrive by the thousand: their money is checked natively by
# pydantic, after one regular-expression match of text. JSON is parsed with Decimal, so no float
# reaches it from files; a float from a Python caller is read from its shortest repr and refused
# beyond two decimals. Money a claim writes as text: ASCII digits with at most two decimals, as
# the schema says. Full-width or Arabic-Indic digits, exponents (7E+3), underscores, signs, thousands separators
# and surrounding spaces are refused (Python's Decimal would read them all): an amount that a
# partner's system formats oddly is a defect to report, not to guess at. JSON numbers are
# numbers, read exactly, in any form JSON allows.
_MONEY_TEXT = re.compile(r"[0-9]+(?:\.[0-9]{1,2})?")
_MONEY_TEXT_HINTS = (
    (lambda text: text != text.strip(), "no spaces around it"),
    (lambda text: not text.isascii(), "ASCII digits only, not full-width or another script's"),
    (lambda text: text.strip("+- ").lower() in ("nan", "snan", "inf", "infinity"), "money must be a finite number"),
    (lambda text: "e" in text.lower(), "no exponent"),
    (lambda text: "_" in text, "no underscores"),
    (lambda text: "," in text, "no thousands separators"),
    (lambda text: text[:1] == "-", "money cannot be negative"),
    (lambda text: text[:1] == "+", "no sign"),
    (lambda text: re.fullmatch(r"[0-9]*\.[0-9]{3,}", text), "at most 2 decimal places: fen"),
)


def _claim_money_text(value: Any) -> Any:
    if isinstance(value, str) and not _MONEY_TEXT.fullmatch(value):
        why = next((f" ({hint})" for test, hint in _MONEY_TEXT_HINTS if value and test(value)), "")
        raise ValueError(f"money as text is digits with at most two decimals, such as \"1234.50\"{why}; got {quoted(value)}")
    return value


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _claim_date(value: Any) -> Any:
    """A date in a claim is `YYYY-MM-DD` (or a date object from Python or YAML): a Unix
    timestamp or a date-time is refused, not truncated to a day that may be the wrong one."""
    if isinstance(value, dt.datetime) or not isinstance(value, (str, dt.date)):
        kind = "a number" if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool) else type(value).__name__
        raise ValueError(f"a date is written YYYY-MM-DD, got {kind} {quoted(str(value))}")
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError(f"a date is written YYYY-MM-DD, got {quoted(value)}")
    return value


ClaimDate = Annotated[dt.date, BeforeValidator(_claim_date)]
ClaimMoney = Annotated[
    Decimal,
    BeforeValidator(_claim_money_text),
    Field(ge=0, decimal_places=2, max_digits=20, allow_inf_nan=False, description="yuan with at most two decimals, e.g. \"1234.50\""),
    PlainSerializer(format_money, return_type=str, when_used="json"),
    WithJsonSchema(MONEY_SCHEMA, mode="validation"),
]
Rate = Annotated[
    Decimal, BeforeValidator(_rate), PlainSerializer(str, return_type=str, when_used="json"),
    WithJsonSchema({"anyOf": [{"type": "number", "minimum": 0, "maximum": 1}, {"type": "string", "pattern": r"^(0(\.[0-9]+)?|1(\.0+)?)$"}],
                    "description": "比例 0–1 / rate between 0 and 1, e.g. 0.60"}, mode="validation"),
]
Quantity = Annotated[Decimal, PlainSerializer(str, return_type=str, when_used="json")]
Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=80)]

# -- ids chosen by the systems that send claims --------------------------------------------
MAX_ID_LENGTH = 128  # characters, after normalisation
MAX_TEXT_LENGTH = 500  # characters of a free-text field (a name, a hospital)

# Control (Cc), format (Cf: zero-width, bidirectional overrides and isolates, BOM), surrogate
# (Cs), private-use (Co), unassigned (Cn) and line/paragraph separators: invisible or
# misleading in an id, and two ids that look the same must be the same id.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# What free text may not hold: characters that are not text, or that reorder what follows.
_NOT_TEXT = frozenset({"Cc", "Cs"})
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _describe(char: str) -> str:
    name = unicodedata.name(char, "") or unicodedata.category(char)
    return f"U+{ord(char):04X} {name}".rstrip()


def normalise_id(value: Any, what: str = "an id") -> str:
    """An id as the engine keeps it: NFKC-normalised (full-width ｃ-１ is c-1) and trimmed; ids
    holding invisible or control characters, or longer than MAX_ID_LENGTH, are refused with a
    ValueError naming the character. Two ids that print the same compare equal."""
    if not isinstance(value, str):
        raise ValueError(f"{what} must be a string, got {type(value).__name__}")
    if len(value) > 4 * MAX_ID_LENGTH:  # before normalising: never spend work on a huge value
        raise ValueError(f"{what} is at most {MAX_ID_LENGTH} characters, got {len(value):,}: {quoted(value)}")
    value = value.strip()
    if not (value.isascii() and value.isprintable()):  # plain printable ASCII is already normal
        value = unicodedata.normalize("NFKC", value).strip()
        for position, char in enumerate(value, start=1):
            if unicodedata.category(char) in _INVISIBLE:
                raise ValueError(f"{what} may not contain {_describe(char)} (character {position}): "
                                 "control, zero-width, bidirectional and other invisible characters are refused")
    if not value:
        raise ValueError(f"{what} cannot be empty or blank")
    if len(value) > MAX_ID_LENGTH:
        raise ValueError(f"{what} is at most {MAX_ID_LENGTH} characters, got {len(value):,}: {quoted(value)}")
    return value


def check_text(value: Any) -> str:
    """Free text (a name, a hospital): at most MAX_TEXT_LENGTH characters, no control
    characters, lone surrogates or bidirectional controls (they reorder what a report shows)."""
    if not isinstance(value, str):
        raise ValueError(f"must be a string, got {type(value).__name__}")
    if len(value) > MAX_TEXT_LENGTH:
        raise ValueError(f"text is at most {MAX_TEXT_LENGTH} characters, got {len(value):,}: {quoted(value)}")
    if not (value.isascii() and value.isprintable()):
        for position, char in enumerate(value, start=1):
            if unicodedata.category(char) in _NOT_TEXT or char in _BIDI_CONTROLS:
                raise ValueError(f"text may not contain {_describe(char)} (character {position})")
    return value


def normalise_id_number(value: Any) -> str:
    """A resident ID number (居民身份证号) or another identity document's number, as the
    member's identity: an id (normalise_id), upper case, 6 to 32 letters and digits."""
    text = normalise_id(value, "an ID number").upper()
    if not (6 <= len(text) <= 32 and text.isascii() and text.isalnum()):
        raise ValueError(f"an ID number is 6 to 32 letters and digits, got {quoted(text)}")
    return text


_ID_SCHEMA = {"type": "string", "minLength": 1, "maxLength": MAX_ID_LENGTH,
              "description": f"an id from the sending system: at most {MAX_ID_LENGTH} characters, no control or invisible "
                             "characters; NFKC-normalised and trimmed"}
ExternalId = Annotated[str, BeforeValidator(normalise_id), WithJsonSchema(_ID_SCHEMA, mode="validation")]
IdNumber = Annotated[str, BeforeValidator(normalise_id_number),
                     WithJsonSchema({"type": "string", "pattern": "^[0-9A-Za-z]{6,32}$",
                                     "description": "resident ID number (or another document's): the member's identity when given"},
                                    mode="validation")]
FreeText = Annotated[str, BeforeValidator(check_text),
                     WithJsonSchema({"type": "string", "maxLength": MAX_TEXT_LENGTH}, mode="validation")]


class Strict(BaseModel):
    """Unknown keys are errors, values are immutable once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def not_before(earlier: str, later: str):
    """A field validator: `later` may not be a date before the already-validated `earlier`."""

    def check(cls, value, info):
        start = info.data.get(earlier)
        if value is not None and start is not None and value < start:
            raise ValueError(f"{later} {value} is before {earlier} {start}")
        return value

    return field_validator(later)(classmethod(check))
