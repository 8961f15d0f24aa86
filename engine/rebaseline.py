"""`adjudicator test --update`: rewrite the expected fragments of failing cases to what the
engine decides now, in place, touching only the values that changed.

The new text of each file is computed first (so the caller can show the diff and ask), from
the case results of a run; nothing is written here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from engine.expectations import updated
from engine.model.decision import ClaimFailure
from engine.testcases import CaseResult
from engine.yamledit import Edit, apply, compose, node_at, replace_node


@dataclass
class Rebaseline:
    """New texts by file, and the cases that could not be re-baselined (with why)."""

    texts: dict[str, tuple[str, str]] = field(default_factory=dict)  # file -> (old text, new text)
    updated_cases: list[CaseResult] = field(default_factory=list)
    skipped: list[tuple[CaseResult, str]] = field(default_factory=list)


def rebaseline(results: list[CaseResult]) -> Rebaseline:
    plan = Rebaseline()
    by_file: dict[str, list[CaseResult]] = {}
    for result in results:
        if not result.passed:
            by_file.setdefault(result.case.file, []).append(result)
    for file, failing in by_file.items():
        text = Path(file).read_text(encoding="utf-8")
        root = compose(text)
        edits: list[Edit] = []
        seen: dict[int, Any] = {}  # node id -> the value written there (aliases share a node)
        for result in failing:
            reason = _why_not(result)
            if reason:
                plan.skipped.append((result, reason))
                continue
            case_edits = []
            for index, (written, outcome) in enumerate(zip(result.case.expectations, result.outcomes)):
                outcome = outcome if isinstance(outcome, ClaimFailure) else outcome.decision
                new = updated(written, outcome)
                if new == written:
                    continue
                node = node_at(root, ("cases", result.case.index, "claims", index, "expect"))
                if node is None:
                    reason = "its expectation is not in the file as written"
                    break
                if id(node) in seen:  # an alias of an expectation already rewritten
                    if seen[id(node)] != new:
                        reason = "it shares its expectation (a YAML alias) with a claim whose decision differs"
                        break
                    continue
                seen[id(node)] = new
                case_edits += _edits(text, node, written, new)
            if reason:
                plan.skipped.append((result, reason))
                continue
            edits += case_edits
            plan.updated_cases.append(result)
        if edits:
            plan.texts[file] = (text, apply(text, edits))
    return plan


def _why_not(result: CaseResult) -> str | None:
    if len(result.outcomes) != len(result.case.claims):
        return "; ".join(result.mismatches) or "the case did not run"
    return None


def _edits(text: str, node: yaml.Node, old: Any, new: Any, key: yaml.Node | None = None) -> list[Edit]:
    """Edits turning the text of `node` (whose value is `old`) into `new`: key by key where
    the same keys remain, so untouched values keep their text and comments."""
    if old is new or (type(old) is type(new) and old == new):
        return []
    if isinstance(old, dict) and isinstance(new, dict) and list(old) == list(new) and isinstance(node, yaml.MappingNode):
        entries = {key_node.value: (key_node, value) for key_node, value in node.value if isinstance(key_node, yaml.ScalarNode)}
        if all(str(name) in entries for name in old):
            return [edit for name in old
                    for edit in _edits(text, entries[str(name)][1], old[name], new[name], entries[str(name)][0])]
    return [replace_node(node, new, key, text)]
