"""ICD-10 code lists: parsing the specs written in YAML and matching claim codes fast.

A spec is a code (`C50`, `Z94.8`, `C91.1`) or a range (`C00-C97`, `Z94.0-Z94.4`, en dash
allowed). Catalogue §1.3: a range includes every code whose category (or, for dotted
endpoints, whose code at that length) lies between the endpoints; a code matches itself and its
subdivisions. National-edition codes such as `C34.901` match as their WHO parent does, since
matching is by prefix at the spec's own length.

Matching never scans lists: `CodeIndex` maps each three-character category to the code sets
that can contain it, so a diagnosis costs one dictionary lookup plus the few finer checks.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

# WHO codes (C50, C50.9, M80.05) and national clinical-edition extensions (C34.901,
# J18.900X002), which keep the WHO code as their prefix.
CODE_PATTERN = re.compile(r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4}(X[0-9]{3})?)?$")
_DASHES = re.compile(r"\s*[-–—]\s*")


def normalise_code(code: str) -> str:
    """Trim, fold full-width characters and uppercase: `c34．901 ` -> `C34.901`."""
    if not code.isascii():
        code = unicodedata.normalize("NFKC", code)
    return code.strip().upper()


def is_code(text: str) -> bool:
    return bool(CODE_PATTERN.match(text))


@dataclass(frozen=True)
class CodeSpec:
    """One entry of a code list: `low` alone, or the inclusive range `low`..`high`."""

    low: str
    high: str | None = None

    @property
    def width(self) -> int:
        return len(self.low)

    def matches(self, code: str) -> bool:
        if self.high is None:
            return code == self.low or code.startswith(self.low + ("" if "." in self.low else "."))
        head = code[: self.width]
        if len(head) < self.width:
            return False
        return self.low <= head <= self.high

    def categories(self) -> list[str]:
        """Every three-character category this spec can match."""
        low, high = self.low[:3], (self.high or self.low)[:3]
        result = []
        for letter in range(ord(low[0]), ord(high[0]) + 1):
            first = int(low[1:3]) if chr(letter) == low[0] else 0
            last = int(high[1:3]) if chr(letter) == high[0] else 99
            result.extend(f"{chr(letter)}{number:02d}" for number in range(first, last + 1))
        return result

    def __str__(self) -> str:
        return self.low if self.high is None else f"{self.low}-{self.high}"

    def _span(self, width: int) -> tuple[str, str]:
        return self.low[:width], (self.high or self.low)[:width]

    def overlaps(self, other: "CodeSpec") -> bool:
        """Whether some code matches both (compared at the coarser of the two widths)."""
        width = min(self.width, other.width)
        (a_low, a_high), (b_low, b_high) = self._span(width), other._span(width)
        return a_low <= b_high and b_low <= a_high

    def within(self, other: "CodeSpec") -> bool:
        """Whether every code this spec matches also matches `other`."""
        if other.width > self.width:
            return False
        low, high = self._span(other.width)
        other_low, other_high = other._span(other.width)
        return other_low <= low and high <= other_high


def parse_spec(text: str) -> CodeSpec:
    """Parse `C50`, `Z94.8` or `C00-C97`; raises ValueError with a readable reason."""
    if not isinstance(text, str):
        raise ValueError(f"an ICD-10 code must be text, got {text!r}")
    parts = _DASHES.split(text.strip().upper())
    for part in parts:
        if not is_code(part):
            raise ValueError(f"{text!r} is not an ICD-10 code or range (expected e.g. C50, Z94.8, C00-C97)")
    if len(parts) == 1:
        return CodeSpec(parts[0])
    if len(parts) != 2:
        raise ValueError(f"{text!r} is not a range of two codes")
    low, high = parts
    if len(low) != len(high):
        raise ValueError(f"range {text!r} must have endpoints of the same length")
    if low > high:
        raise ValueError(f"range {text!r} runs backwards")
    return CodeSpec(low, high)


@dataclass(frozen=True)
class CodeSet:
    """A named list of specs; its flag name is derived from its content, so equal lists share it.

    `own` sets test the one diagnosis a disease criterion is classifying (flag `co_*`); the
    others test whether some diagnosis of the event is listed (flag `dx_*`)."""

    specs: tuple[CodeSpec, ...]
    own: bool = False

    @cached_property
    def flag(self) -> str:
        digest = hashlib.sha1(",".join(map(str, self.specs)).encode()).hexdigest()[:10]
        return f"{'co' if self.own else 'dx'}_{digest}"

    def matches(self, code: str) -> bool:
        return any(spec.matches(code) for spec in self.specs)

    def overlaps(self, other: "CodeSet") -> bool:
        return any(a.overlaps(b) for a in self.specs for b in other.specs)

    def within(self, other: "CodeSet") -> bool:
        return all(any(a.within(b) for b in other.specs) for a in self.specs)

    def __str__(self) -> str:
        return ", ".join(map(str, self.specs))


class CodeIndex:
    """Which code sets a diagnosis code belongs to, by category lookup."""

    def __init__(self, code_sets: list[CodeSet]):
        self._by_category: dict[str, list[tuple[str, CodeSpec]]] = {}
        for code_set in code_sets:
            for spec in code_set.specs:
                for category in spec.categories():
                    self._by_category.setdefault(category, []).append((code_set.flag, spec))

    def flags_for(self, code: str) -> set[str]:
        code = normalise_code(code)
        return {
            flag for flag, spec in self._by_category.get(code[:3], ()) if spec.matches(code)
        }
