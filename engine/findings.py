"""Findings of a medical report, as facts the rule engine can compare exactly.

durable_rules compares JSON numbers as binary floats and takes no Decimal, so every finding is
encoded as an int or a string: decimals scaled by their declared places (`lvef` 49.5 -> 495),
ordinal grades by their rank (`nyha` III -> 2), booleans as 0/1. Conditions are encoded the
same way when a disease list is loaded, so a comparison is exact and the same in both
evaluators. The definitions themselves live in `rules/findings.yaml`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from engine.errors import quoted
from engine.model.library import FindingDefinition

FACT_PREFIX = "f_"


def fact_key(key: str) -> str:
    return FACT_PREFIX + key


class Finding:
    """A finding definition with its encoding."""

    __slots__ = ("definition", "key", "fact_key", "type", "_scale")

    def __init__(self, definition: FindingDefinition):
        self.definition = definition
        self.key = definition.key
        self.fact_key = fact_key(definition.key)
        self.type = definition.type
        self._scale = Decimal(10) ** definition.places

    @property
    def comparable(self) -> bool:
        """Whether `at_least` and friends apply."""
        return self.type in ("integer", "decimal", "ordinal")

    @property
    def not_applicable_when_unstated(self) -> bool:
        return self.definition.when_not_stated == "not_applicable"

    def encode(self, value: Any) -> int | str:
        """A value as written in a claim or a criterion -> its fact value; ValueError says why not."""
        kind = self.type
        if kind == "boolean":
            if isinstance(value, bool):
                return int(value)
            raise ValueError(f"{self.key} is true or false, got {quoted(value)}")
        if kind == "text":
            if isinstance(value, str) and value.strip():
                return value.strip()
            raise ValueError(f"{self.key} is text, got {quoted(value)}")
        if kind == "ordinal":
            text = str(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else None
            if text in self.definition.values:
                return self.definition.values.index(text)
            raise ValueError(f"{self.key} is one of {', '.join(self.definition.values)}; got {quoted(value)}")
        number = _number(value, self.key)
        if kind == "integer" and number != number.to_integral_value():
            raise ValueError(f"{self.key} is a whole number, got {quoted(value)}")
        scaled = number * self._scale
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{self.key} takes at most {self.definition.places} decimals, got {quoted(value)}")
        low, high = self.definition.min, self.definition.max
        if (low is not None and number < low) or (high is not None and number > high):
            raise ValueError(f"{self.key} lies in [{low if low is not None else '-∞'}, {high if high is not None else '∞'}], got {quoted(value)}")
        return int(scaled)

    def decode(self, fact_value: int | str) -> str:
        """A fact value as people write it, for explanations."""
        if self.type == "boolean":
            return "true" if fact_value else "false"
        if self.type == "ordinal":
            return self.definition.values[fact_value]
        if self.type == "decimal" and self.definition.places:
            return str(Decimal(fact_value).scaleb(-self.definition.places))
        return str(fact_value)

    def bounds(self) -> tuple[int | None, int | None]:
        """Smallest and largest fact values a claim can carry (for dead-criterion checks)."""
        if self.type == "ordinal":
            return 0, len(self.definition.values) - 1
        if self.type == "boolean":
            return 0, 1
        if self.type == "text":
            return None, None
        low, high = self.definition.min, self.definition.max
        return (
            None if low is None else int((low * self._scale).to_integral_value()),
            None if high is None else int((high * self._scale).to_integral_value()),
        )


def _number(value: Any, key: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        raise ValueError(f"{key} is a number, got {quoted(value)}")
    try:
        number = Decimal(value)
    except ArithmeticError:
        raise ValueError(f"{key} is a number, got {quoted(value)}") from None
    if not number.is_finite():
        raise ValueError(f"{key} is a finite number, got {quoted(value)}")
    if number and not -6 <= number.adjusted() <= 9:
        raise ValueError(f"{key} is out of any plausible range, got {quoted(value)}")
    return number
