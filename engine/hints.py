"""Hints in the product team's language for what people mistype in YAML: the closest known
name for an unknown one ("did you mean")."""

from __future__ import annotations

import difflib
from typing import Iterable


def closest(word: object, choices: Iterable[object]) -> str | None:
    """The known name closest to `word`, if one is close enough to be the one meant."""
    names = sorted({str(choice) for choice in choices})
    match = difflib.get_close_matches(str(word), names, n=1, cutoff=0.6)
    return match[0] if match else None


def did_you_mean(word: object, choices: Iterable[object]) -> str:
    """`; did you mean 'benefits'?`, or nothing when no known name is close."""
    match = closest(word, choices)
    return f"; did you mean {match!r}?" if match is not None and match != str(word) else ""
