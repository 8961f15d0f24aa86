"""Catalogue §1.3, how codes match: an ICD-10 range `A–B` holds every code whose
three-character category lies between A's and B's; a code such as `Z94.8` or `C91.1` matches
itself and its subdivisions; procedures (ICD-9-CM-3) match by prefix.

Reading (documented in readings.md): a range whose ends are themselves subdivisions
(`Z94.0–Z94.4`) compares codes at the ends' length, so Z94.5–Z94.7 lie outside it; the
catalogue lists `Z94.8` beside that range, which only makes sense this way. National
clinical-edition codes (`C34.901`) match as the WHO code they begin with.
"""

from __future__ import annotations

import unicodedata


def clean(code: str) -> str:
    return unicodedata.normalize("NFKC", code).strip().upper()


class Codes:
    """A list of ICD-10 entries as the catalogue writes them: `C00–C97, Z21, C91.1`."""

    def __init__(self, text: str):
        self.text = text
        self.entries: list[tuple[str, str]] = []
        for part in text.replace("–", "-").split(","):
            part = part.strip()
            low, _, high = part.partition("-")
            self.entries.append((low.strip(), (high or low).strip()))

    def __contains__(self, code: str) -> bool:
        code = clean(code)
        for low, high in self.entries:
            if low == high:
                if _subdivision(code, low):
                    return True
                continue
            width = len(low)
            if width == 3:
                if low <= code[:3] <= high:
                    return True
            elif len(code) >= width and low <= code[:width] <= high:
                return True
        return False

    def __repr__(self) -> str:
        return f"Codes({self.text!r})"


def _subdivision(code: str, entry: str) -> bool:
    """`code` is `entry` or one of its subdivisions: C91.1 → C91.10, C91.1x; C50 → C50.9."""
    if not code.startswith(entry):
        return False
    rest = code[len(entry):]
    if not rest:
        return True
    if len(entry) == 3:
        return rest.startswith(".")
    return rest[0].isalnum()


def procedure_matches(performed, prefixes: tuple[str, ...]) -> bool:
    """Whether any performed procedure begins with one of `prefixes` (36.1 matches 36.11,
    not 36.06). An absent list means that no procedure was performed."""
    return any(code.strip().startswith(prefix) for code in performed or () for prefix in prefixes)
