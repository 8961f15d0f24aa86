"""ICD-9-CM-3 procedure code lists, matched by prefix (catalogue §1.3: `36.1` matches `36.11`,
not `36.06`). National clinical-edition codes (`36.1100x001`) keep the WHO code as their prefix,
so they match as their parent does.

Like diagnosis code lists, procedure lists become presence flags (`pr_<hash>`) in the fact; the
index maps each two-digit chapter to the lists that can contain it, so matching costs a lookup.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cached_property

PROCEDURE_PATTERN = re.compile(r"^[0-9]{2}(\.[0-9]{1,2}([0-9]{2})?([xX][0-9]{3})?)?$")


def normalise_procedure(code: str) -> str:
    return code.strip().lower()


def is_procedure(code: str) -> bool:
    return bool(PROCEDURE_PATTERN.match(code))


def parse_procedure(text: object) -> str:
    """A procedure prefix as written in YAML; raises ValueError with a readable reason."""
    if not isinstance(text, str):
        raise ValueError(
            f"procedure codes are text: write {text!r} in quotes, e.g. \"01.5\" (a YAML number loses leading zeros)"
        )
    code = normalise_procedure(text)
    if not PROCEDURE_PATTERN.match(code) or len(code) > 5:
        raise ValueError(f"{text!r} is not an ICD-9-CM-3 code such as 36.1 or 55.69")
    return code


def prefix_matches(prefix: str, code: str) -> bool:
    """`36` matches `36` and `36.x`; `36.1` matches `36.1` and `36.1x`."""
    if "." in prefix:
        return code.startswith(prefix)
    return code == prefix or code.startswith(prefix + ".")


@dataclass(frozen=True)
class ProcedureSet:
    prefixes: tuple[str, ...]

    @cached_property
    def flag(self) -> str:
        digest = hashlib.sha1(",".join(self.prefixes).encode()).hexdigest()[:10]
        return f"pr_{digest}"

    def matches(self, code: str) -> bool:
        return any(prefix_matches(prefix, code) for prefix in self.prefixes)

    def within(self, other: "ProcedureSet") -> bool:
        """Whether every code this set matches also matches `other`."""
        return all(any(prefix_matches(theirs, mine) for theirs in other.prefixes) for mine in self.prefixes)

    def __str__(self) -> str:
        return ", ".join(self.prefixes)


class ProcedureIndex:
    def __init__(self, sets: list[ProcedureSet]):
        self._by_chapter: dict[str, list[tuple[str, str]]] = {}
        for procedure_set in sets:
            for prefix in procedure_set.prefixes:
                self._by_chapter.setdefault(prefix[:2], []).append((procedure_set.flag, prefix))

    def flags_for(self, code: str) -> set[str]:
        code = normalise_procedure(code)
        return {flag for flag, prefix in self._by_chapter.get(code[:2], ()) if prefix_matches(prefix, code)}
