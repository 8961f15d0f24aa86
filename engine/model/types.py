"""Shared field types: money with at most two decimals, rates in [0, 1], identifiers."""

from __future__ import annotations

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
# pydantic (no Python callback). JSON is parsed with Decimal, so no float reaches it from files;
# a float from a Python caller is read from its shortest repr and refused beyond two decimals.
ClaimMoney = Annotated[
    Decimal,
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
