"""Reading claims: JSON text or data -> validated `Claim`, errors located by JSON path.

Numbers are read exactly (`parse_float=Decimal`), so `12.35` is twelve yuan thirty-five fen,
never a binary float. Validation against the loaded plans (known plan ids, circumstance
codes, ICD-10 code shapes, units, term length) happens in `engine.planset`, with the same
JSON paths.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

from pydantic import ValidationError

from engine.errors import ClaimError, Issue
from engine.model.claim import Claim
from engine.model.types import normalise_id
from engine.vocabulary import EVENT_KINDS


def json_path(loc: tuple) -> str:
    """pydantic location -> `$.event.diagnoses[0].code` (union tags dropped)."""
    text = "$"
    previous = None
    for element in loc:
        if previous == "event" and element in EVENT_KINDS:
            previous = element
            continue
        text += f"[{element}]" if isinstance(element, int) else f".{element}"
        previous = element
    return text


def parse_claim(data: Any, source: str | None = None) -> Claim:
    """Validate one claim (a dict, or JSON text). Raises ClaimError listing every problem."""
    if isinstance(data, UnreadableLine):
        raise ClaimError([Issue(data.message)])
    if isinstance(data, (str, bytes)):
        try:
            data = json.loads(data, parse_float=Decimal)
        except json.JSONDecodeError as error:
            raise ClaimError([Issue(f"invalid JSON: {error.msg}", path="$", file=source, line=error.lineno, column=error.colno)]) from None
    if isinstance(data, Claim):
        return data
    try:
        return Claim.model_validate(data)
    except ValidationError as error:
        issues = []
        for detail in error.errors(include_url=False):
            message = "this field is required" if detail["type"] == "missing" else detail["msg"].removeprefix("Value error, ")
            if detail["type"] == "extra_forbidden":
                message = "unknown field"
            issues.append(Issue(message, path=json_path(detail["loc"]), file=source))
        raise ClaimError(issues) from None


def claim_id_of(data: Any) -> str | None:
    """Best-effort claim id of raw input, for reporting a claim that failed validation: the id
    as the engine would keep it, or None when it is missing or itself invalid (a failure record
    never echoes an id that cannot be written or is megabytes long)."""
    if isinstance(data, (str, bytes)):
        try:
            data = json.loads(data, parse_float=Decimal)
        except (ValueError, RecursionError):
            return None
    raw = data.get("claim_id") if isinstance(data, dict) else getattr(data, "claim_id", None)
    try:
        return normalise_id(raw)
    except ValueError:
        return None


def read_claims_file(path: Path | str) -> Iterator[Any]:
    """Claims from a `.json` file (one claim or a list) or a `.jsonl` file (one per line),
    parsed exactly; a line that is not JSON becomes a failure naming file and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ClaimError([Issue(f"cannot read claims file: {error}", file=str(path))]) from None
    if path.suffix == ".jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                yield _decode(line, f"{path}:{number}")
        return
    data = _decode(text, str(path))
    yield from (data if isinstance(data, list) else [data])


def _decode(text: str, source: str) -> Any:
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        return UnreadableLine(f"{source}: invalid JSON: {error.msg} (column {error.colno})")


class UnreadableLine(dict):
    """Stands in for a line that is not JSON, so the sequence reports it in its place."""

    def __init__(self, message: str):
        super().__init__()
        self.message = message
