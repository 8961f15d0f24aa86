"""A test case from a claim of a corpus: `adjudicator case from-claim`.

The case holds the claim and, before it, the member's earlier claims of the corpus (history:
deductibles, caps, lifetime limits), adjudicated in order as the corpus was; the claim's
current decision becomes its expectation. It is a baseline, not a hand computation, and its
description says so.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import textwrap
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Iterator

from engine.api import Adjudicator
from engine.claims import read_claims_file
from engine.errors import ClaimError
from engine.expectations import fresh
from engine.ledger import MemoryLedger
from engine.model.decision import ClaimFailure
from engine.yamledit import compose, end_of, flow, node_at, scalar

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
HEADER = "# yaml-language-server: $schema={schema}\n# Cases taken from claims of a corpus with `adjudicator case from-claim`.\ncases:\n"
WIDTH = 110


@dataclass
class NewCase:
    claim_id: str
    name: str
    data: dict  # the case as YAML data


def claim_ids_in_diff(report: Path) -> list[str]:
    """The claim ids of the examples of a diff report (`adjudicator diff --json`), in order."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("claim_id"), str) and value["claim_id"] not in found:
                found.append(value["claim_id"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(json.loads(report.read_text(encoding="utf-8")))
    return found


def cases_from_claims(corpus: Path, claim_ids: list[str], adjudicator: Adjudicator, corpus_label: str | None = None) -> list[NewCase]:
    """One case per claim id, with the member's earlier claims of `corpus` before it."""
    wanted = set(claim_ids)
    members: dict[str, str] = {}  # claim id -> member id
    for raw in _claims_data(corpus):
        if isinstance(raw, dict) and raw.get("claim_id") in wanted:
            members[raw["claim_id"]] = str((raw.get("member") or {}).get("member_id"))
    missing = [claim_id for claim_id in claim_ids if claim_id not in members]
    if missing:
        raise ValueError(f"no claim {', '.join(map(repr, missing))} in {corpus}")
    history: dict[str, list[dict]] = {member: [] for member in members.values()}
    runs: dict[str, list[dict]] = {}
    for raw in _claims_data(corpus):
        member = str((raw.get("member") or {}).get("member_id")) if isinstance(raw, dict) else None
        if member in history:
            history[member].append(raw)
            if raw.get("claim_id") in wanted and raw["claim_id"] not in runs:
                runs[raw["claim_id"]] = list(history[member])
    today = dt.date.today().isoformat()
    label = corpus_label or str(corpus)
    cases = []
    for claim_id in claim_ids:
        claims = runs[claim_id]
        outcome = list(adjudicator.adjudicate_many(claims, MemoryLedger()))[-1]
        outcome = outcome if isinstance(outcome, ClaimFailure) else outcome.decision
        cases.append(_case(claim_id, claims, fresh(outcome), outcome, label, today))
    return cases


def _claims_data(corpus: Path) -> Iterator[Any]:
    """The decoded claims of a corpus, unreadable records skipped (they have no claim id)."""
    for record in read_claims_file(corpus):
        try:
            yield record.data()
        except ClaimError:
            continue


def _case(claim_id: str, claims: list[dict], expected: dict, outcome, corpus: str, today: str) -> NewCase:
    if isinstance(outcome, ClaimFailure):
        summary = "fails validation"
    else:
        summary = f"{outcome.status} {_yuan(outcome.total)}"
    name = f"claim {claim_id} of {Path(corpus).name}: {summary}"
    earlier = len(claims) - 1
    description = (f"Taken from {corpus} by `adjudicator case from-claim` on {today}"
                   + (f", after the member's {earlier} earlier claim(s) of the corpus (their history)" if earlier else "")
                   + ". The expectation is what the plans decided then, not a hand computation: check it against"
                   " the catalogue and write the computation here.\n")
    shared = {key: claims[0].get(key) for key in ("member", "enrolments")}
    hoist = all(all(claim.get(key) == value for claim in claims) for key, value in shared.items())
    case: dict[str, Any] = {"name": name, "description": description}
    if hoist:
        case.update(shared)
    items = []
    for position, claim in enumerate(claims):
        item = {key: value for key, value in claim.items() if not (hoist and key in shared)}
        if position == len(claims) - 1:
            item["expect"] = expected
        items.append(item)
    case["claims"] = items
    return NewCase(claim_id, name, with_dates(case))


def _yuan(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def with_dates(value: Any) -> Any:
    """JSON's date strings as dates, so the case reads like the hand-written ones."""
    if isinstance(value, dict):
        return {key: with_dates(item) for key, item in value.items()}
    if isinstance(value, list):
        return [with_dates(item) for item in value]
    if isinstance(value, str) and _DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


# -- writing -----------------------------------------------------------------------------------


def case_text(case: dict, indent: int) -> str:
    """One case as an item of a `cases:` block list whose dashes are at column `indent`."""
    pad = " " * (indent + 2)
    lines = [f"{' ' * indent}- name: {scalar(case['name'])}", f"{pad}description: |"]
    lines += [f"{pad}  {line}" for line in textwrap.wrap(case["description"], WIDTH - indent - 6)]
    for key in ("member", "enrolments", "overrides"):
        if key in case:
            lines += _field(key, case[key], indent + 2)
    lines.append(f"{pad}claims:")
    for claim in case["claims"]:
        first = True
        for key, value in claim.items():
            lead = f"{pad}  - " if first else f"{pad}    "
            if key == "expect":
                lines.append(f"{lead}expect:")
                lines += _mapping_block(value, indent + 8)
            else:
                lines += _field(key, value, indent + 6, lead=lead)
            first = False
    return "\n".join(lines) + "\n"


def _field(key: str, value: Any, indent: int, lead: str | None = None) -> list[str]:
    lead = lead if lead is not None else " " * indent
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        return [f"{lead}{key}:"] + [f"{' ' * (indent + 2)}- {wrapped(item, indent + 4)}" for item in value]
    return [f"{lead}{key}: {wrapped(value, len(lead) + len(key) + 2)}"]


def _mapping_block(value: dict, indent: int) -> list[str]:
    lines = []
    for key, item in value.items():
        if isinstance(item, dict) and item and all(isinstance(v, dict) for v in item.values()):
            lines.append(f"{' ' * indent}{scalar(key, None)}:")
            lines += _mapping_block(item, indent + 2)
        else:
            lines.append(f"{' ' * indent}{scalar(key, None)}: {wrapped(item, indent + len(str(key)) + 2)}")
    return lines


def wrapped(value: Any, column: int) -> str:
    """Flow YAML, broken between the top-level items of a mapping once a line would pass
    WIDTH; continuation lines align after the opening brace."""
    text = flow(value)
    if not isinstance(value, dict) or column + len(text) <= WIDTH:
        return text
    items = [f"{scalar(key, None)}: {flow(item)}" for key, item in value.items()]
    lines, current = [], "{"
    for item in items:
        piece = item if current == "{" else ", " + item
        if current != "{" and column + len(current) + len(piece) > WIDTH:
            lines.append(current + ",")
            current = " " * (column + 1) + item
        else:
            current += piece
    lines.append(current + "}")
    return "\n".join(lines)


def add_cases(path: Path, cases: Iterable[NewCase], schema: str) -> str:
    """The text of `path` with the cases appended to its `cases:` list (a new file if absent)."""
    if not path.exists():
        return HEADER.format(schema=schema) + "\n".join(case_text(case.data, 2) for case in cases)
    text = path.read_text(encoding="utf-8")
    root = compose(text)
    listing = node_at(root, ("cases",))
    if listing is None or listing.flow_style or not listing.value or root.value[-1][1] is not listing:
        raise ValueError(f"{path}: cases can be added only to a file whose last key is a `cases:` block list")
    first = listing.value[0].start_mark
    line_start = text.rfind("\n", 0, first.index) + 1
    dash = text.rfind("-", line_start, first.index) - line_start
    at = end_of(listing)
    added = "\n".join(case_text(case.data, dash) for case in cases).rstrip("\n")
    rest = text[at:] if text[at:].startswith("\n") else "\n" + text[at:]
    return text[:at] + "\n\n" + added + rest
